"""CRM v3 object lists: `GET /crm/v3/objects/{objectType}`, generic over registered kinds.

Behaviour per provider-apis.md A2 and the OpenAPI spec `calls-v3.json`:
`limit` (default 10, max 100), `after` = `paging.next.after` of the previous page, `properties`
and `associations` as comma-separated or repeated parameters (unknown names ignored), `archived`
(default false, true returns only archived records). `paging` is absent on the last page.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.association_views import v3_inline
from provider_sandbox.hubspot.auth import Caller
from provider_sandbox.hubspot.errors import unknown_object_type, validation_error
from provider_sandbox.hubspot.guard import admit
from provider_sandbox.hubspot.objects import ObjectKind, resolve
from provider_sandbox.responses import json_response
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


def routes() -> list[Route]:
    return [Route("/crm/v3/objects/{object_type}", list_objects, methods=["GET"])]


def split_list_param(request: Request, name: str) -> list[str]:
    """`a,b` and `name=a&name=b` both mean [a, b] (HubSpot's SDKs send either form)."""
    values: list[str] = []
    for raw in request.query_params.getlist(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


async def list_objects(request: Request) -> Response:
    object_type = request.path_params["object_type"]
    kind = resolve(object_type)
    admitted = admit(request, f"GET /crm/v3/objects/{kind.name if kind else object_type}")
    if isinstance(admitted, Response):
        return admitted
    state, caller, headers = admitted.state, admitted.caller, admitted.headers

    table = caller.account.hubspot.objects.get(kind.name) if kind else None
    if kind is None or table is None:
        return unknown_object_type(object_type, headers)

    params = _parse_list_params(request, state.settings.hubspot_limit_over_max)
    if isinstance(params, str):
        parameter, message = params.split(":", 1)
        return validation_error(message, parameter, headers=headers)
    limit, start_id, archived = params

    wanted = wanted_properties(kind, split_list_param(request, "properties"))
    wanted_set = frozenset(wanted)
    association_types = split_list_param(request, "associations")
    keep_nulls = state.settings.hubspot_null_properties == "null"
    rows, next_id = table.page(start_id, limit, archived)
    base_url = str(request.base_url)
    results = [
        _render(kind, state.store.seed, caller, table, row, wanted, wanted_set, association_types, keep_nulls,
                base_url=base_url)
        for row in rows
    ]
    body: dict = {"results": results}
    if next_id is not None:
        after = str(next_id)
        link = str(request.url.include_query_params(after=after))
        body["paging"] = {"next": {"after": after, "link": link}}
    return json_response(body, headers=headers)


def _parse_list_params(request: Request, over_max: str) -> tuple[int, int, bool] | str:
    """(limit, first id to return, archived) or "parameter:message" for a 400."""
    query = request.query_params
    raw_limit = query.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            return f"limit:limit must be an integer, got '{raw_limit}'"
        if limit < 1:
            return f"limit:limit must be at least 1, got {limit}"
        if limit > MAX_LIMIT:
            if over_max == "error":
                return f"limit:limit must be less than or equal to {MAX_LIMIT}, got {limit}"
            limit = MAX_LIMIT

    start_id = 0
    raw_after = query.get("after")
    if raw_after:
        if not raw_after.isdigit():
            return f"after:after must be the paging.next.after value of a previous page, got '{raw_after}'"
        start_id = int(raw_after)

    raw_archived = (query.get("archived") or "false").lower()
    if raw_archived not in ("true", "false"):
        return f"archived:archived must be true or false, got '{raw_archived}'"
    return limit, start_id, raw_archived == "true"


def wanted_properties(kind: ObjectKind, requested: list[str]) -> tuple[str, ...]:
    # The base properties always come back; explicitly requested ones are added (with null when
    # the record has no value). Names the kind does not know are dropped when rendering.
    if not requested:
        return kind.default_properties
    return tuple(dict.fromkeys((*kind.always_properties, *requested)))


def _render(
    kind: ObjectKind, seed: int, caller: Caller, table: ObjectTable, row: int,
    wanted: tuple[str, ...], wanted_set: frozenset[str], association_types: list[str], keep_nulls: bool,
    base_url: str = "",
) -> dict:
    values = kind.property_values(seed, caller.account, table, row, wanted_set)
    result = simple_public_object(table, row, values, wanted, keep_nulls)
    if association_types:
        # At most 100 per type inline, then a paging link (association_views.V3_INLINE_LIMIT).
        linked = v3_inline(caller.account, kind.name, row, association_types, base_url)
        if linked:
            result["associations"] = linked
    return result


def simple_public_object(table: ObjectTable, row: int, values: dict[str, str | None], wanted: tuple[str, ...],
                         keep_nulls: bool) -> dict:
    """One record as HubSpot's `SimplePublicObject`: the wanted properties it has, in `wanted` order
    (nulls only when `keep_nulls`), its timestamps and archived state."""
    archived = bool(table.archived[row])
    result: dict = {
        "id": str(int(table.ids[row])),
        "properties": {
            name: values[name]
            for name in wanted
            if name in values and (keep_nulls or values[name] is not None)
        },
        "createdAt": iso_ms(table.created_ms[row]),
        "updatedAt": iso_ms(table.modified_ms[row]),
        "archived": archived,
    }
    if archived:
        result["archivedAt"] = iso_ms(table.archived_ms[row])
    return result
