"""Generates a portal's associations from its tables, vectorised, deterministically.

Runs after every table exists, with its own numpy stream per (account, pair), so adding
associations never changed any table's data. The shape of the graph:

- a contact's primary company and a deal's primary company are their generation-time `company`
  columns (bigger companies have more of both, see companies.company_weights); a few also have
  a second, unlabelled company (an advisor's other firm, a deal shared with a partner), so a
  record has at most one Primary company, as at HubSpot;
- each deal has 1-3 contacts of its company;
- an engagement has 0-4 contacts depending on its type (meetings have the most), chosen among
  contacts that existed when it happened, weighted by a heavy-tailed per-contact activity, so
  a few key contacts collect hundreds of engagements; it is associated with its first contact's
  company, and, for some, with one of that company's deals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.association_graph import ENGAGEMENT_TYPES, AssociationGraph, Links
from provider_sandbox.hubspot.objects.companies import company_weights
from provider_sandbox.seeding import numpy_rng

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account, ObjectTable

# Engagement type -> (share of records with 0, 1, 2, … associated contacts, share linked to a deal).
_CONTACT_MIX: dict[str, tuple[tuple[float, ...], float]] = {
    "calls": ((0.10, 0.88, 0.02), 0.30),
    "emails": ((0.05, 0.75, 0.15, 0.05), 0.35),
    "meetings": ((0.05, 0.50, 0.30, 0.10, 0.05), 0.55),
    "notes": ((0.12, 0.83, 0.05), 0.45),
    "tasks": ((0.15, 0.83, 0.02), 0.40),
}
# Engagements without a contact that still get a company (logged on the company record).
_COMPANY_ONLY_SHARE = 0.5
# Contacts and deals with a primary company that are also linked to one other company, unlabelled.
_SECOND_COMPANY_SHARE = {"contacts": 0.08, "deals": 0.12}


def _grouped(keys: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows sorted by key, start offset per key): rows with key k are rows[start[k]:start[k+1]].
    Negative keys (no group) are left out."""
    valid = np.flatnonzero(keys >= 0)
    rows = valid[np.argsort(keys[valid], kind="stable")]
    start = np.zeros(groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys[valid], minlength=groups), out=start[1:])
    return rows, start


def _member(rng: np.random.Generator, groups: np.ndarray, rows: np.ndarray, start: np.ndarray) -> np.ndarray:
    """One random member row of each group (-1 where the group is -1 or empty)."""
    safe = np.maximum(groups, 0)
    size = start[safe + 1] - start[safe]
    pick = start[safe] + (rng.random(len(groups)) * size).astype(np.int64)
    found = (groups >= 0) & (size > 0)
    return np.where(found, rows[np.minimum(pick, max(len(rows) - 1, 0))] if len(rows) else -1, -1)


