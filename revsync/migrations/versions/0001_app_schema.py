"""The app schema: accounts, users, provider connections, OAuth states and the sync log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table app.accounts (
            account_id uuid primary key default gen_random_uuid(),
            name text not null,
            slug text not null unique,
            created_at timestamptz not null default now()
        );

        create table app.users (
            user_id uuid primary key default gen_random_uuid(),
            account_id uuid not null references app.accounts on delete cascade,
            email text not null,
            display_name text,
            role text not null check (role in ('manager', 'rep')),
            password_hash text,
            created_at timestamptz not null default now()
        );
        -- Reps are matched to provider activity by email, whatever its letter case.
        create unique index users_email_key on app.users (lower(email));
        create index users_account_idx on app.users (account_id);

        -- One connection per provider per account. Secrets (tokens, API keys) are a Fernet token
        -- of a JSON object: never stored, logged or returned in plain text.
        create table app.api_connections (
            connection_id uuid primary key default gen_random_uuid(),
            account_id uuid not null references app.accounts on delete cascade,
            provider text not null check (provider in ('hubspot', 'fathom', 'aircall')),
            auth_type text not null check (auth_type in ('oauth', 'private_app', 'api_key', 'basic')),
            external_account_id text,
            secrets_encrypted bytea not null,
            scopes text[] not null default '{}',
            token_expires_at timestamptz,
            status text not null default 'connected'
                check (status in ('connected', 'error', 'revoked', 'disconnected')),
            auto_sync_enabled boolean not null default true,
            last_error text,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            unique (account_id, provider)
        );

        create table app.oauth_states (
            state text primary key,
            account_id uuid not null references app.accounts on delete cascade,
            user_id uuid references app.users on delete cascade,
            provider text not null,
            code_verifier_encrypted bytea,
            created_at timestamptz not null default now(),
            expires_at timestamptz not null
        );

        -- One row per sync attempt, written by the orchestration; read by the integrations page
        -- and analytics.integration_health.
        create table app.integration_sync_log (
            sync_id bigint generated always as identity primary key,
            account_id uuid not null references app.accounts on delete cascade,
            provider text not null,
            run_id text,
            started_at timestamptz not null default now(),
            finished_at timestamptz,
            status text not null default 'running' check (status in ('running', 'success', 'failed')),
            records_synced bigint,
            error_message text,
            details jsonb not null default '{}'
        );
        create index integration_sync_log_account_idx
            on app.integration_sync_log (account_id, provider, started_at desc);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop table app.integration_sync_log;
        drop table app.oauth_states;
        drop table app.api_connections;
        drop table app.users;
        drop table app.accounts;
        """
    )
