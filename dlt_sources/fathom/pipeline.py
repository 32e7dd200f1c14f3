"""The Fathom sync, defined once: `revsync sync fathom` and the Dagster assets both call it.

`sync_workspace` loads one Fathom workspace (one revsync account) through its own dlt pipeline
(`fathom_<account>`, see dlt_sources.loading): webhook deliveries stored since the last sync, the
workspace's users, and the meetings the mode selects (see reader.py). Deliveries are stamped
loaded only after the load that holds their rows has committed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.fathom.api import DEFAULT_HEAVY, DEFAULT_RATE, FathomApi
from dlt_sources.fathom.reader import (
    DEFAULT_LOOKBACK_SECONDS,
    DEFAULT_TRANSCRIPT_WAIT_SECONDS,
    MODES,
    FathomPlan,
    FathomReader,
)
from dlt_sources.fathom.source import ReadAhead, fathom_source
from dlt_sources.http import RetryPolicy, TokenSource
from dlt_sources.loading import SyncResult, one_sync_per_account, our_error, pipeline_for, run_pipeline
from revsync import webhooks

if TYPE_CHECKING:
    from revsync.credentials import ConnectionCredentials

log = logging.getLogger("revsync.sources.fathom")
DATASET = "raw_fathom"
PROVIDER = "fathom"


@dataclass
class FathomSyncOptions:
    """How to sync; every field has the sensible default."""

    mode: str = "incremental"  # incremental | full
    window: tuple[datetime, datetime] | None = None  # [start, end) on created_at
    lookback_seconds: int = DEFAULT_LOOKBACK_SECONDS
    transcript_wait_seconds: int = DEFAULT_TRANSCRIPT_WAIT_SECONDS
    rate: tuple[int, float] = DEFAULT_RATE  # requests per window; adapted from RateLimit-* headers
    heavy: tuple[int, float] = DEFAULT_HEAVY  # per-recording transcript and summary reads
    rows_per_load: int = 50_000  # a big read loads in parts of about this many rows as it goes
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if self.window is not None and not self.window[0] < self.window[1]:
            raise ValueError("the window's start must be before its end")
        if self.window is not None and self.mode != "incremental":
            raise ValueError("a window loads the meetings created in it; it cannot be combined with "
                             f"{self.mode} (run that without --start/--end)")
        if self.rows_per_load < 1:
            raise ValueError("rows_per_load must be positive")
        if self.lookback_seconds < 0 or self.transcript_wait_seconds < 0:
            raise ValueError("the lookback and the transcript wait cannot be negative")


@dataclass
class WorkspaceSyncResult(SyncResult):
    read_seconds: float = 0.0  # of `seconds`, reading (the API and stored deliveries)

    def details(self) -> dict[str, Any]:
        return {**super().details(), "read_seconds": round(self.read_seconds, 1)}


def sync_workspace(database_url: str, api_base: str, credentials: TokenSource, options: FathomSyncOptions | None = None,
                   *, uses_oauth: bool = False, pipelines_dir: str | None = None,
                   progress: Callable[[str], None] | None = None) -> WorkspaceSyncResult:
    """Read one workspace and merge it into raw_fathom; returns what it did."""
    options = options or FathomSyncOptions()
    account_id = credentials.account_id
    started = time.monotonic()
    api = FathomApi(api_base, credentials, uses_oauth=uses_oauth, rate=options.rate, heavy=options.heavy,
                    policy=options.policy)
    pipeline = pipeline_for(PROVIDER, account_id, database_url, DATASET, pipelines_dir)
    try:
        with one_sync_per_account(database_url, PROVIDER, account_id):
            events = webhooks.pending(database_url, account_id, PROVIDER)
            plan = FathomPlan(account_id=account_id, mode=options.mode, window=options.window,
                              lookback_seconds=options.lookback_seconds,
                              transcript_wait_seconds=options.transcript_wait_seconds, webhook_events=events)
            reader = FathomReader(api, plan, progress)
            read = ReadAhead(reader, options.rows_per_load)
            try:
                run_pipeline(pipeline, _parts(read), database_url, DATASET)
            finally:
                read.close()
            webhooks.mark_loaded(database_url, [event_id for event_id, _ in events])
    except PipelineStepFailed as exc:
        raise our_error(exc) from None
    finally:
        api.close()
    outcome = reader.outcome
    return WorkspaceSyncResult(
        provider=PROVIDER, account_id=account_id, mode="window" if options.window else options.mode,
        rows=dict(outcome.rows), changed=dict(outcome.changed), skipped=dict(outcome.skipped),
        quarantined=dict(outcome.quarantined), api_calls=api.stats.api_calls,
        rate_limited=api.stats.rate_limited, retries=api.stats.retries, refreshes=api.stats.refreshes,
        seconds=time.monotonic() - started, read_seconds=outcome.seconds,
        calls_by_endpoint=dict(api.stats.by_endpoint),
        extra={"meetings_from_webhooks": outcome.meetings_from_webhooks,
               "late_transcripts": outcome.late_transcripts,
               "meetings_waiting_for_transcript": len(outcome.pending)},
    )


def _parts(read: ReadAhead) -> Iterator:
    while not read.finished:
        yield fathom_source(read)


def sync_account(database_url: str, credentials: ConnectionCredentials, options: FathomSyncOptions | None = None, *,
                 pipelines_dir: str | None = None, progress: Callable[[str], None] | None = None
                 ) -> WorkspaceSyncResult:
    """The entry point `dlt_sources.sync` calls: the connection's API base, key or OAuth token."""
    return sync_workspace(database_url, credentials.api_base, credentials, options,
                          uses_oauth=credentials.auth_type == "oauth", pipelines_dir=pipelines_dir,
                          progress=progress)
