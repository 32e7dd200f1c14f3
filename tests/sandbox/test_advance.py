"""`POST /_sandbox/advance`: time moves, records are created, modified, archived, re-associated
and purged; ground truth follows; results are reproducible; and a client paging through a list
while it happens still gets every record that existed throughout."""

from __future__ import annotations

import hashlib
from datetime import datetime

import httpx
import pytest

FLAGS = ("--accounts", "2", "--engagements", "1000", "--aircall-calls", "300", "--seed", "11",
         "--anchor", "2026-11-01T00:00:00Z",
         "--hubspot-rate-limit", "100000", "--aircall-rate-limit", "100000", "--search-index-delay-ms", "0")


@pytest.fixture
def moving(start_sandbox):
    """A fresh sandbox per test: advances change its data for good."""
    return start_sandbox(*FLAGS)


ENGAGEMENTS = ("calls", "emails", "meetings", "notes", "tasks")


def advance(sandbox, **body) -> dict:
    response = httpx.post(f"{sandbox.url}/_sandbox/advance", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def hubspot_checksum(records: list[dict]) -> str:
    lines = sorted((int(r["id"]), epoch_ms(r["updatedAt"])) for r in records)
    return hashlib.sha256("".join(f"{i}:{m}\n" for i, m in lines).encode()).hexdigest()


def aircall_calls(client: httpx.Client, sandbox, index: int = 0) -> list[dict]:
    credentials = sandbox.accounts[index]["aircall"]
    calls: list[dict] = []
    url, params = "/v1/calls", {"per_page": 50}
    while url:
        page = client.get(url, params=params, auth=(credentials["api_id"], credentials["api_token"])).json()
        calls.extend(page["calls"])
        url, params = page["meta"]["next_page_link"], None
    return calls


def test_advance_changes_records_and_truth(moving, read_all):
    before = moving.admin("truth")["accounts"]
    with moving.client() as client:
        old_calls = {c["id"]: c for c in read_all(client, moving.token(), properties="hs_call_title,hs_call_body")}
    summary = advance(moving, fraction=0.05, seconds=3600, account="account-1")
    after = moving.admin("truth")["accounts"]

    assert list(summary["changes"]) == ["account-1"]
    assert summary["to_ms"] - summary["from_ms"] == 3_600_000
    for name, change in summary["changes"]["account-1"]["hubspot"].items():
        old, new = before["account-1"]["hubspot"]["objects"][name], after["account-1"]["hubspot"]["objects"][name]
        if old["count"] == 0:  # a standard type the portal has no records of stays empty
            assert change == {"created": 0, "modified": 0, "archived": 0, "reassociated": 0, "purged": 0}
            continue
        assert change["created"] == change["modified"] == change["archived"] > 0
        assert change["purged"] == 0  # only when asked for
        assert new["count"] == old["count"] + change["created"] - change["archived"]
        assert new["archived_count"] == old["archived_count"] + change["archived"]
        assert new["checksum"] != old["checksum"] and new["archived_checksum"] != old["archived_checksum"]
    air_change = summary["changes"]["account-1"]["aircall"]["calls"]
    old_air, new_air = before["account-1"]["aircall"]["calls"], after["account-1"]["aircall"]["calls"]
    assert air_change["created"] == 15 and air_change["archived"] > 0
    assert new_air["count"] == old_air["count"] + 15  # archived calls stay listed at Aircall
    assert new_air["checksum"] != old_air["checksum"]
    assert summary["changes"]["account-1"]["fathom"]["meetings"]["created"] > 0
    assert after["account-2"] == before["account-2"]  # only the requested account moved

    with moving.client() as client:
        live = read_all(client, moving.token(), properties="hs_call_title,hs_call_body")
        archived = read_all(client, moving.token(), archived="true")
        air = aircall_calls(client, moving)
    truth = after["account-1"]["hubspot"]["objects"]["calls"]
    assert hubspot_checksum(live) == truth["checksum"] and hubspot_checksum(archived) == truth["archived_checksum"]
    window = (summary["from_ms"], summary["to_ms"])
    created = [c for c in live if c["id"] not in old_calls]
    assert len(created) == summary["changes"]["account-1"]["hubspot"]["calls"]["created"]
    assert all(window[0] < epoch_ms(c["createdAt"]) <= window[1] for c in created)
    assert all(int(c["id"]) > max(int(i) for i in old_calls) for c in created)
    edited = [c for c in live if c["id"] in old_calls and c["updatedAt"] != old_calls[c["id"]]["updatedAt"]]
    calls_change = summary["changes"]["account-1"]["hubspot"]["calls"]
    assert len(edited) == calls_change["modified"]  # re-association leaves updatedAt alone
    assert all(window[0] < epoch_ms(c["updatedAt"]) <= window[1] for c in edited)
    # A new revision renders new text.
    assert any(c["properties"] != old_calls[c["id"]]["properties"] | {"hs_lastmodifieddate": c["updatedAt"]}
               for c in edited)
    assert len(air) == new_air["count"]
    digest = hashlib.sha256("".join(f"{c['id']}:{c['started_at']}\n" for c in air).encode()).hexdigest()
    assert digest == new_air["checksum"]
    assert all(window[0] // 1000 < c["started_at"] <= window[1] // 1000 for c in air[-15:])


def test_clock_moves_and_repeated_advances_keep_going_forward(moving):
    first = advance(moving, fraction=0.02, seconds=600)
    second = advance(moving, fraction=0.02, seconds=600)
    assert second["advance"] == first["advance"] + 1
    assert second["from_ms"] == first["to_ms"]
    assert second["from"] > first["from"]


def test_same_seed_same_changes(start_sandbox):
    truths = []
    for _ in range(2):
        sandbox = start_sandbox(*FLAGS)
        summary = advance(sandbox, fraction=0.1, seconds=7200)
        truths.append((summary["changes"], sandbox.admin("truth")))
        sandbox.stop()
    assert truths[0] == truths[1]


def test_hubspot_client_paging_during_an_advance_gets_every_surviving_record(moving, read_all):
    with moving.client() as client:
        before_live = {c["id"] for c in read_all(client, moving.token())}
        headers = {"Authorization": f"Bearer {moving.token()}"}
        seen: list[str] = []
        query: dict = {"limit": 50}
        for page_number in range(100):
            page = client.get("/crm/v3/objects/calls", params=query, headers=headers).json()
            seen.extend(r["id"] for r in page["results"])
            if page_number == 1:  # mid-pagination: a big batch of changes lands
                advance(moving, fraction=0.2, seconds=3600, account="account-1")
            if "paging" not in page:
                break
            query["after"] = page["paging"]["next"]["after"]
        after_live = {c["id"] for c in read_all(client, moving.token())}
    survivors = before_live & after_live
    assert survivors <= set(seen)
    assert len(seen) == len(set(seen))
    assert set(seen) - before_live  # records created during the read show up at the end too


def test_aircall_client_paging_during_an_advance_gets_every_call(moving):
    credentials = moving.accounts[0]["aircall"]
    auth = (credentials["api_id"], credentials["api_token"])
    with moving.client() as client:
        before = {c["id"] for c in aircall_calls(client, moving)}
        seen: list[int] = []
        url, params = "/v1/calls", {"per_page": 50}
        pages = 0
        while url:
            page = client.get(url, params=params, auth=auth).json()
            seen.extend(c["id"] for c in page["calls"])
            url, params = page["meta"]["next_page_link"], None
            pages += 1
            if pages == 2:
                advance(moving, fraction=0.2, seconds=3600)
    assert before <= set(seen) and len(seen) == len(set(seen))
    assert len(seen) == len(before) + 60  # the 60 new calls come after the old ones


def linked_calls(sandbox, client, read_all) -> dict[str, tuple]:
    calls = read_all(client, sandbox.token(), associations="contacts,companies,deals")
    return {c["id"]: (c["updatedAt"], sorted(
        (kind, tuple(sorted(link["id"] for link in links["results"])))
        for kind, links in c.get("associations", {}).items())) for c in calls}


def reassociate_only(sandbox) -> dict:
    summary = advance(sandbox, fraction=0.05, seconds=60, account="account-1", create=0, modify=0, archive=0)
    change = summary["changes"]["account-1"]["hubspot"]["calls"]
    assert change == {"created": 0, "modified": 0, "archived": 0, "reassociated": change["reassociated"],
                      "purged": 0}
    assert change["reassociated"] > 0
    return change


def test_reassociation_moves_links_and_leaves_updated_at_alone_by_default(moving, read_all):
    with moving.client() as client:
        before = linked_calls(moving, client, read_all)
        truth_before = moving.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]["calls"]
        change = reassociate_only(moving)
        after = linked_calls(moving, client, read_all)
    truth_after = moving.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]["calls"]
    assert set(after) == set(before)
    moved = [i for i in before if after[i][1] != before[i][1]]
    # As at HubSpot: the links changed, hs_lastmodifieddate did not (an incremental reader by
    # modification date does not see it; association truth does).
    assert len(moved) >= change["reassociated"] // 2
    assert all(after[i][0] == before[i][0] for i in before)
    assert truth_after["checksum"] == truth_before["checksum"]
    assert truth_after["associations"] != truth_before["associations"]


