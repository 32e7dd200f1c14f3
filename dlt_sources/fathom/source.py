"""The Fathom dlt source: one workspace's recorded meetings into the `raw_fathom` dataset.

Dagster-free: `revsync sync fathom` and the Dagster assets both run it through
`dlt_sources.fathom.pipeline.sync_account`. Every row carries `account_id`; tables merge on their
keys, so a recording id never collides across accounts and a rerun, a webhook delivery and a poll
of the same meeting all land on the same rows. The bookmark and the meetings still waiting for a
transcript live in dlt's state, committed with the last part of the read.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import dlt

from dlt_sources.fathom.reader import FathomReader

_TIME = {"data_type": "timestamp", "timezone": True}
_TEXT = {"data_type": "text"}
_KEY_TEXT = {"data_type": "text", "nullable": False}
_KEY_INT = {"data_type": "bigint", "nullable": False}
_JSON = {"data_type": "json"}
_BOOL = {"data_type": "bool"}

# Raw table -> (primary key, column hints).
TABLE_SPECS: dict[str, tuple[tuple[str, ...], dict[str, dict[str, Any]]]] = {
    "meetings": (("account_id", "recording_id"), {
        "account_id": _KEY_TEXT, "recording_id": _KEY_INT, "title": _TEXT, "meeting_title": _TEXT,
        "meeting_type": _TEXT, "url": _TEXT, "share_url": _TEXT, "meeting_url": _TEXT, "shared_with": _TEXT,
        "calendar_invitees_domains_type": _TEXT, "transcript_language": _TEXT, "created_at": _TIME,
        "scheduled_start_time": _TIME, "scheduled_end_time": _TIME, "recording_start_time": _TIME,
        "recording_end_time": _TIME, "recorded_by_email": _TEXT, "recorded_by_name": _TEXT,
        "recorded_by_team": _TEXT, "highlights": _JSON, "crm_matches": _JSON, "invitee_count": {"data_type": "bigint"},
        "transcript_items": {"data_type": "bigint"}, "received_from": _TEXT}),
    "meeting_invitees": (("account_id", "recording_id", "position"), {
        "account_id": _KEY_TEXT, "recording_id": _KEY_INT, "position": _KEY_INT, "email": _TEXT, "name": _TEXT,
        "email_domain": _TEXT, "is_external": _BOOL, "matched_speaker_display_name": _TEXT}),
    "transcript_segments": (("account_id", "recording_id", "position"), {
        "account_id": _KEY_TEXT, "recording_id": _KEY_INT, "position": _KEY_INT, "speaker_display_name": _TEXT,
        "speaker_email": _TEXT, "timestamp": _TEXT, "offset_seconds": {"data_type": "double"}, "text": _TEXT}),
    "summaries": (("account_id", "recording_id"), {
        "account_id": _KEY_TEXT, "recording_id": _KEY_INT, "template_name": _TEXT, "markdown_formatted": _TEXT}),
    "action_items": (("account_id", "recording_id", "position"), {
        "account_id": _KEY_TEXT, "recording_id": _KEY_INT, "position": _KEY_INT, "description": _TEXT,
        "user_generated": _BOOL, "completed": _BOOL, "recording_timestamp": _TEXT,
        "offset_seconds": {"data_type": "double"}, "recording_playback_url": _TEXT, "assignee_name": _TEXT,
        "assignee_email": _TEXT, "assignee_team": _TEXT}),
    "users": (("account_id", "email"), {
        "account_id": _KEY_TEXT, "email": _KEY_TEXT, "name": _TEXT, "created_at": _TIME, "status": _TEXT,
        "settings_access": _TEXT, "settings_access_teams": _JSON, "view_access": _TEXT, "view_access_teams": _JSON}),
    # What could not be loaded, with why: one row per set-aside record.
    "quarantine": (("account_id", "table_name", "record_key"), {
        "account_id": _KEY_TEXT, "table_name": _KEY_TEXT, "record_key": _KEY_TEXT, "reason": _TEXT,
        "payload": _JSON, "quarantined_at": _TIME}),
}

TABLES: tuple[str, ...] = tuple(TABLE_SPECS)


def table_hints(name: str) -> dict:
    key, shared = TABLE_SPECS[name]
    columns = {column: dict(hint) for column, hint in shared.items()}  # dlt writes into them
    return dlt.mark.make_hints(table_name=name, primary_key=list(key), write_disposition="merge", columns=columns)


class ReadAhead:
    """One read of a workspace, on its own thread, loaded in parts of about `rows_per_load` rows.

    The thread keeps reading (at Fathom's pace) into a bounded buffer while a part is normalized
    and loaded, so loading a big first sync overlaps with the API instead of following it. The
    bookmark is saved only with the last part: a crash between parts leaves the old one, and the
    rerun reads again what the loaded parts hold (merged, never duplicated).
    """

    _DONE = object()

    def __init__(self, reader: FathomReader, rows_per_load: int, buffered_batches: int = 4000):
        self.reader, self.rows_per_load = reader, rows_per_load
        self.finished = False
        self._queue: queue.Queue = queue.Queue(maxsize=buffered_batches)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return self._thread is not None

    def _offer(self, item: object) -> None:
        while not self._stop.is_set():  # never blocks for good once the consumer has stopped
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            for batch in self.reader.batches():
                if self._stop.is_set():
                    return
                self._offer(batch)
            self._offer(self._DONE)
        except BaseException as exc:  # noqa: BLE001 - raised again on the consumer's thread
            self._offer(exc)

    def part(self) -> Iterator[tuple[str, list[dict]]]:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="fathom-read", daemon=True)
            self._thread.start()
        rows = 0
        while True:
            item = self._queue.get()
            if item is self._DONE:
                self.finished = True
                return
            if isinstance(item, BaseException):
                raise item
            yield item
            rows += len(item[1])
            if rows >= self.rows_per_load:
                return  # the thread reads on for the next part

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


@dlt.source(name="fathom", max_table_nesting=0)
def fathom_source(read: ReadAhead | None = None) -> Iterator:
    """The next part of one Fathom workspace's read (none: an empty source, for asset specs)."""

    def workspace() -> Iterator:
        if read is None:
            return
        state = dlt.current.source_state()
        reader = read.reader
        if not read.started:
            reader.plan.bookmark_ms = state.get("bookmark_ms")
            reader.plan.pending = dict(state.get("pending_transcripts") or {})
        hinted: set[str] = set()
        for table, rows in read.part():
            if table not in hinted:
                hinted.add(table)
                yield dlt.mark.with_hints(rows, table_hints(table), create_table_variant=True)
            else:
                yield dlt.mark.with_table_name(rows, table)
        if read.finished:
            # Saved with this load's rows: a load that never finishes leaves the old bookmark.
            state["bookmark_ms"] = reader.outcome.bookmark_ms
            state["pending_transcripts"] = reader.outcome.pending

    yield dlt.resource(workspace, name="workspace", write_disposition="merge")
