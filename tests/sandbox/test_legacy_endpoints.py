"""Endpoints widely used clients still call: v1 `recent/modified`, one CRM record by id, the
legacy deal and company lists and their property lists. Real sandbox processes; answers are
checked against the v3 lists and `/_sandbox/truth`."""

from __future__ import annotations

import pytest

from provider_sandbox.timefmt import parse_iso_to_ms

ANCHOR = "2026-11-01T00:00:00Z"
RECENT = "/engagements/v1/engagements/recent/modified"
MODIFIED = "/engagements/v1/engagements/modified/after"
DAY_MS = 86_400_000
FLAGS = ("--accounts", "1", "--engagements", "1500", "--seed", "7", "--anchor", ANCHOR,
         "--hubspot-rate-limit", "100000", "--search-index-delay-ms", "0")


@pytest.fixture(scope="module")
def legacy(start_sandbox):
    return start_sandbox(*FLAGS)


@pytest.fixture(scope="module")
def client(legacy):
    with legacy.client(headers={"Authorization": f"Bearer {legacy.token(0)}"}) as http:
        yield http


def read_recent(client, **params) -> tuple[list[dict], int]:
    results: list[dict] = []
    query = {"count": 100, **params}
    total = None
    while True:
        response = client.get(RECENT, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"results", "hasMore", "offset", "total"}
        assert len(page["results"]) <= 100
        total = page["total"] if total is None else total
        results.extend(page["results"])
        if not page["hasMore"]:
            return results, total
        query["offset"] = page["offset"]


def read_modified_after(client, since: int) -> list[dict]:
    results: list[dict] = []
    params: dict = {"since": str(since), "limit": 1000}
    while True:
        page = client.get(MODIFIED, params=params).json()
        results.extend(page["results"])
        if not page["hasMore"]:
            return results
        params["since"] = page["after"]


def test_recent_modified_is_the_last_30_days_newest_first(client):
    window_start = parse_iso_to_ms(ANCHOR) - 30 * DAY_MS
    recent, total = read_recent(client)
    keys = [(r["engagement"]["lastUpdated"], r["engagement"]["id"]) for r in recent]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)
    assert total == len(recent) > 0
    assert all(updated > window_start for updated, _ in keys)
    # Everything modified/after finds well inside the window (the clock runs on while testing).
    expected = {r["engagement"]["id"] for r in read_modified_after(client, window_start + 60_000)}
    older = read_modified_after(client, window_start - 30 * DAY_MS)
    assert len(older) > len(recent)  # the window really cuts
    assert expected <= {r["engagement"]["id"] for r in recent}
    assert recent[0]["engagement"]["type"] in {"CALL", "EMAIL", "MEETING", "NOTE", "TASK"}