def test_reassociation_bumps_updated_at_when_asked_to(start_sandbox, read_all):
    bumping = start_sandbox(*FLAGS, "--reassociate-bumps-modified")
    with bumping.client() as client:
        before = linked_calls(bumping, client, read_all)
        change = reassociate_only(bumping)
        after = linked_calls(bumping, client, read_all)
    moved = [i for i in before if after[i][1] != before[i][1]]
    touched = [i for i in before if after[i][0] != before[i][0]]
    # Every re-associated call got a later updatedAt; (almost) all of them point elsewhere now.
    assert len(touched) == change["reassociated"]
    assert set(moved) <= set(touched) and len(moved) >= change["reassociated"] // 2


def contact_links(record: dict) -> list[dict]:
    return record.get("associations", {}).get("contacts", {}).get("results", [])


def test_purge_deletes_records_outright(moving, read_all):
    names = ("calls", "contacts", "deals", "companies")
    before = moving.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]
    with moving.client() as client:
        live_before = {n: {r["id"] for r in read_all(client, moving.token(), n)} for n in names}
        contacts_of_calls = {c["id"]: {a["id"] for a in contact_links(c)}
                             for c in read_all(client, moving.token(), associations="contacts")}
        summary = advance(moving, purge=0.1, fraction=0, seconds=60, account="account-1")
        changes = summary["changes"]["account-1"]["hubspot"]
        after = moving.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]
        headers = {"Authorization": f"Bearer {moving.token()}"}
        for name in names:
            change, old, new = changes[name], before[name], after[name]
            if name == "companies":  # contacts and deals take their names from their company
                assert change["purged"] == 0 and new["checksum"] == old["checksum"]
                continue
            assert change["purged"] == round(0.1 * old["count"]) > 0
            assert new["count"] == old["count"] - change["purged"]
            # Never seen as archived: the archived set and its checksum are untouched.
            assert new["archived_count"] == old["archived_count"]
            assert new["archived_checksum"] == old["archived_checksum"]
            live = read_all(client, moving.token(), name)
            archived = read_all(client, moving.token(), name, archived="true")
            gone = live_before[name] - {r["id"] for r in live}
            assert len(gone) == change["purged"] and not gone & {r["id"] for r in archived}
            assert hubspot_checksum(live) == new["checksum"]
            # Batch read: not found, archived or not.
            ids = sorted(gone)[:50]
            for flag in ("false", "true"):
                answer = client.post(f"/crm/v3/objects/{name}/batch/read", params={"archived": flag},
                                     json={"inputs": [{"id": i} for i in ids], "properties": []}, headers=headers)
                assert answer.status_code == 207 and answer.json()["results"] == []
                assert sorted(answer.json()["errors"][0]["context"]["ids"]) == ids
            # Search does not find them.
            found = client.post(f"/crm/v3/objects/{name}/search", headers=headers, json={
                "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "IN", "values": ids}]}]})
            assert found.json()["total"] == 0
        # Associations: purged contacts vanished from the calls that named them; truth agrees.
        purged_contacts = live_before["contacts"] - {r["id"] for r in read_all(client, moving.token(), "contacts")}
        calls = read_all(client, moving.token(), associations="contacts")
        pairs = {(c["id"], a["id"]) for c in calls for a in contact_links(c)}
    assert not {contact for _, contact in pairs} & purged_contacts
    assert any(linked & purged_contacts for linked in contacts_of_calls.values())
    assert after["calls"]["associations"]["contacts"]["count"] == len(pairs)
    assert after["contacts"]["associations"]["calls"]["count"] == len(pairs)
    assert hashlib.sha256("".join(f"{a}:{b}\n" for a, b in sorted(pairs, key=lambda p: (int(p[0]), int(p[1]))))
                          .encode()).hexdigest() == after["calls"]["associations"]["contacts"]["checksum"]


def test_new_engagements_continue_one_id_sequence_across_types(moving, read_all):
    with moving.client() as client:
        old = {n: {r["id"] for r in read_all(client, moving.token(), n)} for n in ENGAGEMENTS}
        summary = advance(moving, fraction=0.05, seconds=3600, account="account-1", purge=0.02)
        new = {n: [r for r in read_all(client, moving.token(), n) if r["id"] not in old[n]] for n in ENGAGEMENTS}
    old_max = max(int(i) for ids in old.values() for i in ids)
    created = sorted((epoch_ms(r["createdAt"]), int(r["id"])) for rows in new.values() for r in rows)
    assert len(created) == sum(summary["changes"]["account-1"]["hubspot"][n]["created"] for n in ENGAGEMENTS)
    ids = [i for _, i in created]
    assert min(ids) > old_max and len(set(ids)) == len(ids)
    assert ids == sorted(ids)  # numbered in creation order across the types


@pytest.mark.parametrize("body", [
    {"fraction": 2}, {"seconds": 0}, {"account": "account-9"}, {"providers": ["salesforce"]},
    {"modify": 0.6, "archive": 0.6}, {"colour": "blue"}, {"purge": 1.5}, {"fraction": 0.3, "purge": 0.2},
])
def test_invalid_requests_get_400(sandbox, body):
    response = httpx.post(f"{sandbox.url}/_sandbox/advance", json=body)
    assert response.status_code == 400 and response.json()["error"]
