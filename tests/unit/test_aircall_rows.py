"""Aircall payloads into raw_aircall rows: missed calls and calls without a user load with nulls;
what cannot be placed in time raises BadPayload with the reason the quarantine keeps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dlt_sources.aircall.rows import BadPayload, call_row, quarantine_row, transcription_row

CALL = {
    "id": 1812345678, "direction": "inbound", "status": "done", "missed_call_reason": "no_available_agent",
    "started_at": 1761955200, "answered_at": None, "ended_at": 1761955231, "duration": 31,
    "recording": None, "voicemail": "https://media.example/v.mp3?Expires=1", "user": None,
    "number": {"id": 4, "digits": "+1 212-555-0101", "name": "Main line"}, "contact": None,
    "tags": [{"id": 1, "name": "Follow Up", "created_at": 1761955300, "tagged_by": {"id": 9}}],
    "comments": [{"id": 2, "content": "Très intéressé 👍 شكرا", "posted_at": 1761955400, "posted_by": None}],
    "archived": True, "cost": "0.0", "teams": [],
}


def test_a_missed_call_without_user_loads_with_nulls():
    row = call_row("acct", CALL)
    assert row["started_at"] == datetime(2025, 11, 1, tzinfo=UTC)
    assert row["answered_at"] is None and row["user_id"] is None and row["user_email"] is None
    assert row["has_voicemail"] and not row["has_recording"] and row["archived"]
    assert row["tags"] == [{"id": 1, "name": "Follow Up", "created_at": 1761955300, "tagged_by_id": 9}]
    assert row["comments"][0]["content"] == "Très intéressé 👍 شكرا" and row["comments"][0]["posted_by_id"] is None
    assert row["cost"] == 0.0 and row["number_digits"] == "+1 212-555-0101"


def test_numbers_sent_as_strings_load_as_numbers():
    row = call_row("acct", {**CALL, "id": "1812345678", "duration": "31", "started_at": "1761955200"})
    assert row["id"] == 1812345678 and row["duration"] == 31 and row["started_at"].year == 2025


@pytest.mark.parametrize(("change", "reason"), [
    ({"id": None}, "id is missing"),
    ({"id": "abc"}, "id is not an integer"),
    ({"started_at": None}, "started_at is missing"),
    ({"started_at": 1761955200000}, "started_at is not unix seconds"),
    ({"ended_at": "yesterday"}, "ended_at is not an integer"),
    ({"answered_at": True}, "answered_at is not an integer"),
])
def test_what_cannot_be_placed_is_refused_with_its_reason(change, reason):
    with pytest.raises(BadPayload, match=reason):
        call_row("acct", {**CALL, **change})


def test_a_call_that_is_not_an_object_is_refused():
    with pytest.raises(BadPayload, match="not a JSON object"):
        call_row("acct", ["not", "a", "call"])


def test_quarantine_keys_on_the_payload_so_a_rerun_stores_it_once():
    first = quarantine_row("acct", "calls", {**CALL, "id": None}, "id is missing")
    again = quarantine_row("acct", "calls", {"id": None, **{k: v for k, v in CALL.items() if k != "id"}},
                           "id is missing")
    assert first["record_key"] == again["record_key"] and first["payload"] == again["payload"]
    assert first["record_key"] != quarantine_row("acct", "calls", CALL, "other")["record_key"]


def test_a_transcription_keeps_its_utterances_and_text():
    row = transcription_row("acct", 5, {"id": 9, "type": "call", "content": {"language": "en-US", "utterances": [
        {"participant_type": "internal", "text": "Hi", "start_time": 0, "end_time": 1.5},
        {"participant_type": "external", "text": "شكرا", "start_time": 2, "end_time": 3}]}})
    assert row["call_id"] == 5 and row["utterance_count"] == 2 and row["text"] == "Hi\nشكرا"
    empty = transcription_row("acct", 6, {"id": 10, "content": None})
    assert empty["utterance_count"] == 0 and empty["utterances"] == []
