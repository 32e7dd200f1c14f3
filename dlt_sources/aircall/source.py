"""The Aircall dlt source: one company's calls, users and call transcriptions into `raw_aircall`.

Dagster-free: `revsync sync aircall` and the Dagster assets both run it through
`dlt_sources.aircall.pipeline.sync_account`. Every row carries `account_id`; tables merge on
`(account_id, id)` (transcriptions on `(account_id, call_id)`), so an Aircall id never collides
across companies and a rerun never duplicates a row. The bookmark (the newest `started_at` read)
lives in dlt's state, committed in the same load as the rows: a crash before a load ends keeps
the bookmark of the last loaded part, and the rerun reads the rest again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt

from dlt_sources.loading import ReadInLoads

_TIME = {"data_type": "timestamp", "timezone": True}
_KEY_TEXT = {"data_type": "text", "nullable": False}
_KEY_INT = {"data_type": "bigint", "nullable": False}
_JSON = {"data_type": "json"}
_BIGINT = {"data_type": "bigint"}
_BOOL = {"data_type": "bool"}
_TEXT = {"data_type": "text"}


def _texts(*names: str) -> dict[str, dict[str, Any]]:
    """Text columns declared up front: a column whose values are all null so far still exists,
    so the models reading raw_aircall always find it."""
    return {name: _TEXT for name in names}


# raw table -> (primary key, column hints)
TABLE_SPECS: dict[str, tuple[tuple[str, ...], dict[str, dict[str, Any]]]] = {
    "calls": (("account_id", "id"), {
        "account_id": _KEY_TEXT, "id": _KEY_INT, "started_at": _TIME, "answered_at": _TIME, "ended_at": _TIME,
        "duration": _BIGINT, "has_recording": _BOOL, "has_voicemail": _BOOL, "user_id": _BIGINT,
        "number_id": _BIGINT, "contact_id": _BIGINT, "contact": _JSON, "assigned_to_id": _BIGINT, "teams": _JSON,
        "tags": _JSON, "comments": _JSON, "archived": _BOOL, "cost": {"data_type": "double"},
        **_texts("direct_link", "direction", "status", "missed_call_reason", "raw_digits", "user_email", "user_name",
                 "number_digits", "number_name", "country_code_a2", "pricing_type", "content_hash"),
    }),
    "users": (("account_id", "id"), {
        "account_id": _KEY_TEXT, "id": _KEY_INT, "available": _BOOL, "created_at": _TIME,
        **_texts("name", "email", "availability_status", "state", "extension", "time_zone", "language"),
    }),
    "call_transcriptions": (("account_id", "call_id"), {
        "account_id": _KEY_TEXT, "call_id": _KEY_INT, "id": _BIGINT, "utterances": _JSON,
        "utterance_count": _BIGINT, **_texts("type", "language", "text"),
    }),
    "quarantine": (("account_id", "source_table", "record_key"), {
        "account_id": _KEY_TEXT, "source_table": _KEY_TEXT, "record_key": _KEY_TEXT, "seen_at": _TIME,
        **_texts("reason", "payload"),
    }),
}

TABLES: tuple[str, ...] = tuple(TABLE_SPECS)
BOOKMARK = "calls_started_at"


def table_hints(name: str) -> dict:
    key, shared = TABLE_SPECS[name]
    columns = {column: dict(hint) for column, hint in shared.items()}  # dlt writes into them
    return dlt.mark.make_hints(table_name=name, primary_key=list(key), write_disposition="merge", columns=columns)


@dlt.source(name="aircall", max_table_nesting=0)
def aircall_source(read: ReadInLoads | None = None) -> Iterator:
    """The next part of one Aircall company's read (none: an empty source, for asset specs)."""

    def company() -> Iterator:
        if read is None:
            return
        state = dlt.current.source_state()
        reader = read.reader
        if not read.started:
            reader.plan.bookmark = state.get(BOOKMARK)
        hinted: set[str] = set()
        for table, rows in read.part():
            if not rows:
                continue
            if table not in hinted:
                hinted.add(table)
                yield dlt.mark.with_hints(rows, table_hints(table), create_table_variant=True)
            else:
                yield dlt.mark.with_table_name(rows, table)
        # Saved with this part's rows: a load that never finishes leaves the previous bookmark.
        if reader.outcome.new_bookmark is not None:
            state[BOOKMARK] = reader.outcome.new_bookmark

    yield dlt.resource(company, name="company", write_disposition="merge")
