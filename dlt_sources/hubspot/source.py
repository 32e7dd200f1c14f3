"""The HubSpot source. Dagster-free: run it on its own with `python -m dlt_sources.hubspot`.

One source serves many revsync accounts: every row carries the `account_id` it belongs to, and
tables merge on `(account_id, id)`, so a HubSpot object id never collides across portals.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dlt
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

# HubSpot sends every property as a string; these are the call properties revsync keeps.
CALL_PROPERTIES = (
    "hs_timestamp",
    "hs_call_title",
    "hs_call_body",
    "hs_call_direction",
    "hs_call_duration",
    "hs_call_disposition",
    "hs_call_status",
    "hs_call_from_number",
    "hs_call_to_number",
    "hs_call_recording_url",
    "hubspot_owner_id",
    "hs_createdate",
    "hs_lastmodifieddate",
)
INTEGER_PROPERTIES = {"hs_call_duration"}
TIMESTAMP_PROPERTIES = {"hs_timestamp", "hs_createdate", "hs_lastmodifieddate"}
PAGE_SIZE = 100  # HubSpot's maximum for CRM v3 list endpoints

CALL_COLUMNS = {
    "account_id": {"data_type": "text", "nullable": False},
    "id": {"data_type": "text", "nullable": False},
    "hs_call_duration": {"data_type": "bigint"},
    "hs_timestamp": {"data_type": "timestamp", "timezone": True},
    "hs_createdate": {"data_type": "timestamp", "timezone": True},
    "hs_lastmodifieddate": {"data_type": "timestamp", "timezone": True},
    "created_at": {"data_type": "timestamp", "timezone": True},
    "updated_at": {"data_type": "timestamp", "timezone": True},
    "archived": {"data_type": "bool"},
}


@dataclass(frozen=True)
class HubSpotPortal:
    """One connected portal: the revsync account it belongs to and how to reach it."""

    account_id: str
    api_base: str
    access_token: str = field(repr=False)


def hubspot_client(portal: HubSpotPortal) -> RESTClient:
    return RESTClient(
        base_url=portal.api_base,
        auth=BearerTokenAuth(portal.access_token),
        paginator=JSONResponseCursorPaginator(cursor_path="paging.next.after", cursor_param="after"),
        data_selector="results",
    )


def _parse_timestamp(value: str | None) -> datetime | None:
    if value in (None, ""):
        return None
    if value.isdigit():  # HubSpot accepts, and occasionally returns, epoch milliseconds
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def flatten_object(account_id: str, record: dict, properties: Sequence[str]) -> dict:
    """A CRM v3 object as one typed row: property strings become integers and timestamps."""
    values = record.get("properties") or {}
    row = {
        "account_id": account_id,
        "id": str(record["id"]),
        "archived": bool(record.get("archived", False)),
        "created_at": _parse_timestamp(record.get("createdAt")),
        "updated_at": _parse_timestamp(record.get("updatedAt")),
    }
    for name in properties:
        raw = values.get(name)
        if name in INTEGER_PROPERTIES:
            row[name] = int(float(raw)) if raw not in (None, "") else None
        elif name in TIMESTAMP_PROPERTIES:
            row[name] = _parse_timestamp(raw)
        else:
            row[name] = raw
    return row


@dlt.source(name="hubspot", max_table_nesting=0)
def hubspot_source(portals: Sequence[HubSpotPortal] = ()) -> Iterator:
    """HubSpot CRM data for every given portal."""

    @dlt.resource(
        name="calls",
        primary_key=("account_id", "id"),
        write_disposition="merge",
        columns=CALL_COLUMNS,
    )
    def calls() -> Iterator[list[dict]]:
        for portal in portals:
            client = hubspot_client(portal)
            # Live records, then archived ones: the second pass flips `archived` on rows loaded
            # earlier, which the list of live records alone would never revisit.
            for archived in ("false", "true"):
                params = {"limit": PAGE_SIZE, "properties": ",".join(CALL_PROPERTIES), "archived": archived}
                for page in client.paginate("/crm/v3/objects/calls", params=params):
                    yield [flatten_object(portal.account_id, record, CALL_PROPERTIES) for record in page]

    yield calls
