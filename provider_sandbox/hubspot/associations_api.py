"""Association endpoints, shaped like associations-v4.json:

- `POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read`: at most 1,000 inputs
  (more is a 400, since the Feb 2025 fix); per input up to `--association-page-size`
  associations with its own `paging.next.after` only when that record has more. A record with no
  (visible) associations, or that does not exist, is not a result but an error entry with
  subCategory `crm.associations.NO_ASSOCIATIONS_FOUND`, and the response is then a 207.
- `GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}` (limit ≤ 500).
- `GET /crm/v3/objects/{objectType}/{objectId}/associations/{toObjectType}`: the v3 shape that
  the `paging.next.link` of a v3 list's inline associations points to.

Cursors are the id of the next associated record (first id >= after).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.association_graph import SINGULAR
from provider_sandbox.hubspot.association_views import page_after, v3_entries, v4_association_types, visible_links
from provider_sandbox.hubspot.batch_read import find_row
from provider_sandbox.hubspot.errors import unknown_object_type, validation_error
from provider_sandbox.hubspot.guard import admit, batch_inputs, json_object, limit_param
from provider_sandbox.hubspot.objects import ObjectKind, resolve
from provider_sandbox.responses import json_response
from provider_sandbox.state import sandbox_state
from provider_sandbox.store import Account
from provider_sandbox.timefmt import iso_ms

MAX_BATCH_INPUTS = 1_000
MAX_GET_LIMIT = 500


def routes() -> list[Route]:
    return [
        Route("/crm/v4/associations/{from_type}/{to_type}/batch/read", batch_read, methods=["POST"]),
        Route("/crm/v4/objects/{from_type}/{object_id}/associations/{to_type}", get_v4, methods=["GET"]),
        Route("/crm/v3/objects/{from_type}/{object_id}/associations/{to_type}", get_v3, methods=["GET"]),
    ]


def _kinds(request: Request) -> tuple[ObjectKind | None, ObjectKind | None, str]:
    from_kind, to_kind = resolve(request.path_params["from_type"]), resolve(request.path_params["to_type"])
    unknown = request.path_params["from_type"] if from_kind is None else request.path_params["to_type"]
    return from_kind, to_kind, unknown


def _label(from_kind: ObjectKind | None, to_kind: ObjectKind | None, request: Request) -> tuple[str, str]:
    source = from_kind.name if from_kind else request.path_params["from_type"]
    target = to_kind.name if to_kind else request.path_params["to_type"]
    return source, target


def _cursor(raw: object) -> int | None:
    text = str(raw or "0").strip()
    return int(text) if text.isdigit() else None


def _entries(account: Account, from_type: str, to_type: str, row: int | None, keep_null_label: bool):
    """(ascending target ids, v4 `to` entries builder) of one record's visible associations."""
    if row is None or bool(account.hubspot.objects[from_type].archived[row]):
        return None
    rows, primary = visible_links(account, from_type, row, to_type)
    if len(rows) == 0:
        return None
    ids = account.hubspot.objects[to_type].ids[rows]

    def build(window: slice) -> list[dict]:
        return [
            {"toObjectId": str(to_id),
             "associationTypes": v4_association_types(from_type, to_type, is_primary, keep_null_label)}
            for to_id, is_primary in zip(ids[window].tolist(), primary[window].tolist(), strict=True)
        ]

    return ids, primary, build


