"""CRM search: `POST /crm/v3/objects/{objectType}/search`, generic over registered object kinds.

Behaviour per provider-apis.md A2/A3 and the `PublicObjectSearchRequest` /
`CollectionResponseWithTotalSimplePublicObject` schemas of calls-v3.json:

- `filterGroups` (OR of groups, AND within one) or a top-level `filters` list (one AND group, the
  form of HubSpot's search guide); any other body field is a 400, never ignored. Every documented
  operator, at most 5 groups,
  10 filters per group and 25 in total (`--search-filter-groups 6` for the spec's wording);
  one `sorts` entry; `properties`; `query`; `limit` 0..200 (default 10; more is a 400);
  `after` is a result offset, `paging.next.after` the next one.
- `total` counts every match, but only the first 10,000 can be read: paging to after >= 10000
  answers 400, so clients must narrow the query (window by hs_lastmodifieddate).
- Its own bucket: 5 requests per second per portal, outside the 10-second burst window and the
  daily quota, and no `X-HubSpot-RateLimit-*` headers, not even on its 429.
- Indexing delay: records modified less than `--search-index-delay-ms` before the sandbox clock
  are not found yet (a simplification: HubSpot would still show their previous version).
- Archived records are never found.
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.auth import authenticate
from provider_sandbox.hubspot.crm_objects import redact_email_content, simple_public_object
from provider_sandbox.hubspot.errors import hubspot_error, unknown_object_type
from provider_sandbox.hubspot.guard import has_scope, scope_refusal
from provider_sandbox.hubspot.objects import ObjectKind, resolve
from provider_sandbox.hubspot.scopes import SALES_EMAIL_READ
from provider_sandbox.hubspot.search_query import (
    MAX_RESULTS,
    FilterLimits,
    SearchError,
    TableView,
    match_mask,
    ordered_rows,
    parse_search_body,
)
from provider_sandbox.responses import json_response
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.state import sandbox_state
from provider_sandbox.stats import ACCOUNT_KEY, ENDPOINT_KEY

# Stats and peak-rate tracking label for the search bucket (registered in state.py).
SEARCH_PROVIDER = "hubspot-search"


def routes() -> list[Route]:
    return [Route("/crm/v3/objects/{object_type}/search", search_objects, methods=["POST"])]


def filter_limits(settings: SandboxSettings) -> FilterLimits:
    return FilterLimits(
        groups=settings.hubspot_search_max_filter_groups,
        per_group=settings.hubspot_search_max_filters_per_group,
        total=settings.hubspot_search_max_filters_total,
    )


def _visible(kind: ObjectKind, values: dict[str, str | None], email_bodies: bool) -> dict[str, str | None]:
    return values if email_bodies else redact_email_content(kind, values)


def search_error(error: SearchError) -> Response:
    return hubspot_error(
        400, "VALIDATION_ERROR", error.message,
        errors=[{"message": error.message, "in": error.field, "code": "INVALID_SEARCH_REQUEST"}],
    )


async def search_objects(request: Request) -> Response:
    state = sandbox_state(request)
    object_type = request.path_params["object_type"]
    kind = resolve(object_type)
    request.scope[ENDPOINT_KEY] = f"POST /crm/v3/objects/{kind.name if kind else object_type}/search"

    caller = authenticate(request, state.hubspot_tokens, state.store)
    if isinstance(caller, Response):
        return caller
    refused = scope_refusal(request, caller, state.settings)
    if refused is not None:
        return refused
    request.scope[ACCOUNT_KEY] = (SEARCH_PROVIDER, caller.account.key)
    refusal = state.hubspot_limits.admit_search(caller)
    if refusal is not None:
        return refusal

    table = caller.account.hubspot.objects.get(kind.name) if kind else None
    if kind is None or table is None:
        return unknown_object_type(object_type)

    raw = await request.body()
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as error:
        return search_error(SearchError(f"Invalid input JSON: {error}", "body"))
    settings = state.settings
    try:
        query = parse_search_body(body, filter_limits(settings))
        view = TableView(kind, caller.account, table, state.store.seed)
        delay = settings.hubspot_search_index_delay_ms
        visible_until = state.store.now_ms() - delay if delay > 0 else None
        mask = match_mask(view, query, visible_until)
    except SearchError as error:
        return search_error(error)

    total = int(mask.sum())
    end = min(query.offset + query.limit, total, MAX_RESULTS)
    rows = ordered_rows(view, mask, query.sort)[query.offset:end] if end > query.offset else []

    wanted = tuple(dict.fromkeys((*kind.default_properties, *query.properties)))
    wanted_set = frozenset(wanted)
    keep_nulls = settings.hubspot_null_properties == "null"
    # Search never finds archived rows (match_mask), so these all come out `"archived": false`.
    email_bodies = has_scope(caller, settings, SALES_EMAIL_READ)
    defined = kind.defined_names(state.store.seed, caller.account)
    results = [simple_public_object(table, row, _visible(kind, view.render(int(row), wanted_set), email_bodies),
                                    wanted, keep_nulls, defined)
               for row in rows]
    payload: dict = {"total": total, "results": results}
    if query.limit > 0 and end < total:
        # May point at 10,000: following it is the 400 real clients run into.
        payload["paging"] = {"next": {"after": str(end)}}
    return json_response(payload)
