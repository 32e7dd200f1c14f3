"""Property definitions: what `GET /crm/v3/properties/{type}` describes and records carry.

Each `ObjectKind` lists its HubSpot-defined properties as `PropertyDef`s; every portal also gets
a few custom properties (`revsync_lead_score` on every portal, others on some), whose values
records render like any other property. Definitions are the single source for the properties
endpoints, so a value a record can have is always one the definition allows (enumeration values
are option values, numbers are numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from provider_sandbox.seeding import derive_int, record_rng

Options = tuple[tuple[str, str], ...]  # (internal value, label)


@dataclass(frozen=True)
class PropertyDef:
    name: str
    label: str
    type: str  # string | number | enumeration | datetime | date | bool | phone_number
    field_type: str  # text | textarea | html | number | select | radio | date | booleancheckbox | …
    group: str
    options: Options = ()
    description: str = ""
    read_only: bool = False  # the value is set by HubSpot (readOnlyValue)
    calculated: bool = False
    unique: bool = False
    external_options: bool = False  # options live elsewhere (owners), the list stays empty
    referenced_object_type: str | None = None
    display_hint: str | None = None  # numberDisplayHint or textDisplayHint, by type
    hubspot_defined: bool = True
    archived: bool = False


def text(name: str, label: str, group: str, **kw) -> PropertyDef:
    return PropertyDef(name, label, "string", "text", group, **kw)


def textarea(name: str, label: str, group: str, **kw) -> PropertyDef:
    return PropertyDef(name, label, "string", "textarea", group, **kw)


def html(name: str, label: str, group: str, **kw) -> PropertyDef:
    return PropertyDef(name, label, "string", "html", group, **kw)


def number(name: str, label: str, group: str, **kw) -> PropertyDef:
    return PropertyDef(name, label, "number", "number", group, **kw)


def when(name: str, label: str, group: str, **kw) -> PropertyDef:
    return PropertyDef(name, label, "datetime", "date", group, **kw)


def enum(name: str, label: str, group: str, options: Options, field_type: str = "select", **kw) -> PropertyDef:
    return PropertyDef(name, label, "enumeration", field_type, group, options=options, **kw)


def choices(*values: str) -> Options:
    """Options whose labels are the values in title case: ("COMPLETED",) -> Completed."""
    return tuple((value, value.replace("_", " ").capitalize()) for value in values)


def base_definitions(group: str, created: str = "hs_createdate", modified: str = "hs_lastmodifieddate"
                     ) -> tuple[PropertyDef, ...]:
    """Properties every record has, named as the object type names them."""
    return (
        number("hs_object_id", "Record ID", group, read_only=True, unique=True,
               description="The unique ID for this record. This value is set automatically by HubSpot."),
        when(created, "Create Date", group, read_only=True),
        when(modified, "Last Modified Date", group, read_only=True),
    )


def owner_definition(group: str) -> PropertyDef:
    return PropertyDef("hubspot_owner_id", "Activity assigned to" if group == "engagement" else "Owner",
                       "enumeration", "select", group, external_options=True, referenced_object_type="OWNER",
                       description="The owner of the record.")


def engagement_definitions() -> tuple[PropertyDef, ...]:
    return (
        *base_definitions("engagement"),
        when("hs_timestamp", "Activity date", "engagement"),
        owner_definition("engagement"),
        text("hs_attachment_ids", "Attached file IDs", "engagement",
             description="Semicolon-separated ids of attached files."),
    )


# --- custom properties ------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomProperty:
    definition: PropertyDef
    low: int = 0  # numbers: inclusive range of values
    high: int = 0
    null_share: float = 0.2
    always: bool = False  # on every portal (else on a seeded ~2/3 of them)


def _custom(name: str, label: str, type_: str, field_type: str, group: str, options: Options = (),
            **kw) -> PropertyDef:
    return PropertyDef(name, label, type_, field_type, group, options=options, hubspot_defined=False,
                       description=kw.pop("description", f"Custom property created by the revsync team ({label})."),
                       **kw)


_LANGUAGES: Options = (("en", "English"), ("es", "Español"), ("de", "Deutsch"), ("ar", "العربية"),
                       ("ja", "日本語"), ("he", "עברית"))

CUSTOM_CATALOGUE: dict[str, tuple[CustomProperty, ...]] = {
    "contacts": (
        CustomProperty(_custom("revsync_lead_score", "Lead score (revsync)", "number", "number",
                               "contactinformation", display_hint="unformatted"), 0, 100, 0.1, always=True),
        CustomProperty(_custom("revsync_segment", "Segment", "enumeration", "select", "contactinformation",
                               (("smb", "SMB"), ("mid_market", "Mid-market"), ("enterprise", "Enterprise")))),
        CustomProperty(_custom("revsync_preferred_language", "Preferred language", "enumeration", "radio",
                               "contactinformation", _LANGUAGES), null_share=0.4),
        # Deleted by an admin: only `archived=true` lists it, and records no longer carry it.
        CustomProperty(_custom("revsync_legacy_source", "Legacy source", "string", "text",
                               "contactinformation", archived=True), always=True),
    ),
    "companies": (
        CustomProperty(_custom("revsync_tier", "Account tier", "enumeration", "select", "companyinformation",
                               (("tier_1", "Tier 1"), ("tier_2", "Tier 2"), ("tier_3", "Tier 3"))), always=True),
        CustomProperty(_custom("revsync_arr", "ARR", "number", "number", "companyinformation",
                               display_hint="currency"), 1_000, 2_000_000, 0.3),
    ),
    "deals": (
        CustomProperty(_custom("revsync_forecast_category", "Forecast category (revsync)", "enumeration",
                               "select", "dealinformation",
                               choices("PIPELINE", "BEST_CASE", "COMMIT", "CLOSED", "OMITTED")), always=True),
        CustomProperty(_custom("revsync_competitor", "Main competitor", "string", "text", "dealinformation"),
                       null_share=0.5),
    ),
    "calls": (
        CustomProperty(_custom("revsync_call_score", "Call score", "number", "number", "engagement"), 1, 5, 0.4),
    ),
    "emails": (
        CustomProperty(_custom("revsync_sequence_step", "Sequence step", "number", "number", "engagement"),
                       1, 6, 0.6),
    ),
    "meetings": (
        CustomProperty(_custom("revsync_meeting_source", "Meeting source", "enumeration", "select", "engagement",
                               (("inbound_form", "Inbound form"), ("outbound", "Outbound"), ("event", "Event"),
                                ("referral", "Referral")))),
    ),
    "notes": (),
    "tasks": (
        CustomProperty(_custom("revsync_task_source", "Task source", "enumeration", "select", "engagement",
                               (("playbook", "Playbook"), ("sequence", "Sequence"), ("manual", "Manual")))),
    ),
}
_COMPETITORS = ("Salesforce", "Pipedrive", "Zoho", "In-house spreadsheet", "Close.com", "Freshsales")


@dataclass(frozen=True)
class PortalProperties:
    """One portal's custom properties of one object type (active and archived)."""

    active: tuple[CustomProperty, ...] = ()
    archived: tuple[CustomProperty, ...] = ()
    names: frozenset[str] = field(default=frozenset())


