"""The HubSpot dlt source: one portal's CRM data into the `raw_hubspot` dataset.

Dagster-free: `revsync sync hubspot` and the Dagster assets both run it through
`dlt_sources.hubspot.pipeline.sync_portal`. Every row carries `account_id`; tables merge on
`(account_id, id)` (associations on `(account_id, from_type, from_id, to_type)`), so a HubSpot id
never collides across portals and a rerun never duplicates a row. The incremental bookmarks live
in dlt's state, committed in the same load as the rows: a crash before the load ends keeps the
old bookmark, and the rerun reads those records again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import dlt
import orjson
import pyarrow as pa

from dlt_sources.hubspot.objects import OBJECTS, ObjectSpec, column_hints
from dlt_sources.loading import ReadInLoads

_TIMES = {"data_type": "timestamp", "timezone": True}
_KEY = {"data_type": "text", "nullable": False}

# Raw tables besides the object types: name -> (primary key, column hints).
METADATA_TABLES: dict[str, tuple[tuple[str, ...], dict[str, dict[str, Any]]]] = {
    "owners": (("account_id", "id"), {
        "account_id": _KEY, "id": _KEY, "user_id": {"data_type": "bigint"},
        "user_id_including_inactive": {"data_type": "bigint"}, "teams": {"data_type": "json"},
        "archived": {"data_type": "bool"}, "is_active": {"data_type": "bool"},
        "created_at": _TIMES, "updated_at": _TIMES}),
    "deal_pipelines": (("account_id", "id"), {
        "account_id": _KEY, "id": _KEY, "display_order": {"data_type": "bigint"},
        "archived": {"data_type": "bool"}, "created_at": _TIMES, "updated_at": _TIMES}),
    "deal_stages": (("account_id", "id"), {
        "account_id": _KEY, "id": _KEY, "pipeline_id": {"data_type": "text"},
        "display_order": {"data_type": "bigint"}, "probability": {"data_type": "double"},
        "is_closed": {"data_type": "bool"}, "archived": {"data_type": "bool"},
        "created_at": _TIMES, "updated_at": _TIMES}),
    "call_dispositions": (("account_id", "id"), {
        "account_id": _KEY, "id": _KEY, "label": {"data_type": "text"},
        "display_order": {"data_type": "bigint"}, "is_hidden": {"data_type": "bool"}}),
    "associations": (("account_id", "from_type", "from_id", "to_type"), {
        "account_id": _KEY, "from_type": _KEY, "from_id": _KEY, "to_type": _KEY,
        "to_ids": {"data_type": "json"}}),
    # Records that could not become rows, with why (objects.BadRecord). The payload is the record's
    # JSON as text: jsonb refuses some of what a hostile payload holds (\u0000).
    "quarantine": (("account_id", "table_name", "record_key"), {
        "account_id": _KEY, "table_name": _KEY, "record_key": _KEY, "reason": {"data_type": "text"},
        "payload": {"data_type": "text"}, "quarantined_at": _TIMES}),
}

TABLES: tuple[str, ...] = (*METADATA_TABLES, *OBJECTS)


# The big tables are loaded with PostgreSQL's COPY (dlt's csv files) instead of INSERT statements:
# measured, the load step takes about two thirds of the time (bench/README.md). csv cannot tell an
# empty string from a null, so only tables whose rows never hold "" take it: object rows turn ""
# into None (objects._typed), and association keys and id lists are never empty. The small
# metadata tables keep INSERT, which keeps "" as is.
COPY_TABLES = frozenset({"associations", *OBJECTS})


# The same tables reach dlt as Arrow tables, typed by their column hints: dlt then skips its
# per-row normalizer (flattening, type coercion, a `_dlt_id` per row in Python), which took most of
# the normalize step (bench/README.md, "Faster loading"). Rows are gathered into Arrow tables of
# about this many, because dlt's work per item is larger for an Arrow table than for a page of rows.
ARROW_TABLES = COPY_TABLES
ARROW_BATCH_ROWS = 5_000
_ARROW_TYPES = {"text": pa.string(), "json": pa.string(), "bigint": pa.int64(), "double": pa.float64(),
                "bool": pa.bool_(), "timestamp": pa.timestamp("us", tz="UTC")}



class _ExpectedArrowHintNotice(logging.Filter):
    """Drops dlt's warning that an Arrow table's column types differ from the resource's hints.
    Ours always differ on purpose (JSON columns travel as text, which COPY parses into jsonb; keys
    are declared not null), dlt keeps the hints, and the warning came once per Arrow table: a
    thousand lines of noise in a large sync's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "when merging arrow schema with dlt schema" not in record.getMessage()


