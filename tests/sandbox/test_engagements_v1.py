"""Legacy v1 engagements API against the shared sandbox: paging to the end matches ground truth
for every engagement kind, in the v1 shape (epoch-ms integers, type-specific metadata)."""

from __future__ import annotations

import hashlib

import pytest

from provider_sandbox.hubspot.objects import OBJECT_KINDS
from provider_sandbox.timefmt import parse_iso_to_ms

PAGED = "/engagements/v1/engagements/paged"
MODIFIED = "/engagements/v1/engagements/modified/after"
ENGAGEMENT_KEYS = {"id", "portalId", "active", "createdAt", "lastUpdated", "type", "timestamp"}
ASSOCIATION_KEYS = {"contactIds", "companyIds", "dealIds", "ownerIds", "ticketIds"}
V3_NAME = {kind.v1_type: name for name, kind in OBJECT_KINDS.items() if kind.v1_type}


@pytest.fixture(scope="module")
def client(sandbox):
    with sandbox.client(headers={"Authorization": f"Bearer {sandbox.token(0)}"}) as http:
        yield http


@pytest.fixture(scope="module")
def paged_all(client) -> list[dict]:
    results: list[dict] = []
    params: dict = {"limit": 250}
    while True:
        response = client.get(PAGED, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"results", "hasMore", "offset"}
        assert len(page["results"]) <= 250
        results.extend(page["results"])
        if not page["hasMore"]:
            return results
        params["offset"] = page["offset"]


def modified_all(client, since: int | str = 0, parameter: str = "since") -> list[dict]:
    results: list[dict] = []
    params: dict = {parameter: str(since), "limit": 1000}
    while True:
        response = client.get(MODIFIED, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"results", "hasMore", "after"}
        results.extend(page["results"])
        if not page["hasMore"]:
            return results
        params[parameter] = page["after"]


def assert_matches_truth(results: list[dict], sandbox) -> None:
    """Per engagement kind: the same count and checksum as /_sandbox/truth."""
    objects = sandbox.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]
    by_type: dict[str, list[tuple[int, int]]] = {}
    for result in results:
        engagement = result["engagement"]
        by_type.setdefault(V3_NAME[engagement["type"]], []).append((engagement["id"], engagement["lastUpdated"]))
    expected_types = {name for name in objects if name in V3_NAME.values() and objects[name]["count"]}
    assert set(by_type) == expected_types
    for name, pairs in by_type.items():
        text = "".join(f"{i}:{m}\n" for i, m in sorted(pairs))
        assert len(pairs) == objects[name]["count"], name
        assert hashlib.sha256(text.encode()).hexdigest() == objects[name]["checksum"], name


def test_paged_reads_every_engagement_once_in_id_order(paged_all, sandbox):
    ids = [r["engagement"]["id"] for r in paged_all]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert_matches_truth(paged_all, sandbox)


def test_modified_after_reads_everything_in_modification_order(client, paged_all, sandbox):
    results = modified_all(client)
    keys = [(r["engagement"]["lastUpdated"], r["engagement"]["id"]) for r in results]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    assert_matches_truth(results, sandbox)
    # Estuary's connector sends the same values as `after`.
    assert [r["engagement"]["id"] for r in modified_all(client, parameter="after")] == [k[1] for k in keys]


