"""CRM v3 objects: `GET /crm/v3/objects/{objectType}` (list) and `GET .../{objectId}` (one record),
generic over registered kinds.

Behaviour per provider-apis.md A2 and the OpenAPI spec `calls-v3.json`:
`limit` (default 10, max 100), `after` = `paging.next.after` of the previous page, `properties`,
`propertiesWithHistory` and `associations` as comma-separated or repeated parameters (unknown
names ignored), `archived` (default false, true returns only archived records). `paging` is
absent on the last page. `propertiesWithHistory` adds each named property's history
(`ValueWithTimestamp` entries, newest first) and, as the spec warns, lowers the page maximum
(to `HISTORY_MAX_LIMIT`). One record by id also takes `idProperty` (a unique property such as a
contact's `email`); an id that does not exist (or is not in the asked archived state) is a 404
`OBJECT_NOT_FOUND` in the `Error` shape. Emails' subjects and bodies are null for tokens without
`sales-email-read` (provider-apis.md A2: "Without it, email metadata is redacted").

Every requested property the type defines (what its properties endpoints list, `ObjectKind.
defined_names`) comes back, null when the record has no value ("Every property value is a string
(or null)", A2), unless `--null-properties omit`; names the type does not define are ignored.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.association_views import v3_inline
from provider_sandbox.hubspot.auth import Caller
from provider_sandbox.hubspot.errors import hubspot_error, unknown_object_type, validation_error
from provider_sandbox.hubspot.guard import admit, bool_param
from provider_sandbox.hubspot.objects import ObjectKind, resolve
from provider_sandbox.responses import json_response
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
# "Usage of this parameter will reduce the maximum number of objects that can be read by a single
# request" (spec, which gives no figure); the sandbox uses 50.
HISTORY_MAX_LIMIT = 50
# Email content a token without sales-email-read does not see (provider-apis.md A2).
EMAIL_CONTENT_PROPERTIES = frozenset(("hs_email_subject", "hs_email_text", "hs_email_html", "hs_email_headers"))
# Properties whose value is fixed when the record is created, or set by every modification.
_SET_AT_CREATION = frozenset(("hs_object_id", "hs_createdate", "createdate"))
_SET_AT_MODIFICATION = frozenset(("hs_lastmodifieddate", "lastmodifieddate"))


def routes() -> list[Route]:
    return [
        Route("/crm/v3/objects/{object_type}", list_objects, methods=["GET"]),
        Route("/crm/v3/objects/{object_type}/{object_id}", get_object, methods=["GET"]),
    ]


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
    history = tuple(split_list_param(request, "propertiesWithHistory"))
    if history:
        limit = min(limit, HISTORY_MAX_LIMIT)
    association_types = split_list_param(request, "associations")
    keep_nulls = state.settings.hubspot_null_properties == "null"
    rows, next_id = table.page(start_id, limit, archived)
    base_url = str(request.base_url)
    defined = kind.defined_names(state.store.seed, caller.account)
    results = [
        _render(kind, state.store.seed, caller, table, row, wanted, wanted_set, association_types, keep_nulls,
                base_url=base_url, history=history, email_bodies=admitted.reads_email_bodies, defined=defined)
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
    # the record has no value, see simple_public_object). Names the kind does not define are
    # dropped when rendering.
    if not requested:
        return kind.default_properties
    return tuple(dict.fromkeys((*kind.always_properties, *requested)))


def _render(
    kind: ObjectKind, seed: int, caller: Caller, table: ObjectTable, row: int,
    wanted: tuple[str, ...], wanted_set: frozenset[str], association_types: list[str], keep_nulls: bool,
    base_url: str = "", history: tuple[str, ...] = (), email_bodies: bool = True,
    defined: frozenset[str] = frozenset(),
) -> dict:
    """One record; `defined` is `kind.defined_names(...)`, computed once per request."""
    values = kind.property_values(seed, caller.account, table, row, wanted_set | frozenset(history))
    if not email_bodies:
        values = redact_email_content(kind, values)
    result = simple_public_object(table, row, values, wanted, keep_nulls, defined)
    if history:
        result["propertiesWithHistory"] = properties_with_history(table, row, values, history, defined)
    if association_types:
        # At most 100 per type inline, then a paging link (association_views.V3_INLINE_LIMIT).
        linked = v3_inline(caller.account, kind.name, row, association_types, base_url)
        if linked:
            result["associations"] = linked
    return result


def simple_public_object(table: ObjectTable, row: int, values: dict[str, str | None], wanted: tuple[str, ...],
                         keep_nulls: bool, defined: frozenset[str] = frozenset()) -> dict:
    """One record as HubSpot's `SimplePublicObject`: every wanted property the record renders or
    its type defines (`defined`), in `wanted` order, null when it has no value (nulls left out
    unless `keep_nulls`); its timestamps and archived state. Other names are ignored."""
    archived = bool(table.archived[row])
    properties: dict[str, str | None] = {}
    for name in wanted:
        if name in values or name in defined:
            value = values.get(name)
            if keep_nulls or value is not None:
                properties[name] = value
    result: dict = {
        "id": str(int(table.ids[row])),
        "properties": properties,
        "createdAt": iso_ms(table.created_ms[row]),
        "updatedAt": iso_ms(table.modified_ms[row]),
        "archived": archived,
    }
    if archived:
        result["archivedAt"] = iso_ms(table.archived_ms[row])
    return result


def redact_email_content(kind: ObjectKind, values: dict[str, str | None]) -> dict[str, str | None]:
    """Emails' subject, bodies and headers as a token without sales-email-read sees them: null."""
    if kind.name != "emails":
        return values
    return {name: (None if name in EMAIL_CONTENT_PROPERTIES else value) for name, value in values.items()}


