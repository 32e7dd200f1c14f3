"""The web app: login sessions, login attempts (rate limiting), one-time password links, and OAuth
states bound to the session that started them.

- `app.web_sessions`: one row per signed-in browser. The cookie holds a random token; only its
  SHA-256 is stored, so a database dump cannot be replayed as a login. Each session has its own
  CSRF token for forms.
- `app.login_attempts`: every password attempt by email and client address, for rate limiting
  guessing; old rows are pruned by the app.
- `app.password_links`: a one-time link that lets a user set a password (`revsync users add`
  without `--password`); only the token's SHA-256 is stored; used once, expires.
- `app.oauth_states` gains `session_hash` (the session that started the connect: a callback from
  another session is refused) and `redirect_uri` (the exact one sent to the provider, sent again
  with the code).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table app.web_sessions (
            session_hash text primary key,
            user_id uuid not null references app.users on delete cascade,
            csrf_token text not null,
            created_at timestamptz not null default now(),
            last_seen_at timestamptz not null default now(),
            expires_at timestamptz not null
        );
        create index web_sessions_user_idx on app.web_sessions (user_id);
        comment on column app.web_sessions.session_hash is
            'SHA-256 (hex) of the session cookie''s token; the token itself is never stored';

        create table app.login_attempts (
            attempt_id bigint generated always as identity primary key,
            email text not null,
            client_ip text not null,
            succeeded boolean not null,
            attempted_at timestamptz not null default now()
        );
        create index login_attempts_email_idx on app.login_attempts (lower(email), attempted_at desc);
        create index login_attempts_ip_idx on app.login_attempts (client_ip, attempted_at desc);

        create table app.password_links (
            token_hash text primary key,
            user_id uuid not null references app.users on delete cascade,
            created_at timestamptz not null default now(),
            expires_at timestamptz not null,
            used_at timestamptz
        );

        delete from app.oauth_states;
        alter table app.oauth_states
            add column session_hash text not null references app.web_sessions on delete cascade,
            add column redirect_uri text not null;
        create index oauth_states_expires_idx on app.oauth_states (expires_at);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop index app.oauth_states_expires_idx;
        alter table app.oauth_states drop column redirect_uri, drop column session_hash;
        drop table app.password_links;
        drop table app.login_attempts;
        drop table app.web_sessions;
        """
    )
