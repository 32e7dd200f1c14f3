"""What the HubSpot source keeps of each object type, and how a record becomes one typed row.

HubSpot sends every property as a string (provider-apis.md A2). Rows keep the property names as
columns, with numbers as numbers and times as timestamptz, plus:
`account_id`, `id`, `created_at`, `updated_at`, `archived` (HubSpot's soft delete), `is_deleted`
(archived, or gone upstream as found by a reconcile) and `deleted_at`.

Association ids live in their own table (`associations`, one row per record and related type),
so an association that disappears upstream disappears here when that row is rewritten.

A record that cannot become a row (no readable id, a kept property of the wrong type, a time out
of range, text PostgreSQL cannot store) raises `BadRecord` with the reason; the reader stores it
with that reason in `quarantine` instead of failing the sync or loading a wrong value.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

BIGINT = 2**63  # PostgreSQL's bigint holds [-2**63, 2**63)


@dataclass(frozen=True)
class ObjectSpec:
    name: str  # the API's object type and the raw table
    properties: tuple[str, ...]
    associations: tuple[str, ...] = ()  # related types whose links this type owns
    modified_property: str = "hs_lastmodifieddate"
    created_property: str = "hs_createdate"
    integers: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    times: frozenset[str] = frozenset()
    v1_type: str | None = None  # the legacy engagement type, for engagements
    extra_properties: tuple[str, ...] = field(default=())

    def all_properties(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.properties, *self.extra_properties)))


_ENGAGEMENT_LINKS = ("contacts", "companies", "deals")
_ENGAGEMENT_TIMES = frozenset({"hs_timestamp", "hs_createdate", "hs_lastmodifieddate"})

ENGAGEMENTS: dict[str, ObjectSpec] = {
    spec.name: spec for spec in (
        ObjectSpec(
            "calls",
            ("hs_timestamp", "hs_call_title", "hs_call_body", "hs_call_direction", "hs_call_duration",
             "hs_call_disposition", "hs_call_status", "hs_call_from_number", "hs_call_to_number",
             "hs_call_recording_url", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"),
            _ENGAGEMENT_LINKS, integers=frozenset({"hs_call_duration"}), times=_ENGAGEMENT_TIMES, v1_type="CALL",
        ),
        ObjectSpec(
            "emails",
            ("hs_timestamp", "hs_email_subject", "hs_email_text", "hs_email_direction", "hs_email_status",
             "hs_email_from_email", "hs_email_to_email", "hubspot_owner_id", "hs_createdate",
             "hs_lastmodifieddate"),
            _ENGAGEMENT_LINKS, times=_ENGAGEMENT_TIMES, v1_type="EMAIL",
        ),
        ObjectSpec(
            "meetings",
            ("hs_timestamp", "hs_meeting_title", "hs_meeting_body", "hs_meeting_start_time",
             "hs_meeting_end_time", "hs_meeting_outcome", "hs_meeting_location", "hs_meeting_external_url",
             "hs_activity_type", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"),
            _ENGAGEMENT_LINKS, times=_ENGAGEMENT_TIMES | {"hs_meeting_start_time", "hs_meeting_end_time"},
            v1_type="MEETING",
        ),
        ObjectSpec(
            "notes",
            ("hs_timestamp", "hs_note_body", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"),
            _ENGAGEMENT_LINKS, times=_ENGAGEMENT_TIMES, v1_type="NOTE",
        ),
        ObjectSpec(
            "tasks",
            ("hs_timestamp", "hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_priority",
             "hs_task_type", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"),
            _ENGAGEMENT_LINKS, times=_ENGAGEMENT_TIMES, v1_type="TASK",
        ),
    )
}

CRM_RECORDS: dict[str, ObjectSpec] = {
    spec.name: spec for spec in (
        ObjectSpec(
            "contacts",
            ("firstname", "lastname", "email", "phone", "jobtitle", "lifecyclestage", "hubspot_owner_id",
             "createdate", "lastmodifieddate"),
            ("companies",), modified_property="lastmodifieddate", created_property="createdate",
            times=frozenset({"createdate", "lastmodifieddate"}),
        ),
        ObjectSpec(
            "companies",
            ("name", "domain", "industry", "numberofemployees", "annualrevenue", "hubspot_owner_id",
             "createdate", "hs_lastmodifieddate"),
            created_property="createdate", integers=frozenset({"numberofemployees"}),
            numbers=frozenset({"annualrevenue"}), times=frozenset({"createdate", "hs_lastmodifieddate"}),
        ),
        ObjectSpec(
            "deals",
            ("dealname", "amount", "closedate", "pipeline", "dealstage", "hubspot_owner_id", "createdate",
             "hs_lastmodifieddate"),
            ("contacts", "companies"), created_property="createdate", numbers=frozenset({"amount"}),
            times=frozenset({"closedate", "createdate", "hs_lastmodifieddate"}),
        ),
    )
}

OBJECTS: dict[str, ObjectSpec] = {**CRM_RECORDS, **ENGAGEMENTS}
V1_TYPES = {spec.v1_type: spec for spec in ENGAGEMENTS.values()}


def with_extra_properties(extra: Mapping[str, Iterable[str]]) -> dict[str, ObjectSpec]:
    """The object specs with user-configured extra properties (kept as text columns)."""
    from dataclasses import replace

    return {name: replace(spec, extra_properties=tuple(extra.get(name, ()))) for name, spec in OBJECTS.items()}


def column_hints(spec: ObjectSpec) -> dict[str, dict[str, Any]]:
    hints: dict[str, dict[str, Any]] = {
        "account_id": {"data_type": "text", "nullable": False},
        "id": {"data_type": "text", "nullable": False},
        "created_at": {"data_type": "timestamp", "timezone": True},
        "updated_at": {"data_type": "timestamp", "timezone": True},
        "deleted_at": {"data_type": "timestamp", "timezone": True},
        "archived": {"data_type": "bool"},
        "is_deleted": {"data_type": "bool"},
    }
    for name in spec.all_properties():
        if name in spec.integers:
            hints[name] = {"data_type": "bigint"}
        elif name in spec.numbers:
            hints[name] = {"data_type": "double"}
        elif name in spec.times:
            hints[name] = {"data_type": "timestamp", "timezone": True}
        else:
            hints[name] = {"data_type": "text"}
    return hints


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 or epoch milliseconds (HubSpot accepts both, and v1 sends integers)."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.lstrip("-").isdigit()):
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class BadRecord(ValueError):
    """A record that cannot become a row; `reason` is stored with it in quarantine."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _shown(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def record_id(raw: Any) -> str:
    """A HubSpot record id (digits, as a string or a number), or BadRecord."""
    text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit()):
        raise BadRecord(f"id {_shown(raw)} is not a HubSpot id")
    return text