def properties_with_history(table: ObjectTable, row: int, values: dict[str, str | None],
                            names: tuple[str, ...], defined: frozenset[str] = frozenset()) -> dict[str, list[dict]]:
    """`propertiesWithHistory`: per known property its `ValueWithTimestamp` entries, newest first.

    The sandbox keeps no past values, so a property's history is one entry, its current value, set
    when the record was created or (for records edited since) at its last modification; a property
    the type defines but the record has no value for has an empty history. Unknown names are
    ignored, as the spec says.
    """
    created, modified = int(table.created_ms[row]), int(table.modified_ms[row])
    edited = int(table.revision[row]) > 0
    history: dict[str, list[dict]] = {}
    for name in dict.fromkeys(names):
        if name not in values and name not in defined:
            continue
        value = values.get(name)
        if value is None or value == "":
            history[name] = []
            continue
        if name in _SET_AT_CREATION:
            when, source = created, "CALCULATED"
        elif name in _SET_AT_MODIFICATION:
            when, source = modified, "CALCULATED"
        else:
            when, source = (modified if edited else created), "API"
        history[name] = [{"value": value, "timestamp": iso_ms(when), "sourceType": source}]
    return history


async def get_object(request: Request) -> Response:
    """`GET /crm/v3/objects/{objectType}/{objectId}`: one record (`SimplePublicObjectWithAssociations`)."""
    from provider_sandbox.hubspot.batch_read import UNIQUE_PROPERTIES, find_row, row_by_unique_property

    object_type = request.path_params["object_type"]
    kind = resolve(object_type)
    admitted = admit(request, f"GET /crm/v3/objects/{kind.name if kind else object_type}/{{objectId}}")
    if isinstance(admitted, Response):
        return admitted
    state, caller, headers = admitted.state, admitted.caller, admitted.headers
    table = caller.account.hubspot.objects.get(kind.name) if kind else None
    if kind is None or table is None:
        return unknown_object_type(object_type, headers)
    archived = bool_param(request, "archived")
    if archived is None:
        return validation_error("archived must be true or false", "archived", headers)
    raw_id = request.path_params["object_id"]
    id_property = request.query_params.get("idProperty") or None
    if id_property in ("hs_object_id", "id"):
        id_property = None
    if id_property is not None and id_property not in UNIQUE_PROPERTIES.get(kind.name, ()):
        return hubspot_error(400, "VALIDATION_ERROR",
                             f"Property \"{id_property}\" is not a unique value property for {kind.name}.",
                             headers=headers)
    row = (row_by_unique_property(caller.account, table, id_property, raw_id) if id_property
           else find_row(table, raw_id))
    if row is None or bool(table.archived[row]) != archived:
        return hubspot_error(404, "OBJECT_NOT_FOUND", "resource not found", context={"id": [raw_id]},
                             headers=headers)
    wanted = wanted_properties(kind, split_list_param(request, "properties"))
    result = _render(kind, state.store.seed, caller, table, row, wanted, frozenset(wanted),
                     split_list_param(request, "associations"), state.settings.hubspot_null_properties == "null",
                     base_url=str(request.base_url), history=tuple(split_list_param(request, "propertiesWithHistory")),
                     email_bodies=admitted.reads_email_bodies,
                     defined=kind.defined_names(state.store.seed, caller.account))
    return json_response(result, headers=headers)
