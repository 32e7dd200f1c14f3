"""What the HubSpot source keeps of each object type, and how a record becomes one typed row.

HubSpot sends every property as a string (provider-apis.md A2). Rows keep the property names as
columns, with numbers as numbers and times as timestamptz, plus:
`account_id`, `id`, `created_at`, `updated_at`, `archived` (HubSpot's soft delete), `is_deleted`
(archived, or gone upstream as found by a reconcile) and `deleted_at`.

Association ids live in their own table (`associations`, one row per record and related type),
so an association that disappears upstream disappears here when that row is rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


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


def _typed(spec: ObjectSpec, name: str, raw: Any) -> Any:
    if raw in (None, ""):
        return None
    if name in spec.integers:
        return int(float(raw))
    if name in spec.numbers:
        return float(raw)
    if name in spec.times:
        return parse_time(raw)
    return str(raw)


def row_from_v3(spec: ObjectSpec, account_id: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A `SimplePublicObject` (list, search or batch read) as one typed row."""
    values = record.get("properties") or {}
    archived = bool(record.get("archived", False))
    row = {
        "account_id": account_id,
        "id": str(record["id"]),
        "created_at": parse_time(record.get("createdAt")),
        "updated_at": parse_time(record.get("updatedAt")),
        "archived": archived,
        "is_deleted": archived,
        "deleted_at": parse_time(record.get("archivedAt")) if archived else None,
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
    """A v1 engagement as the same row its date-based twin gives (missing properties left None)."""
    engagement = item.get("engagement") or {}
    metadata = item.get("metadata") or {}
    created, modified = parse_time(engagement.get("createdAt")), parse_time(engagement.get("lastUpdated"))
    values: dict[str, Any] = {
        "hs_timestamp": engagement.get("timestamp"),
        "hubspot_owner_id": engagement.get("ownerId"),
        "hs_createdate": engagement.get("createdAt"),
        "hs_lastmodifieddate": engagement.get("lastUpdated"),
    }
    for key, name in V1_METADATA.get(spec.v1_type or "", {}).items():
        values[name] = metadata.get(key)
    if spec.v1_type == "EMAIL":
        values["hs_email_from_email"] = (metadata.get("from") or {}).get("email")
        values["hs_email_to_email"] = ";".join(p["email"] for p in metadata.get("to") or [] if p.get("email")) or None
    row = {
        "account_id": account_id, "id": str(engagement["id"]), "created_at": created, "updated_at": modified,
        "archived": False, "is_deleted": False, "deleted_at": None,
    }
    for name in spec.all_properties():
        row[name] = _typed(spec, name, values.get(name))
    return row


def v1_associated_ids(item: Mapping[str, Any], to_type: str) -> list[str]:
    ids = (item.get("associations") or {}).get(V1_ASSOCIATIONS[to_type]) or []
    return sorted({str(i) for i in ids}, key=int)