def _time(name: str, raw: Any) -> datetime | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | None):
        raise BadRecord(f"{name} {_shown(raw)} is not a time")
    try:
        return parse_time(raw)
    except (ValueError, OverflowError, OSError):
        raise BadRecord(f"{name} {_shown(raw)} is not a time (or out of range)") from None


def _typed(spec: ObjectSpec, name: str, raw: Any) -> Any:
    if raw in (None, ""):
        return None
    if name in spec.times:
        return _time(name, raw)
    if isinstance(raw, dict | list) or (isinstance(raw, bool) and (name in spec.integers or name in spec.numbers)):
        raise BadRecord(f"{name} {_shown(raw)} is not a single value")
    if name in spec.integers or name in spec.numbers:
        try:
            number = float(raw)
        except ValueError:
            raise BadRecord(f"{name} {_shown(raw)} is not a number") from None
        if not math.isfinite(number) or (name in spec.integers and not -BIGINT <= number < BIGINT):
            raise BadRecord(f"{name} {_shown(raw)} is out of range")
        return int(number) if name in spec.integers else number
    text = str(raw)
    if "\x00" in text:
        raise BadRecord(f"{name} holds a NUL character, which PostgreSQL text cannot store")
    return text


def row_from_v3(spec: ObjectSpec, account_id: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A `SimplePublicObject` (list, search or batch read) as one typed row; BadRecord if it
    cannot be one."""
    if not isinstance(record, Mapping):
        raise BadRecord("the record is not a JSON object")
    values = record.get("properties") or {}
    if not isinstance(values, Mapping):
        raise BadRecord("properties is not a JSON object")
    archived = record.get("archived", False)
    if not isinstance(archived, bool):
        raise BadRecord(f"archived {_shown(archived)} is not true or false")
    row = {
        "account_id": account_id,
        "id": record_id(record.get("id")),
        "created_at": _time("createdAt", record.get("createdAt")),
        "updated_at": _time("updatedAt", record.get("updatedAt")),
        "archived": archived,
        "is_deleted": archived,
        "deleted_at": _time("archivedAt", record.get("archivedAt")) if archived else None,
    }
    for name in spec.all_properties():
        row[name] = _typed(spec, name, values.get(name))
    return row


def associated_ids(record: Mapping[str, Any], to_type: str) -> list[str] | None:
    """Ids of `to_type` inline in a list result; None when HubSpot cut the list (more to page)."""
    block = (record.get("associations") or {}).get(to_type)
    if not block:
        return []
    if (block.get("paging") or {}).get("next"):
        return None
    return sorted({str(item["id"]) for item in block.get("results") or []}, key=int)


def association_row(account_id: str, from_type: str, from_id: str, to_type: str, to_ids: list[str]) -> dict:
    return {"account_id": account_id, "from_type": from_type, "from_id": from_id, "to_type": to_type,
            "to_ids": to_ids}


# --- legacy v1 engagements -----------------------------------------------------------------------
# v1 metadata key -> v3 property (provider-apis.md A2, "Metadata by type").
V1_METADATA: dict[str, dict[str, str]] = {
    "CALL": {"toNumber": "hs_call_to_number", "fromNumber": "hs_call_from_number", "status": "hs_call_status",
             "durationMilliseconds": "hs_call_duration", "recordingUrl": "hs_call_recording_url",
             "body": "hs_call_body", "title": "hs_call_title", "disposition": "hs_call_disposition"},
    "EMAIL": {"subject": "hs_email_subject", "text": "hs_email_text"},
    "MEETING": {"body": "hs_meeting_body", "title": "hs_meeting_title", "location": "hs_meeting_location",
                "meetingOutcome": "hs_meeting_outcome", "startTime": "hs_meeting_start_time",
                "endTime": "hs_meeting_end_time"},
    "NOTE": {"body": "hs_note_body"},
    "TASK": {"body": "hs_task_body", "subject": "hs_task_subject", "status": "hs_task_status",
             "priority": "hs_task_priority", "taskType": "hs_task_type"},
}
V1_ASSOCIATIONS = {"contacts": "contactIds", "companies": "companyIds", "deals": "dealIds"}


def v1_only_missing(spec: ObjectSpec) -> tuple[str, ...]:
    """The kept properties a v1 engagement does not carry (read through the date-based API)."""
    carried = set(V1_METADATA.get(spec.v1_type or "", {}).values()) | {
        "hs_timestamp", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"}
    if spec.v1_type == "EMAIL":
        carried |= {"hs_email_from_email", "hs_email_to_email"}
    return tuple(name for name in spec.all_properties() if name not in carried)


def row_from_v1(spec: ObjectSpec, account_id: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """A v1 engagement as the same row its date-based twin gives (missing properties left None);
    BadRecord if it cannot be one."""
    engagement = item.get("engagement") or {}
    metadata = item.get("metadata") or {}
    if not isinstance(engagement, Mapping) or not isinstance(metadata, Mapping):
        raise BadRecord("engagement or metadata is not a JSON object")
    created = _time("createdAt", engagement.get("createdAt"))
    modified = _time("lastUpdated", engagement.get("lastUpdated"))
    values: dict[str, Any] = {
        "hs_timestamp": engagement.get("timestamp"),
        "hubspot_owner_id": engagement.get("ownerId"),
        "hs_createdate": engagement.get("createdAt"),
        "hs_lastmodifieddate": engagement.get("lastUpdated"),
    }
    for key, name in V1_METADATA.get(spec.v1_type or "", {}).items():
        values[name] = metadata.get(key)
    if spec.v1_type == "EMAIL":
        sender, recipients = metadata.get("from") or {}, metadata.get("to") or []
        if not isinstance(sender, Mapping) or not isinstance(recipients, list) or not all(
                isinstance(p, Mapping) for p in recipients):
            raise BadRecord("the email's from or to is not as HubSpot sends it")
        values["hs_email_from_email"] = sender.get("email")
        values["hs_email_to_email"] = ";".join(str(p["email"]) for p in recipients if p.get("email")) or None
    row = {
        "account_id": account_id, "id": record_id(engagement.get("id")), "created_at": created, "updated_at": modified,
        "archived": False, "is_deleted": False, "deleted_at": None,
    }
    for name in spec.all_properties():
        row[name] = _typed(spec, name, values.get(name))
    return row


def quarantine_row(account_id: str, table: str, record: Any, reason: str) -> dict[str, Any]:
    """A record set aside, with why. Keyed by its id when it has a readable one (a later bad
    version replaces the earlier), else by a hash of the payload."""
    payload = orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS).decode()
    raw_id = record.get("id") if isinstance(record, Mapping) else None
    if raw_id is None and isinstance(record, Mapping) and isinstance(record.get("engagement"), Mapping):
        raw_id = record["engagement"].get("id")
    try:
        key = record_id(raw_id)
    except BadRecord:
        key = "?" + hashlib.sha256(payload.encode()).hexdigest()[:16]
    return {"account_id": account_id, "table_name": table, "record_key": key, "reason": reason,
            "payload": payload, "quarantined_at": datetime.now(UTC)}


def v1_associated_ids(item: Mapping[str, Any], to_type: str) -> list[str]:
    ids = (item.get("associations") or {}).get(V1_ASSOCIATIONS[to_type]) or []
    return sorted({str(i) for i in ids}, key=int)
