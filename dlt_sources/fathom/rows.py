"""Fathom `Meeting` objects (from the list or a webhook) into raw rows, and what cannot be loaded
into quarantine rows with a reason.

Keys: a meeting is `(account_id, recording_id)`; its invitees, transcript segments and action
items add their position in Fathom's list (`position`), which is stable because a processed
meeting does not change. Nullable fields (invitee name and email, `recorded_by`, assignee) load as
null. A meeting without a recording id or a readable `created_at` has no key and goes to
quarantine whole; a transcript segment whose timestamp cannot be read goes there alone.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

log = logging.getLogger("revsync.sources.fathom")

MEETING_FIELDS = ("title", "meeting_title", "meeting_type", "url", "share_url", "meeting_url", "shared_with",
                  "calendar_invitees_domains_type", "transcript_language")
TIME_FIELDS = ("created_at", "scheduled_start_time", "scheduled_end_time", "recording_start_time",
               "recording_end_time")
_OFFSET = re.compile(r"^\s*(\d{1,3}):(\d{1,3})(?::(\d{1,3}))?(?:[.,](\d+))?\s*$")


def parse_offset(text: Any) -> float | None:
    """Seconds from the start of the recording for Fathom's `HH:MM:SS`; also `1:02:03`, `MM:SS`,
    fractions and overflowing fields such as `00:61:00` (61 minutes). None when unreadable."""
    if not isinstance(text, str):
        return None
    match = _OFFSET.match(text)
    if match is None:
        return None
    first, second, third, fraction = match.groups()
    hours, minutes, seconds = (int(first), int(second), int(third)) if third is not None else (0, int(first),
                                                                                                int(second))
    total = hours * 3600 + minutes * 60 + seconds
    return total + float(f"0.{fraction}") if fraction else float(total)


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class MeetingRows:
    """Rows per raw table from some meetings, plus what they say about transcripts."""

    tables: dict[str, list[dict]] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)  # table -> records set aside
    pending_transcripts: dict[int, int] = field(default_factory=dict)  # recording id -> created_at ms
    with_transcript: set[int] = field(default_factory=set)  # recording ids whose transcript was read

    def add(self, table: str, row: dict) -> None:
        self.tables.setdefault(table, []).append(row)

    def quarantine(self, account_id: str, table: str, key: str, reason: str, payload: Any) -> None:
        if key == "?":  # no key of its own: name it by its content, so two never collide
            key = "?" + hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
        self.quarantined[table] = self.quarantined.get(table, 0) + 1
        log.warning("fathom account %s: %s %s quarantined: %s", account_id, table, key, reason)
        self.add("quarantine", {"account_id": account_id, "table_name": table, "record_key": key, "reason": reason,
                                "payload": payload, "quarantined_at": datetime.now(UTC)})


def _email(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def add_meeting(out: MeetingRows, account_id: str, meeting: Any, source: str = "api") -> int | None:
    """Append one meeting's rows to `out`; returns its recording id, or None when quarantined."""
    if not isinstance(meeting, dict):
        out.quarantine(account_id, "meetings", "?", "the meeting is not a JSON object", meeting)
        return None
    recording_id = meeting.get("recording_id")
    if isinstance(recording_id, str) and recording_id.isdigit():
        recording_id = int(recording_id)
    if not isinstance(recording_id, int) or isinstance(recording_id, bool):
        out.quarantine(account_id, "meetings", "?", "no recording_id", _without_transcript(meeting))
        return None
    created = parse_time(meeting.get("created_at"))
    if created is None:
        out.quarantine(account_id, "meetings", str(recording_id),
                       f"unreadable created_at {meeting.get('created_at')!r}", _without_transcript(meeting))
        return None
    recorder = meeting.get("recorded_by") if isinstance(meeting.get("recorded_by"), dict) else {}
    transcript = meeting.get("transcript")
    row: dict[str, Any] = {"account_id": account_id, "recording_id": recording_id, "received_from": source}
    row.update({name: meeting.get(name) for name in MEETING_FIELDS})
    row.update({name: parse_time(meeting.get(name)) for name in TIME_FIELDS})
    row.update(recorded_by_email=_email(recorder.get("email")), recorded_by_name=recorder.get("name"),
               recorded_by_team=recorder.get("team"), highlights=meeting.get("highlights"),
               crm_matches=meeting.get("crm_matches"))
    invitees = meeting.get("calendar_invitees") if isinstance(meeting.get("calendar_invitees"), list) else []
    row["invitee_count"] = len(invitees)
    if isinstance(transcript, list) and transcript:
        row["transcript_items"] = len(transcript)
    out.add("meetings", row)

    for position, invitee in enumerate(invitees):
        invitee = invitee if isinstance(invitee, dict) else {}
        out.add("meeting_invitees", {
            "account_id": account_id, "recording_id": recording_id, "position": position,
            "email": _email(invitee.get("email")), "name": invitee.get("name"),
            "email_domain": invitee.get("email_domain"), "is_external": invitee.get("is_external"),
            "matched_speaker_display_name": invitee.get("matched_speaker_display_name")})

    if "transcript" in meeting:
        add_transcript(out, account_id, recording_id, int(created.timestamp() * 1000), transcript)
    if "default_summary" in meeting:
        add_summary(out, account_id, recording_id, meeting.get("default_summary"))
    for position, item in enumerate(meeting.get("action_items") or []):
        item = item if isinstance(item, dict) else {}
        assignee = item.get("assignee") if isinstance(item.get("assignee"), dict) else {}
        out.add("action_items", {
            "account_id": account_id, "recording_id": recording_id, "position": position,
            "description": item.get("description"), "user_generated": item.get("user_generated"),
            "completed": item.get("completed"), "recording_timestamp": item.get("recording_timestamp"),
            "offset_seconds": parse_offset(item.get("recording_timestamp")),
            "recording_playback_url": item.get("recording_playback_url"),
            "assignee_name": assignee.get("name"), "assignee_email": _email(assignee.get("email")),
            "assignee_team": assignee.get("team")})
    return recording_id


