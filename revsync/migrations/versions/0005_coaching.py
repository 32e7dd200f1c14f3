"""Coaching messages and their outcomes; each account's time zone; per-account BI logins.

- `app.coaching_messages`: a coaching note to a rep, usually about one conversation. Its lifecycle
  draft → approved → sent → read → acknowledged is enforced here: a message is created as a draft,
  moves one step forward at a time, never back, and each step stamps its time. Only a manager of
  the same account approves; the message's rep is a rep of that account. The rep may answer once
  the message was read.
- `app.coaching_outcomes`: a methodology score (0-100) before and after a message, as measured at
  a time; same account as its message.
- `app.accounts.time_zone`: the IANA zone an account's days are counted in (rep_activity_daily).
- `app.bi_logins`: which account each BI login (a PostgreSQL role, `revsync bi grant`) may read,
  and for a rep's login, which rep. `app.bi_login_account_id()` and `app.bi_login_rep_id()` answer
  that for the current login; the row-level security policies on `analytics` call them.
  `revsync_bi_reader` is the group every BI login belongs to: it holds the read grants on
  `analytics`. The earlier single login `revsync_bi`, which saw every account, is dropped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table app.accounts add column time_zone text not null default 'UTC';
        comment on column app.accounts.time_zone is
            'IANA time zone (e.g. Europe/Paris) that the account''s daily metrics are counted in';
        create function app.check_account_time_zone() returns trigger language plpgsql as $$
        begin
            if not exists (select 1 from pg_timezone_names where name = new.time_zone) then
                raise exception 'unknown time zone %', new.time_zone
                    using hint = 'use an IANA name such as Europe/Paris or America/New_York';
            end if;
            return new;
        end $$;
        create trigger accounts_time_zone_check before insert or update of time_zone on app.accounts
            for each row execute function app.check_account_time_zone();

        create table app.coaching_messages (
            message_id uuid primary key default gen_random_uuid(),
            account_id uuid not null references app.accounts on delete cascade,
            rep_id uuid not null references app.users on delete cascade,
            conversation_id text,
            body text not null check (length(trim(body)) > 0),
            status text not null default 'draft'
                check (status in ('draft', 'approved', 'sent', 'read', 'acknowledged')),
            created_by uuid references app.users on delete set null,
            approved_by uuid references app.users on delete set null,
            created_at timestamptz not null default now(),
            approved_at timestamptz,
            sent_at timestamptz,
            read_at timestamptz,
            acknowledged_at timestamptz,
            rep_response text,
            responded_at timestamptz,
            unique (message_id, account_id),
            check (rep_response is null or status in ('read', 'acknowledged')),
            check ((rep_response is null) = (responded_at is null))
        );
        create index coaching_messages_account_idx on app.coaching_messages (account_id, rep_id, created_at desc);
        comment on column app.coaching_messages.conversation_id is
            'the conversation that prompted the message: analytics.synced_conversations.conversation_id';

        create function app.enforce_coaching_lifecycle() returns trigger language plpgsql as $$
        declare
            steps constant text[] := array['draft', 'approved', 'sent', 'read', 'acknowledged'];
            old_step int := case when tg_op = 'UPDATE' then array_position(steps, old.status) else 1 end;
            new_step int := array_position(steps, new.status);
        begin
            if tg_op = 'INSERT' and new.status <> 'draft' then
                raise exception 'a coaching message starts as a draft, not %', new.status;
            end if;
            if tg_op = 'UPDATE' and (new.account_id <> old.account_id or new.rep_id <> old.rep_id) then
                raise exception 'a coaching message keeps its account and rep';
            end if;
            if new_step < old_step or new_step > old_step + 1 then
                raise exception 'a coaching message moves draft → approved → sent → read → acknowledged '
                    'one step at a time; % → % is not allowed', old.status, new.status;
            end if;
            if not exists (select 1 from app.users u where u.user_id = new.rep_id
                           and u.account_id = new.account_id and u.role = 'rep') then
                raise exception 'rep_id must be a rep of the message''s account';
            end if;
            if new_step >= 2 then
                if new.approved_by is null or not exists (
                    select 1 from app.users u where u.user_id = new.approved_by
                    and u.account_id = new.account_id and u.role = 'manager') then
                    raise exception 'an approved message needs approved_by: a manager of the message''s account';
                end if;
            end if;
            -- Each step stamps its time once.
            if new_step >= 2 then new.approved_at := coalesce(new.approved_at, now()); end if;
            if new_step >= 3 then new.sent_at := coalesce(new.sent_at, now()); end if;
            if new_step >= 4 then new.read_at := coalesce(new.read_at, now()); end if;
            if new_step >= 5 then new.acknowledged_at := coalesce(new.acknowledged_at, now()); end if;
            return new;
        end $$;
        create trigger coaching_messages_lifecycle before insert or update on app.coaching_messages
            for each row execute function app.enforce_coaching_lifecycle();

        create table app.coaching_outcomes (
            outcome_id uuid primary key default gen_random_uuid(),
            message_id uuid not null,
            account_id uuid not null,
            methodology text not null check (length(trim(methodology)) > 0),
            score_before numeric(5, 2) not null check (score_before between 0 and 100),
            score_after numeric(5, 2) not null check (score_after between 0 and 100),
            measured_at timestamptz not null default now(),
            foreign key (message_id, account_id) references app.coaching_messages (message_id, account_id)
                on delete cascade
        );
        create index coaching_outcomes_message_idx on app.coaching_outcomes (message_id);
        comment on column app.coaching_outcomes.methodology is
            'the sales methodology the scores are measured in, e.g. MEDDIC or SPIN';

        create table app.bi_logins (
            role_name text primary key,
            account_id uuid not null references app.accounts on delete cascade,
            rep_id uuid references app.users on delete cascade,
            created_at timestamptz not null default now(),
            rotated_at timestamptz not null default now()
        );
        comment on column app.bi_logins.rep_id is
            'set for a rep''s own login: it sees only that rep''s coaching rows; null for the account''s login';

        -- Run with their owner's rights, so a BI login learns its own scope without reading app.*.
        create function app.bi_login_account_id() returns uuid
            language sql stable security definer set search_path = pg_catalog as $$
            select account_id from app.bi_logins where role_name = session_user
        $$;
        create function app.bi_login_rep_id() returns uuid
            language sql stable security definer set search_path = pg_catalog as $$
            select rep_id from app.bi_logins where role_name = session_user
        $$;
        revoke all on function app.bi_login_account_id() from public;
        revoke all on function app.bi_login_rep_id() from public;

        do $$ begin
            if not exists (select 1 from pg_roles where rolname = 'revsync_bi_reader') then
                create role revsync_bi_reader nologin;
            end if;
        end $$;
        create schema if not exists analytics;
        grant usage on schema analytics to revsync_bi_reader;
        -- The policies call the function as the BI login: it needs the schema and the function, no table.
        grant usage on schema app to revsync_bi_reader;
        grant execute on function app.bi_login_account_id(), app.bi_login_rep_id() to revsync_bi_reader;

        -- The single BI login of earlier versions read every account: it goes.
        do $$ begin
            if exists (select 1 from pg_roles where rolname = 'revsync_bi') then
                drop owned by revsync_bi;
                drop role revsync_bi;
            end if;
        end $$;
        """
    )


def downgrade() -> None:
    # cascade: dbt's views over these go too; the next dbt build recreates what still applies.
    op.execute(
        """
        do $$ declare login record; begin
            for login in select role_name from app.bi_logins loop
                execute format('drop role if exists %I', login.role_name);
            end loop;
        end $$;
        revoke usage on schema app from revsync_bi_reader;
        -- The marts' policies go with it: their row-level security then lets no BI login read a row.
        drop function app.bi_login_account_id(), app.bi_login_rep_id() cascade;
        drop table app.bi_logins;
        drop table app.coaching_outcomes cascade;
        drop table app.coaching_messages cascade;
        drop function app.enforce_coaching_lifecycle();
        drop trigger accounts_time_zone_check on app.accounts;
        drop function app.check_account_time_zone();
        alter table app.accounts drop column time_zone cascade;
        """
    )
