"""Reads one Aircall company: users, calls and their transcriptions, as rows per raw table.

Aircall has no "changed since" filter: calls are listed by `started_at` only. So:
- `full` (and a first sync): every call Aircall lists, archived ones included;
- `incremental`: calls started since the bookmark (the newest `started_at` read) minus a lookback,
  which re-reads recent calls so that a call still ringing at the last sync, or tagged,
  commented or archived since, is loaded again; changes to older calls wait for a `full` sync;
- a window `[start, end)`: exactly the calls started in it (backfills); the bookmark stays.

Requests go one after another: at Aircall's 60 per minute the rate budget, not latency, sets
the pace. Transcriptions (the AI add-on) cost one request per call, so they are asked for only
for calls with a recording or voicemail that have none loaded yet.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from dlt_sources.aircall.api import AircallApi, TranscriptionsUnavailable
from dlt_sources.aircall.rows import BadPayload, call_row, quarantine_row, transcription_row, user_row

log = logging.getLogger("revsync.sources.aircall")

MODES = ("incremental", "full")
DEFAULT_LOOKBACK_SECONDS = 86_400
# 404s in a row, with none found, before a sync stops asking for transcriptions: an account
# without the add-on may answer 404 rather than 403 (provider-apis.md B2 lists both).
MAX_MISSING_IN_A_ROW = 25

Batch = tuple[str, list[dict]]


@dataclass
class SyncPlan:
    account_id: str
    mode: str = "incremental"
    window: tuple[datetime, datetime] | None = None
    bookmark: int | None = None  # newest started_at loaded (unix seconds), from dlt state
    lookback_seconds: int = DEFAULT_LOOKBACK_SECONDS
    transcriptions: bool = True
    # call ids whose transcription raw_aircall already holds (they never change once made)
    loaded_transcriptions: Callable[[], set[int]] | None = None
    # call ids -> content_hash of the rows raw_aircall holds, to count what really changed
    loaded_hashes: Callable[[list[int]], dict[int, str]] | None = None


@dataclass
class SyncOutcome:
    rows: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    reasons: Counter = field(default_factory=Counter)  # "table: reason" -> records
    skipped: dict[str, str] = field(default_factory=dict)
    new_bookmark: int | None = None
    transcriptions: dict[str, int] = field(default_factory=lambda: {"loaded": 0, "none": 0})
    seconds: float = 0.0


class CompanyReader:
    def __init__(self, api: AircallApi, plan: SyncPlan, progress: Callable[[str], None] | None = None):
        self.api, self.plan = api, plan
        self.outcome = SyncOutcome()
        self._progress = progress or (lambda message: log.info("%s", message))

    def progress(self, message: str) -> None:
        self._progress(f"account {self.plan.account_id}: {message}")

    def bounds(self) -> tuple[int | None, int | None]:
        """The `from`/`to` of this read, unix seconds inclusive (None: unbounded)."""
        plan = self.plan
        if plan.window is not None:
            start, end = plan.window
            return _ceil_seconds(start), _ceil_seconds(end) - 1
        if plan.mode == "incremental" and plan.bookmark is not None:
            return max(0, plan.bookmark - plan.lookback_seconds), None
        return None, None

    def batches(self) -> Iterator[Batch]:
        started = time.monotonic()
        try:
            if self.plan.window is None:
                yield from self._users()
            yield from self._calls()
        finally:
            self.outcome.seconds = time.monotonic() - started

    def count_rows(self, table: str, rows: list[dict], changed: int | None = None) -> None:
        self.outcome.rows[table] = self.outcome.rows.get(table, 0) + len(rows)
        self.outcome.changed[table] = self.outcome.changed.get(table, 0) + (len(rows) if changed is None else changed)

    def quarantine(self, table: str, payload, reason: str) -> dict:
        self.outcome.quarantined[table] = self.outcome.quarantined.get(table, 0) + 1
        self.outcome.reasons[f"{table}: {reason}"] += 1
        log.warning("account %s: %s record quarantined: %s", self.plan.account_id, table, reason)
        return quarantine_row(self.plan.account_id, table, payload, reason)

    def _users(self) -> Iterator[Batch]:
        rows, bad = [], []
        for user in self.api.users():
            try:
                rows.append(user_row(self.plan.account_id, user))
            except BadPayload as exc:
                bad.append(self.quarantine("users", user, str(exc)))
        self.count_rows("users", rows, changed=0)  # the whole list, rewritten every sync
        yield "users", rows
        if bad:
            yield "quarantine", bad

    def _calls(self) -> Iterator[Batch]:
        start, end = self.bounds()
        newest = self.plan.bookmark if self.plan.mode == "incremental" else None
        transcriptions = _Transcriptions(self) if self.plan.transcriptions else None
        count = 0
        for page in self.api.call_pages(start, end):
            rows, bad = [], []
            for call in page:
                try:
                    rows.append(call_row(self.plan.account_id, call))
                except BadPayload as exc:
                    bad.append(self.quarantine("calls", call, str(exc)))
            # A lookback or a full read meets calls already loaded: count the new or changed ones.
            loaded = self.plan.loaded_hashes([r["id"] for r in rows]) if self.plan.loaded_hashes and rows else {}
            self.count_rows("calls", rows, changed=sum(1 for r in rows if loaded.get(r["id"]) != r["content_hash"]))
            started = [int(r["started_at"].timestamp()) for r in rows]
            if started and (newest is None or max(started) > newest):
                newest = max(started)
            yield "calls", rows
            if bad:
                yield "quarantine", bad
            count += len(page)
            if count % 5_000 < len(page):
                self.progress(f"calls: {count:,} read")
            if transcriptions is not None:
                yield from transcriptions.of(rows)
            if self.plan.window is None:
                # Pages come oldest first, so every call started before `newest` has been read,
                # and this page's transcriptions are yielded: a read loaded in parts may resume here.
                self.outcome.new_bookmark = newest
        self.progress(f"calls: {count:,} read" + (f" ({self.api.splits} windows split at the 10,000 cap)"
                                                  if self.api.splits else ""))


class _Transcriptions:
    """Transcriptions of the calls one read meets: asked for once per call with a recording or
    voicemail and none loaded yet; off for the rest of the sync when Aircall answers 403 (no AI
    add-on), or 404 for `MAX_MISSING_IN_A_ROW` calls in a row before any was found."""

    def __init__(self, reader: CompanyReader):
        self.reader = reader
        plan = reader.plan
        self.have: set[int] = plan.loaded_transcriptions() if plan.loaded_transcriptions else set()
        self.on = True
        self.missing_in_a_row = 0

    def of(self, rows: list[dict]) -> Iterator[Batch]:
        reader, outcome = self.reader, self.reader.outcome
        found_rows = []
        for row in rows:
            if not self.on:
                break
            if not (row["has_recording"] or row["has_voicemail"]) or row["id"] in self.have:
                continue
            try:
                found = reader.api.transcription(row["id"])
            except TranscriptionsUnavailable:
                self.on = False
                outcome.skipped["call_transcriptions"] = (
                    "Aircall answered 403 to the transcription endpoint: the company lacks the AI add-on, "
                    "so calls load without transcriptions")
                break
            if found is None:
                outcome.transcriptions["none"] += 1
                self.missing_in_a_row += 1
                if self.missing_in_a_row >= MAX_MISSING_IN_A_ROW and not outcome.transcriptions["loaded"]:
                    self.on = False
                    reader.progress(f"no transcription for {self.missing_in_a_row} calls in a row; not asking "
                                    "for more this sync (the AI add-on may be off)")
                continue
            self.missing_in_a_row = 0
            self.have.add(row["id"])
            try:
                found_rows.append(transcription_row(reader.plan.account_id, row["id"], found))
            except BadPayload as exc:
                yield "quarantine", [reader.quarantine("call_transcriptions",
                                                        {"call_id": row["id"], "transcription": found}, str(exc))]
        if found_rows:
            outcome.transcriptions["loaded"] += len(found_rows)
            reader.count_rows("call_transcriptions", found_rows)
            yield "call_transcriptions", found_rows


def _ceil_seconds(value: datetime) -> int:
    return -(-round(value.timestamp() * 1_000_000) // 1_000_000)
