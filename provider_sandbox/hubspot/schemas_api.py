"""Object schemas, shaped like schemas-v3.json: `GET /crm/v3/schemas` (also under the spec's
`/crm-object-schemas/v3/schemas`) and `GET .../schemas/{objectType}`.

- The list holds the portal's custom object schemas. The sandbox's portals define no custom
  objects, so it is `{"results": []}` (not a 404): what HubSpot answers for such a portal.
- One schema by type: HubSpot also describes its standard objects here (`metaType` HUBSPOT,
  `name` such as "CONTACT", `objectTypeId` "0-1", created at epoch 0, e.g. as logged against
  the real API in amp-labs/connectors#1294), so known types get their schema with the portal's
  property definitions and the association types the sandbox knows; unknown types get a 404
  `OBJECT_NOT_FOUND` in HubSpot's error shape.
- `archived`, `includeAssociationDefinitions`, `includeAuditMetadata` and
  `includePropertyDefinitions` must be true/false (400 otherwise); the include flags drop
  `associations` (to an empty list), the audit fields and `properties` (to an empty list).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.association_graph import SINGULAR, UNLABELED_TYPE_IDS
from provider_sandbox.hubspot.errors import hubspot_error, validation_error
from provider_sandbox.hubspot.guard import Admitted, admit, bool_param
from provider_sandbox.hubspot.objects import ObjectKind, resolve
from provider_sandbox.hubspot.properties_api import portal_properties, v3_property
from provider_sandbox.responses import json_response
from provider_sandbox.timefmt import iso_ms

_PREFIXES = ("/crm/v3/schemas", "/crm-object-schemas/v3/schemas")
_FLAGS = ("includeAssociationDefinitions", "includeAuditMetadata", "includePropertyDefinitions")


def routes() -> list[Route]:
    routes_: list[Route] = []
    for prefix in _PREFIXES:
        routes_.append(Route(prefix, list_schemas, methods=["GET"]))
        routes_.append(Route(prefix + "/{object_type}", get_schema, methods=["GET"]))
    return routes_


def _flags(request: Request, admitted: Admitted, names: tuple[str, ...]) -> dict[str, bool] | Response:
    flags: dict[str, bool] = {}
    for name in names:
        value = bool_param(request, name, default=name != "archived")
        if value is None:
            return validation_error(f"{name} must be true or false", name, admitted.headers)
        flags[name] = value
    return flags


def _label(request: Request, suffix: str = "") -> str:
    prefix = "/crm-object-schemas/v3/schemas" if request.url.path.startswith("/crm-object-schemas") \
        else "/crm/v3/schemas"
    return prefix + suffix


async def list_schemas(request: Request) -> Response:
    admitted = admit(request, f"GET {_label(request)}")
    if isinstance(admitted, Response):
        return admitted
    flags = _flags(request, admitted, ("archived", *_FLAGS))
    if isinstance(flags, Response):
        return flags
    # No portal defines custom objects, archived or not.
    return json_response({"results": []}, headers=admitted.headers)


def _singular_label(kind: ObjectKind) -> tuple[str, str]:
    standard = getattr(kind, "standard", None)
    if standard is not None:
        return standard.label[:-1] if standard.label.endswith("s") else standard.label, standard.label
    plural = kind.name.replace("_", " ").capitalize()
    return (plural[:-3] + "y" if plural.endswith("ies") else plural[:-1]), plural


def standard_schema(admitted: Admitted, kind: ObjectKind, flags: dict[str, bool]) -> dict:
    """One standard object type's `ObjectSchema`."""
    seed, account = admitted.state.settings.seed, admitted.caller.account
    singular, plural = _singular_label(kind)
    definitions = portal_properties(seed, account, kind, archived=False)
    names = [d.name for d in definitions]
    standard = getattr(kind, "standard", None)
    primary = standard.primary_display if standard is not None else next(
        (n for n in ("firstname", "name", "dealname", "hs_call_title", "hs_email_subject", "hs_meeting_title",
                     "hs_task_subject", "hs_note_body") if n in names), "hs_object_id")
    body: dict = {
        "id": kind.object_type_id.split("-", 1)[-1] if kind.object_type_id else kind.name,
        "objectTypeId": kind.object_type_id or kind.name,
        "name": SINGULAR[kind.name].upper(),
        "fullyQualifiedName": SINGULAR[kind.name].upper(),
        "labels": {"singular": singular, "plural": plural},
        "metaType": "HUBSPOT",
        "archived": False,
        "primaryDisplayProperty": primary,
        "secondaryDisplayProperties": [],
        "requiredProperties": [],
        "searchableProperties": [n for n in (primary, "hs_object_id") if n in names],
        "properties": [v3_property(seed, account, d, order) for order, d in enumerate(definitions)]
        if flags["includePropertyDefinitions"] else [],
        "associations": [
            {"id": str(type_id), "fromObjectTypeId": kind.object_type_id,
             "toObjectTypeId": resolve(to_type).object_type_id,
             "name": f"{SINGULAR[kind.name]}_to_{SINGULAR[to_type]}"}
            for (from_type, to_type), type_id in sorted(UNLABELED_TYPE_IDS.items(), key=lambda item: item[1])
            if from_type == kind.name and resolve(to_type) is not None and resolve(to_type).object_type_id
        ] if flags["includeAssociationDefinitions"] and kind.object_type_id else [],
    }
    if flags["includeAuditMetadata"]:
        body["createdAt"] = iso_ms(0)
        body["updatedAt"] = iso_ms(0)
    return body


async def get_schema(request: Request) -> Response:
    object_type = request.path_params["object_type"]
    kind = resolve(object_type)
    admitted = admit(request, f"GET {_label(request, '/' + (kind.name if kind else '{objectType}'))}")
    if isinstance(admitted, Response):
        return admitted
    flags = _flags(request, admitted, _FLAGS)
    if isinstance(flags, Response):
        return flags
    if kind is None or kind.name not in admitted.caller.account.hubspot.objects:
        return hubspot_error(404, "OBJECT_NOT_FOUND", f"Unable to find object schema for {object_type}",
                             context={"objectType": [object_type]}, headers=admitted.headers)
    return json_response(standard_schema(admitted, kind, flags), headers=admitted.headers)
