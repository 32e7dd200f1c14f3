from datetime import UTC, datetime

import pytest

from dlt_sources.hubspot.objects import (
    OBJECTS,
    BadRecord,
    associated_ids,
    quarantine_row,
    row_from_v1,
    row_from_v3,
    v1_only_missing,
)

CALLS = OBJECTS["calls"]


def test_call_properties_become_typed_columns():
    record = {
        "id": "512",
        "properties": {"hs_call_duration": "360000", "hs_timestamp": "2024-01-15T10:30:00.000Z",
                       "hs_call_direction": "OUTBOUND", "hubspot_owner_id": None},
        "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-16T08:00:00.000Z", "archived": False,
    }
    row = row_from_v3(CALLS, "acct-1", record)
    assert row["account_id"] == "acct-1" and row["id"] == "512"
    assert row["hs_call_duration"] == 360000
    assert row["hs_timestamp"] == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert row["hubspot_owner_id"] is None
    assert row["hs_call_title"] is None  # absent property: a null column, not a missing key
    assert row["is_deleted"] is False and row["deleted_at"] is None


def test_archived_records_are_marked_deleted_at_their_archive_time():
    record = {"id": "7", "properties": {}, "archived": True, "archivedAt": "2024-02-01T00:00:00Z",
              "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-02-01T00:00:00Z"}
    row = row_from_v3(CALLS, "a", record)
    assert row["archived"] and row["is_deleted"] and row["deleted_at"] == datetime(2024, 2, 1, tzinfo=UTC)


def test_epoch_millisecond_timestamps_are_read_as_utc():
    row = row_from_v3(CALLS, "a", {"id": "1", "properties": {"hs_timestamp": "1700000000000"}})
    assert row["hs_timestamp"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_a_v1_call_gives_the_row_its_date_based_twin_gives():
    item = {"engagement": {"id": 512, "type": "CALL", "createdAt": 1705314600000, "lastUpdated": 1705392000000,
                           "timestamp": 1705314600000, "ownerId": 42},
            "metadata": {"durationMilliseconds": 360000, "status": "COMPLETED", "title": "Intro"},
            "associations": {"contactIds": [3, 1]}}
    twin = {"id": "512", "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-16T08:00:00.000Z",
            "properties": {"hs_timestamp": "2024-01-15T10:30:00.000Z", "hs_call_duration": "360000",
                           "hs_call_status": "COMPLETED", "hs_call_title": "Intro", "hubspot_owner_id": "42",
                           "hs_createdate": "2024-01-15T10:30:00.000Z",
                           "hs_lastmodifieddate": "2024-01-16T08:00:00.000Z"}}
    assert row_from_v1(CALLS, "a", item) == row_from_v3(CALLS, "a", twin)
    assert v1_only_missing(CALLS) == ("hs_call_direction",)


def test_inline_associations_cut_at_a_page_are_read_in_full_elsewhere():
    assert associated_ids({"associations": {"contacts": {"results": [{"id": "9"}, {"id": "10"}]}}},
                          "contacts") == ["9", "10"]
    assert associated_ids({}, "contacts") == []
    cut = {"associations": {"contacts": {"results": [{"id": "9"}], "paging": {"next": {"after": "1"}}}}}
    assert associated_ids(cut, "contacts") is None


@pytest.mark.parametrize(("record", "reason"), [
    ({"id": "abc"}, "id 'abc' is not a HubSpot id"),
    ({"properties": {}}, "id None is not a HubSpot id"),
    ({"id": "１２"}, "id '１２' is not a HubSpot id"),  # digits, but not HubSpot's
    ({"id": "1", "properties": {"hs_call_duration": "abc"}}, "hs_call_duration 'abc' is not a number"),
    ({"id": "1", "properties": {"hs_call_duration": str(2**70)}}, f"hs_call_duration '{2**70}' is out of range"),
    ({"id": "1", "properties": {"hs_call_duration": "nan"}}, "hs_call_duration 'nan' is out of range"),
    ({"id": "1", "properties": {"hs_timestamp": "99999-01-01T00:00:00Z"}},
     "hs_timestamp '99999-01-01T00:00:00Z' is not a time (or out of range)"),
    ({"id": "1", "properties": {"hs_timestamp": str(10**17)}},
     f"hs_timestamp '{10**17}' is not a time (or out of range)"),
    ({"id": "1", "updatedAt": [2026]}, "updatedAt [2026] is not a time"),
    ({"id": "1", "properties": {"hs_call_title": {"a": 1}}}, "hs_call_title {'a': 1} is not a single value"),
    ({"id": "1", "properties": {"hs_call_title": "a\x00b"}},
     "hs_call_title holds a NUL character, which PostgreSQL text cannot store"),
    ({"id": "1", "archived": "false"}, "archived 'false' is not true or false"),
    ({"id": "1", "properties": "oops"}, "properties is not a JSON object"),
    ("a string", "the record is not a JSON object"),
])
def test_a_record_that_cannot_be_a_row_says_why(record, reason):
    with pytest.raises(BadRecord) as raised:
        row_from_v3(CALLS, "a", record)
    assert raised.value.reason == reason


def test_missing_extra_and_null_fields_still_make_a_row():
    row = row_from_v3(CALLS, "a", {"id": 5, "properties": {"hs_call_title": None, "x_unknown": [1]}, "extra": {}})
    assert row["id"] == "5" and row["hs_call_title"] is None and row["created_at"] is None
    assert "x_unknown" not in row and "extra" not in row


def test_quarantine_rows_are_keyed_by_id_or_by_payload():
    by_id = quarantine_row("a", "calls", {"id": "7", "properties": {"hs_call_duration": "abc"}}, "why")
    assert (by_id["table_name"], by_id["record_key"], by_id["reason"]) == ("calls", "7", "why")
    assert by_id["payload"] == '{"id":"7","properties":{"hs_call_duration":"abc"}}'
    first = quarantine_row("a", "calls", {"id": None, "text": "a\x00"}, "why")
    second = quarantine_row("a", "calls", {"id": None, "text": "b"}, "why")
    assert first["record_key"].startswith("?") and first["record_key"] != second["record_key"]
    assert "\x00" not in first["payload"]  # escaped as JSON text: PostgreSQL text cannot hold NUL
