"""The generator in-process: determinism, realistic values, and the columnar table's paging."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from provider_sandbox.generator import build_store, split_counts
from provider_sandbox.hubspot.objects import OBJECT_KINDS, resolve
from provider_sandbox.hubspot.objects.calls import DEFAULT_CALL_DISPOSITIONS
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.truth import GroundTruth

SMALL = SandboxSettings(accounts=2, engagements_per_account=500, seed=7)


def rendered(settings: SandboxSettings) -> list:
    """Everything a client could observe: credentials plus every property of every record."""
    store = build_store(settings)
    kind = OBJECT_KINDS["calls"]
    world = []
    for account in store.accounts:
        portal = account.hubspot
        table = portal.objects["calls"]
        world.append((account.key, account.name, portal.hub_id, portal.private_app_token,
                      [(o.id, o.rep.email) for o in portal.owners], dict(portal.call_dispositions)))
        for row in range(len(table)):
            values = kind.property_values(settings.seed, account, table, row)
            world.append((int(table.ids[row]), bool(table.archived[row]), values))
    return world


def test_same_seed_gives_identical_data():
    assert rendered(SMALL) == rendered(SMALL)


def test_different_seed_gives_different_data():
    first, second = rendered(SMALL), rendered(replace(SMALL, seed=8))
    assert first[0][3] != second[0][3]  # tokens differ
    assert first != second


def test_adding_accounts_does_not_change_existing_ones():
    two = build_store(SMALL)
    three = build_store(replace(SMALL, accounts=3))
    assert GroundTruth(two).snapshot()["accounts"]["account-1"] == GroundTruth(three).snapshot()["accounts"][
        "account-1"
    ]


def test_calls_look_like_hubspot_calls():
    store = build_store(replace(SMALL, accounts=1, engagements_per_account=3000))
    account = store.accounts[0]
    table = account.hubspot.objects["calls"]
    kind = OBJECT_KINDS["calls"]
    rows = [kind.property_values(SMALL.seed, account, table, row) for row in range(len(table))]

    assert account.hubspot.private_app_token.startswith("pat-na1-")
    assert all(value is None or isinstance(value, str) for row in rows for value in row.values())
    assert {row["hs_call_direction"] for row in rows} == {"INBOUND", "OUTBOUND"}
    outcomes = {row["hs_call_disposition"] for row in rows}
    defaults = {guid for guid, _ in DEFAULT_CALL_DISPOSITIONS}
    assert defaults <= outcomes
    assert None in outcomes  # some calls have no outcome
    assert len(outcomes - defaults - {None}) == 1  # the portal's custom outcome
    assert None in {row["hubspot_owner_id"] for row in rows}
    owner_ids = {owner.id for owner in account.hubspot.owners}
    assert {row["hubspot_owner_id"] for row in rows} - {None} <= owner_ids
    durations = [int(row["hs_call_duration"]) for row in rows]
    assert min(durations) == 0 and max(durations) > 600_000  # milliseconds, not seconds
    assert all(row["hs_object_id"] and row["hs_timestamp"].endswith("Z") for row in rows)
    # ids ascend with creation time, as HubSpot's do
    assert np.all(np.diff(table.created_ms) >= 0)
    assert np.all(np.diff(table.ids) > 0)


def test_rep_emails_are_unique_per_account():
    store = build_store(replace(SMALL, owners_per_account=40))
    for account in store.accounts:
        emails = [rep.email for rep in account.reps]
        assert len(set(emails)) == len(emails) == 40


def test_split_counts_adds_up_exactly():
    assert split_counts(10, {"calls": 1.0}) == {"calls": 10}
    counts = split_counts(1001, {"calls": 0.4, "emails": 0.35, "notes": 0.25})
    assert sum(counts.values()) == 1001


def test_object_types_resolve_by_name_alias_and_type_id():
    assert resolve("calls") is resolve("call") is resolve("0-48") is resolve("CALLS")
    assert resolve("unicorns") is None


@pytest.mark.parametrize("archived", [False, True])
def test_table_pages_cover_each_row_once(archived):
    table = build_store(SMALL).accounts[0].hubspot.objects["calls"]
    seen: list[int] = []
    start = 0
    while True:
        rows, next_id = table.page(start, 7, archived)
        seen.extend(rows)
        if next_id is None:
            break
        start = next_id
    assert seen == np.flatnonzero(table.archived == archived).tolist()


def test_rendering_a_subset_of_properties_gives_the_same_values():
    store = build_store(SMALL)
    account = store.accounts[0]
    table = account.hubspot.objects["calls"]
    kind = OBJECT_KINDS["calls"]
    subsets = [frozenset({"hs_object_id"}), frozenset({"hs_call_duration"}), frozenset({"hs_call_body"})]
    for row in range(0, len(table), 17):
        full = kind.property_values(SMALL.seed, account, table, row)
        for subset in subsets:
            partial = kind.property_values(SMALL.seed, account, table, row, subset)
            assert {name: partial[name] for name in subset} == {name: full[name] for name in subset}


ENGAGEMENTS = ("calls", "emails", "meetings", "notes", "tasks")


def test_engagements_share_one_id_sequence_in_creation_order():
    for account in build_store(SMALL).accounts:
        tables = [account.hubspot.objects[name] for name in ENGAGEMENTS]
        ids = np.concatenate([t.ids for t in tables])
        created = np.concatenate([t.created_ms for t in tables])
        kinds = np.concatenate([np.full(len(t), i) for i, t in enumerate(tables)])
        assert len(np.unique(ids)) == len(ids)  # unique across calls, emails, meetings, notes, tasks
        order = np.argsort(ids)
        assert np.all(np.diff(created[order]) >= 0)  # ids grow with creation time across the types
        # In id order the types interleave (v1 `paged` mixes them), not one type block after another.
        assert int((np.diff(kinds[order]) != 0).sum()) > len(ids) // 3


def test_nothing_is_created_or_modified_on_or_after_the_anchor():
    store = build_store(replace(SMALL, accounts=1, engagements_per_account=6000))
    anchor = SMALL.anchor_ms
    future = 0
    for name, table in store.accounts[0].hubspot.objects.items():
        assert np.all(table.created_ms < anchor), name
        assert np.all(table.modified_ms < anchor), name
        assert np.all(table.archived_ms < anchor), name
        assert np.all(table.created_ms <= table.modified_ms), name
        if name in ("meetings", "tasks", "emails"):
            # Scheduled ones (a meeting next week, a task due later) were booked in the past.
            ahead = table.columns["timestamp_ms"] > anchor
            future += int(ahead.sum())
            assert np.all(table.created_ms[ahead] < anchor)
    assert future > 50
