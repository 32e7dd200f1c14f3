"""The Aircall dlt source: one company's calls, users and call transcriptions into `raw_aircall`.

Dagster-free: `revsync sync aircall` and the Dagster assets both run it through
`dlt_sources.aircall.pipeline.sync_account`. Every row carries `account_id`; tables merge on
`(account_id, id)` (transcriptions on `(account_id, call_id)`), so an Aircall id never collides
across companies and a rerun never duplicates a row. The bookmark (the newest `started_at` read)
lives in dlt's state, committed in the same load as the rows: a crash before the load ends keeps
the old bookmark, and the rerun reads those calls again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt

from dlt_sources.aircall.reader import CompanyReader

_TIME = {"data_type": "timestamp", "timezone": True}
_KEY_TEXT = {"data_type": "text", "nullable": False}
_KEY_INT = {"data_type": "bigint", "nullable": False}
_JSON = {"data_type": "json"}
_BIGINT = {"data_type": "bigint"}
_BOOL = {"data_type": "bool"}

# raw table -> (primary key, column hints)
TABLE_SPECS: dict[str, tuple[tuple[str, ...], dict[str, dict[str, Any]]]] = {
    "calls": (("account_id", "id"), {
        "account_id": _KEY_TEXT, "id": _KEY_INT, "started_at": _TIME, "answered_at": _TIME, "ended_at": _TIME,
        "duration": _BIGINT, "has_recording": _BOOL, "has_voicemail": _BOOL, "user_id": _BIGINT,
        "user_email": {"data_type": "text"}, "number_id": _BIGINT, "contact_id": _BIGINT, "contact": _JSON,
        "assigned_to_id": _BIGINT, "teams": _JSON, "tags": _JSON, "comments": _JSON, "archived": _BOOL,
        "cost": {"data_type": "double"}, "missed_call_reason": {"data_type": "text"},
    }),
    "users": (("account_id", "id"), {
        "account_id": _KEY_TEXT, "id": _KEY_INT, "email": {"data_type": "text"}, "available": _BOOL,
        "created_at": _TIME,
    }),
    "call_transcriptions": (("account_id", "call_id"), {
        "account_id": _KEY_TEXT, "call_id": _KEY_INT, "id": _BIGINT, "utterances": _JSON,
        "utterance_count": _BIGINT, "text": {"data_type": "text"},
    }),
    "quarantine": (("account_id", "source_table", "record_key"), {
        "account_id": _KEY_TEXT, "source_table": _KEY_TEXT, "record_key": _KEY_TEXT,
        "reason": {"data_type": "text"}, "payload": {"data_type": "text"}, "seen_at": _TIME,
    }),
}

TABLES: tuple[str, ...] = tuple(TABLE_SPECS)
BOOKMARK = "calls_started_at"


def table_hints(name: str) -> dict:
    key, shared = TABLE_SPECS[name]
    columns = {column: dict(hint) for column, hint in shared.items()}  # dlt writes into them
    return dlt.mark.make_hints(table_name=name, primary_key=list(key), write_disposition="merge", columns=columns)


@dlt.source(name="aircall", max_table_nesting=0)
def aircall_source(reader: CompanyReader | None = None) -> Iterator:
    """One Aircall company's data, read by `reader` (none: an empty source, for asset specs)."""

    def company() -> Iterator:
        if reader is None:
            return
        state = dlt.current.source_state()
        reader.plan.bookmark = state.get(BOOKMARK)
        hinted: set[str] = set()
        for table, rows in reader.batches():
            if not rows:
                continue
            if table not in hinted:
                hinted.add(table)
                yield dlt.mark.with_hints(rows, table_hints(table), create_table_variant=True)
            else:
                yield dlt.mark.with_table_name(rows, table)
        # Saved with this load's rows: a load that never finishes leaves the old bookmark.
        if reader.outcome.new_bookmark is not None:
            state[BOOKMARK] = reader.outcome.new_bookmark

    yield dlt.resource(company, name="company", write_disposition="merge")
