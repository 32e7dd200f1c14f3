"""Fathom payloads into raw rows (no I/O): offsets from Fathom's timestamps, nullable fields,
transcripts not ready yet, what goes to quarantine and why; heavy requests wait for both budgets."""

from __future__ import annotations

import pytest

from dlt_sources.fathom.api import BothBudgets, is_heavy
from dlt_sources.fathom.rows import MeetingRows, add_meeting, parse_offset, user_row
from dlt_sources.http import RateBudget

ACCOUNT = "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize(("text", "seconds"), [
    ("00:05:32", 332.0), ("1:02:03", 3723.0), ("00:61:00", 3660.0), ("05:32", 332.0), ("00:00:01.5", 1.5),
    (" 10:00:00 ", 36000.0), ("100:00:00", 360000.0), ("00:٠٥:32", 332.0)])
def test_offsets_are_read_from_fathoms_timestamps_and_their_variants(text, seconds):
    assert parse_offset(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "1:2:3:4", "-00:01:00", "12", None, 332])
def test_unreadable_offsets_are_none(text):
    assert parse_offset(text) is None


def meeting(**fields) -> dict:
    return {"recording_id": 42, "created_at": "2026-10-30T10:00:00Z", "title": "QBR",
            "recorded_by": {"name": "Ann", "email": "Ann@Acme.com", "team": None}, **fields}


def test_a_meeting_with_everything_gives_one_row_per_table_entry():
    out = MeetingRows()
    rid = add_meeting(out, ACCOUNT, meeting(
        calendar_invitees=[{"name": None, "email": "bo@x.org", "is_external": True}, {"email": None}],
        transcript=[{"speaker": {"display_name": "Bo", "matched_calendar_invitee_email": "bo@x.org"},
                     "text": "hi", "timestamp": "00:00:03"}],
        default_summary={"template_name": "general", "markdown_formatted": "## S"},
        action_items=[{"description": "Send it", "assignee": {"email": " "}, "recording_timestamp": "00:10:45"}],
        highlights=[{"type": "question"}], meeting_url=None, shared_with="all_teams"))
    assert rid == 42 and out.quarantined == {}
    [row] = out.tables["meetings"]
    assert row["recorded_by_email"] == "Ann@Acme.com" and row["invitee_count"] == 2 and row["transcript_items"] == 1
    assert row["created_at"].isoformat() == "2026-10-30T10:00:00+00:00" and row["highlights"] == [{"type": "question"}]
    assert [i["email"] for i in out.tables["meeting_invitees"]] == ["bo@x.org", None]
    assert out.tables["transcript_segments"][0]["offset_seconds"] == 3.0
    assert out.tables["summaries"][0]["markdown_formatted"] == "## S"
    [item] = out.tables["action_items"]
    assert item["assignee_email"] is None and item["offset_seconds"] == 645.0
    assert out.with_transcript == {42} and out.pending_transcripts == {}


def test_a_null_or_empty_transcript_is_pending_and_a_missing_one_is_neither():
    for transcript in (None, []):
        out = MeetingRows()
        add_meeting(out, ACCOUNT, meeting(transcript=transcript))
        assert out.pending_transcripts == {42: 1_793_354_400_000} and "transcript_segments" not in out.tables
    out = MeetingRows()
    add_meeting(out, ACCOUNT, meeting())  # asked without include_transcript
    assert out.pending_transcripts == {} and out.with_transcript == set()


def test_null_recorder_and_invitees_load_as_null():
    out = MeetingRows()
    add_meeting(out, ACCOUNT, meeting(recorded_by=None, calendar_invitees=None))
    [row] = out.tables["meetings"]
    assert row["recorded_by_email"] is None and row["invitee_count"] == 0 and "meeting_invitees" not in out.tables


@pytest.mark.parametrize(("payload", "reason"), [
    ({"title": "x", "created_at": "2026-10-30T10:00:00Z"}, "no recording_id"),
    ({"recording_id": True, "created_at": "2026-10-30T10:00:00Z"}, "no recording_id"),
    ({"recording_id": 7, "created_at": "yesterday"}, "unreadable created_at 'yesterday'"),
    ("not an object", "the meeting is not a JSON object")])
def test_a_meeting_without_a_key_is_quarantined_whole(payload, reason):
    out = MeetingRows()
    assert add_meeting(out, ACCOUNT, payload) is None
    assert out.quarantined == {"meetings": 1} and list(out.tables) == ["quarantine"]
    [row] = out.tables["quarantine"]
    assert row["reason"] == reason and row["table_name"] == "meetings"


def test_keyless_quarantine_rows_are_named_by_their_content():
    out = MeetingRows()
    add_meeting(out, ACCOUNT, {"title": "a"})
    add_meeting(out, ACCOUNT, {"title": "b"})
    keys = [row["record_key"] for row in out.tables["quarantine"]]
    assert len(set(keys)) == 2 and all(key.startswith("?") for key in keys)


def test_only_the_unreadable_segment_is_quarantined():
    out = MeetingRows()
    add_meeting(out, ACCOUNT, meeting(transcript=[{"text": "a", "timestamp": "00:00:01"}, "junk",
                                                  {"text": "c", "timestamp": "later"}]))
    assert [s["position"] for s in out.tables["transcript_segments"]] == [0]
    assert out.quarantined == {"transcript_segments": 2}
    assert [q["record_key"] for q in out.tables["quarantine"]] == ["42/1", "42/2"]


def test_users_without_an_email_have_no_row():
    assert user_row(ACCOUNT, {"name": "x", "email": None}) is None
    row = user_row(ACCOUNT, {"name": "Ann", "email": "ann@acme.com", "status": "invited", "created_at": None})
    assert row["settings_access"] is None and row["status"] == "invited"


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_heavy_requests_wait_for_their_own_budget_and_count_against_the_global_one():
    clock = Clock()
    overall = RateBudget("all", 60, 60.0, margin_seconds=0, clock=clock, sleep=clock.sleep)
    heavy = RateBudget("heavy", 30, 60.0, margin_seconds=0, clock=clock, sleep=clock.sleep)
    both = BothBudgets(heavy, overall)
    for _ in range(30):
        both.acquire()
    assert clock.now == 0
    for _ in range(30):
        overall.acquire()  # ordinary requests still have the other half of the window
    assert clock.now == 0
    both.acquire()
    assert clock.now >= 60
    assert is_heavy("/external/v1/recordings/1/transcript") and not is_heavy("/external/v1/meetings")
