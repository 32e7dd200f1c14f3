"""Property definitions: `GET /crm/v3/properties/{objectType}` (and `/{propertyName}`), shaped
like properties-v3.json, and the legacy `GET /properties/v2/{objectType}/properties` (a bare list
of v1/v2 property objects with epoch-ms times) that older clients still call.

Definitions come from the object kinds (`ObjectKind.all_definitions`: what records render, the
per-stage history properties and the rest of HubSpot's standard list in objects/catalogue.py)
plus the portal's custom properties (objects/schema.py), so every property a record can carry is
described, with the options its enumeration values come from. `archived=true` lists only archived (deleted custom)
properties. v2 serves every object type the sandbox knows, engagements included, as HubSpot does
for clients that discover properties there (airbytehq/airbyte source-hubspot reads
`/properties/v2/{entity}/properties` for calls, emails, tickets, line items, deal splits, ...).
`/properties/v2/engagements/properties` (or `engagement`), the legacy engagements' own type, lists
the union of the five engagement kinds' definitions (calls, emails, meetings, notes, tasks, in
that order), one per name.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.errors import hubspot_error, unknown_object_type, validation_error
from provider_sandbox.hubspot.guard import admit, bool_param
from provider_sandbox.hubspot.objects import OBJECT_KINDS, ObjectKind, resolve
from provider_sandbox.hubspot.objects.schema import PropertyDef, portal_custom_properties
from provider_sandbox.hubspot.scopes import V2_ENGAGEMENT_TYPES
from provider_sandbox.hubspot.v1_metadata import V1_ENGAGEMENT_TYPES
from provider_sandbox.responses import json_response
from provider_sandbox.seeding import derive_int
from provider_sandbox.store import Account
from provider_sandbox.timefmt import iso_ms, parse_iso_to_ms

# HubSpot's own properties predate every portal; a fixed date keeps responses deterministic.
_DEFINED_AT_MS = parse_iso_to_ms("2019-08-06T02:41:52.261Z")
_DAY_MS = 86_400_000
_DATA_SENSITIVITY = ("non_sensitive", "sensitive", "highly_sensitive")


def routes() -> list[Route]:
    return [
        Route("/crm/v3/properties/{object_type}", list_v3, methods=["GET"]),
        Route("/crm/v3/properties/{object_type}/{property_name}", get_v3, methods=["GET"]),
        Route("/properties/v2/{object_type}/properties", list_v2, methods=["GET"]),
    ]


def portal_properties(seed: int, account: Account, kind: ObjectKind, archived: bool) -> list[PropertyDef]:
    """The portal's property definitions of one type, active or archived."""
    custom = portal_custom_properties(seed, account.key, kind.name)
    if archived:
        return [c.definition for c in custom.archived]
    return [*kind.all_definitions(seed, account), *(c.definition for c in custom.active)]


def engagement_properties(seed: int, account: Account) -> list[PropertyDef]:
    """The legacy engagement type's definitions: every engagement kind's, first one per name."""
    seen: set[str] = set()
    merged: list[PropertyDef] = []
    for name in V1_ENGAGEMENT_TYPES:
        if name not in account.hubspot.objects:
            continue
        for definition in portal_properties(seed, account, OBJECT_KINDS[name], archived=False):
            if definition.name not in seen:
                seen.add(definition.name)
                merged.append(definition)
    return merged


