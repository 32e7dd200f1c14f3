"""The HubSpot sync, defined once: `revsync sync hubspot` and the Dagster assets both call it.

`sync_portal` loads one portal (one revsync account) through its own dlt pipeline
(`hubspot_<account>`), so each account's incremental state is its own and two accounts syncing at
once never share a working folder or state. Loads into `raw_hubspot` take a PostgreSQL advisory
lock, because dlt's merge stages rows in shared staging tables.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import dlt
import psycopg2
from dlt.pipeline.exceptions import PipelineStepFailed
from psycopg2 import sql

from dlt_sources.http import RetryPolicy, SourceError, TokenSource
from dlt_sources.hubspot.api import DEFAULT_API_VERSION, DEFAULT_BURST, DEFAULT_SEARCH, HubSpotApi
from dlt_sources.hubspot.objects import OBJECTS, with_extra_properties
from dlt_sources.hubspot.reader import MODES, PortalReader, SyncPlan
from dlt_sources.hubspot.source import hubspot_source
from revsync.errors import RevsyncError

log = logging.getLogger("revsync.sources.hubspot")
DATASET = "raw_hubspot"


@dataclass
class HubSpotSyncOptions:
    """How to sync; every field has the sensible default."""

    mode: str = "incremental"  # incremental | full | reconcile
    window: tuple[datetime, datetime] | None = None  # [start, end) on creation time
    api_version: str = DEFAULT_API_VERSION
    # The legacy v1 engagements API reads 250 a call but lacks call direction, email direction and
    # status, and two meeting properties, which then cost a batch read per 100 records: measured,
    # it spends more calls than the date-based lists. Opt in; it falls back when HubSpot drops it.
    use_v1_engagements: bool = False
    object_types: tuple[str, ...] = tuple(OBJECTS)
    extra_properties: dict[str, tuple[str, ...]] = field(default_factory=dict)
    burst: tuple[int, float] = DEFAULT_BURST  # requests per window (app tier), adapted from headers
    search: tuple[int, float] = DEFAULT_SEARCH  # search's own bucket; its answers carry no limit headers
    lookback_seconds: int = 300
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        unknown = set(self.object_types) - set(OBJECTS)
        if unknown:
            raise ValueError(f"unknown HubSpot object types: {', '.join(sorted(unknown))}")
        if self.window is not None and not self.window[0] < self.window[1]:
            raise ValueError("the window's start must be before its end")
        if self.window is not None and self.mode != "incremental":
            raise ValueError("a window loads the records created in it; it cannot be combined with "
                             f"{self.mode} (run that without --start/--end)")


@dataclass
class PortalSyncResult:
    account_id: str
    mode: str  # incremental | full | reconcile | window
    rows: dict[str, int]  # rows written per raw table
    changed: dict[str, int]  # of those, records new or changed since the last sync
    marked_deleted: dict[str, int]
    skipped: dict[str, str]
    api_calls: int
    rate_limited: int
    retries: int
    refreshes: int  # tokens refreshed after a 401
    seconds: float
    read_seconds: float  # of `seconds`, reading the API (the rest: normalizing and loading)
    v1_used: bool | None
    calls_by_endpoint: dict[str, int]

    def summary(self) -> str:
        parts = [f"{table} {count:,}" for table, count in sorted(self.changed.items()) if count]
        changed = ", ".join(parts) or "nothing new"
        deleted = sum(self.marked_deleted.values())
        return (f"{self.mode} sync: {changed}"
                + (f"; {deleted:,} marked deleted" if deleted else "")
                + f"; {self.api_calls:,} API calls, {self.rate_limited} rate-limited, {self.seconds:.1f} s")

    def details(self) -> dict[str, Any]:
        return {"mode": self.mode, "rows": self.rows, "changed": self.changed,
                "marked_deleted": self.marked_deleted, "skipped": self.skipped, "retries": self.retries,
                "refreshes": self.refreshes, "read_seconds": round(self.read_seconds, 1),
                "v1_engagements": self.v1_used, "calls_by_endpoint": self.calls_by_endpoint}


def pipeline_for(account_id: str, database_url: str, pipelines_dir: str | None = None) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=f"hubspot_{account_id.replace('-', '')}",
        destination=dlt.destinations.postgres(credentials=database_url),
        dataset_name=DATASET,
        pipelines_dir=pipelines_dir,
    )


@contextmanager
def load_lock(database_url: str, dataset: str):
    """One load into `dataset` at a time, across processes (a session-level advisory lock)."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_advisory_lock(%s)", (zlib.crc32(dataset.encode()),))
        yield
    finally:
        conn.close()  # ends the session, which releases the lock


class SyncAlreadyRunning(SourceError):
    pass


