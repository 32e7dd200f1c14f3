"""Legacy v1 engagements (provider-apis.md A2), over every registered engagement kind.

- `GET /engagements/v1/engagements/paged`: all live engagements of the portal (calls, emails,
  meetings, notes, tasks interleaved) in id order. `limit` default 100, max 250; `offset` is
  the last id of the previous page; the response is `{"results", "hasMore", "offset"}`.
- `GET /engagements/v1/engagements/modified/after`: live engagements with lastUpdated after
  `since` (epoch ms) in (lastUpdated, id) order. `since` also takes the `after` cursor of the
  previous response (HubSpot's docs call the parameter `since`; connectors such as Estuary's
  send `after`, so both names work). `limit` default 100, max 1000. Same indexing delay as
  search. Response `{"results", "hasMore", "after"}`, `after` an opaque cursor.

- `GET /engagements/v1/engagements/recent/modified`: the engagements modified in the last 30
  days, newest first (lastUpdated, then id, descending), at most the 10,000 most recent
  (provider-apis.md A2). `count` default 20, max 100; `offset` (the previous response's) is a
  position in that list; `since` (epoch ms) keeps only later changes. Response `{"results",
  "hasMore", "offset", "total"}`; `total` counts every match in the window, so a total of 10,000
  or more tells the client the list is cut and it must fall back to `paged`. Same indexing delay
  as search.

All use the burst window and daily quota (with their headers), and render the v1 shape: epoch-ms
integers, `type`, type-specific `metadata` (`ObjectKind.v1_metadata`) and inline associations
(from `ObjectKind.associations`, empty lists when there are none). Without `sales-email-read`
an EMAIL's `subject`, `html` and `text` are left out of its metadata (provider-apis.md A2).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.columns import SearchColumn
from provider_sandbox.hubspot.errors import validation_error
from provider_sandbox.hubspot.guard import Admitted, admit
from provider_sandbox.hubspot.objects import OBJECT_KINDS, ObjectKind
from provider_sandbox.hubspot.table_index import modified_order
from provider_sandbox.hubspot.v1_metadata import to_epoch_ms
from provider_sandbox.responses import json_response
from provider_sandbox.store import Account, HubSpotOwner, ObjectTable

PAGED_DEFAULT, PAGED_MAX = 100, 250
MODIFIED_DEFAULT, MODIFIED_MAX = 100, 1000
RECENT_DEFAULT, RECENT_MAX = 20, 100
RECENT_WINDOW_MS = 30 * 86_400_000  # "the last 30 days"
RECENT_CAP = 10_000  # "or the 10k most recently updated"
_REDACTED_EMAIL_METADATA = ("subject", "html", "text")
# v3 association type -> v1 `associations` key; ownerIds stays empty (owners are `ownerId`).
V1_ASSOCIATION_KEYS = {"contacts": "contactIds", "companies": "companyIds", "deals": "dealIds", "tickets": "ticketIds"}
_V1_ASSOCIATION_FIELDS = ("contactIds", "companyIds", "dealIds", "ownerIds", "ticketIds")
_ENGAGEMENT_PROPERTIES = frozenset(("hubspot_owner_id", "hs_timestamp"))
_AFTER_EVERY_ID = 2**63 - 1  # an epoch-ms `since` means "after every record of that millisecond"
_CURSOR_PREFIX = "v1:"


def routes() -> list[Route]:
    return [
        Route("/engagements/v1/engagements/paged", paged, methods=["GET"]),
        Route("/engagements/v1/engagements/modified/after", modified_after, methods=["GET"]),
        Route("/engagements/v1/engagements/recent/modified", recent_modified, methods=["GET"]),
    ]


@dataclass(frozen=True)
class _Hit:
    sort_key: tuple[int, ...]
    kind: ObjectKind
    table: ObjectTable
    row: int


def _render_page(hits: list[_Hit], seed: int, account: Account, email_bodies: bool = True) -> list[dict]:
    owners = {owner.id: owner for owner in account.hubspot.owners}
    columns: dict[int, dict[str, SearchColumn]] = {}
    rendered = []
    for hit in hits:
        table_columns = columns.get(id(hit.table))
        if table_columns is None:
            table_columns = columns[id(hit.table)] = hit.kind.search_columns(account, hit.table)
        engagement = render_engagement(hit.kind, seed, account, hit.table, hit.row, owners, table_columns)
        if not email_bodies and hit.kind.v1_type == "EMAIL":
            for key in _REDACTED_EMAIL_METADATA:
                engagement["metadata"].pop(key, None)
        rendered.append(engagement)
    return rendered


def engagement_tables(account: Account) -> list[tuple[ObjectKind, ObjectTable]]:
    """Every table of an engagement kind in the portal, whatever kinds are registered."""
    tables = []
    for name, table in account.hubspot.objects.items():
        kind = OBJECT_KINDS.get(name)
        if kind is not None and kind.v1_type is not None:
            tables.append((kind, table))
    return tables


def render_engagement(kind: ObjectKind, seed: int, account: Account, table: ObjectTable, row: int,
                      owners: dict[str, HubSpotOwner], columns: dict[str, SearchColumn] | None = None) -> dict:
    """One engagement in the v1 shape. `columns` (the kind's search columns) saves rendering
    hs_timestamp and hubspot_owner_id when they are stored as columns."""
    columns = columns or {}
    timestamp, owner_column = columns.get("hs_timestamp"), columns.get("hubspot_owner_id")
    if timestamp is not None and owner_column is not None and owner_column.labels is not None:
        values = {"hs_timestamp": str(int(timestamp.values[row])),
                  "hubspot_owner_id": owner_column.labels[int(owner_column.values[row])]}
    else:
        values = kind.property_values(seed, account, table, row, _ENGAGEMENT_PROPERTIES)
    owner = owners.get(values.get("hubspot_owner_id") or "")
    created = int(table.created_ms[row])
    engagement: dict = {
        "id": int(table.ids[row]),
        "portalId": account.hubspot.hub_id,
        "active": not bool(table.archived[row]),
        "createdAt": created,
        "lastUpdated": int(table.modified_ms[row]),
        "type": kind.v1_type,
        "timestamp": to_epoch_ms(values.get("hs_timestamp")) or created,
    }
    if owner is not None:
        engagement.update(ownerId=int(owner.id), createdBy=owner.user_id, modifiedBy=owner.user_id)
    associations: dict[str, list[int]] = {field: [] for field in _V1_ASSOCIATION_FIELDS}
    present = [to_type for to_type in V1_ASSOCIATION_KEYS if to_type in account.hubspot.objects]
    linked = kind.associations(account, table, row, present) if present else {}
    for to_type, pairs in linked.items():
        key = V1_ASSOCIATION_KEYS.get(to_type)
        if key is not None:
            associations[key] = sorted({int(to_id) for to_id, _ in pairs})
    return {
        "engagement": engagement,
        "associations": associations,
        "attachments": [],
        "metadata": kind.v1_metadata(seed, account, table, row),
    }


def _parse_limit(request: Request, default: int, maximum: int, over_max: str, name: str = "limit") -> int | Response:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        return validation_error(f"{name} must be a positive integer, got '{raw}'", name)
    limit = int(raw)
    if limit > maximum:
        if over_max == "error":
            return validation_error(f"{name} must be less than or equal to {maximum}, got {limit}", name)
        limit = maximum
    return limit


def _admit_with_limit(request: Request, endpoint: str, default: int, maximum: int,
                      name: str = "limit") -> tuple[Admitted, int] | Response:
    """admit() (auth, scopes, burst window, daily quota), then `limit` (or `count`); its 400
    carries the rate-limit headers."""
    admitted = admit(request, endpoint)
    if isinstance(admitted, Response):
        return admitted
    limit = _parse_limit(request, default, maximum, admitted.state.settings.hubspot_limit_over_max, name)
    if isinstance(limit, Response):
        limit.headers.update(admitted.headers)
        return limit
    return admitted, limit


async def paged(request: Request) -> Response:
    prepared = _admit_with_limit(request, "GET /engagements/v1/engagements/paged", PAGED_DEFAULT, PAGED_MAX)
    if isinstance(prepared, Response):
        return prepared
    admitted, limit = prepared
    state, headers = admitted.state, admitted.headers
    raw_offset = request.query_params.get("offset") or "0"
    if not raw_offset.isdigit():
        return validation_error(f"offset must be the offset of a previous response, got '{raw_offset}'",
                                "offset", headers=headers)
    offset = int(raw_offset)

    account = admitted.caller.account
    hits: list[_Hit] = []
    for kind, table in engagement_tables(account):
        # One more than the page per table tells whether anything follows the page.
        rows, _ = table.page(offset + 1, limit + 1, archived=False)
        hits.extend(_Hit((int(table.ids[row]),), kind, table, row) for row in rows)
    hits.sort(key=lambda hit: hit.sort_key)
    page = hits[:limit]
    return json_response({
        "results": _render_page(page, state.store.seed, account, admitted.reads_email_bodies),
        "hasMore": len(hits) > limit,
        "offset": page[-1].sort_key[0] if page else offset,
    }, headers=headers)


def encode_cursor(modified_ms: int, record_id: int) -> str:
    raw = f"{_CURSOR_PREFIX}{modified_ms}:{record_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(raw: str) -> tuple[int, int] | None:
    """(lastUpdated, id) to read after: from epoch ms or from a cursor; None if neither."""
    if raw.isdigit():
        return int(raw), _AFTER_EVERY_ID
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    modified, _, record_id = text.removeprefix(_CURSOR_PREFIX).partition(":")
    if not text.startswith(_CURSOR_PREFIX) or not modified.isdigit() or not record_id.isdigit():
        return None
    return int(modified), int(record_id)


def _modified_rows(table: ObjectTable, after: tuple[int, int], visible_until: int | None, want: int) -> list[int]:
    """Up to `want` live rows after the (modified, id) position, in that order."""
    index = modified_order(table)
    start = index.position_after(*after)
    end = index.end_at(visible_until) if visible_until is not None else len(index.order)
    found: list[int] = []
    chunk = max(1024, 4 * want)
    while start < end and len(found) < want:
        stop = min(start + chunk, end)
        rows = index.order[start:stop]
        live = rows[~table.archived[rows]]
        found.extend(live[: want - len(found)].tolist())
        start = stop
    return found


async def modified_after(request: Request) -> Response:
    prepared = _admit_with_limit(request, "GET /engagements/v1/engagements/modified/after",
                                 MODIFIED_DEFAULT, MODIFIED_MAX)
    if isinstance(prepared, Response):
        return prepared
    admitted, limit = prepared
    state, headers = admitted.state, admitted.headers
    parameter = "since" if "since" in request.query_params else "after"
    raw = request.query_params.get(parameter) or "0"
    position = decode_position(raw)
    if position is None:
        return validation_error(
            f"{parameter} must be epoch milliseconds or the cursor of a previous response, got '{raw}'",
            parameter, headers=headers,
        )

    delay = state.settings.hubspot_search_index_delay_ms
    visible_until = state.store.now_ms() - delay if delay > 0 else None
    account = admitted.caller.account
    hits: list[_Hit] = []
    for kind, table in engagement_tables(account):
        for row in _modified_rows(table, position, visible_until, limit + 1):
            hits.append(_Hit((int(table.modified_ms[row]), int(table.ids[row])), kind, table, row))
    hits.sort(key=lambda hit: hit.sort_key)
    page = hits[:limit]
    return json_response({
        "results": _render_page(page, state.store.seed, account, admitted.reads_email_bodies),
        "hasMore": len(hits) > limit,
        # With nothing new, hand back the same position so the client can poll from it later.
        "after": encode_cursor(*page[-1].sort_key) if page else raw,
    }, headers=headers)



async def recent_modified(request: Request) -> Response:
    prepared = _admit_with_limit(request, "GET /engagements/v1/engagements/recent/modified",
                                 RECENT_DEFAULT, RECENT_MAX, name="count")
    if isinstance(prepared, Response):
        return prepared
    admitted, count = prepared
    state, headers = admitted.state, admitted.headers
    query = request.query_params
    raw_offset = query.get("offset") or "0"
    if not raw_offset.isdigit():
        return validation_error(f"offset must be the offset of a previous response, got '{raw_offset}'",
                                "offset", headers=headers)
    raw_since = query.get("since")
    if raw_since not in (None, "") and not raw_since.lstrip("-").isdigit():
        return validation_error(f"since must be epoch milliseconds, got '{raw_since}'", "since", headers=headers)
    offset = int(raw_offset)

    now = state.store.now_ms()
    delay = state.settings.hubspot_search_index_delay_ms
    visible_until = now - delay if delay > 0 else now
    after = now - RECENT_WINDOW_MS
    if raw_since:
        after = max(after, int(raw_since))
    account = admitted.caller.account
    tables = engagement_tables(account)
    keys: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for index, (_, table) in enumerate(tables):
        ordered = modified_order(table)
        start, end = ordered.position_after(after, _AFTER_EVERY_ID), ordered.end_at(visible_until)
        rows = ordered.order[start:end]
        rows = rows[~table.archived[rows]]
        keys.append((table.modified_ms[rows], table.ids[rows], np.full(len(rows), index), rows))
    modified = np.concatenate([k[0] for k in keys]) if keys else np.zeros(0, dtype=np.int64)
    ids = np.concatenate([k[1] for k in keys]) if keys else np.zeros(0, dtype=np.int64)
    which = np.concatenate([k[2] for k in keys]) if keys else np.zeros(0, dtype=np.int64)
    rows = np.concatenate([k[3] for k in keys]) if keys else np.zeros(0, dtype=np.int64)
    total = len(ids)
    newest_first = np.lexsort((-ids, -modified))[:RECENT_CAP]
    page_order = newest_first[offset:offset + count]
    hits = [_Hit((int(modified[i]), int(ids[i])), tables[int(which[i])][0], tables[int(which[i])][1], int(rows[i]))
            for i in page_order]
    end = offset + len(hits)
    return json_response({
        "results": _render_page(hits, state.store.seed, account, admitted.reads_email_bodies),
        "hasMore": end < len(newest_first),
        "offset": end,
        "total": total,
    }, headers=headers)