def _times(seed: int, account: Account, definition: PropertyDef) -> tuple[int, int]:
    """(created, updated) epoch ms: fixed for HubSpot's properties, per portal for custom ones."""
    if definition.hubspot_defined:
        return _DEFINED_AT_MS, _DEFINED_AT_MS
    age = derive_int(seed, account.key, "property", definition.name) % 600
    created = account.hubspot.owners[0].created_ms + age * _DAY_MS
    return created, created + (age // 3) * _DAY_MS


def _creator(account: Account, definition: PropertyDef) -> int | None:
    return None if definition.hubspot_defined else account.hubspot.owners[0].user_id


def v3_property(seed: int, account: Account, definition: PropertyDef, order: int) -> dict:
    created, updated = _times(seed, account, definition)
    body: dict = {
        "name": definition.name,
        "label": definition.label,
        "type": definition.type,
        "fieldType": definition.field_type,
        "description": definition.description,
        "groupName": definition.group,
        "options": [
            {"label": label, "value": value, "displayOrder": index, "hidden": False}
            for index, (value, label) in enumerate(definition.options)
        ],
        "displayOrder": order,
        "calculated": definition.calculated,
        "externalOptions": definition.external_options,
        "hasUniqueValue": definition.unique,
        "hidden": False,
        "modificationMetadata": {
            "archivable": not definition.hubspot_defined,
            "readOnlyDefinition": definition.hubspot_defined,
            "readOnlyValue": definition.read_only,
        },
        "formField": not definition.read_only and definition.type != "datetime",
        "dataSensitivity": "non_sensitive",
        "createdAt": iso_ms(created),
        "updatedAt": iso_ms(updated),
        "archived": definition.archived,
    }
    if definition.hubspot_defined:
        body["hubspotDefined"] = True
    else:
        body["createdUserId"] = str(_creator(account, definition))
        body["updatedUserId"] = body["createdUserId"]
    if definition.archived:
        body["archivedAt"] = iso_ms(updated)
    if definition.referenced_object_type:
        body["referencedObjectType"] = definition.referenced_object_type
    if definition.display_hint:
        body["numberDisplayHint" if definition.type == "number" else "textDisplayHint"] = definition.display_hint
        if definition.display_hint == "currency":
            body["showCurrencySymbol"] = True
    return body


def v2_property(seed: int, account: Account, definition: PropertyDef, order: int) -> dict:
    created, updated = _times(seed, account, definition)
    number_hint = definition.display_hint if definition.type == "number" else None
    return {
        "name": definition.name,
        "label": definition.label,
        "description": definition.description,
        "groupName": definition.group,
        "type": definition.type,
        "fieldType": definition.field_type,
        "options": [
            {"label": label, "value": value, "displayOrder": index, "doubleData": 0.0, "hidden": False,
             "readOnly": False, "description": None}
            for index, (value, label) in enumerate(definition.options)
        ],
        "displayOrder": order,
        "formField": not definition.read_only and definition.type != "datetime",
        "readOnlyValue": definition.read_only,
        "readOnlyDefinition": definition.hubspot_defined,
        "hidden": False,
        "mutableDefinitionNotDeletable": definition.hubspot_defined,
        "favorited": False,
        "favoritedOrder": -1,
        "calculated": definition.calculated,
        "externalOptions": definition.external_options,
        "displayMode": "current_value",
        "showCurrencySymbol": True if number_hint == "currency" else None,
        "hubspotDefined": True if definition.hubspot_defined else None,
        "createdAt": created,
        "updatedAt": updated,
        "createdUserId": _creator(account, definition),
        "updatedUserId": _creator(account, definition),
        "deleted": definition.archived,
        "hasUniqueValue": definition.unique,
        "numberDisplayHint": number_hint,
        "textDisplayHint": definition.display_hint if definition.type != "number" else None,
        "referencedObjectType": definition.referenced_object_type,
        "optionsAreMutable": None if definition.hubspot_defined else bool(definition.options),
        "searchableInGlobalSearch": definition.name in ("email", "name", "domain", "dealname", "firstname",
                                                        "lastname"),
        "currencyPropertyName": None,
    }


def _resolve_kind(request: Request, admitted) -> ObjectKind | Response:
    object_type = request.path_params["object_type"]
    kind = resolve(object_type)
    if kind is None or kind.name not in admitted.caller.account.hubspot.objects:
        return unknown_object_type(object_type, admitted.headers)
    return kind


def _label(request: Request, suffix: str = "") -> str:
    kind = resolve(request.path_params["object_type"])
    return f"GET /crm/v3/properties/{kind.name if kind else request.path_params['object_type']}{suffix}"


async def list_v3(request: Request) -> Response:
    admitted = admit(request, _label(request))
    if isinstance(admitted, Response):
        return admitted
    kind = _resolve_kind(request, admitted)
    if isinstance(kind, Response):
        return kind
    headers = admitted.headers
    archived = bool_param(request, "archived")
    if archived is None:
        return validation_error("archived must be true or false", "archived", headers)
    sensitivity = request.query_params.get("dataSensitivity") or "non_sensitive"
    if sensitivity not in _DATA_SENSITIVITY:
        return validation_error(f"dataSensitivity must be one of {', '.join(_DATA_SENSITIVITY)}",
                                "dataSensitivity", headers)
    seed, account = admitted.state.settings.seed, admitted.caller.account
    definitions = portal_properties(seed, account, kind, archived) if sensitivity == "non_sensitive" else []
    names = {n.strip() for raw in request.query_params.getlist("properties") for n in raw.split(",") if n.strip()}
    results = [v3_property(seed, account, d, order) for order, d in enumerate(definitions)
               if not names or d.name in names]
    return json_response({"results": results}, headers=headers)


async def get_v3(request: Request) -> Response:
    admitted = admit(request, _label(request, "/{propertyName}"))
    if isinstance(admitted, Response):
        return admitted
    kind = _resolve_kind(request, admitted)
    if isinstance(kind, Response):
        return kind
    archived = bool_param(request, "archived")
    if archived is None:
        return validation_error("archived must be true or false", "archived", admitted.headers)
    seed, account = admitted.state.settings.seed, admitted.caller.account
    name = request.path_params["property_name"]
    for order, definition in enumerate(portal_properties(seed, account, kind, archived)):
        if definition.name == name:
            return json_response(v3_property(seed, account, definition, order), headers=admitted.headers)
    return hubspot_error(404, "OBJECT_NOT_FOUND", f"Unable to find property {name} for object type {kind.name}",
                         headers=admitted.headers)


async def list_v2(request: Request) -> Response:
    object_type = request.path_params["object_type"]
    engagements = object_type.lower() in V2_ENGAGEMENT_TYPES
    kind = None if engagements else resolve(object_type)
    label = "engagements" if engagements else kind.name if kind else object_type
    admitted = admit(request, f"GET /properties/v2/{label}/properties")
    if isinstance(admitted, Response):
        return admitted
    seed, account = admitted.state.settings.seed, admitted.caller.account
    if engagements:
        definitions = engagement_properties(seed, account)
    elif kind is None or kind.name not in account.hubspot.objects:
        return unknown_object_type(object_type, admitted.headers)
    else:
        definitions = portal_properties(seed, account, kind, archived=False)
    return json_response([v2_property(seed, account, d, order) for order, d in enumerate(definitions)],
                         headers=admitted.headers)