def add_transcript(out: MeetingRows, account_id: str, recording_id: int, created_ms: int, transcript: Any) -> None:
    """Segments of one transcript; a null or empty one is not ready yet (Fathom sends the
    meeting before its transcript is processed), so the meeting is remembered as pending."""
    if not isinstance(transcript, list) or not transcript:
        out.pending_transcripts[recording_id] = created_ms
        return
    out.with_transcript.add(recording_id)
    for position, item in enumerate(transcript):
        key = f"{recording_id}/{position}"
        if not isinstance(item, dict):
            out.quarantine(account_id, "transcript_segments", key, "the segment is not a JSON object", item)
            continue
        offset = parse_offset(item.get("timestamp"))
        if offset is None:
            out.quarantine(account_id, "transcript_segments", key,
                           f"unreadable timestamp {item.get('timestamp')!r}", item)
            continue
        speaker = item.get("speaker") if isinstance(item.get("speaker"), dict) else {}
        out.add("transcript_segments", {
            "account_id": account_id, "recording_id": recording_id, "position": position,
            "speaker_display_name": speaker.get("display_name"),
            "speaker_email": _email(speaker.get("matched_calendar_invitee_email")),
            "timestamp": item.get("timestamp"), "offset_seconds": offset, "text": item.get("text")})


def add_summary(out: MeetingRows, account_id: str, recording_id: int, summary: Any) -> None:
    if isinstance(summary, dict):  # null: too short to summarise
        out.add("summaries", {"account_id": account_id, "recording_id": recording_id,
                              "template_name": summary.get("template_name"),
                              "markdown_formatted": summary.get("markdown_formatted")})


def user_row(account_id: str, user: Any) -> dict | None:
    if not isinstance(user, dict) or not _email(user.get("email")):
        return None
    permissions = user.get("permissions") if isinstance(user.get("permissions"), dict) else {}
    settings = permissions.get("settings_access") if isinstance(permissions.get("settings_access"), dict) else {}
    view = permissions.get("view_access") if isinstance(permissions.get("view_access"), dict) else {}
    return {"account_id": account_id, "email": _email(user.get("email")), "name": user.get("name"),
            "created_at": parse_time(user.get("created_at")), "status": user.get("status"),
            "settings_access": settings.get("level"), "settings_access_teams": settings.get("teams"),
            "view_access": view.get("level"), "view_access_teams": view.get("teams")}


def _without_transcript(meeting: dict) -> dict:
    """A quarantined meeting's payload, without the transcript that may be megabytes."""
    return {k: v for k, v in meeting.items() if k != "transcript"}
