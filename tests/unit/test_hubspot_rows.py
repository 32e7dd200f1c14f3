from datetime import UTC, datetime

from dlt_sources.hubspot.source import CALL_PROPERTIES, flatten_object


def test_call_properties_become_typed_columns():
    record = {
        "id": "512",
        "properties": {"hs_call_duration": "360000", "hs_timestamp": "2024-01-15T10:30:00.000Z",
                       "hs_call_direction": "OUTBOUND", "hubspot_owner_id": None},
        "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-16T08:00:00.000Z", "archived": False,
    }
    row = flatten_object("acct-1", record, CALL_PROPERTIES)
    assert row["account_id"] == "acct-1" and row["id"] == "512"
    assert row["hs_call_duration"] == 360000
    assert row["hs_timestamp"] == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert row["hubspot_owner_id"] is None
    assert row["hs_call_title"] is None  # absent property: a null column, not a missing key


def test_epoch_millisecond_timestamps_are_read_as_utc():
    row = flatten_object("a", {"id": "1", "properties": {"hs_timestamp": "1700000000000"}}, ["hs_timestamp"])
    assert row["hs_timestamp"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