@lru_cache(maxsize=256)
def portal_custom_properties(seed: int, account_key: str, object_type: str) -> PortalProperties:
    chosen = [
        custom for custom in CUSTOM_CATALOGUE.get(object_type, ())
        if custom.always or derive_int(seed, account_key, "custom-property", custom.definition.name) % 3 != 0
    ]
    active = tuple(c for c in chosen if not c.definition.archived)
    return PortalProperties(
        active=active,
        archived=tuple(c for c in chosen if c.definition.archived),
        names=frozenset(c.definition.name for c in active),
    )


def custom_values(seed: int, account_key: str, object_type: str, record_id: int, revision: int,
                  portal: PortalProperties) -> dict[str, str | None]:
    """Values of the portal's active custom properties for one record version.

    One generator walks the whole catalogue in order, so a property's value does not depend on
    which other custom properties this portal happens to have."""
    rnd = record_rng(seed, account_key, object_type, record_id, revision, "custom")
    values: dict[str, str | None] = {}
    for custom in CUSTOM_CATALOGUE.get(object_type, ()):
        definition = custom.definition
        is_null = rnd.random() < custom.null_share
        if definition.options:
            value = rnd.choice(definition.options)[0]
        elif definition.type == "number":
            value = str(rnd.randint(custom.low, custom.high))
        else:
            value = rnd.choice(_COMPETITORS)
        if definition.name in portal.names:
            values[definition.name] = None if is_null else value
    return values
