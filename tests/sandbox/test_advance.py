"""`POST /_sandbox/advance`: time moves, records are created, modified, archived (and
re-associated); ground truth follows; results are reproducible; and a client paging through a
list while it happens still gets every record that existed throughout."""

from __future__ import annotations

import hashlib
from datetime import datetime

import httpx
import pytest

FLAGS = ("--accounts", "2", "--engagements", "1000", "--aircall-calls", "300", "--seed", "11",
         "--hubspot-rate-limit", "100000", "--aircall-rate-limit", "100000", "--search-index-delay-ms", "0")


@pytest.fixture
def moving(start_sandbox):
    """A fresh sandbox per test: advances change its data for good."""
    return start_sandbox(*FLAGS)


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
        assert change["created"] == change["modified"] == change["archived"] > 0
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
    assert len(edited) == calls_change["modified"] + calls_change["reassociated"]  # both bump updatedAt
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


def test_reassociation_moves_links_and_bumps_updated_at(moving, read_all):
    def linked(client) -> dict[str, tuple]:
        calls = read_all(client, moving.token(), associations="contacts,companies,deals")
        return {c["id"]: (c["updatedAt"], sorted(
            (kind, tuple(sorted(link["id"] for link in links["results"])))
            for kind, links in c.get("associations", {}).items())) for c in calls}

    with moving.client() as client:
        before = linked(client)
        if not any(links for _, links in before.values()):
            pytest.skip("this build generates no HubSpot associations")
        summary = advance(moving, fraction=0.05, seconds=60, account="account-1", create=0, modify=0, archive=0)
        after = linked(client)
    change = summary["changes"]["account-1"]["hubspot"]["calls"]
    assert change == {"created": 0, "modified": 0, "archived": 0, "reassociated": change["reassociated"]}
    assert change["reassociated"] > 0 and set(after) == set(before)
    moved = [i for i in before if after[i][1] != before[i][1]]
    touched = [i for i in before if after[i][0] != before[i][0]]
    # Every re-associated call got a later updatedAt; (almost) all of them point elsewhere now.
    assert len(touched) == change["reassociated"]
    assert set(moved) <= set(touched) and len(moved) >= change["reassociated"] // 2


@pytest.mark.parametrize("body", [
    {"fraction": 2}, {"seconds": 0}, {"account": "account-9"}, {"providers": ["salesforce"]},
    {"modify": 0.6, "archive": 0.6}, {"colour": "blue"},
])
def test_invalid_requests_get_400(sandbox, body):
    response = httpx.post(f"{sandbox.url}/_sandbox/advance", json=body)
    assert response.status_code == 400 and response.json()["error"]