logging.getLogger("dlt").addFilter(_ExpectedArrowHintNotice())

def table_columns(name: str, specs: dict[str, ObjectSpec]) -> tuple[tuple[str, ...], dict[str, dict[str, Any]]]:
    """(primary key, column hints) of a raw table."""
    if name in METADATA_TABLES:
        key, shared = METADATA_TABLES[name]
        return key, {column: dict(hint) for column, hint in shared.items()}  # dlt writes into them
    return ("account_id", "id"), column_hints(specs[name])


def table_hints(name: str, specs: dict[str, ObjectSpec]) -> dict:
    key, columns = table_columns(name, specs)
    return dlt.mark.make_hints(table_name=name, primary_key=list(key), write_disposition="merge", columns=columns,
                               file_format="csv" if name in COPY_TABLES else None)


def arrow_table(rows: list[dict[str, Any]], columns: dict[str, dict[str, Any]]) -> pa.Table:
    """`rows` as one Arrow table with a column per hint, typed as the hint says; json columns hold
    their value as JSON text, which PostgreSQL's COPY parses into jsonb."""
    unknown = set().union(*(row.keys() for row in rows)) - columns.keys()
    if unknown:  # a key with no hint would otherwise be dropped without a word
        raise ValueError(f"rows carry columns without a type hint: {', '.join(sorted(unknown))}")
    arrays, fields = [], []
    for name, hint in columns.items():
        kind = _ARROW_TYPES[hint["data_type"]]
        values = [row.get(name) for row in rows]
        if hint["data_type"] == "json":
            values = [None if value is None else orjson.dumps(value).decode() for value in values]
        arrays.append(pa.array(values, type=kind))
        fields.append(pa.field(name, kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


@dlt.source(name="hubspot", max_table_nesting=0)
def hubspot_source(read: ReadInLoads | None = None) -> Iterator:
    """The next part of one HubSpot portal's read (none: an empty source, for asset specs)."""

    def portal() -> Iterator:
        if read is None:
            return
        state = dlt.current.source_state()
        bookmarks: dict[str, int] = state.setdefault("bookmarks", {})
        reader = read.reader
        if not read.started:
            reader.plan.bookmarks = dict(bookmarks)
        specs = reader.plan.specs
        hinted: set[str] = set()
        gathered: dict[str, list[dict]] = {}  # rows of the Arrow tables, until a batch is full

        def item(table: str, rows: list[dict]):
            data = arrow_table(rows, table_columns(table, specs)[1]) if table in ARROW_TABLES else rows
            if table in hinted:
                return dlt.mark.with_table_name(data, table)
            hinted.add(table)
            return dlt.mark.with_hints(data, table_hints(table, specs), create_table_variant=True)

        for table, rows in read.part():
            if table not in ARROW_TABLES:
                yield item(table, rows)
                continue
            batch = gathered.setdefault(table, [])
            batch.extend(rows)
            if len(batch) >= ARROW_BATCH_ROWS:
                yield item(table, gathered.pop(table))
        for table, rows in gathered.items():  # every row of the part goes into the part's load
            yield item(table, rows)
        if read.finished:
            # Saved with this load's rows: a load that never finishes leaves the old bookmarks.
            bookmarks.update(reader.outcome.new_bookmarks)

    yield dlt.resource(portal, name="portal", write_disposition="merge")
