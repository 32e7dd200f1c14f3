"""Provider webhook deliveries, stored durably before the receiver answers 2xx.

`app.webhook_events` holds one row per delivery a receiver accepted (signature and timestamp
checked), keyed by the provider's delivery id (`webhook-id` for Standard Webhooks), so a replay
or a retry of the same delivery stores nothing new. The next sync of the connection loads the
payloads it has not loaded yet (`loaded_at` is null) without calling the provider, then stamps
them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        create table app.webhook_events (
            event_id bigint generated always as identity primary key,
            connection_id uuid not null references app.api_connections on delete cascade,
            account_id uuid not null references app.accounts on delete cascade,
            provider text not null check (provider in ('hubspot', 'fathom', 'aircall')),
            delivery_id text not null,
            event_type text,
            payload jsonb not null,
            received_at timestamptz not null default now(),
            loaded_at timestamptz,
            unique (provider, delivery_id)
        );
        create index webhook_events_pending_idx
            on app.webhook_events (account_id, provider) where loaded_at is null;
        comment on column app.webhook_events.delivery_id is
            'the provider''s id for the delivery (webhook-id): a replayed or retried delivery stores nothing new';
        comment on column app.webhook_events.loaded_at is
            'when a sync loaded the payload into the raw tables; null while pending';
        """
    )


def downgrade() -> None:
    op.execute("drop table app.webhook_events;")
