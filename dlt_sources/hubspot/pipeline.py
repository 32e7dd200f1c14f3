"""The HubSpot sync, defined once: `revsync sync hubspot` and the Dagster assets both call it.

`sync_portal` loads one portal (one revsync account) through its own dlt pipeline
(`hubspot_<account>`, see dlt_sources.loading).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg2
from dlt.pipeline.exceptions import PipelineStepFailed
from psycopg2 import sql

from dlt_sources.http import RetryPolicy, TokenSource
from dlt_sources.hubspot.api import DEFAULT_API_VERSION, DEFAULT_BURST, DEFAULT_SEARCH, HubSpotApi
from dlt_sources.hubspot.objects import OBJECTS, with_extra_properties
from dlt_sources.hubspot.reader import MODES, PortalReader, SyncPlan
from dlt_sources.hubspot.source import hubspot_source
from dlt_sources.loading import (
    ReadInLoads,
    SyncResult,
    load_lock,
    one_sync_per_account,
    our_error,
    pipeline_for,
    run_pipeline,
)

if TYPE_CHECKING:
    from revsync.credentials import ConnectionCredentials

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
    # A big read is loaded in parts of this many rows, while the reading goes on.
    rows_per_load: int = 25_000
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
class PortalSyncResult(SyncResult):
    read_seconds: float = 0.0  # of `seconds`, reading the API (the rest: normalizing and loading)
    v1_used: bool | None = None  # whether the legacy v1 engagements API was read

    def details(self) -> dict[str, Any]:
        return {**super().details(), "read_seconds": round(self.read_seconds, 1), "v1_engagements": self.v1_used}


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
                    loaded_ids=lambda kind: _loaded_ids(database_url, account_id, kind),
                    live_count=lambda kind, read, archived: _live_count(database_url, account_id, kind, read,
                                                                         archived))
    reader = PortalReader(api, plan, progress)
    pipeline = pipeline_for("hubspot", account_id, database_url, DATASET, pipelines_dir)
    try:
        with one_sync_per_account(database_url, "hubspot", account_id):
            read = ReadInLoads(reader, options.rows_per_load)
            try:
                run_pipeline(pipeline, _parts(read), database_url, DATASET)
            finally:
                read.close()
            with load_lock(database_url, DATASET):
                marked = _mark_gone(database_url, account_id, reader)
    except PipelineStepFailed as exc:
        raise our_error(exc) from None
    finally:
        api.close()
    outcome = reader.outcome
    return PortalSyncResult(
        provider="hubspot", account_id=account_id, mode="window" if options.window else options.mode,
        rows=dict(outcome.rows), changed=dict(outcome.changed),
        marked_deleted=marked, skipped=dict(outcome.skipped), quarantined=dict(outcome.quarantined),
        api_calls=api.stats.api_calls,
        rate_limited=api.stats.rate_limited, retries=api.stats.retries,
        refreshes=api.stats.refreshes, seconds=time.monotonic() - started,
        read_seconds=outcome.seconds, v1_used=outcome.v1_used, calls_by_endpoint=dict(api.stats.by_endpoint),
    )


def _parts(read: ReadInLoads) -> Iterator:
    while not read.finished:
        yield hubspot_source(read)


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


def _live_count(database_url: str, account_id: str, object_type: str, read: set[str], archived: set[str]) -> int:
    """How many live rows raw_hubspot holds for the account once `read` (live) and `archived` are
    loaded: rows already live or read live, less those read archived."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select to_regclass(%s)", (f"{DATASET}.{object_type}",))
            if cur.fetchone()[0] is None:
                return len(read - archived)
            cur.execute(sql.SQL("select count(*) from (select id from {} where account_id = %s "
                                "and not coalesce(is_deleted, false) union select unnest(%s::text[])) live "
                                "where not (id = any(%s::text[]))").format(sql.Identifier(DATASET, object_type)),
                        (account_id, sorted(read), sorted(archived)))
            return int(cur.fetchone()[0])
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


def sync_account(database_url: str, credentials: ConnectionCredentials, options: HubSpotSyncOptions | None = None, *,
                 pipelines_dir: str | None = None, progress: Callable[[str], None] | None = None) -> PortalSyncResult:
    """The entry point `dlt_sources.sync` calls: the portal at the connection's own API base."""
    return sync_portal(database_url, credentials.api_base, credentials, options,
                       pipelines_dir=pipelines_dir, progress=progress)
