"""The legacy v1 engagement `metadata` block, derived from an object kind's v3 properties.

`ObjectKind.v1_metadata()` defaults to `default_v1_metadata`, which maps the documented v3
property names to the v1 keys of provider-apis.md A2 ("Metadata by type"). A kind that renders
those properties therefore gets correct v1 metadata with no code of its own; a kind overrides
`v1_metadata` to add keys that have no v3 property (calls add externalId, for example).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provider_sandbox.timefmt import parse_iso_to_ms

if TYPE_CHECKING:
    from provider_sandbox.hubspot.objects.base import ObjectKind
    from provider_sandbox.store import Account, ObjectTable

# v3 object name -> v1 `engagement.type`; kinds not listed are not engagements.
V1_ENGAGEMENT_TYPES: dict[str, str] = {
    "calls": "CALL",
    "emails": "EMAIL",
    "meetings": "MEETING",
    "notes": "NOTE",
    "tasks": "TASK",
}

# v1 metadata key -> v3 property, copied as the string it renders.
_TEXT: dict[str, dict[str, str]] = {
    "CALL": {
        "toNumber": "hs_call_to_number", "fromNumber": "hs_call_from_number", "status": "hs_call_status",
        "body": "hs_call_body", "title": "hs_call_title", "disposition": "hs_call_disposition",
        "recordingUrl": "hs_call_recording_url",
    },
    "EMAIL": {"subject": "hs_email_subject", "html": "hs_email_html", "text": "hs_email_text"},
    "MEETING": {
        "body": "hs_meeting_body", "title": "hs_meeting_title", "location": "hs_meeting_location",
        "internalMeetingNotes": "hs_internal_meeting_notes", "meetingOutcome": "hs_meeting_outcome",
    },
    "NOTE": {"body": "hs_note_body"},
    "TASK": {
        "body": "hs_task_body", "subject": "hs_task_subject", "status": "hs_task_status",
        "priority": "hs_task_priority", "taskType": "hs_task_type",
    },
}
# v1 metadata key -> v3 property holding a duration or a time; v1 sends epoch-ms integers.
_MILLIS: dict[str, dict[str, str]] = {
    "CALL": {"durationMilliseconds": "hs_call_duration"},
    "MEETING": {"startTime": "hs_meeting_start_time", "endTime": "hs_meeting_end_time"},
}
# Email participants: v1 key -> v3 prefix of its _email/_firstname/_lastname properties
# (several recipients are `;`-separated in v3).
_EMAIL_PEOPLE = {"from": "hs_email_from", "to": "hs_email_to", "cc": "hs_email_cc", "bcc": "hs_email_bcc"}


def _wanted(v1_type: str) -> frozenset[str]:
    names = set(_TEXT.get(v1_type, {}).values()) | set(_MILLIS.get(v1_type, {}).values())
    if v1_type == "EMAIL":
        names |= {f"{prefix}_{part}" for prefix in _EMAIL_PEOPLE.values()
                  for part in ("email", "firstname", "lastname")}
    return frozenset(names)


def to_epoch_ms(value: str | None) -> int | None:
    """A v3 number-or-datetime string as epoch-ms/ms integer (v1 sends integers)."""
    if value is None or value == "":
        return None
    if value.lstrip("-").isdigit():
        return int(value)
    try:
        return parse_iso_to_ms(value)
    except ValueError:
        return None


def _people(values: dict[str, str | None], prefix: str) -> list[dict[str, str]]:
    def split(name: str) -> list[str]:
        return [part.strip() for part in (values.get(f"{prefix}_{name}") or "").split(";")]

    emails, firsts, lasts = split("email"), split("firstname"), split("lastname")
    people = []
    for index, email in enumerate(emails):
        if not email:
            continue
        person = {"email": email}
        if index < len(firsts) and firsts[index]:
            person["firstName"] = firsts[index]
        if index < len(lasts) and lasts[index]:
            person["lastName"] = lasts[index]
        people.append(person)
    return people


def default_v1_metadata(kind: ObjectKind, seed: int, account: Account, table: ObjectTable, row: int) -> dict:
    v1_type = kind.v1_type
    if v1_type is None:
        return {}
    values = kind.property_values(seed, account, table, row, _wanted(v1_type))
    metadata: dict = {}
    for key, name in _TEXT.get(v1_type, {}).items():
        if values.get(name) is not None:
            metadata[key] = values[name]
    for key, name in _MILLIS.get(v1_type, {}).items():
        millis = to_epoch_ms(values.get(name))
        if millis is not None:
            metadata[key] = millis
    if v1_type == "EMAIL":
        sender = _people(values, _EMAIL_PEOPLE["from"])
        metadata["from"] = sender[0] if sender else {}
        for key in ("to", "cc", "bcc"):
            metadata[key] = _people(values, _EMAIL_PEOPLE[key])
    elif v1_type == "TASK":
        metadata["forObjectType"] = "OWNER"  # v3 tasks are assigned to their owner
    return metadata
