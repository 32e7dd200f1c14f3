"""`app.integration_sync_log`: one row per account per sync attempt, failed and retried ones too.

The integrations page and `analytics.integration_health` read it. A row starts `running` and ends
`success`, `partial` (some object types skipped, e.g. a missing scope) or `failed` with the error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import psycopg2

TRIGGERS = ("schedule", "backfill", "sensor", "manual")


def start_sync(database_url: str, account_id: str, provider: str, trigger: str, run_id: str | None = None) -> int:
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger must be one of {', '.join(TRIGGERS)}")
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "insert into app.integration_sync_log (account_id, provider, run_id, trigger) "
                "values (%s, %s, %s, %s) returning sync_id",
                (account_id, provider, run_id, trigger),
            )
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def finish_sync(database_url: str, sync_id: int, status: str, *, items: Mapping[str, int] | None = None,
                api_calls: int | None = None, rate_limited: int | None = None, error: str | None = None,
                details: Mapping[str, Any] | None = None) -> None:
    """Close the row. `items`: records new or changed per object type; `records_synced` is their sum."""
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                """
                update app.integration_sync_log
                set finished_at = now(), status = %s, items = %s, records_synced = %s, api_calls = %s,
                    rate_limited = %s, error_message = %s, details = coalesce(%s::jsonb, details)
                where sync_id = %s
                """,
                (status, json.dumps(dict(items)) if items is not None else None,
                 sum(items.values()) if items is not None else None, api_calls, rate_limited,
                 error[:2000] if error else None, json.dumps(dict(details), default=str) if details else None,
                 sync_id),
            )
    finally:
        conn.close()
