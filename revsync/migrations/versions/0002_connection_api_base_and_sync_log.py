"""Per-connection API base and re-authorisation state; what a sync records in its log row.

- `app.api_connections.api_base`: the API host the connection's token was issued for, so a token
  is only ever sent there. NULL (every row that existed before) means the settings' default for
  the provider (`HUBSPOT_API_BASE`, ...).
- `app.api_connections.status` gains `needs_reauth`: the provider refused the credentials
  (revoked, or a refresh token that no longer works); a person must reconnect.
- `app.integration_sync_log.status` gains `partial` (some object types loaded, others failed), and
  the row gains `trigger` (schedule, backfill, sensor or manual), `api_calls`, `rate_limited`
  (429 answers) and `items` (rows per object type, counted as new or changed).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        alter table app.api_connections add column api_base text;
        alter table app.api_connections drop constraint api_connections_status_check;
        alter table app.api_connections add constraint api_connections_status_check
            check (status in ('connected', 'needs_reauth', 'error', 'revoked', 'disconnected'));

        alter table app.integration_sync_log drop constraint integration_sync_log_status_check;
        alter table app.integration_sync_log add constraint integration_sync_log_status_check
            check (status in ('running', 'success', 'partial', 'failed'));
        alter table app.integration_sync_log
            add column trigger text check (trigger in ('schedule', 'backfill', 'sensor', 'manual')),
            add column api_calls integer check (api_calls >= 0),
            add column rate_limited integer check (rate_limited >= 0),
            add column items jsonb;
        comment on column app.api_connections.api_base is
            'API base URL the token was issued for; NULL means the settings default for the provider';
        comment on column app.integration_sync_log.items is
            'rows per object type, new or changed: {"calls": {"new": 10, "changed": 2}, ...}';
        """
    )


def downgrade() -> None:
    op.execute(
        """
        alter table app.integration_sync_log
            drop column items, drop column rate_limited, drop column api_calls, drop column trigger;
        update app.integration_sync_log set status = 'failed' where status = 'partial';
        alter table app.integration_sync_log drop constraint integration_sync_log_status_check;
        alter table app.integration_sync_log add constraint integration_sync_log_status_check
            check (status in ('running', 'success', 'failed'));

        update app.api_connections set status = 'error' where status = 'needs_reauth';
        alter table app.api_connections drop constraint api_connections_status_check;
        alter table app.api_connections add constraint api_connections_status_check
            check (status in ('connected', 'error', 'revoked', 'disconnected'));
        alter table app.api_connections drop column api_base;
        """
    )
