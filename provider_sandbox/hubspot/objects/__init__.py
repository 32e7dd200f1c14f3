"""Registry of the HubSpot CRM object types the sandbox serves.

To add a type: write an `ObjectKind` subclass in its own module, `register()` it below, and add
its share to `SandboxSettings.engagement_mix` (engagements) or give it a count setting.
"""

from __future__ import annotations

from provider_sandbox.hubspot.objects.base import ObjectKind
from provider_sandbox.hubspot.objects.calls import CallKind

OBJECT_KINDS: dict[str, ObjectKind] = {}
_LOOKUP: dict[str, ObjectKind] = {}


def register(kind: ObjectKind) -> None:
    OBJECT_KINDS[kind.name] = kind
    # HubSpot accepts the plural name, other spellings and the numeric type id in URLs.
    for label in (kind.name, kind.object_type_id, *kind.aliases):
        _LOOKUP[label.lower()] = kind


def resolve(object_type: str) -> ObjectKind | None:
    return _LOOKUP.get(object_type.lower())


register(CallKind())

__all__ = ["OBJECT_KINDS", "ObjectKind", "register", "resolve"]
