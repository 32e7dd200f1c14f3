"""HubSpot contacts (object type 0-1): the people at prospect companies.

Identity (first name, last name, email) comes from columns, so it never changes with a revision
and emails can show the same person as their sender or recipient. Emails are unique per portal,
as HubSpot enforces: `jose.garcia@…`, then `jose.garcia2@…`. Some use mixed letter case
(`Jose.Garcia@…`) and a few contacts have no email at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.association_views import visible_links
from provider_sandbox.hubspot.columns import SearchColumn
from provider_sandbox.hubspot.objects import schema as s
from provider_sandbox.hubspot.objects.activity import (
    NONE_CODE,
    coded,
    duplicate_rank,
    owner_column,
    owner_value,
)
from provider_sandbox.hubspot.objects.base import DAY_MS, ObjectKind, PropertyValues, assemble_table
from provider_sandbox.hubspot.objects.companies import (
    LIFECYCLE_OPTIONS,
    LIFECYCLE_STAGES,
    company_identity,
    company_weights,
)
from provider_sandbox.hubspot.objects.vocab import JOB_TITLES, LOCATIONS, PERSONAL_EMAIL_DOMAINS
from provider_sandbox.seeding import numpy_rng, record_rng
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms
from provider_sandbox.vocabulary import CONTACT_FIRST_NAMES, CONTACT_LAST_NAMES, ascii_slug

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account

LEAD_STATUSES = ("NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED",
                 "BAD_TIMING")
_LIFECYCLE_SHARES = (0.08, 0.38, 0.14, 0.12, 0.10, 0.14, 0.01, 0.03)
_NO_COMPANY_FRACTION = 0.08
COMPANY_EMAIL, PERSONAL_EMAIL, NO_EMAIL = range(3)

# Names in scripts without an ASCII spelling get a romanised email local part.
_ROMANISED = {"محمد": "mohammed", "王伟": "wei", "كريم": "karim", "李": "li", "Þórsson": "thorsson",
              "Ødegaard": "odegaard", "Łukasz": "lukasz", "Nguyễn": "nguyen"}


def _slug(name: str) -> str:
    return _ROMANISED.get(name) or ascii_slug(name, "")


def _local_parts() -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Every (first, last, format) -> index of its local part (lowercase, Mixed.Case); distinct
    name combinations that spell the same local part share an index, so uniqueness holds."""
    index: dict[str, int] = {}
    parts: list[tuple[str, str]] = []
    table = np.zeros((len(CONTACT_FIRST_NAMES), len(CONTACT_LAST_NAMES), 5), dtype=np.int32)
    for f, first in enumerate(CONTACT_FIRST_NAMES):
        for l, last in enumerate(CONTACT_LAST_NAMES):  # noqa: E741
            a, b = _slug(first), _slug(last)
            forms = ((f"{a}.{b}", f"{a.title()}.{b.title()}"), (f"{a}{b}", f"{a.title()}{b.title()}"),
                     (f"{a[0]}{b}", f"{a[0].upper()}{b.title()}"), (a, a.title()),
                     (f"{a}_{b}", f"{a.title()}_{b.title()}"))
            for fmt, (lower, mixed) in enumerate(forms):
                if lower not in index:
                    index[lower] = len(parts)
                    parts.append((lower, mixed))
                table[f, l, fmt] = index[lower]
    return table, parts


LOCAL_INDEX, LOCAL_PARTS = _local_parts()
_EMAIL_FORMAT_SHARES = (0.45, 0.15, 0.2, 0.1, 0.1)


def contact_identity(account: Account, table: ObjectTable, row: int) -> tuple[str, str, str | None]:
    """(first name, last name, email or None) of one contact row."""
    cols = table.columns
    first = CONTACT_FIRST_NAMES[int(cols["first"][row])]
    last = CONTACT_LAST_NAMES[int(cols["last"][row])]
    kind = int(cols["email_kind"][row])
    if kind == NO_EMAIL:
        return first, last, None
    lower, mixed = LOCAL_PARTS[int(cols["local"][row])]
    local = mixed if cols["mixed_case"][row] else lower
    dup = int(cols["dup"][row])
    if dup:
        local = f"{local}{dup + 1}"
    company_row = int(cols["company"][row])
    if kind == COMPANY_EMAIL:
        domain = company_identity(account.hubspot.objects["companies"], company_row)[1]
    else:
        domain = PERSONAL_EMAIL_DOMAINS[int(cols["personal"][row])]
    return first, last, f"{local}@{domain}"


