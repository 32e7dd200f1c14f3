"""`POST /crm/v3/objects/{objectType}/batch/read`: up to 100 records by id (or a unique property).

Shapes per the object specs (`BatchReadInputSimplePublicObjectId` in,
`BatchResponseSimplePublicObject` out). More than 100 inputs is a 400 (more than 50 with
`propertiesWithHistory`, which adds each record's `propertiesWithHistory` as the list does). Ids
that do not exist, or are not in the requested `archived` state, are reported together in one
`OBJECT_NOT_FOUND` error with status 207, next to the records that were found. Duplicate ids are
returned once. Body fields other than the schema's four are a 400, never silently dropped.
"""

from __future__ import annotations

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.association_graph import SINGULAR
from provider_sandbox.hubspot.crm_objects import HISTORY_MAX_LIMIT, _render, wanted_properties
from provider_sandbox.hubspot.errors import hubspot_error, unknown_object_type, validation_error
from provider_sandbox.hubspot.guard import admit, batch_inputs, bool_param, json_object
from provider_sandbox.hubspot.objects import resolve
from provider_sandbox.hubspot.objects.contacts import contact_identity
from provider_sandbox.responses import json_response
from provider_sandbox.state import sandbox_state
from provider_sandbox.store import Account, ObjectTable
from provider_sandbox.timefmt import iso_ms

MAX_INPUTS = 100
BODY_FIELDS = frozenset(("inputs", "properties", "propertiesWithHistory", "idProperty"))
# idProperty values that identify a record besides its id (HubSpot: properties with unique values).
UNIQUE_PROPERTIES = {"contacts": ("email",)}
# account key -> ((table identity, version, rows), email -> row); rebuilt when the table changes.
_email_index: dict[str, tuple[tuple[int, int, int], dict[str, int]]] = {}


def routes() -> list[Route]:
    return [Route("/crm/v3/objects/{object_type}/batch/read", batch_read, methods=["POST"])]


def find_row(table: ObjectTable, raw_id: object) -> int | None:
    """Row of the record with this id (string or number), or None."""
    text = str(raw_id).strip()
    if not text.isdigit():
        return None
    record_id = int(text)
    row = int(np.searchsorted(table.ids, record_id))
    return row if row < len(table) and int(table.ids[row]) == record_id else None


def row_by_unique_property(account: Account, table: ObjectTable, id_property: str, value: str) -> int | None:
    """Row of the record whose unique property (`email` of contacts) has this value."""
    if id_property != "email":
        return None
    return _rows_by_email(account, table).get(value.strip().lower())


def _rows_by_email(account: Account, table: ObjectTable) -> dict[str, int]:
    # Built on first use per table version: emails are rendered, not stored (about 3 µs each).
    version = (id(table), table.version, len(table))
    cached = _email_index.get(account.key)
    if cached and cached[0] == version:
        return cached[1]
    index: dict[str, int] = {}
    for row in range(len(table)):
        email = contact_identity(account, table, row)[2]
        if email:
            index[email.lower()] = row
    _email_index[account.key] = (version, index)
    return index


def _string_list(body: dict, name: str) -> list[str] | None:
    value = body.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return [part.strip() for item in value for part in item.split(",") if part.strip()]


async def batch_read(request: Request) -> Response:
    # Batch timestamps follow the sandbox clock (store.now_ms), like every other time it serves.
    now_ms = sandbox_state(request).store.now_ms
    started = now_ms()
    object_type = request.path_params["object_type"]
    kind = resolve(object_type)
    admitted = admit(request, f"POST /crm/v3/objects/{kind.name if kind else object_type}/batch/read")
    if isinstance(admitted, Response):
        return admitted
    headers, account = admitted.headers, admitted.caller.account
    table = account.hubspot.objects.get(kind.name) if kind else None
    if kind is None or table is None:
        return unknown_object_type(object_type, headers)
    archived = bool_param(request, "archived")
    if archived is None:
        return validation_error("archived must be true or false", "archived", headers)
    body = await json_object(request, headers)
    if isinstance(body, Response):
        return body
    unknown = sorted(set(body) - BODY_FIELDS)
    if unknown:
        return hubspot_error(400, "VALIDATION_ERROR",
                             f"Invalid input JSON: unrecognized field(s) {', '.join(unknown)}", headers=headers)
    history = _string_list(body, "propertiesWithHistory")
    if history is None:
        return hubspot_error(400, "VALIDATION_ERROR", "propertiesWithHistory must be a list of strings",
                             headers=headers)
    max_inputs = HISTORY_MAX_LIMIT if history else MAX_INPUTS
    inputs = batch_inputs(body, max_inputs, f"Batch input size {{count}} exceeds the limit of {max_inputs}.",
                          headers)
    if isinstance(inputs, Response):
        return inputs
    requested = _string_list(body, "properties")
    if requested is None:
        return hubspot_error(400, "VALIDATION_ERROR", "properties must be a list of strings", headers=headers)
    id_property = body.get("idProperty")
    if id_property in ("hs_object_id", "id", ""):
        id_property = None
    if id_property is not None and id_property not in UNIQUE_PROPERTIES.get(kind.name, ()):
        return hubspot_error(400, "VALIDATION_ERROR",
                             f"Property \"{id_property}\" is not a unique value property for {kind.name}.",
                             headers=headers)

    lookup = _rows_by_email(account, table) if id_property == "email" else None
    wanted = wanted_properties(kind, requested)
    keep_nulls = admitted.state.settings.hubspot_null_properties == "null"
    defined = kind.defined_names(admitted.state.store.seed, account)
    results, missing, seen = [], [], set()
    for item in inputs:
        raw = str(item["id"])
        row = lookup.get(raw.strip().lower()) if lookup is not None else find_row(table, raw)
        if row is None or bool(table.archived[row]) != archived:
            missing.append(raw)
            continue
        if row in seen:
            continue
        seen.add(row)
        results.append(_render(kind, admitted.state.store.seed, admitted.caller, table, row, wanted,
                               frozenset(wanted), [], keep_nulls, history=tuple(history),
                               email_bodies=admitted.reads_email_bodies, defined=defined))
    response: dict = {"status": "COMPLETE", "results": results, "startedAt": iso_ms(started)}
    if missing:
        response["numErrors"] = 1
        response["errors"] = [{
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": (f"Could not get some {SINGULAR[kind.name].upper()} objects, they may be deleted or "
                        f"not exist. Check that ids are valid."),
            "context": {"ids": missing},
            "errors": [],
            "links": {},
        }]
    response["completedAt"] = iso_ms(now_ms())
    return json_response(response, status=207 if missing else 200, headers=headers)
