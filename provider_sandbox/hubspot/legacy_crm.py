"""Legacy deal and company lists and their property definitions, which older clients still call
(the singer-io tap-hubspot family, for one):

- `GET /deals/v1/deal/paged`: `{"deals", "hasMore", "offset"}`.
- `GET /companies/v2/companies/paged`: `{"companies", "has-more", "offset"}` (the hyphenated key
  is the legacy companies API's own; the deals API says `hasMore`).
- `GET /properties/v1/deals/properties`, `GET /companies/v2/properties`: bare lists of the
  v1/v2 property objects `/properties/v2/{type}/properties` also serves.

Both lists: `limit` default 100, max 250 (over it: `--limit-over-max`); `offset` is the id of the
last record of the previous page; live records only, in id order. Records carry only the
properties asked for with `properties` or `propertiesWithHistory` (repeated or comma-separated),
each as `{value, timestamp, source, sourceId, versions}` with epoch-ms timestamps and date values;
`versions` lists the value's history (the sandbox keeps no past values: the current one).
Deals take `includeAssociations=true` for `associations` (`associatedVids`,
`associatedCompanyIds`, `associatedDealIds`, `associatedTicketIds`).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.crm_objects import split_list_param
from provider_sandbox.hubspot.errors import validation_error
from provider_sandbox.hubspot.guard import Admitted, admit, bool_param
from provider_sandbox.hubspot.objects import OBJECT_KINDS, ObjectKind
from provider_sandbox.hubspot.properties_api import portal_properties, v2_property
from provider_sandbox.hubspot.v1_metadata import to_epoch_ms
from provider_sandbox.responses import json_response
from provider_sandbox.store import Account, ObjectTable

DEFAULT_LIMIT, MAX_LIMIT = 100, 250
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T")
_SET_AT_CREATION = frozenset(("hs_object_id", "hs_createdate", "createdate"))
_SET_AT_MODIFICATION = frozenset(("hs_lastmodifieddate", "lastmodifieddate"))
_DEAL_ASSOCIATION_KEYS = {"contacts": "associatedVids", "companies": "associatedCompanyIds",
                          "deals": "associatedDealIds", "tickets": "associatedTicketIds"}


def routes() -> list[Route]:
    return [
        Route("/deals/v1/deal/paged", deals_paged, methods=["GET"]),
        Route("/companies/v2/companies/paged", companies_paged, methods=["GET"]),
        Route("/properties/v1/deals/properties", deal_properties, methods=["GET"]),
        Route("/companies/v2/properties", company_properties, methods=["GET"]),
    ]


def _legacy_value(value: str) -> str:
    """Legacy APIs send datetimes and dates as epoch-ms strings."""
    if _ISO.match(value):
        epoch = to_epoch_ms(value)
        if epoch is not None:
            return str(epoch)
    return value


def legacy_properties(kind: ObjectKind, seed: int, account: Account, table: ObjectTable, row: int,
                      names: tuple[str, ...]) -> dict[str, dict]:
    """The asked-for properties that have a value, in the v1/v2 `{value, timestamp, ...}` form."""
    values = kind.property_values(seed, account, table, row, frozenset(names))
    created, modified = int(table.created_ms[row]), int(table.modified_ms[row])
    edited = int(table.revision[row]) > 0
    rendered: dict[str, dict] = {}
    for name in names:
        value = values.get(name)
        if value is None or value == "":
            continue
        if name in _SET_AT_CREATION:
            when, source = created, "CALCULATED"
        elif name in _SET_AT_MODIFICATION:
            when, source = modified, "CALCULATED"
        else:
            when, source = (modified if edited else created), "API"
        text = _legacy_value(value)
        rendered[name] = {
            "value": text, "timestamp": when, "source": source, "sourceId": None,
            "versions": [{"name": name, "value": text, "timestamp": when, "source": source,
                          "sourceId": None, "sourceVid": []}],
        }
    return rendered


def _page_params(request: Request, admitted: Admitted) -> tuple[int, int] | Response:
    headers = admitted.headers
    raw = request.query_params.get("limit")
    limit = DEFAULT_LIMIT
    if raw not in (None, ""):
        if not raw.isdigit() or int(raw) < 1:
            return validation_error(f"limit must be a positive integer, got '{raw}'", "limit", headers)
        limit = int(raw)
        if limit > MAX_LIMIT:
            if admitted.state.settings.hubspot_limit_over_max == "error":
                return validation_error(f"limit must be less than or equal to {MAX_LIMIT}, got {limit}",
                                        "limit", headers)
            limit = MAX_LIMIT
    raw_offset = request.query_params.get("offset") or "0"
    if not raw_offset.isdigit():
        return validation_error(f"offset must be the offset of a previous response, got '{raw_offset}'",
                                "offset", headers)
    return limit, int(raw_offset)


async def _paged(request: Request, object_type: str, endpoint: str) -> Response:
    admitted = admit(request, endpoint)
    if isinstance(admitted, Response):
        return admitted
    params = _page_params(request, admitted)
    if isinstance(params, Response):
        return params
    limit, offset = params
    headers = admitted.headers
    include_associations = False
    if object_type == "deals":
        flag = bool_param(request, "includeAssociations")
        if flag is None:
            return validation_error("includeAssociations must be true or false", "includeAssociations", headers)
        include_associations = flag
    account = admitted.caller.account
    kind = OBJECT_KINDS[object_type]
    table = account.hubspot.objects.get(object_type)
    names = tuple(dict.fromkeys((*split_list_param(request, "properties"),
                                 *split_list_param(request, "propertiesWithHistory"))))
    seed = admitted.state.store.seed
    rows, next_id = table.page(offset + 1, limit, archived=False) if table is not None else ([], None)
    records = []
    for row in rows:
        record_id = int(table.ids[row])
        properties = legacy_properties(kind, seed, account, table, row, names)
        if object_type == "deals":
            record: dict = {"portalId": account.hubspot.hub_id, "dealId": record_id, "isDeleted": False}
            if include_associations:
                record["associations"] = _deal_associations(kind, account, table, row)
            record.update(properties=properties, imports=[], stateChanges=[])
        else:
            record = {"portalId": account.hubspot.hub_id, "companyId": record_id, "isDeleted": False,
                      "properties": properties, "additionalDomains": [], "stateChanges": [], "mergeAudits": []}
        records.append(record)
    last = int(table.ids[rows[-1]]) if rows else offset
    more_key = "hasMore" if object_type == "deals" else "has-more"
    return json_response({object_type: records, more_key: next_id is not None, "offset": last}, headers=headers)


def _deal_associations(kind: ObjectKind, account: Account, table: ObjectTable, row: int) -> dict[str, list[int]]:
    present = [name for name in _DEAL_ASSOCIATION_KEYS if name in account.hubspot.objects]
    linked = kind.associations(account, table, row, present) if present else {}
    return {key: sorted({int(to_id) for to_id, _ in linked.get(name, [])})
            for name, key in _DEAL_ASSOCIATION_KEYS.items()}


async def deals_paged(request: Request) -> Response:
    return await _paged(request, "deals", "GET /deals/v1/deal/paged")


async def companies_paged(request: Request) -> Response:
    return await _paged(request, "companies", "GET /companies/v2/companies/paged")


async def _property_list(request: Request, object_type: str, endpoint: str) -> Response:
    admitted = admit(request, endpoint)
    if isinstance(admitted, Response):
        return admitted
    seed, account = admitted.state.settings.seed, admitted.caller.account
    definitions = portal_properties(seed, account, OBJECT_KINDS[object_type], archived=False)
    return json_response([v2_property(seed, account, d, order) for order, d in enumerate(definitions)],
                         headers=admitted.headers)


async def deal_properties(request: Request) -> Response:
    return await _property_list(request, "deals", "GET /properties/v1/deals/properties")


async def company_properties(request: Request) -> Response:
    return await _property_list(request, "companies", "GET /companies/v2/properties")