def build_associations(settings: SandboxSettings, account: Account) -> AssociationGraph:
    objects = account.hubspot.objects
    graph = account.hubspot.associations
    contacts, companies, deals = objects.get("contacts"), objects.get("companies"), objects.get("deals")

    def rng(*pair: str) -> np.random.Generator:
        return numpy_rng(settings.seed, account.key, "associations", *pair)

    n_companies = len(companies) if companies is not None else 0

    def primary_company_links(name: str, table: ObjectTable | None) -> np.ndarray | None:
        """The table's generation-time `company` column (None without the table), stored as each
        record's link to its Primary company."""
        if table is None:
            return None
        company = table.columns["company"].astype(np.int64)
        if n_companies:
            rows = np.flatnonzero(company >= 0)
            r = rng(name, "companies", "second")
            weights = company_weights(companies)
            other = r.choice(n_companies, size=len(table), p=weights / weights.sum())
            second = np.flatnonzero((company >= 0) & (r.random(len(table)) < _SECOND_COMPANY_SHARE[name])
                                    & (other != company))
            sources = np.concatenate([rows, second])
            targets = np.concatenate([company[rows], other[second]])
            primary = np.concatenate([np.ones(len(rows), dtype=bool), np.zeros(len(second), dtype=bool)])
            graph.set(name, "companies", Links.from_pairs(len(table), sources, targets, primary))
        return company

    contact_company = primary_company_links("contacts", contacts)
    company_contacts = _grouped(contact_company, n_companies) if contact_company is not None else None
    deal_company = primary_company_links("deals", deals)
    company_deals = _grouped(deal_company, n_companies) if deal_company is not None else None

    if deals is not None and company_contacts is not None:
        r = rng("deals", "contacts")
        sources, targets = [], []
        wanted = 1 + (r.random(len(deals)) < 0.5) + (r.random(len(deals)) < 0.2)
        for slot in range(3):
            picked = _member(r, np.where(wanted > slot, deal_company, -1), *company_contacts)
            rows = np.flatnonzero(picked >= 0)
            sources.append(rows)
            targets.append(picked[rows])
        graph.set("deals", "contacts", Links.from_pairs(len(deals), np.concatenate(sources), np.concatenate(targets)))

    activity = None
    if contacts is not None and len(contacts):
        # Heavy-tailed: most contacts get a few engagements, key contacts get hundreds.
        activity = np.cumsum(rng("contact-activity").lognormal(0.0, 1.0, len(contacts)))
    for engagement in ENGAGEMENT_TYPES:
        table = objects.get(engagement)
        if table is not None:
            _link_engagements(engagement, table, rng, contacts, activity, company_contacts, contact_company,
                              company_deals, companies, graph)
    return graph


def _link_engagements(name: str, table: ObjectTable, rng, contacts: ObjectTable | None, activity: np.ndarray | None,
                      company_contacts, contact_company, company_deals, companies: ObjectTable | None,
                      graph: AssociationGraph) -> None:
    count = len(table)
    mix, deal_share = _CONTACT_MIX[name]
    first = np.full(count, -1, dtype=np.int64)
    if contacts is not None and activity is not None:
        r = rng(name, "contacts")
        wanted = r.choice(len(mix), size=count, p=mix)
        # Only contacts created before the engagement happened; weighted by activity.
        existing = np.searchsorted(contacts.created_ms, table.columns["timestamp_ms"], side="right")
        has = (wanted > 0) & (existing > 0)
        reach = activity[np.maximum(existing - 1, 0)]
        first = np.where(has, np.searchsorted(activity, r.random(count) * reach, side="right"), -1)
        first = np.minimum(first, len(contacts) - 1)
        sources, targets = [np.flatnonzero(first >= 0)], [first[first >= 0]]
        first_company = np.where(first >= 0, contact_company[np.maximum(first, 0)], -1)
        for slot in range(1, len(mix) - 1):  # colleagues of the first contact
            extra = _member(r, np.where(wanted > slot, first_company, -1), *company_contacts)
            rows = np.flatnonzero(extra >= 0)
            sources.append(rows)
            targets.append(extra[rows])
        graph.set(name, "contacts", Links.from_pairs(count, np.concatenate(sources), np.concatenate(targets)))

    if companies is None or not len(companies):
        return
    r = rng(name, "companies")
    company = np.where(first >= 0, contact_company[np.maximum(first, 0)], -1) if contact_company is not None \
        else np.full(count, -1, dtype=np.int64)
    company[(first >= 0) & (r.random(count) < 0.05)] = -1  # logged without the company
    weights = company_weights(companies)
    fallback = r.choice(len(companies), size=count, p=weights / weights.sum())
    company_only = (first < 0) & (r.random(count) < _COMPANY_ONLY_SHARE)
    company = np.where(company_only, fallback, company)
    rows = np.flatnonzero(company >= 0)
    graph.set(name, "companies", Links.from_pairs(count, rows, company[rows]))

    if company_deals is None:
        return
    r = rng(name, "deals")
    deal = _member(r, np.where(r.random(count) < deal_share, company, -1), *company_deals)
    rows = np.flatnonzero(deal >= 0)
    graph.set(name, "deals", Links.from_pairs(count, rows, deal[rows]))
