"""Fathom through fathom-python: meetings with transcripts (and every other include) paged to the
end via the SDK's own `next()`, the per-recording transcript and summary endpoints, and the SDK's
error mapping. Fathom publishes no OpenAPI spec here: the SDK's pydantic models are the contract."""

from __future__ import annotations

import hashlib
import re

import pytest

HMS = re.compile(r"\d{2}:[0-5]\d:[0-5]\d")


@pytest.fixture(scope="module")
def fathom_truth(sandbox) -> dict:
    return sandbox.admin("truth")["accounts"]["account-1"]["fathom"]["meetings"]


@pytest.fixture(scope="module")
def meetings(sandbox) -> tuple[list, int]:
    """Every meeting of account-1 with every include, read once through the SDK: (meetings, pages)."""
    from fathom_python import Fathom, models

    key = sandbox.accounts[0]["fathom"]["api_key"]
    with Fathom(security=models.Security(api_key_auth=key), server_url=f"{sandbox.url}/external/v1") as sdk:
        items, pages = [], 0
        response = sdk.list_meetings(include_transcript=True, include_summary=True, include_action_items=True,
                                     include_highlights=True, include_crm_matches=True)
        while response is not None:
            pages += 1
            assert isinstance(response, models.ListMeetingsResponse)
            assert isinstance(response.result, models.MeetingListResponse)
            assert len(response.result.items) <= 10
            items.extend(response.result.items)
            response = response.next()
    return items, pages


def test_list_meetings_with_transcripts_pages_to_the_end(meetings, fathom_truth):
    from fathom_python import models

    items, pages = meetings
    assert pages == -(-fathom_truth["count"] // 10) and pages > 1
    assert len(items) == len({m.recording_id for m in items}) == fathom_truth["count"]
    lines = sorted((m.recording_id, round(m.created_at.timestamp() * 1000)) for m in items)
    assert hashlib.sha256("".join(f"{i}:{ms}\n" for i, ms in lines).encode()).hexdigest() == fathom_truth["checksum"]
    assert sum(len(m.transcript) for m in items) == fathom_truth["transcript_items"]
    created = [m.created_at for m in items]
    assert created == sorted(created, reverse=True), "newest first"
    for meeting in items:
        assert isinstance(meeting, models.Meeting)
        assert meeting.transcript and all(isinstance(t, models.TranscriptItem) for t in meeting.transcript)
        assert all(HMS.fullmatch(t.timestamp) for t in meeting.transcript)
        assert meeting.highlights is not None and meeting.crm_matches is not None
        assert all(isinstance(i, models.Invitee) for i in meeting.calendar_invitees)
        assert isinstance(meeting.recorded_by, models.FathomUser)
        for item in meeting.action_items or []:
            assert isinstance(item, models.ActionItem) and HMS.fullmatch(item.recording_timestamp)


def test_recording_transcript_and_summary_match_the_list(meetings, fathom_client):
    from fathom_python import models

    items, _ = meetings
    for meeting in items[:15]:
        transcript = fathom_client.get_recording_transcript(recording_id=meeting.recording_id)
        assert isinstance(transcript, models.GetRecordingTranscriptResponseBody)
        assert transcript.transcript == meeting.transcript
        summary = fathom_client.get_recording_summary(recording_id=meeting.recording_id)
        assert isinstance(summary, models.GetRecordingSummaryResponseBody)
        assert summary.summary == meeting.default_summary


def test_sdk_maps_a_bad_key_and_an_unknown_recording_to_errors(sandbox):
    from fathom_python import Fathom, errors, models

    with Fathom(security=models.Security(api_key_auth="not-a-key"), server_url=f"{sandbox.url}/external/v1") as sdk:
        with pytest.raises(errors.APIError) as unauthorized:
            sdk.list_meetings()
    assert unauthorized.value.status_code == 401

    key = sandbox.accounts[0]["fathom"]["api_key"]
    with Fathom(security=models.Security(api_key_auth=key), server_url=f"{sandbox.url}/external/v1") as sdk:
        with pytest.raises(errors.APIError) as missing:
            sdk.get_recording_transcript(recording_id=1)
    assert missing.value.status_code == 404
