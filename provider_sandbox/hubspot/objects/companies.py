"""HubSpot companies (object type 0-2): the prospects and customers the reps sell to.

Name and domain come from columns (name parts plus a duplicate rank), not from the per-record
text seed, so they never change with a revision: contacts' emails and deal names are built from
them. Domains are unique per portal (bluedental.example.org, bluedental2.example.org, …).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.columns import SearchColumn
from provider_sandbox.hubspot.objects import schema as s
from provider_sandbox.hubspot.objects.activity import coded, duplicate_rank, owner_column, owner_value
from provider_sandbox.hubspot.objects.base import DAY_MS, ObjectKind, PropertyValues, assemble_table
from provider_sandbox.hubspot.objects.vocab import (
    COMPANY_CORES,
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    INDUSTRIES,
    LOCATIONS,
    NOTE_LINES,
)
from provider_sandbox.seeding import numpy_rng, record_rng
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account

LIFECYCLE_STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
                    "customer", "evangelist", "other")
LIFECYCLE_OPTIONS: s.Options = (
    ("subscriber", "Subscriber"), ("lead", "Lead"), ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"), ("opportunity", "Opportunity"), ("customer", "Customer"),
    ("evangelist", "Evangelist"), ("other", "Other"),
)
_COMPANY_LIFECYCLE_SHARES = (0.02, 0.30, 0.10, 0.12, 0.16, 0.24, 0.02, 0.04)
_TLDS = (".example.com", ".example.org", ".example.net")
_TEXT_PROPERTIES = frozenset(("description", "phone"))


def company_identity(table: ObjectTable, row: int) -> tuple[str, str]:
    """(name, domain) of one company row."""
    cols = table.columns
    prefix, prefix_ascii = COMPANY_PREFIXES[int(cols["prefix"][row])]
    core, core_ascii = COMPANY_CORES[int(cols["core"][row])]
    suffix = COMPANY_SUFFIXES[int(cols["suffix"][row])]
    dup = int(cols["dup"][row])
    root = f"{prefix_ascii}{core_ascii}{dup + 1 if dup else ''}"
    tld = _TLDS[(int(cols["prefix"][row]) + int(cols["core"][row])) % len(_TLDS)]
    return f"{prefix} {core}{suffix}", f"{root}{tld}"


def company_weights(table: ObjectTable) -> np.ndarray:
    """How much activity a company attracts: bigger companies have more contacts and deals."""
    return table.columns["employees"].astype(np.float64) ** 0.6


class CompanyKind(ObjectKind):
    name = "companies"
    object_type_id = "0-2"
    aliases = ("company",)
    time_columns: dict[str, int] = {}  # no epoch columns besides the lifecycle ones
    default_properties = ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name")
    always_properties = ("createdate", "hs_lastmodifieddate", "hs_object_id")
    property_defs = (
        *s.base_definitions("companyinformation", created="createdate"),
        s.text("name", "Company name", "companyinformation"),
        s.text("domain", "Company Domain Name", "companyinformation", display_hint="domain_name"),
        s.text("website", "Website URL", "companyinformation"),
        s.enum("industry", "Industry", "companyinformation", INDUSTRIES),
        s.number("numberofemployees", "Number of Employees", "companyinformation"),
        s.number("annualrevenue", "Annual Revenue", "companyinformation", display_hint="currency"),
        s.text("city", "City", "companyinformation"),
        s.text("country", "Country/Region", "companyinformation"),
        s.PropertyDef("phone", "Phone Number", "string", "phonenumber", "companyinformation",
                      display_hint="phone_number"),
        s.enum("lifecyclestage", "Lifecycle Stage", "companyinformation", LIFECYCLE_OPTIONS, field_type="radio"),
        s.textarea("description", "Description", "companyinformation"),
        s.owner_definition("companyinformation"),
    )

    def generate(self, settings: SandboxSettings, account: Account, count: int) -> ObjectTable:
        rng = numpy_rng(settings.seed, account.key, self.name)
        # Companies accumulate over years; more of them are recent.
        span = 3 * settings.history_days * DAY_MS
        created = settings.anchor_ms - 1 - (rng.random(count) ** 1.3 * span).astype(np.int64)
        prefix = rng.integers(0, len(COMPANY_PREFIXES), count).astype(np.uint8)
        core = rng.integers(0, len(COMPANY_CORES), count).astype(np.uint8)
        suffix = rng.integers(0, len(COMPANY_SUFFIXES), count).astype(np.uint8)
        dup = np.minimum(duplicate_rank(prefix, core), np.iinfo(np.uint16).max).astype(np.uint16)
        # Heavy-tailed sizes: a few key accounts dominate activity (see company_weights).
        employees = np.clip(rng.lognormal(np.log(60), 1.5, count), 1, 250_000).astype(np.int32)
        revenue = employees.astype(np.int64) * rng.integers(40_000, 400_000, count)
        revenue[rng.random(count) < 0.25] = -1  # unknown
        return assemble_table(
            self, settings, account, rng, created, np.zeros(count, dtype=np.int64),
            {
                "prefix": prefix, "core": core, "suffix": suffix, "dup": dup,
                "employees": employees,
                "revenue": revenue,
                "industry": rng.integers(0, len(INDUSTRIES), count).astype(np.uint8),
                "location": rng.integers(0, len(LOCATIONS), count).astype(np.uint8),
                "lifecycle": coded(rng, _COMPANY_LIFECYCLE_SHARES, count),
                "owner": owner_column(rng, settings, account, count, null_fraction=0.1),
            },
        )

    def own_properties(
        self, seed: int, account: Account, table: ObjectTable, row: int, wanted: frozenset[str] | None
    ) -> PropertyValues:
        cols = table.columns
        name, domain = company_identity(table, row)
        city, country, phone_prefix = LOCATIONS[int(cols["location"][row])]
        revenue = int(cols["revenue"][row])
        values: PropertyValues = {
            "createdate": iso_ms(table.created_ms[row]),
            "name": name,
            "domain": domain,
            "website": f"https://www.{domain}",
            "industry": INDUSTRIES[int(cols["industry"][row])][0],
            "numberofemployees": str(int(cols["employees"][row])),
            "annualrevenue": str(revenue) if revenue >= 0 else None,
            "city": city,
            "country": country,
            "lifecyclestage": LIFECYCLE_STAGES[int(cols["lifecycle"][row])],
            "hubspot_owner_id": owner_value(account, table, row),
        }
        if wanted is not None and wanted.isdisjoint(_TEXT_PROPERTIES):
            return values
        rnd = record_rng(seed, account.key, self.name, int(table.ids[row]), int(table.revision[row]))
        values["phone"] = f"{phone_prefix}{rnd.randint(1_000_000, 9_999_999)}"
        values["description"] = (
            None if rnd.random() < 0.5 else f"{name} — {rnd.choice(NOTE_LINES).format(first='the team')}"
        )
        return values

    def truth_extras(self, table: ObjectTable, rows: np.ndarray) -> Mapping[str, int]:
        return {"employees_sum": int(table.columns["employees"][rows].sum(dtype=np.int64))}

    def search_columns(self, account: Account, table: ObjectTable) -> dict[str, SearchColumn]:
        cols = table.columns
        return {
            **super().search_columns(account, table),
            "numberofemployees": SearchColumn.number(cols["employees"]),
            "annualrevenue": SearchColumn.number(cols["revenue"], present=cols["revenue"] >= 0),
            "industry": SearchColumn.enum(cols["industry"], {i: v for i, (v, _) in enumerate(INDUSTRIES)}),
            "lifecyclestage": SearchColumn.enum(cols["lifecycle"], dict(enumerate(LIFECYCLE_STAGES))),
        }
