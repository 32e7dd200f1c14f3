"""Which OAuth scopes a HubSpot route needs, looked up once per request by `guard.admit()`.

The lookup is keyed by the matched route's template (legacy or date-based path, e.g.
`/crm/v3/objects/{object_type}` or `/crm/objects/2026-09/{object_type}`) and the object types in
its path. A requirement is a tuple of groups: every group must be met, a group by any one of its
scopes. Sources: the `security` sections of HubSpot's OpenAPI specs (calls/notes/tasks/meetings/
contacts need `crm.objects.contacts.read`, companies `crm.objects.companies.read`, deals
`crm.objects.deals.read`, owners `crm.objects.owners.read`, properties the object's or schema's
read scope, schemas `crm.schemas.custom.read` or `crm.objects.custom.read`), and provider-apis.md
A2 for the legacy v1 engagements (`crm.objects.contacts.read`). Emails differ by surface: the
legacy emails-v3 spec lists two alternative requirements (`crm.objects.contacts.read` or
`sales-email-read`), the 2026-09 emails spec one requirement with both scopes, so the date-based
email object routes need both. Routes without an entry need no scope.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from provider_sandbox.hubspot.objects import resolve

Requirement = tuple[tuple[str, ...], ...]

# Record read scopes per object type (any one of them). Engagements are read with the contacts
# scope, as their specs say; types another module may register are listed with their own scope.
OBJECT_READ_SCOPES: dict[str, tuple[str, ...]] = {
    "contacts": ("crm.objects.contacts.read",),
    "calls": ("crm.objects.contacts.read",),
    "meetings": ("crm.objects.contacts.read",),
    "notes": ("crm.objects.contacts.read",),
    "tasks": ("crm.objects.contacts.read",),
    "emails": ("crm.objects.contacts.read", "sales-email-read"),
    "companies": ("crm.objects.companies.read",),
    "deals": ("crm.objects.deals.read",),
    "tickets": ("tickets",),
    "products": ("e-commerce",),
    "line_items": ("crm.objects.line_items.read", "e-commerce"),
    "quotes": ("crm.objects.quotes.read",),
    "leads": ("crm.objects.leads.read",),
    "goal_targets": ("crm.objects.goals.read",),
    "feedback_submissions": ("crm.objects.feedback_submissions.read",),
}
# Property definitions and pipelines: the object's read scope or its schema scope.
_SCHEMA_SCOPES: dict[str, tuple[str, ...]] = {
    "contacts": ("crm.schemas.contacts.read",),
    "companies": ("crm.schemas.companies.read",),
    "deals": ("crm.schemas.deals.read",),
}
OWNERS: Requirement = (("crm.objects.owners.read",),)
CUSTOM_SCHEMAS: Requirement = (("crm.schemas.custom.read", "crm.objects.custom.read"),)
# Email bodies and subjects (v3 properties, v1 metadata) need this scope (provider-apis.md A2).
SALES_EMAIL_READ = "sales-email-read"
# Date-based email object routes: hubspot-openapi/2026-09/emails.json lists both scopes in one
# security requirement (`{"oauth2": ["crm.objects.contacts.read", "sales-email-read"]}`), so a
# token needs both; the legacy emails-v3.json lists them as two requirements (either one).
DATE_BASED_EMAILS: Requirement = (("crm.objects.contacts.read",), (SALES_EMAIL_READ,))
# `/properties/v2/{type}/properties` names the legacy engagement type so; it is no CRM object type.
V2_ENGAGEMENT_TYPES = ("engagements", "engagement")

# Date-based paths (provider-apis.md A0) map onto the legacy template they mirror.
_DATE_BASED = (
    (re.compile(r"^/crm/objects/\d{4}-\d{2}/"), "/crm/v3/objects/"),
    (re.compile(r"^/crm/associations/\d{4}-\d{2}/"), "/crm/v4/associations/"),
    (re.compile(r"^/crm/owners/\d{4}-\d{2}"), "/crm/v3/owners"),
    (re.compile(r"^/crm/properties/\d{4}-\d{2}/"), "/crm/v3/properties/"),
    (re.compile(r"^/crm/pipelines/\d{4}-\d{2}/"), "/crm/v3/pipelines/"),
    (re.compile(r"^/crm-object-schemas/\d{4}-\d{2}/schemas"), "/crm/v3/schemas"),
)
_TYPE_PARAMS = ("object_type", "objectType", "from_type", "fromObjectType")
_TO_TYPE_PARAMS = ("to_type", "toObjectType")


def _legacy_template(template: str) -> str:
    for pattern, legacy in _DATE_BASED:
        if pattern.match(template):
            return pattern.sub(legacy, template, count=1)
    return template


def _type_of(params: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in params:
            kind = resolve(str(params[name]))
            return kind.name if kind is not None else None
    return None


def _object_read(object_type: str | None) -> Requirement | None:
    scopes = OBJECT_READ_SCOPES.get(object_type or "")
    return (scopes,) if scopes else None


def _definitions(object_type: str | None) -> Requirement | None:
    scopes = OBJECT_READ_SCOPES.get(object_type or "")
    if not scopes:
        return None
    return ((*scopes, *_SCHEMA_SCOPES.get(object_type or "", ())),)


def required_scopes(template: str, params: Mapping[str, str]) -> Requirement | None:
    """The scope groups a request on this route template needs (None: no scope checked)."""
    path = _legacy_template(template)
    object_type = _type_of(params, _TYPE_PARAMS)
    if path.startswith("/engagements/v1/"):
        return (("crm.objects.contacts.read",),)
    if path.startswith("/crm/v3/objects/") and path != template and object_type == "emails" \
            and "/associations/" not in path:
        return DATE_BASED_EMAILS
    if path.startswith("/properties/v2/") and str(params.get("object_type", "")).lower() in V2_ENGAGEMENT_TYPES:
        # The sandbox's choice (no spec covers this legacy path): what the v1 engagements API needs.
        return (("crm.objects.contacts.read",),)
    if path.startswith("/deals/v1/"):
        return _object_read("deals")
    if path.startswith("/companies/v2/companies"):
        return _object_read("companies")
    if path == "/properties/v1/deals/properties":
        return _definitions("deals")
    if path == "/companies/v2/properties":
        return _definitions("companies")
    if path.startswith("/crm/v3/owners"):
        return OWNERS
    if path.startswith("/crm/v3/schemas"):
        return CUSTOM_SCHEMAS
    if path.startswith(("/crm/v3/properties/", "/properties/v2/", "/crm/v3/pipelines/")):
        return _definitions(object_type)
    if "/associations/" in path and path.startswith(("/crm/v3/", "/crm/v4/")):
        source, target = _object_read(object_type), _object_read(_type_of(params, _TO_TYPE_PARAMS))
        groups = (*(source or ()), *(target or ()))
        return tuple(dict.fromkeys(groups)) or None
    if path.startswith("/crm/v3/objects/"):
        return _object_read(object_type)
    return None


def missing_groups(requirement: Requirement, granted: frozenset[str] | None) -> list[tuple[str, ...]]:
    """The groups of `requirement` none of whose scopes is granted (granted None: every scope)."""
    if granted is None:
        return []
    return [group for group in requirement if granted.isdisjoint(group)]
