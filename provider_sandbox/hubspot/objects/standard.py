"""HubSpot's other standard object types, which the sandbox's portals have no records of.

A real portal has tickets, products, line items, quotes, leads, goal targets and more whether or
not anyone uses them, and clients that discover object types or sync "everything" call their
list, search, properties and association routes. Registering them as empty kinds lets the
generic routes answer as HubSpot answers for a portal with none of those records: an empty page,
a search with `total: 0`, `OBJECT_NOT_FOUND` for any id, and the type's standard properties.

Type ids: HubSpot's "object type IDs" table (developers.hubspot.com, "Understanding the CRM",
and each object's "object definition" page). `deal_split` and `forms` are served by name only:
no public source gives their numeric ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.objects import schema as s
from provider_sandbox.hubspot.objects.base import ObjectKind, PropertyValues
from provider_sandbox.store import ObjectTable

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account


@dataclass(frozen=True)
class StandardType:
    name: str  # URL name, plural as HubSpot spells it
    type_id: str  # "" when no public source gives it
    singular: str
    label: str  # plural label, as schemas show it
    group: str  # the group of its base properties
    aliases: tuple[str, ...] = ()
    created: str = "hs_createdate"  # the create-date property's name
    primary_display: str = "hs_object_id"


STANDARD_TYPES: tuple[StandardType, ...] = (
    StandardType("tickets", "0-5", "ticket", "Tickets", "ticketinformation", created="createdate",
                 primary_display="subject"),
    StandardType("products", "0-7", "product", "Products", "productinformation", created="createdate",
                 primary_display="name"),
    StandardType("line_items", "0-8", "line_item", "Line items", "lineiteminformation", ("lineitems",),
                 created="createdate", primary_display="name"),
    StandardType("quotes", "0-14", "quote", "Quotes", "quoteinformation", primary_display="hs_title"),
    StandardType("communications", "0-18", "communication", "Communications", "communication"),
    StandardType("feedback_submissions", "0-19", "feedback_submission", "Feedback submissions",
                 "feedbacksubmissioninformation"),
    StandardType("invoices", "0-53", "invoice", "Invoices", "invoiceinformation"),
    StandardType("marketing_events", "0-54", "marketing_event", "Marketing events", "marketingeventinformation"),
    StandardType("subscriptions", "0-69", "subscription", "Subscriptions", "subscriptioninformation"),
    StandardType("goal_targets", "0-74", "goal_target", "Goal targets", "goal_target_information", ("goals",),
                 primary_display="hs_goal_name"),
    StandardType("discounts", "0-84", "discount", "Discounts", "discountinformation"),
    StandardType("fees", "0-85", "fee", "Fees", "feeinformation"),
    StandardType("taxes", "0-86", "tax", "Taxes", "taxinformation"),
    StandardType("commerce_payments", "0-101", "commerce_payment", "Payments", "paymentinformation",
                 ("payments",)),
    StandardType("users", "0-115", "user", "Users", "userinformation"),
    StandardType("postal_mail", "0-116", "postal_mail", "Postal mail", "postal_mail", ("postal_mails",)),
    StandardType("orders", "0-123", "order", "Orders", "orderinformation"),
    StandardType("leads", "0-136", "lead", "Leads", "lead_information", primary_display="hs_lead_name"),
    StandardType("carts", "0-142", "cart", "Carts", "cartinformation"),
    StandardType("services", "0-162", "service", "Services", "serviceinformation"),
    StandardType("courses", "0-410", "course", "Courses", "courseinformation"),
    StandardType("listings", "0-420", "listing", "Listings", "listinginformation"),
    StandardType("appointments", "0-421", "appointment", "Appointments", "appointmentinformation"),
    StandardType("deal_split", "", "deal_split", "Deal splits", "dealsplitinformation", ("deal_splits",)),
    StandardType("forms", "", "form", "Forms", "forminformation"),
)


class EmptyKind(ObjectKind):
    """A standard HubSpot object type with no records in any portal."""

    def __init__(self, standard: StandardType) -> None:
        self.standard = standard
        self.name = standard.name
        self.object_type_id = standard.type_id
        self.aliases = (*((standard.singular,) if standard.singular != standard.name else ()), *standard.aliases)
        base = ("hs_object_id", standard.created, "hs_lastmodifieddate")
        self.default_properties = base
        self.always_properties = base
        self.property_defs = s.base_definitions(standard.group, created=standard.created)

    def generate(self, settings: SandboxSettings, account: Account, count: int) -> ObjectTable:
        empty = np.zeros(0, dtype=np.int64)
        return ObjectTable(object_type=self.name, ids=empty, created_ms=empty.copy(), modified_ms=empty.copy(),
                           archived=np.zeros(0, dtype=bool), archived_ms=empty.copy(),
                           revision=np.zeros(0, dtype=np.uint32))

    def own_properties(self, seed: int, account: Account, table: ObjectTable, row: int,
                       wanted: frozenset[str] | None) -> PropertyValues:
        return {}


EMPTY_KINDS: tuple[EmptyKind, ...] = tuple(EmptyKind(standard) for standard in STANDARD_TYPES)