class ContactKind(ObjectKind):
    name = "contacts"
    object_type_id = "0-1"
    aliases = ("contact",)
    time_columns: dict[str, int] = {}  # no epoch columns besides the lifecycle ones
    default_properties = ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname")
    always_properties = ("createdate", "hs_object_id", "lastmodifieddate")
    property_defs = (
        *s.base_definitions("contactinformation", created="createdate", modified="lastmodifieddate"),
        s.text("firstname", "First Name", "contactinformation"),
        s.text("lastname", "Last Name", "contactinformation"),
        s.text("email", "Email", "contactinformation", display_hint="email"),
        s.text("hs_email_domain", "Email Domain", "contactinformation", read_only=True, calculated=True),
        s.PropertyDef("phone", "Phone Number", "string", "phonenumber", "contactinformation",
                      display_hint="phone_number"),
        s.text("jobtitle", "Job Title", "contactinformation"),
        s.text("company", "Company Name", "contactinformation"),
        s.number("associatedcompanyid", "Primary Associated Company ID", "contactinformation",
                 read_only=True, referenced_object_type="COMPANY"),
        s.text("city", "City", "contactinformation"),
        s.text("country", "Country/Region", "contactinformation"),
        s.enum("lifecyclestage", "Lifecycle Stage", "contactinformation", LIFECYCLE_OPTIONS, field_type="radio"),
        s.enum("hs_lead_status", "Lead Status", "sales_properties", s.choices(*LEAD_STATUSES), field_type="radio"),
        s.owner_definition("sales_properties"),
    )

    def generate(self, settings: SandboxSettings, account: Account, count: int) -> ObjectTable:
        rng = numpy_rng(settings.seed, account.key, self.name)
        span = 2 * settings.history_days * DAY_MS
        created = settings.anchor_ms - 1 - (rng.random(count) ** 1.5 * span).astype(np.int64)

        companies = account.hubspot.objects.get("companies")
        company = np.full(count, -1, dtype=np.int32)
        if companies is not None and len(companies):
            weights = company_weights(companies)
            company = rng.choice(len(companies), size=count, p=weights / weights.sum()).astype(np.int32)
            company[rng.random(count) < _NO_COMPANY_FRACTION] = -1

        first = rng.integers(0, len(CONTACT_FIRST_NAMES), count).astype(np.uint8)
        last = rng.integers(0, len(CONTACT_LAST_NAMES), count).astype(np.uint8)
        local = LOCAL_INDEX[first, last, coded(rng, _EMAIL_FORMAT_SHARES, count)]
        personal = rng.integers(0, len(PERSONAL_EMAIL_DOMAINS), count).astype(np.uint8)
        kind = np.where(company >= 0, COMPANY_EMAIL, PERSONAL_EMAIL).astype(np.uint8)
        kind[(company >= 0) & (rng.random(count) < 0.07)] = PERSONAL_EMAIL
        kind[rng.random(count) < 0.04] = NO_EMAIL
        domain_key = np.where(kind == COMPANY_EMAIL, company.astype(np.int64), -1 - personal.astype(np.int64))
        dup = np.minimum(duplicate_rank(domain_key, local), np.iinfo(np.uint16).max).astype(np.uint16)

        lead_status = coded(rng, (0.2, 0.2, 0.1, 0.1, 0.1, 0.15, 0.1, 0.05), count)
        lead_status[rng.random(count) < 0.4] = NONE_CODE
        return assemble_table(
            self, settings, account, rng, created, np.zeros(count, dtype=np.int64),
            {
                "first": first, "last": last, "local": local.astype(np.int32), "dup": dup,
                "email_kind": kind, "personal": personal,
                "mixed_case": rng.random(count) < 0.05,
                "company": company,
                "lifecycle": coded(rng, _LIFECYCLE_SHARES, count),
                "lead_status": lead_status,
                "job": rng.integers(0, len(JOB_TITLES), count).astype(np.uint8),
                "location": rng.integers(0, len(LOCATIONS), count).astype(np.uint8),
                "owner": owner_column(rng, settings, account, count, null_fraction=0.15),
            },
        )

    def own_properties(
        self, seed: int, account: Account, table: ObjectTable, row: int, wanted: frozenset[str] | None
    ) -> PropertyValues:
        cols = table.columns
        first, last, email = contact_identity(account, table, row)
        company_row = int(cols["company"][row])
        companies = account.hubspot.objects.get("companies")
        company_name = company_identity(companies, company_row)[0] if company_row >= 0 else None
        primary_company = None
        if wanted is None or "associatedcompanyid" in wanted:
            rows, primary = visible_links(account, self.name, row, "companies")
            if primary.any():
                primary_company = str(int(companies.ids[rows[primary][0]]))
        city, country, phone_prefix = LOCATIONS[int(cols["location"][row])]
        status = int(cols["lead_status"][row])
        values: PropertyValues = {
            "createdate": iso_ms(table.created_ms[row]),
            "lastmodifieddate": iso_ms(table.modified_ms[row]),
            "firstname": first,
            "lastname": last,
            "email": email,
            "hs_email_domain": email.rsplit("@", 1)[1].lower() if email else None,
            "jobtitle": JOB_TITLES[int(cols["job"][row])],
            "company": company_name,
            "associatedcompanyid": primary_company,
            "city": city,
            "country": country,
            "lifecyclestage": LIFECYCLE_STAGES[int(cols["lifecycle"][row])],
            "hs_lead_status": None if status == NONE_CODE else LEAD_STATUSES[status],
            "hubspot_owner_id": owner_value(account, table, row),
        }
        if wanted is None or "phone" in wanted:
            rnd = record_rng(seed, account.key, self.name, int(table.ids[row]), int(table.revision[row]))
            values["phone"] = None if rnd.random() < 0.3 else f"{phone_prefix}{rnd.randint(1_000_000, 9_999_999)}"
        return values

    def truth_extras(self, table: ObjectTable, rows: np.ndarray) -> Mapping[str, int]:
        return {"with_email_count": int((table.columns["email_kind"][rows] != NO_EMAIL).sum())}

    def search_columns(self, account: Account, table: ObjectTable) -> dict[str, SearchColumn]:
        cols = table.columns
        statuses: dict[int, str | None] = dict(enumerate(LEAD_STATUSES))
        statuses[NONE_CODE] = None
        return {
            **super().search_columns(account, table),
            "lifecyclestage": SearchColumn.enum(cols["lifecycle"], dict(enumerate(LIFECYCLE_STAGES))),
            "hs_lead_status": SearchColumn.enum(cols["lead_status"], statuses),
        }
