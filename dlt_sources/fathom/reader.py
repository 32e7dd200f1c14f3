"""Reads one Fathom workspace: stored webhook deliveries first, then users, then the meetings list
(newest first, 10 a page), yielding rows per raw table.

What a sync reads (`created_after` / `created_before` are exclusive; Fathom has whole seconds):
- `full`, or the first sync: every meeting.
- `incremental`: meetings created after the bookmark (the newest `created_at` loaded) minus a
  lookback, and back to the oldest meeting whose transcript was still missing, so a transcript
  processed after its meeting was loaded is picked up by a later sync. A meeting stays pending for
  `transcript_wait_seconds`, then is given up with a log line.
- a window `[start, end)`: the meetings created in it (`created_after` = start - 1 s,
  `created_before` = end, then filtered exactly); the bookmark is left alone.

Meetings already delivered by webhook cost no call; the list's copy of the same meeting merges
into the same rows. With OAuth the list carries no transcripts or summaries, so they are read per
recording (Fathom's heavy requests) on a few threads.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dlt_sources.fathom.api import FathomApi
from dlt_sources.fathom.rows import MeetingRows, add_meeting, parse_time, user_row
from dlt_sources.http import ApiError

log = logging.getLogger("revsync.sources.fathom")

MODES = ("incremental", "full")
DEFAULT_LOOKBACK_SECONDS = 3600
DEFAULT_TRANSCRIPT_WAIT_SECONDS = 3 * 86_400
PER_RECORDING_WORKERS = 4

Batch = tuple[str, list[dict]]


@dataclass
class FathomPlan:
    account_id: str
    mode: str = "incremental"
    window: tuple[datetime, datetime] | None = None
    lookback_seconds: int = DEFAULT_LOOKBACK_SECONDS
    transcript_wait_seconds: int = DEFAULT_TRANSCRIPT_WAIT_SECONDS
    bookmark_ms: int | None = None  # newest created_at loaded
    pending: dict[str, int] = field(default_factory=dict)  # recording id -> created_at ms, transcript missing
    webhook_events: list[tuple[int, object]] = field(default_factory=list)  # (event_id, payload) not loaded yet


@dataclass
class FathomOutcome:
    rows: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    bookmark_ms: int | None = None
    pending: dict[str, int] = field(default_factory=dict)
    meetings_from_webhooks: int = 0
    late_transcripts: int = 0  # meetings whose transcript arrived after an earlier sync loaded them
    seconds: float = 0.0


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms // 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FathomReader:
    def __init__(self, api: FathomApi, plan: FathomPlan, progress: Callable[[str], None] | None = None):
        self.api, self.plan = api, plan
        self.outcome = FathomOutcome(bookmark_ms=plan.bookmark_ms)
        self._progress = progress or (lambda message: log.info("%s", message))

    def batches(self) -> Iterator[Batch]:
        started = time.monotonic()
        # The plan's bookmark and pending meetings are set from dlt's state just before reading.
        self._newest_ms = self.plan.bookmark_ms
        self._pending = dict(self.plan.pending)
        try:
            yield from self._webhook_deliveries()
            if self.plan.window is None:
                yield from self._users()
            yield from self._meetings()
            self._finish()
        finally:
            self.outcome.seconds = time.monotonic() - started

    # --- streams ----------------------------------------------------------------------------

    def _webhook_deliveries(self) -> Iterator[Batch]:
        for _, payload in self.plan.webhook_events:
            out = MeetingRows()
            if add_meeting(out, self.plan.account_id, payload, source="webhook") is not None:
                self.outcome.meetings_from_webhooks += 1
            yield from self._emit(out, new=True)

    def _users(self) -> Iterator[Batch]:
        rows = []
        try:
            for user in self.api.users():
                row = user_row(self.plan.account_id, user)
                if row is None:
                    out = MeetingRows()
                    out.quarantine(self.plan.account_id, "users", "?", "a user without an email", user)
                    yield from self._emit(out, new=True)
                else:
                    rows.append(row)
        except ApiError as exc:
            if exc.status not in (403, 404):
                raise
            # Restricted to account admins (403); older deployments lack the endpoint (404).
            self.outcome.skipped["users"] = (
                f"Fathom answered {exc.status} to GET /users: the users list needs a key or grant of an "
                "account admin; meetings still load")
            log.warning("fathom account %s: skipping users: %s", self.plan.account_id, exc)
            return
        # Rewritten whole on every sync: not counted as changes.
        yield from self._emit_rows("users", rows, new=False)

    def _meetings(self) -> Iterator[Batch]:
        plan = self.plan
        after_ms, before_ms = self._range()
        content_inline = not self.api.uses_oauth
        pages = self.api.meeting_pages(iso(after_ms) if after_ms is not None else None,
                                       iso(before_ms) if before_ms is not None else None, content_inline)
        read = 0
        for number, page in enumerate(pages, start=1):
            if plan.window is not None:
                start_ms, end_ms = (int(t.timestamp() * 1000) for t in plan.window)
                page = [m for m in page if _created_ms(m) is None or start_ms <= _created_ms(m) < end_ms]
            if not content_inline:
                self._read_content(page)
            for meeting in page:
                out = MeetingRows()
                recording_id = add_meeting(out, plan.account_id, meeting)
                created_ms = _created_ms(meeting)
                if recording_id is not None and created_ms is not None:
                    self._note(str(recording_id), created_ms, out)
                    new = (plan.bookmark_ms is None or created_ms > plan.bookmark_ms
                           or str(recording_id) in plan.pending)
                else:
                    new = True
                yield from self._emit(out, new=new)
            read += len(page)
            if number % 50 == 0:
                self._progress(f"fathom account {plan.account_id}: {read:,} meetings read")

    def _read_content(self, page: list[dict]) -> None:
        """OAuth: each meeting's transcript and summary, from the recordings endpoints."""
        ids = [m.get("recording_id") for m in page if isinstance(m, dict) and isinstance(m.get("recording_id"), int)]
        with ThreadPoolExecutor(PER_RECORDING_WORKERS, thread_name_prefix="fathom-recording") as pool:
            transcripts = dict(zip(ids, pool.map(self.api.transcript, ids), strict=True))
            summaries = dict(zip(ids, pool.map(self.api.summary, ids), strict=True))
        for meeting in page:
            if isinstance(meeting, dict) and meeting.get("recording_id") in transcripts:
                meeting["transcript"] = transcripts[meeting["recording_id"]]
                meeting["default_summary"] = summaries[meeting["recording_id"]]

    # --- bookkeeping ------------------------------------------------------------------------

    def _range(self) -> tuple[int | None, int | None]:
        plan = self.plan
        if plan.window is not None:
            # Whole seconds at Fathom, exclusive both ends: widen to them, then filter exactly.
            start, end = plan.window
            return int(start.timestamp()) * 1000 - 1000, math.ceil(end.timestamp()) * 1000
        if plan.mode == "full" or plan.bookmark_ms is None:
            return None, None
        after = plan.bookmark_ms - plan.lookback_seconds * 1000
        if plan.pending:
            after = min(after, min(plan.pending.values()) - 1000)
        return after, None

    def _note(self, recording_id: str, created_ms: int, out: MeetingRows) -> None:
        if self.plan.window is None and (self._newest_ms is None or created_ms > self._newest_ms):
            self._newest_ms = created_ms
        if out.with_transcript:
            if recording_id in self._pending:
                self.outcome.late_transcripts += 1
            self._pending.pop(recording_id, None)
        elif out.pending_transcripts:
            self._pending[recording_id] = created_ms

    def _finish(self) -> None:
        # Measured on Fathom's clock (the newest created_at it has shown), not on ours.
        give_up_before = (self._newest_ms or 0) - self.plan.transcript_wait_seconds * 1000
        for recording_id, created_ms in list(self._pending.items()):
            if created_ms < give_up_before:
                log.warning("fathom account %s: recording %s still has no transcript %.1f days after it was "
                            "created; no longer waiting for it", self.plan.account_id, recording_id,
                            self.plan.transcript_wait_seconds / 86_400)
                del self._pending[recording_id]
        self.outcome.pending = self._pending
        self.outcome.bookmark_ms = self._newest_ms

    def _emit(self, out: MeetingRows, new: bool) -> Iterator[Batch]:
        for table, count in out.quarantined.items():
            self.outcome.quarantined[table] = self.outcome.quarantined.get(table, 0) + count
        for table, rows in out.tables.items():
            yield from self._emit_rows(table, rows, new)

    def _emit_rows(self, table: str, rows: list[dict], new: bool) -> Iterator[Batch]:
        if not rows:
            return
        self.outcome.rows[table] = self.outcome.rows.get(table, 0) + len(rows)
        if new and table != "quarantine":
            self.outcome.changed[table] = self.outcome.changed.get(table, 0) + len(rows)
        yield table, rows


def _created_ms(meeting: object) -> int | None:
    created = parse_time(meeting.get("created_at")) if isinstance(meeting, dict) else None
    return int(created.timestamp() * 1000) if created is not None else None