async def batch_read(request: Request) -> Response:
    # Batch timestamps follow the sandbox clock (store.now_ms), like every other time it serves.
    now_ms = sandbox_state(request).store.now_ms
    started = now_ms()
    from_kind, to_kind, unknown = _kinds(request)
    source, target = _label(from_kind, to_kind, request)
    admitted = admit(request, f"POST /crm/v4/associations/{source}/{target}/batch/read")
    if isinstance(admitted, Response):
        return admitted
    headers, account, settings = admitted.headers, admitted.caller.account, admitted.state.settings
    objects = account.hubspot.objects
    if from_kind is None or to_kind is None or source not in objects or target not in objects:
        return unknown_object_type(unknown, headers)
    body = await json_object(request, headers)
    if isinstance(body, Response):
        return body
    inputs = batch_inputs(body, MAX_BATCH_INPUTS,
                          f"Batch input size {{count}} exceeds the limit of {MAX_BATCH_INPUTS} inputs.", headers)
    if isinstance(inputs, Response):
        return inputs

    keep_null_label = settings.hubspot_null_properties == "null"
    page_size = settings.hubspot_association_page_size
    table = objects[source]
    results, errors = [], []
    for item in inputs:
        raw_id = str(item["id"])
        after = _cursor(item.get("after"))
        if after is None:
            return validation_error(f"after must be a paging.next.after value, got '{item.get('after')}'",
                                    "inputs.after", headers)
        found = _entries(account, source, target, find_row(table, raw_id), keep_null_label)
        if found is None:
            errors.append(_no_associations(source, target, raw_id))
            continue
        ids, _, build = found
        window, next_id = page_after(ids, after, page_size)
        result: dict = {"from": {"id": raw_id}, "to": build(window)}
        if next_id is not None:
            result["paging"] = {"next": {"after": str(next_id)}}
        results.append(result)
    response: dict = {"status": "COMPLETE", "results": results, "startedAt": iso_ms(started)}
    if errors:
        response["numErrors"] = len(errors)
        response["errors"] = errors
    response["completedAt"] = iso_ms(now_ms())
    return json_response(response, status=207 if errors else 200, headers=headers)


def _no_associations(source: str, target: str, raw_id: str) -> dict:
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": f"No {SINGULAR[target]} is associated with {SINGULAR[source]} {raw_id}.",
        "context": {"fromObjectId": [raw_id], "fromObjectType": [SINGULAR[source]],
                    "toObjectType": [SINGULAR[target]]},
        "errors": [],
        "links": {},
    }


def _page_params(request: Request, headers: dict[str, str]) -> tuple[int, int] | Response:
    limit = limit_param(request, MAX_GET_LIMIT, MAX_GET_LIMIT, headers)
    if isinstance(limit, Response):
        return limit
    raw_after = request.query_params.get("after")
    after = _cursor(raw_after)
    if after is None:
        return validation_error(f"after must be a paging.next.after value, got '{raw_after}'", "after", headers)
    return limit, after


async def _one_record(request: Request, version: str):
    from_kind, to_kind, unknown = _kinds(request)
    source, target = _label(from_kind, to_kind, request)
    label = f"GET /crm/{version}/objects/{source}/{{objectId}}/associations/{target}"
    admitted = admit(request, label)
    if isinstance(admitted, Response):
        return admitted
    headers, account = admitted.headers, admitted.caller.account
    # Every pair of known types answers (empty when HubSpot defines no association between them).
    if from_kind is None or to_kind is None or source not in account.hubspot.objects \
            or target not in account.hubspot.objects:
        return unknown_object_type(unknown, headers)
    params = _page_params(request, headers)
    if isinstance(params, Response):
        return params
    limit, after = params
    row = find_row(account.hubspot.objects[source], request.path_params["object_id"])
    keep_null_label = admitted.state.settings.hubspot_null_properties == "null"
    return admitted, source, target, row, limit, after, keep_null_label


async def _one_record_page(request: Request, version: str) -> Response:
    """One record's associations, a page at a time: v4 `MultiAssociatedObjectWithLabel`s or v3 `{id, type}`."""
    prepared = await _one_record(request, version)
    if isinstance(prepared, Response):
        return prepared
    admitted, source, target, row, limit, after, keep_null_label = prepared
    body: dict = {"results": []}
    found = _entries(admitted.caller.account, source, target, row, keep_null_label)
    if found is not None:
        ids, primary, build = found
        window, next_id = page_after(ids, after, limit)
        body["results"] = build(window) if version == "v4" else v3_entries(source, target, ids[window], primary[window])
        if next_id is not None:
            body["paging"] = {"next": {"after": str(next_id),
                                       "link": str(request.url.include_query_params(after=next_id))}}
    return json_response(body, headers=admitted.headers)


async def get_v4(request: Request) -> Response:
    return await _one_record_page(request, "v4")


async def get_v3(request: Request) -> Response:
    return await _one_record_page(request, "v3")
