"""The CRM generators and the association graph in-process: determinism, rendering subsets,
compact storage and relinking."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from provider_sandbox.generator import build_store
from provider_sandbox.hubspot.association_graph import AssociationGraph, Links
from provider_sandbox.hubspot.association_views import associated_ids, association_summary
from provider_sandbox.hubspot.objects import EMPTY_RECORD_TYPES, OBJECT_KINDS
from provider_sandbox.settings import SandboxSettings

SMALL = SandboxSettings(accounts=1, engagements_per_account=800, seed=3)


@pytest.fixture(scope="module")
def store():
    return build_store(SMALL)


def test_same_seed_same_records_and_associations(store):
    again = build_store(SMALL)
    for name, kind in OBJECT_KINDS.items():
        first, second = store.accounts[0], again.accounts[0]
        table = first.hubspot.objects[name]
        for row in range(0, len(table), 7):
            assert kind.property_values(3, first, table, row) == kind.property_values(
                3, second, second.hubspot.objects[name], row)
        assert association_summary(first, name) == association_summary(second, name)
    other = build_store(replace(SMALL, seed=4)).accounts[0]
    assert association_summary(other, "calls") != association_summary(store.accounts[0], "calls")


@pytest.mark.parametrize("name", [n for n in OBJECT_KINDS if n != "calls" and n not in EMPTY_RECORD_TYPES])
def test_rendering_a_subset_gives_the_same_values(store, name):
    account = store.accounts[0]
    kind, table = OBJECT_KINDS[name], account.hubspot.objects[name]
    everything = [kind.property_values(3, account, table, row) for row in range(0, len(table), 5)]
    names = sorted(everything[0])
    for subset in ([names[0]], names[1::3], names[2::4], ["revsync_lead_score", "email"]):
        wanted = frozenset(subset)
        for index, row in enumerate(range(0, len(table), 5)):
            values = kind.property_values(3, account, table, row, wanted)
            assert {k: values[k] for k in wanted if k in values} == {
                k: everything[index][k] for k in wanted if k in everything[index]}


def test_associations_are_symmetric_and_hide_archived_records(store):
    account = store.accounts[0]
    calls, contacts = account.hubspot.objects["calls"], account.hubspot.objects["contacts"]
    forward = {(int(calls.ids[r]), int(t)) for r in range(len(calls))
               for t, _ in associated_ids(account, "calls", r, ["contacts"])["contacts"]}
    backward = {(int(t), int(contacts.ids[r])) for r in range(len(contacts))
                for t, _ in associated_ids(account, "contacts", r, ["calls"])["calls"]}
    live_calls = {int(i) for i in calls.ids[~calls.archived]}
    assert {p for p in forward if p[0] in live_calls} == {p for p in backward if p[0] in live_calls}
    archived_contacts = {int(i) for i in contacts.ids[contacts.archived]}
    assert not {b for _, b in forward} & archived_contacts


def test_links_merge_duplicates_and_keep_primary():
    links = Links.from_pairs(4, np.array([2, 0, 2, 2, 3]), np.array([5, 1, 5, 3, 0]),
                             np.array([False, False, True, False, False]))
    assert links.offsets.tolist() == [0, 1, 1, 3, 4]
    targets, primary = links.of(2)
    assert targets.tolist() == [3, 5] and primary.tolist() == [False, True]
    assert links.of(9)[0].tolist() == []  # rows appended later have no links yet
    back = links.reversed(6)
    assert back.of(5)[0].tolist() == [2] and back.of(5)[1].tolist() == [True]


def test_relink_replaces_rows_in_either_stored_direction():
    graph = AssociationGraph()
    graph.set("contacts", "companies", Links.from_pairs(3, np.array([0, 1, 2]), np.array([0, 0, 1]),
                                                        np.array([True, True, True])))
    version = graph.version
    graph.relink("contacts", "companies", 3, np.array([1]), [np.array([1, 2])])
    assert graph.version > version
    forward = graph.links("contacts", "companies", 3)
    assert forward.of(1)[0].tolist() == [1, 2] and forward.of(1)[1].tolist() == [False, False]
    assert forward.of(0)[1].tolist() == [True]  # untouched rows keep their label
    # From the derived side: the stored orientation stays contacts -> companies.
    graph.relink("companies", "contacts", 3, np.array([0]), [np.array([2])])
    assert graph.stored_pairs() == [("contacts", "companies")]
    assert graph.links("companies", "contacts", 3).of(0)[0].tolist() == [2]
    assert graph.links("contacts", "companies", 3).of(0)[0].tolist() == []


def test_storage_stays_compact():
    account = build_store(replace(SMALL, engagements_per_account=50_000)).accounts[0]
    portal = account.hubspot
    for name, table in portal.objects.items():
        if name in EMPTY_RECORD_TYPES:  # standard types without records
            continue
        per_row = sum(a.nbytes for a in (table.ids, table.created_ms, table.modified_ms, table.archived,
                                         table.archived_ms, table.revision, *table.columns.values())) / len(table)
        assert per_row < 80, name
    links = sum(len(portal.associations.links(a, b, len(portal.objects[a])).targets)
                for a, b in portal.associations.stored_pairs())
    assert portal.associations.nbytes < 16 * links + 9 * sum(len(t) for t in portal.objects.values())