@contextmanager
def one_sync_per_account(database_url: str, account_id: str):
    """At most one HubSpot sync of an account at a time, across processes and machines (a
    session-level advisory lock): two would share the account's bookmarks, and the one that read
    earlier could load last over newer rows."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s, %s)",
                        (zlib.crc32(b"hubspot") - 2**31, zlib.crc32(account_id.encode()) - 2**31))
            if not cur.fetchone()[0]:
                raise SyncAlreadyRunning(
                    f"hubspot account {account_id}: another sync of this account is running; "
                    "this one did nothing. Wait for it to finish, then sync again if needed.")
        yield
    finally:
        conn.close()  # ends the session, which releases the lock


def sync_portal(database_url: str, api_base: str, credentials: TokenSource, options: HubSpotSyncOptions | None = None,
                *, pipelines_dir: str | None = None, progress: Callable[[str], None] | None = None
                ) -> PortalSyncResult:
    """Read one portal and merge it into raw_hubspot; returns what it did."""
    options = options or HubSpotSyncOptions()
    account_id = credentials.account_id
    started = time.monotonic()
    specs = with_extra_properties(options.extra_properties)
    api = HubSpotApi(api_base, credentials, version=options.api_version, burst=options.burst,
                     search=options.search, policy=options.policy)
    plan = SyncPlan(account_id=account_id, mode=options.mode, window=options.window,
                    use_v1=options.use_v1_engagements, object_types=options.object_types, specs=specs,
                    lookback_seconds=options.lookback_seconds,
                    loaded_versions=lambda kind, ids: _loaded_versions(database_url, account_id, kind, ids),
                    loaded_ids=lambda kind: _loaded_ids(database_url, account_id, kind))
    reader = PortalReader(api, plan, progress)
    pipeline = pipeline_for(account_id, database_url, pipelines_dir)
    try:
        with one_sync_per_account(database_url, account_id):
            _run(pipeline, reader, database_url)
            with load_lock(database_url, DATASET):
                marked = _mark_gone(database_url, account_id, reader)
    except PipelineStepFailed as exc:
        raise _our_error(exc) from None
    finally:
        api.close()
    outcome = reader.outcome
    return PortalSyncResult(
        account_id=account_id, mode="window" if options.window else options.mode, rows=dict(outcome.rows),
        changed=dict(outcome.changed),
        marked_deleted=marked, skipped=dict(outcome.skipped), api_calls=api.stats.api_calls,
        rate_limited=api.stats.rate_limited, retries=api.stats.retries,
        refreshes=api.stats.refreshes, seconds=time.monotonic() - started,
        read_seconds=outcome.seconds, v1_used=outcome.v1_used, calls_by_endpoint=dict(api.stats.by_endpoint),
    )


def _our_error(exc: BaseException) -> BaseException:
    """dlt wraps what a resource raised; the sync reports the error that says what to do."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, SourceError | RevsyncError):
            return current
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return exc


def _run(pipeline: dlt.Pipeline, reader: PortalReader, database_url: str) -> None:
    with load_lock(database_url, DATASET):
            # A load a crash interrupted is finished first; then the state the destination holds
        # (bookmarks) wins over whatever this machine's working folder remembers.
        if pipeline.has_pending_data:
            pipeline.normalize()
            pipeline.load()
        pipeline.sync_destination()
    pipeline.extract(hubspot_source(reader))
    pipeline.normalize()
    with load_lock(database_url, DATASET):
        pipeline.load()


def _loaded_versions(database_url: str, account_id: str, object_type: str, ids: list[str]) -> dict:
    """`{id: updated_at}` of the given records as raw_hubspot holds them (none before a first load)."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select to_regclass(%s)", (f"{DATASET}.{object_type}",))
            if cur.fetchone()[0] is None:
                return {}
            cur.execute(sql.SQL("select id, updated_at from {} where account_id = %s and id = any(%s)")
                        .format(sql.Identifier(DATASET, object_type)), (account_id, ids))
            return dict(cur.fetchall())
    finally:
        conn.close()


def _loaded_ids(database_url: str, account_id: str, object_type: str) -> set[int]:
    """Ids of the rows raw_hubspot holds as live for the account."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select to_regclass(%s)", (f"{DATASET}.{object_type}",))
            if cur.fetchone()[0] is None:
                return set()
            cur.execute(sql.SQL("select id from {} where account_id = %s and not coalesce(is_deleted, false)")
                        .format(sql.Identifier(DATASET, object_type)), (account_id,))
            return {int(row[0]) for row in cur.fetchall()}
    finally:
        conn.close()


def _mark_gone(database_url: str, account_id: str, reader: PortalReader) -> dict[str, int]:
    """After a full read or a reconcile: records we hold as live that HubSpot no longer lists
    (purged outright, or archived while we were not looking) are marked deleted."""
    marked: dict[str, int] = {}
    seen_ids = reader.outcome.seen_ids
    if not seen_ids:
        return marked
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select table_name from information_schema.tables where table_schema = %s", (DATASET,))
            existing = {row[0] for row in cur.fetchall()}
            for object_type, ids in seen_ids.items():
                if object_type in reader.outcome.skipped or object_type not in existing:
                    continue
                cur.execute("create temporary table if not exists seen_ids (id text primary key) on commit drop")
                cur.execute("truncate seen_ids")
                _copy_ids(cur, ids)
                cur.execute(
                    sql.SQL("update {table} t set is_deleted = true, deleted_at = coalesce(t.deleted_at, now()) "
                            "where t.account_id = %s and not coalesce(t.is_deleted, false) "
                            "and not exists (select 1 from seen_ids s where s.id = t.id)")
                    .format(table=sql.Identifier(DATASET, object_type)),
                    (account_id,),
                )
                marked[object_type] = cur.rowcount
    finally:
        conn.close()
    return marked


def _copy_ids(cur, ids: set[int]) -> None:
    import io

    buffer = io.StringIO("".join(f"{i}\n" for i in ids))
    cur.copy_expert("copy seen_ids (id) from stdin", buffer)
