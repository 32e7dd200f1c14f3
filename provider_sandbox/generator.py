"""Builds the whole generated world from `SandboxSettings`, deterministically.

Accounts, reps and credentials come from `seeding` hashes of (seed, account, purpose); each
object type's records come from its `ObjectKind.generate`, which draws from its own numpy
generator. Giving every (account, type) its own stream means adding a new type or account never
shifts the data of the existing ones.

Engagement ids (calls, emails, meetings, notes, tasks) are then renumbered from one sequence per
portal, in creation order across the types, as HubSpot numbers engagements: the v1
`engagements/paged` list, in id order, interleaves the types by time.
"""

from __future__ import annotations

import numpy as np

from provider_sandbox.advance import ENGAGEMENT_ID_STEP
from provider_sandbox.aircall.generator import build_aircall
from provider_sandbox.fathom.generate import build_workspace
from provider_sandbox.hubspot.association_generator import build_associations
from provider_sandbox.hubspot.association_graph import ENGAGEMENT_TYPES
from provider_sandbox.hubspot.objects import CRM_RECORD_TYPES, OBJECT_KINDS
from provider_sandbox.hubspot.objects.base import DAY_MS
from provider_sandbox.hubspot.objects.calls import DEFAULT_CALL_DISPOSITIONS
from provider_sandbox.oauth import build_oauth_app
from provider_sandbox.seeding import derive_int, derive_uuid, numpy_rng, record_rng
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.store import Account, HubSpotOwner, HubSpotPortal, Rep, SandboxStore
from provider_sandbox.vocabulary import COMPANY_NAMES, REP_FIRST_NAMES, REP_LAST_NAMES, ascii_slug


def build_store(settings: SandboxSettings) -> SandboxStore:
    settings.validate()
    hub_ids = _unique_hub_ids(settings.seed, settings.accounts)
    accounts = [_build_account(settings, index, hub_ids[index]) for index in range(settings.accounts)]
    for account in accounts:
        # CRM records first (contacts pick companies, deals pick companies), then engagements.
        record_counts = settings.crm_record_counts()
        for type_name in CRM_RECORD_TYPES:
            account.hubspot.objects[type_name] = OBJECT_KINDS[type_name].generate(
                settings, account, record_counts[type_name])
        counts = split_counts(settings.engagements_per_account, settings.engagement_mix)
        for type_name, count in counts.items():
            kind = OBJECT_KINDS[type_name]
            account.hubspot.objects[type_name] = kind.generate(settings, account, count)
        number_engagements(settings.seed, account)
        build_associations(settings, account)
        account.fathom = build_workspace(settings, account)
        account.aircall = build_aircall(settings, account)
    return SandboxStore(seed=settings.seed, anchor_ms=settings.anchor_ms, accounts=accounts,
                        anchor_pinned=settings.anchor_pinned)


def number_engagements(seed: int, account: Account) -> None:
    """One id sequence for every engagement of the portal, ascending with creation time across
    the types (ties: type order, then row). Each table stays sorted by id, because its rows are
    already in creation order."""
    tables = [account.hubspot.objects[name] for name in ENGAGEMENT_TYPES if name in account.hubspot.objects]
    if not tables:
        return
    created = np.concatenate([table.created_ms for table in tables])
    kind = np.concatenate([np.full(len(table), index) for index, table in enumerate(tables)])
    row = np.concatenate([np.arange(len(table)) for table in tables])
    order = np.lexsort((row, kind, created))
    rng = numpy_rng(seed, account.key, "engagement-ids")
    base = 10_000_000_000 + derive_int(seed, account.key, "engagement-id-base") % 80_000_000_000
    ids = np.empty(len(order), dtype=np.int64)
    ids[order] = base + np.cumsum(rng.integers(1, ENGAGEMENT_ID_STEP + 1, len(order), dtype=np.int64))
    start = 0
    for table in tables:
        table.ids = ids[start:start + len(table)]
        start += len(table)


def split_counts(total: int, mix: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split, so the per-type counts add up to exactly `total`."""
    exact = {name: total * share for name, share in mix.items()}
    counts = {name: int(value) for name, value in exact.items()}
    leftover = total - sum(counts.values())
    for name in sorted(exact, key=lambda n: (counts[n] - exact[n], n))[:leftover]:
        counts[name] += 1
    return counts


def _unique_hub_ids(seed: int, count: int) -> list[int]:
    """8-digit hub ids like real portals, distinct within one sandbox."""
    hub_ids: list[int] = []
    for index in range(count):
        candidate = 20_000_000 + derive_int(seed, f"account-{index + 1}", "hub-id") % 70_000_000
        while candidate in hub_ids:
            candidate += 1
        hub_ids.append(candidate)
    return hub_ids


def _build_account(settings: SandboxSettings, index: int, hub_id: int) -> Account:
    seed = settings.seed
    key = f"account-{index + 1}"
    rnd = record_rng(seed, key, "account")
    name = COMPANY_NAMES[(derive_int(seed, "company-offset") + index) % len(COMPANY_NAMES)]
    domain = f"{ascii_slug(name, '')}.example.com"
    reps = _build_reps(rnd, domain, settings.owners_per_account)

    # Owner ids are 9 digits; consecutive offsets from a per-portal base keep them distinct.
    owner_base = 100_000_000 + derive_int(seed, key, "owner-base") % 800_000_000
    owners = [
        HubSpotOwner(
            id=str(owner_base + 7 * n),
            user_id=1_000_000 + derive_int(seed, key, "user", n) % 9_000_000,
            rep=rep,
            created_ms=settings.anchor_ms - rnd.randint(400, 1500) * DAY_MS,
            updated_ms=settings.anchor_ms - rnd.randint(1, 300) * DAY_MS,
            # One rep of a bigger team has left: a deactivated owner who still owns old records.
            archived=len(reps) >= 4 and n == len(reps) - 1,
        )
        for n, rep in enumerate(reps)
    ]
    custom_outcome = str(derive_uuid(seed, key, "custom-call-disposition"))
    portal = HubSpotPortal(
        hub_id=hub_id,
        private_app_token=f"pat-na1-{derive_uuid(seed, key, 'hubspot-private-app-token')}",
        app_id=1_000_000 + derive_int(seed, key, "app-id") % 9_000_000,
        owners=owners,
        call_dispositions={**dict(DEFAULT_CALL_DISPOSITIONS), custom_outcome: "Meeting booked"},
        oauth_app=build_oauth_app(seed, key, "hubspot", f"revsync sandbox ({name})",
                                  settings.oauth_redirect_uris, settings.hubspot_oauth_required_scopes),
    )
    return Account(key=key, name=name, domain=domain, reps=reps, hubspot=portal)


def _build_reps(rnd, domain: str, count: int) -> list[Rep]:
    reps: list[Rep] = []
    used: set[str] = set()
    while len(reps) < count:
        first, last = rnd.choice(REP_FIRST_NAMES), rnd.choice(REP_LAST_NAMES)
        local = ascii_slug(f"{first} {last}")
        if local in used:  # unique emails; add a digit once the name pairs run out
            local = f"{local}{len(reps)}"
        used.add(local)
        phone = f"+1{rnd.choice(('415', '646', '512'))}{rnd.randint(200, 999)}{rnd.randint(1000, 9999)}"
        reps.append(Rep(first_name=first, last_name=last, email=f"{local}@{domain}", phone=phone))
    return reps
