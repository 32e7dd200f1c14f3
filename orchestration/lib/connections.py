"""Connections as Dagster sees them: each stored (provider, account) connection is a partition,
keyed by the account's slug, crossed with days of record creation.

A run's partitions say which accounts to sync and which `[start, end)` windows of creation time
to load; what to do with a connection's health after a run stopped abruptly is here too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import psycopg2

SYNCABLE = ("connected", "error")  # what `dlt_sources.sync.connected_accounts` syncs


@dataclass(frozen=True)
class Connection:
    provider: str
    account_id: str
    slug: str  # the partition key
    status: str  # connected | needs_reauth | error | revoked | disconnected
    auto_sync: bool
    created_at: datetime

    @property
    def syncable(self) -> bool:
        return self.status in SYNCABLE

    @property
    def scheduled(self) -> bool:
        """Synced by the daily schedule and given an initial backfill when new."""
        return self.syncable and self.auto_sync


def list_connections(database_url: str, provider: str, slugs: Sequence[str] | None = None) -> list[Connection]:
    """Every stored connection to `provider` (or those of the given account slugs), by slug."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """
                select c.provider, c.account_id::text, a.slug, c.status, c.auto_sync_enabled, c.created_at
                from app.api_connections c join app.accounts a using (account_id)
                where c.provider = %(provider)s and (%(slugs)s::text[] is null or a.slug = any(%(slugs)s::text[]))
                order by a.slug
                """,
                {"provider": provider, "slugs": list(slugs) if slugs is not None else None},
            )
            return [Connection(*row) for row in cur.fetchall()]
    finally:
        conn.close()


def pending_webhooks(database_url: str) -> list[tuple[str, str, int]]:
    """(provider, account slug, newest event id) of every syncable connection with stored webhook
    payloads that no sync has loaded yet."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """
                select w.provider, a.slug, max(w.event_id)
                from app.webhook_events w
                join app.api_connections c on c.connection_id = w.connection_id
                join app.accounts a on a.account_id = w.account_id
                where w.loaded_at is null and c.status = any(%s)
                group by w.provider, a.slug
                order by w.provider, a.slug
                """,
                (list(SYNCABLE),),
            )
            return [(provider, slug, int(newest)) for provider, slug, newest in cur.fetchall()]
    finally:
        conn.close()


def close_stopped_run(database_url: str, provider: str, account_ids: Iterable[str], run_id: str, reason: str) -> int:
    """After a run stopped without finishing its syncs (a crash, a kill, a Dagster error): its log
    rows still `running` end `failed` with the reason, and a connection still `connected` whose
    sync did not end well turns `error`. A sync that ended on its own already set both; returns
    how many connections this changed."""
    ids = list(account_ids)
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "update app.integration_sync_log set status = 'failed', finished_at = now(), error_message = %s "
                "where run_id = %s and provider = %s and account_id = any(%s::uuid[]) and status = 'running'",
                (reason[:2000], run_id, provider, ids),
            )
            cur.execute(
                """
                update app.api_connections c set status = 'error', last_error = %s, updated_at = now()
                where c.provider = %s and c.account_id = any(%s::uuid[]) and c.status = 'connected'
                  and not exists (select 1 from app.integration_sync_log l
                                  where l.run_id = %s and l.provider = c.provider and l.account_id = c.account_id
                                    and l.status in ('success', 'partial'))
                """,
                (reason[:2000], provider, ids, run_id),
            )
            return cur.rowcount
    finally:
        conn.close()


def connection_days(partition_keys: Iterable[str]) -> dict[str, list[date]]:
    """The days each connection's partitions name, sorted: `{"acme": [2026-11-01, ...]}`."""
    days: dict[str, set[date]] = defaultdict(set)
    for key in partition_keys:
        connection, day = str(key).split("|")  # a MultiPartitionKey's string: dimensions in name order
        days[connection].add(date.fromisoformat(day))
    return {slug: sorted(found) for slug, found in days.items()}


def windows(days: Sequence[date]) -> list[tuple[datetime, datetime]]:
    """Consecutive days as `[start, end)` windows of UTC time, one per unbroken run of days."""
    found: list[tuple[datetime, datetime]] = []
    for day in days:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if found and found[-1][1] == start:
            found[-1] = (found[-1][0], start + timedelta(days=1))
        else:
            found.append((start, start + timedelta(days=1)))
    return found
