"""The Arrow tables the HubSpot source hands dlt hold exactly the rows' values, typed by the hints."""

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from dlt_sources.hubspot.objects import OBJECTS, association_row, row_from_v3
from dlt_sources.hubspot.source import arrow_table, table_columns

COMPANIES = OBJECTS["companies"]


def test_object_rows_keep_every_value_with_numbers_and_times_typed():
    rows = [
        row_from_v3(COMPANIES, "acct-1", {
            "id": "7", "properties": {"numberofemployees": "250", "annualrevenue": "1250000.5", "name": "Zoë Ltd",
                                      "createdate": "2024-01-15T12:30:00.123456+02:00"},
            "createdAt": "2024-01-15T10:30:00Z", "updatedAt": "2024-01-16T08:00:00Z", "archived": False}),
        row_from_v3(COMPANIES, "acct-1", {
            "id": "8", "properties": {}, "archived": True, "archivedAt": "2024-02-01T00:00:00Z"}),
    ]
    table = arrow_table(rows, table_columns("companies", OBJECTS)[1])
    assert table.schema.field("numberofemployees").type == pa.int64()
    assert table.schema.field("annualrevenue").type == pa.float64()
    assert table.schema.field("archived").type == pa.bool_()
    assert table.schema.field("createdate").type == pa.timestamp("us", tz="UTC")
    assert table.to_pylist() == rows
    assert table.column("createdate")[0].as_py() == datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=UTC)


def test_association_id_lists_become_json_text():
    rows = [association_row("acct-1", "calls", "1", "contacts", ["3", "12"]),
            association_row("acct-1", "calls", "2", "contacts", [])]
    table = arrow_table(rows, table_columns("associations", OBJECTS)[1])
    assert table.column("to_ids").to_pylist() == ['["3","12"]', "[]"]
    assert table.column("from_id").to_pylist() == ["1", "2"]


def test_a_column_without_a_hint_is_an_error_not_a_silent_drop():
    row = association_row("acct-1", "calls", "1", "contacts", ["3"])
    with pytest.raises(ValueError, match="surprise"):
        arrow_table([{**row, "surprise": 1}], table_columns("associations", OBJECTS)[1])


def test_dlts_notice_about_our_arrow_hints_is_dropped_and_its_other_warnings_kept():
    import logging

    import dlt_sources.hubspot.source  # noqa: F401  (installs the filter)

    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    dlt_logger = logging.getLogger("dlt")
    handler = Keep()
    dlt_logger.addHandler(handler)
    try:
        dlt_logger.warning("In resource: portal, when merging arrow schema with dlt schema, several column hints "
                           "were different.")
        dlt_logger.warning("something else")
    finally:
        dlt_logger.removeHandler(handler)
    assert seen == ["something else"]