def test_modified_after_since_returns_only_later_changes(client, paged_all):
    stamps = sorted(r["engagement"]["lastUpdated"] for r in paged_all)
    since = stamps[len(stamps) * 3 // 4]
    expected = {r["engagement"]["id"] for r in paged_all if r["engagement"]["lastUpdated"] > since}
    results = modified_all(client, since)
    assert {r["engagement"]["id"] for r in results} == expected and expected


def test_end_of_changes_hands_back_a_cursor_to_poll_from(client):
    everything = modified_all(client)
    last = everything[-1]["engagement"]["lastUpdated"]
    page = client.get(MODIFIED, params={"since": str(last)}).json()
    assert page == {"results": [], "hasMore": False, "after": str(last)}


def test_v1_shape_with_epoch_ms_integers(paged_all, sandbox):
    hub_id = sandbox.accounts[0]["hubspot"]["hub_id"]
    owners = {int(o["id"]): o["userId"] for o in sandbox.accounts[0]["hubspot"]["owners"]}
    without_owner = 0
    for result in paged_all:
        assert set(result) == {"engagement", "associations", "attachments", "metadata"}
        engagement = result["engagement"]
        assert ENGAGEMENT_KEYS <= set(engagement) <= ENGAGEMENT_KEYS | {"ownerId", "createdBy", "modifiedBy"}
        assert engagement["portalId"] == hub_id and engagement["active"] is True
        for key in ("id", "createdAt", "lastUpdated", "timestamp"):
            assert isinstance(engagement[key], int) and not isinstance(engagement[key], bool)
        assert engagement["createdAt"] <= engagement["lastUpdated"]
        if "ownerId" in engagement:
            assert engagement["createdBy"] == owners[engagement["ownerId"]]
        else:
            without_owner += 1
        assert set(result["associations"]) == ASSOCIATION_KEYS
        assert all(isinstance(ids, list) for ids in result["associations"].values())
        assert result["attachments"] == []
    assert 0 < without_owner < len(paged_all) / 4  # some engagements have no owner


def test_call_metadata_matches_the_v3_call(client, paged_all):
    calls = {r["engagement"]["id"]: r for r in paged_all if r["engagement"]["type"] == "CALL"}
    properties = "hs_call_duration,hs_call_disposition,hs_call_status,hs_call_title,hs_call_body,hs_timestamp," \
                 "hs_call_to_number,hs_call_from_number,hs_call_recording_url,hubspot_owner_id"
    page = client.get("/crm/v3/objects/calls", params={"limit": 100, "properties": properties}).json()
    assert page["results"]
    for v3 in page["results"]:
        v1 = calls[int(v3["id"])]
        props, metadata = v3["properties"], v1["metadata"]
        assert metadata["durationMilliseconds"] == int(props["hs_call_duration"])
        assert metadata["status"] == props["hs_call_status"]
        assert metadata.get("disposition") == props["hs_call_disposition"]
        assert metadata["title"] == props["hs_call_title"]
        assert metadata.get("body") == props["hs_call_body"]
        assert metadata["toNumber"] == props["hs_call_to_number"]
        assert metadata["fromNumber"] == props["hs_call_from_number"]
        assert metadata.get("recordingUrl") == props["hs_call_recording_url"]
        assert v1["engagement"]["timestamp"] == parse_iso_to_ms(props["hs_timestamp"])
        assert v1["engagement"]["lastUpdated"] == parse_iso_to_ms(v3["updatedAt"])
        owner = props["hubspot_owner_id"]
        assert v1["engagement"].get("ownerId") == (int(owner) if owner else None)


def test_default_limits_and_headers(client):
    paged = client.get(PAGED)
    modified = client.get(MODIFIED, params={"since": "0"})
    assert len(paged.json()["results"]) == 100 and len(modified.json()["results"]) == 100
    for response in (paged, modified):
        assert "X-HubSpot-RateLimit-Max" in response.headers  # the burst window applies


@pytest.mark.parametrize("path, params", [
    (PAGED, {"limit": "251"}), (PAGED, {"limit": "0"}), (PAGED, {"offset": "abc"}),
    (MODIFIED, {"limit": "1001"}), (MODIFIED, {"since": "yesterday"}), (MODIFIED, {"after": "djE6eDp5"}),
])
def test_invalid_parameters_are_validation_errors(client, path, params):
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_maximum_limits_are_accepted(client):
    assert len(client.get(PAGED, params={"limit": "250"}).json()["results"]) == 250
    assert len(client.get(MODIFIED, params={"limit": "1000"}).json()["results"]) == 1000


def test_auth_and_stats(sandbox, client):
    with sandbox.client() as anonymous:
        assert anonymous.get(PAGED).status_code == 401
        assert anonymous.get(MODIFIED).status_code == 401
    client.get(PAGED, params={"limit": 1})
    endpoints = sandbox.admin("stats")["requests_by_endpoint"]
    assert endpoints[f"GET {PAGED}"]["200"] >= 1 and endpoints[f"GET {PAGED}"]["401"] >= 1
    assert endpoints[f"GET {MODIFIED}"]["200"] >= 1


def test_every_engagement_kind_agrees_with_its_v3_record(client, paged_all):
    by_id = {r["engagement"]["id"]: r for r in paged_all}
    for v1_type, name in V3_NAME.items():
        page = client.get(f"/crm/v3/objects/{name}",
                          params={"limit": 100, "properties": "hs_timestamp,hubspot_owner_id"}).json()
        for v3 in page["results"]:
            engagement = by_id[int(v3["id"])]["engagement"]
            props = v3["properties"]
            assert engagement["type"] == v1_type
            assert engagement["createdAt"] == parse_iso_to_ms(v3["createdAt"])
            assert engagement["lastUpdated"] == parse_iso_to_ms(v3["updatedAt"])
            if props.get("hs_timestamp"):
                assert engagement["timestamp"] == parse_iso_to_ms(props["hs_timestamp"])
            owner = props.get("hubspot_owner_id")
            assert engagement.get("ownerId") == (int(owner) if owner else None)


def test_inline_associations_match_the_v3_associations(client, paged_all):
    by_id = {r["engagement"]["id"]: r for r in paged_all}
    keys = {"contacts": "contactIds", "companies": "companyIds", "deals": "dealIds"}
    linked = 0
    for name in V3_NAME.values():
        page = client.get(f"/crm/v3/objects/{name}", params={"limit": 100, "associations": ",".join(keys)}).json()
        for v3 in page["results"]:
            v1 = by_id[int(v3["id"])]["associations"]
            for to_type, key in keys.items():
                entries = v3.get("associations", {}).get(to_type, {}).get("results", [])
                expected = sorted({int(entry["id"]) for entry in entries})
                assert v1[key] == expected, (name, v3["id"], to_type)
                linked += len(expected)
    if any(name in ("contacts", "companies", "deals") for name in OBJECT_KINDS):
        assert linked > 0  # CRM records exist, so some engagements are associated