def test_recent_modified_since_and_count(client):
    recent, _ = read_recent(client)
    cut = recent[len(recent) // 2]["engagement"]["lastUpdated"]
    newer, total = read_recent(client, since=str(cut))
    assert newer and total == len(newer) and all(r["engagement"]["lastUpdated"] > cut for r in newer)
    assert client.get(RECENT).json()["results"].__len__() == min(20, len(recent))  # default count
    over = client.get(RECENT, params={"count": 101})
    assert over.status_code == 400 and over.json()["category"] == "VALIDATION_ERROR"


def test_recent_modified_stops_at_10000(start_sandbox):
    sandbox = start_sandbox("--accounts", "1", "--engagements", "12000", "--history-days", "20", "--anchor", ANCHOR,
                            "--hubspot-rate-limit", "100000", "--search-index-delay-ms", "0")
    with sandbox.client(headers={"Authorization": f"Bearer {sandbox.token(0)}"}) as http:
        near_end = http.get(RECENT, params={"count": 100, "offset": 9950}).json()
        past_end = http.get(RECENT, params={"count": 100, "offset": 10000}).json()
    assert near_end["total"] > 10_000  # every live engagement is in the window
    assert len(near_end["results"]) == 50 and near_end["hasMore"] is False and near_end["offset"] == 10_000
    assert past_end["results"] == [] and past_end["hasMore"] is False


def test_one_record_by_id(client, legacy):
    listed = client.get("/crm/v3/objects/contacts", params={"limit": 5, "properties": "email,firstname",
                                                             "associations": "companies"}).json()["results"]
    record = listed[0]
    one = client.get(f"/crm/v3/objects/contacts/{record['id']}",
                     params={"properties": "email,firstname", "associations": "companies"})
    assert one.status_code == 200, one.text
    assert one.json() == record
    by_email = client.get(f"/crm/v3/objects/0-1/{record['properties']['email'].upper()}",
                          params={"idProperty": "email", "properties": "email,firstname"}).json()
    assert by_email["id"] == record["id"]

    missing = client.get("/crm/v3/objects/contacts/1")
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
    assert client.get("/crm/v3/objects/contacts/x", params={"idProperty": "firstname"}).status_code == 400

    archived = client.get("/crm/v3/objects/calls", params={"archived": "true", "limit": 1}).json()["results"][0]
    assert client.get(f"/crm/v3/objects/calls/{archived['id']}").status_code == 404
    again = client.get(f"/crm/v3/objects/calls/{archived['id']}", params={"archived": "true"}).json()
    assert again["archived"] is True and again["id"] == archived["id"]


@pytest.mark.parametrize("path, key, more_key, id_key, kind", [
    ("/deals/v1/deal/paged", "deals", "hasMore", "dealId", "deals"),
    ("/companies/v2/companies/paged", "companies", "has-more", "companyId", "companies"),
])
def test_legacy_lists_match_truth(client, legacy, path, key, more_key, id_key, kind):
    records: list[dict] = []
    params: dict = {"limit": 250, "properties": ["hs_lastmodifieddate", "createdate"]}
    while True:
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {key, more_key, "offset"} and len(page[key]) <= 250
        records.extend(page[key])
        if not page[more_key]:
            break
        params["offset"] = page["offset"]
    truth = legacy.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"][kind]
    ids = [r[id_key] for r in records]
    assert ids == sorted(ids) and len(ids) == truth["count"]
    v3 = {r["id"]: r for r in client.get(f"/crm/v3/objects/{kind}", params={"limit": 100}).json()["results"]}
    for record in records:
        assert record["isDeleted"] is False and set(record["properties"]) <= {"hs_lastmodifieddate", "createdate"}
        modified = record["properties"]["hs_lastmodifieddate"]
        assert modified["value"] == str(modified["timestamp"]) and modified["versions"][0]["value"] == modified["value"]
        if str(record[id_key]) in v3:
            assert modified["timestamp"] == parse_iso_to_ms(v3[str(record[id_key])]["updatedAt"])


def test_deal_associations_and_property_lists(client):
    page = client.get("/deals/v1/deal/paged", params={"limit": 20, "includeAssociations": "true",
                                                      "properties": "dealname,closedate"}).json()
    plain = client.get("/deals/v1/deal/paged", params={"limit": 20}).json()
    assert all("associations" not in d and d["properties"] == {} for d in plain["deals"])
    linked = 0
    for deal in page["deals"]:
        v3 = client.get(f"/crm/v3/objects/deals/{deal['dealId']}", params={"associations": "contacts,companies",
                                                                          "properties": "closedate"}).json()
        contacts = sorted({int(a["id"]) for a in v3.get("associations", {}).get("contacts", {}).get("results", [])})
        assert deal["associations"]["associatedVids"] == contacts
        linked += bool(contacts)
        if v3["properties"].get("closedate"):
            assert deal["properties"]["closedate"]["value"] == str(parse_iso_to_ms(v3["properties"]["closedate"]))
    assert linked > 0

    deal_props = client.get("/properties/v1/deals/properties")
    company_props = client.get("/companies/v2/properties")
    assert deal_props.status_code == company_props.status_code == 200
    assert {"dealname", "amount", "dealstage"} <= {p["name"] for p in deal_props.json()}
    assert {"name", "domain"} <= {p["name"] for p in company_props.json()}
    assert all(isinstance(p["createdAt"], int) for p in company_props.json())
