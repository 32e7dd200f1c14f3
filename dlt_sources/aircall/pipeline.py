"""The Aircall sync, defined once: `revsync sync aircall` and the Dagster assets both call it.

`sync_company` loads one Aircall company (one revsync account) through its own dlt pipeline
(`aircall_<account>`, see dlt_sources.loading).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import psycopg2
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.aircall.api import DEFAULT_RATE, AircallApi, SecretsSource
from dlt_sources.aircall.reader import DEFAULT_LOOKBACK_SECONDS, MODES, CompanyReader, SyncPlan
from dlt_sources.aircall.source import aircall_source
from dlt_sources.http import RetryPolicy
from dlt_sources.loading import ReadInLoads, SyncResult, one_sync_per_account, our_error, pipeline_for, run_pipeline

if TYPE_CHECKING:
    from revsync.credentials import ConnectionCredentials

DATASET = "raw_aircall"


@dataclass
class AircallSyncOptions:
    """How to sync; every field has the sensible default."""

    mode: str = "incremental"  # incremental | full
    window: tuple[datetime, datetime] | None = None  # [start, end) on started_at
    lookback_seconds: int = DEFAULT_LOOKBACK_SECONDS  # incremental re-reads calls started this long before
    transcriptions: bool = True  # one request per recorded call without one yet (AI add-on)
    rate: tuple[int, float] = DEFAULT_RATE  # requests per window, adapted from X-AircallApi-* headers
    rows_per_load: int = 25_000  # a big read is loaded in parts, each saving how far it read
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if self.window is not None and not self.window[0] < self.window[1]:
            raise ValueError("the window's start must be before its end")
        if self.window is not None and self.mode != "incremental":
            raise ValueError("a window loads the calls started in it; it cannot be combined with "
                             f"{self.mode} (run that without --start/--end)")
        if self.lookback_seconds < 0:
            raise ValueError("the lookback must be zero or more seconds")
        if self.rows_per_load < 1:
            raise ValueError("rows_per_load must be at least 1")


def sync_company(database_url: str, api_base: str, credentials: SecretsSource,
                 options: AircallSyncOptions | None = None, *, pipelines_dir: str | None = None,
                 progress: Callable[[str], None] | None = None) -> SyncResult:
    """Read one Aircall company and merge it into raw_aircall; returns what it did."""
    options = options or AircallSyncOptions()
    account_id = credentials.account_id
    started = time.monotonic()
    api = AircallApi(api_base, credentials, rate=options.rate, policy=options.policy)
    plan = SyncPlan(account_id=account_id, mode=options.mode, window=options.window,
                    lookback_seconds=options.lookback_seconds, transcriptions=options.transcriptions,
                    loaded_transcriptions=lambda: _loaded_transcriptions(database_url, account_id),
                    loaded_hashes=lambda ids: _loaded_hashes(database_url, account_id, ids))
    reader = CompanyReader(api, plan, progress)
    pipeline = pipeline_for("aircall", account_id, database_url, DATASET, pipelines_dir)
    try:
        with one_sync_per_account(database_url, "aircall", account_id):
            read = ReadInLoads(reader, options.rows_per_load)
            try:
                run_pipeline(pipeline, _parts(read), database_url, DATASET)
            finally:
                read.close()
    except PipelineStepFailed as exc:
        raise our_error(exc) from None
    finally:
        api.close()
    outcome = reader.outcome
    return SyncResult(
        provider="aircall", account_id=account_id, mode="window" if options.window else options.mode,
        rows=dict(outcome.rows), changed=dict(outcome.changed), skipped=dict(outcome.skipped),
        quarantined=dict(outcome.quarantined), api_calls=api.stats.api_calls,
        rate_limited=api.stats.rate_limited, retries=api.stats.retries, refreshes=api.stats.refreshes,
        seconds=time.monotonic() - started, calls_by_endpoint=dict(api.stats.by_endpoint),
        extra={"read_seconds": round(outcome.seconds, 1), "windows_split": api.splits,
               "transcriptions": dict(outcome.transcriptions),
               "quarantine_reasons": dict(outcome.reasons)},
    )


def _parts(read: ReadInLoads) -> Iterator:
    while not read.finished:
        yield aircall_source(read)


def _loaded_hashes(database_url: str, account_id: str, ids: list[int]) -> dict[int, str]:
    """`{id: content_hash}` of these calls as raw_aircall holds them (none before a first load)."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from information_schema.columns where table_schema = %s and table_name = 'calls' "
                        "and column_name = 'content_hash'", (DATASET,))
            if cur.fetchone() is None:
                return {}
            cur.execute(f"select id, content_hash from {DATASET}.calls where account_id = %s and id = any(%s)",
                        (account_id, ids))
            return {int(row[0]): row[1] for row in cur.fetchall()}
    finally:
        conn.close()


def _loaded_transcriptions(database_url: str, account_id: str) -> set[int]:
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select to_regclass(%s)", (f"{DATASET}.call_transcriptions",))
            if cur.fetchone()[0] is None:
                return set()
            cur.execute(f"select call_id from {DATASET}.call_transcriptions where account_id = %s", (account_id,))
            return {int(row[0]) for row in cur.fetchall()}
    finally:
        conn.close()


def sync_account(database_url: str, credentials: ConnectionCredentials, options: AircallSyncOptions | None = None,
                 *, pipelines_dir: str | None = None, progress: Callable[[str], None] | None = None) -> SyncResult:
    """The entry point `dlt_sources.sync` calls: the company at the connection's own API base."""
    return sync_company(database_url, credentials.api_base, credentials, options,
                        pipelines_dir=pipelines_dir, progress=progress)
