"""Registry of the HubSpot CRM object types the sandbox serves.

To add a type: write an `ObjectKind` subclass in its own module, `register()` it below, and add
its share to `SandboxSettings.engagement_mix` (engagements) or give it a count setting.
"""

from __future__ import annotations

from provider_sandbox.hubspot.association_graph import SINGULAR
from provider_sandbox.hubspot.objects.base import ObjectKind
from provider_sandbox.hubspot.objects.calls import CallKind
from provider_sandbox.hubspot.objects.companies import CompanyKind
from provider_sandbox.hubspot.objects.contacts import ContactKind
from provider_sandbox.hubspot.objects.deals import DealKind
from provider_sandbox.hubspot.objects.emails import EmailKind
from provider_sandbox.hubspot.objects.meetings import MeetingKind
from provider_sandbox.hubspot.objects.notes import NoteKind
from provider_sandbox.hubspot.objects.standard import EMPTY_KINDS
from provider_sandbox.hubspot.objects.tasks import TaskKind

OBJECT_KINDS: dict[str, ObjectKind] = {}
_LOOKUP: dict[str, ObjectKind] = {}


def register(kind: ObjectKind) -> None:
    OBJECT_KINDS[kind.name] = kind
    # HubSpot accepts the plural name, other spellings and the numeric type id in URLs.
    for label in (kind.name, kind.object_type_id, *kind.aliases):
        if label:  # a few standard types have no public type id
            _LOOKUP[label.lower()] = kind


def resolve(object_type: str) -> ObjectKind | None:
    return _LOOKUP.get(object_type.lower())


register(CallKind())
for _kind in (EmailKind(), MeetingKind(), NoteKind(), TaskKind(), ContactKind(), CompanyKind(), DealKind()):
    register(_kind)
# HubSpot's other standard types (tickets, products, line items, ...): no records in any portal.
for _kind in EMPTY_KINDS:
    register(_kind)
    SINGULAR.setdefault(_kind.name, _kind.standard.singular)  # for association error messages
EMPTY_RECORD_TYPES = tuple(kind.name for kind in EMPTY_KINDS)
# Generated in this order: contacts pick companies, deals pick companies, engagements come last.
CRM_RECORD_TYPES = ("companies", "contacts", "deals", *EMPTY_RECORD_TYPES)

__all__ = ["CRM_RECORD_TYPES", "EMPTY_RECORD_TYPES", "OBJECT_KINDS", "ObjectKind", "register", "resolve"]
