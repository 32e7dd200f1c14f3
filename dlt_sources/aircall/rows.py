"""Aircall objects as raw_aircall rows (provider-apis.md B2).

Call times arrive as unix seconds and become UTC datetimes (timestamptz). A call Aircall sends
with null `answered_at` (missed) or null `user` (nobody picked up) is a normal call and loads
with nulls. A payload that cannot be placed at all (no integer id, no start time, a time that is
not unix seconds) is quarantined: `call_row` returns the reason instead of a row, and the caller
stores the payload with that reason in `raw_aircall.quarantine` rather than dropping it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson

# Unix seconds in this range are plausible call times; anything else (milliseconds, garbage)
# would load as a wrong date, so it is quarantined instead.
_EARLIEST_S = 946_684_800  # 2000-01-01
_LATEST_S = 4_102_444_800  # 2100-01-01


class BadPayload(ValueError):
    """Why a record cannot be loaded as a row."""


def _int(value: Any, name: str, required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            raise BadPayload(f"{name} is missing")
        return None
    if isinstance(value, bool):
        raise BadPayload(f"{name} is not an integer ({value!r})")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise BadPayload(f"{name} is not an integer ({str(value)[:40]!r})")


def _time(value: Any, name: str, required: bool = False) -> datetime | None:
    seconds = _int(value, name, required)
    if seconds is None:
        return None
    if not _EARLIEST_S <= seconds < _LATEST_S:
        raise BadPayload(f"{name} is not unix seconds between 2000 and 2100 ({seconds})")
    return datetime.fromtimestamp(seconds, tz=UTC)


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _object(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def call_row(account_id: str, call: Any) -> dict:
    """One `raw_aircall.calls` row; raises `BadPayload` when the call cannot be loaded.

    `content_hash` digests every column, so a sync can tell a call that changed since it was
    loaded (ended, tagged, archived) from one read again unchanged."""
    if not isinstance(call, dict):
        raise BadPayload("the call is not a JSON object")
    call_id = _int(call.get("id"), "id", required=True)
    user, number, contact = _object(call.get("user")), _object(call.get("number")), _object(call.get("contact"))
    row = {
        "account_id": account_id,
        "id": call_id,
        "direct_link": call.get("direct_link"),
        "direction": call.get("direction"),
        "status": call.get("status"),
        "missed_call_reason": call.get("missed_call_reason"),
        "started_at": _time(call.get("started_at"), "started_at", required=True),
        "answered_at": _time(call.get("answered_at"), "answered_at"),
        "ended_at": _time(call.get("ended_at"), "ended_at"),
        "duration": _int(call.get("duration"), "duration"),
        "raw_digits": call.get("raw_digits"),
        # Recording and voicemail URLs expire within minutes: what lasts is whether there is one.
        "has_recording": bool(call.get("recording")),
        "has_voicemail": bool(call.get("voicemail")),
        "user_id": _int(user.get("id"), "user.id"),
        "user_email": user.get("email"),
        "user_name": user.get("name"),
        "number_id": _int(number.get("id"), "number.id"),
        "number_digits": number.get("digits"),
        "number_name": number.get("name"),
        "contact_id": _int(contact.get("id"), "contact.id"),
        "contact": contact or None,
        "assigned_to_id": _int(_object(call.get("assigned_to")).get("id"), "assigned_to.id"),
        "teams": [{"id": t.get("id"), "name": t.get("name")} for t in _list(call.get("teams")) if isinstance(t, dict)],
        "tags": [{"id": t.get("id"), "name": t.get("name"), "created_at": t.get("created_at"),
                  "tagged_by_id": _object(t.get("tagged_by")).get("id")}
                 for t in _list(call.get("tags")) if isinstance(t, dict)],
        "comments": [{"id": c.get("id"), "content": c.get("content"), "posted_at": c.get("posted_at"),
                      "posted_by_id": _object(c.get("posted_by")).get("id")}
                     for c in _list(call.get("comments")) if isinstance(c, dict)],
        "archived": bool(call.get("archived")),
        "cost": _number(call.get("cost")),
        "country_code_a2": call.get("country_code_a2"),
        "pricing_type": call.get("pricing_type"),
    }
    row["content_hash"] = hashlib.sha256(orjson.dumps(row, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return row


def user_row(account_id: str, user: Any) -> dict:
    if not isinstance(user, dict):
        raise BadPayload("the user is not a JSON object")
    return {
        "account_id": account_id,
        "id": _int(user.get("id"), "id", required=True),
        "name": user.get("name"),
        "email": user.get("email"),
        "available": user.get("available"),
        "availability_status": user.get("availability_status"),
        "state": user.get("state"),
        "extension": user.get("extension"),
        "time_zone": user.get("time_zone"),
        "language": user.get("language"),
        "created_at": user.get("created_at"),
    }


def transcription_row(account_id: str, call_id: int, transcription: Any) -> dict:
    if not isinstance(transcription, dict):
        raise BadPayload("the transcription is not a JSON object")
    content = _object(transcription.get("content"))
    utterances = [u for u in _list(content.get("utterances")) if isinstance(u, dict)]
    return {
        "account_id": account_id,
        "call_id": call_id,
        "id": _int(transcription.get("id"), "id"),
        "type": transcription.get("type"),
        "language": content.get("language"),
        "utterances": utterances,
        "utterance_count": len(utterances),
        "text": "\n".join(str(u.get("text") or "") for u in utterances),
    }


def quarantine_row(account_id: str, table: str, payload: Any, reason: str) -> dict:
    """The payload kept with why it was not loaded; keyed on its content, so a rerun that meets
    the same bad payload stores it once."""
    raw = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    return {
        "account_id": account_id,
        "source_table": table,
        "record_key": hashlib.sha256(raw).hexdigest(),
        "reason": reason,
        "payload": raw.decode(),
        "seen_at": datetime.now(tz=UTC),
    }
