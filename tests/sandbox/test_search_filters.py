"""Parameters that change an answer are applied or refused, never dropped: search's top-level
`filters`, unknown search and batch-read fields, and `propertiesWithHistory` on lists, one record
and batch read. Against a real sandbox process."""

from __future__ import annotations

import pytest

SEARCH = "/crm/v3/objects/calls/search"
DIRECTION = {"propertyName": "hs_call_direction", "operator": "EQ", "value": "INBOUND"}
LONG = {"propertyName": "hs_call_duration", "operator": "GT", "value": "60000"}


@pytest.fixture(scope="module")
def sandbox(start_sandbox):
    """Search's own 5-per-second bucket opened wide: these tests search many times."""
    return start_sandbox("--accounts", "1", "--engagements", "1500", "--seed", "7", "--hubspot-rate-limit", "100000",
                         "--search-rate-limit", "100000", "--search-index-delay-ms", "0")


@pytest.fixture(scope="module")
def client(sandbox):
    with sandbox.client(headers={"Authorization": f"Bearer {sandbox.token(0)}"}) as http:
        yield http


@pytest.fixture(scope="module")
def calls(client) -> list[dict]:
    results: list[dict] = []
    params: dict = {"limit": 100, "properties": "hs_call_direction,hs_call_duration"}
    while True:
        page = client.get("/crm/v3/objects/calls", params=params).json()
        results.extend(page["results"])
        if "paging" not in page:
            return results
        params["after"] = page["paging"]["next"]["after"]


def search_ids(client, body: dict) -> tuple[list[str], int]:
    body = {**body, "limit": 200}
    ids: list[str] = []
    while True:
        response = client.post(SEARCH, json=body)
        assert response.status_code == 200, response.text
        page = response.json()
        ids.extend(result["id"] for result in page["results"])
        if "paging" not in page:
            return ids, page["total"]
        body["after"] = page["paging"]["next"]["after"]


def test_top_level_filters_are_one_and_group(client, calls):
    expected = sorted(
        (c["id"] for c in calls
         if c["properties"]["hs_call_direction"] == "INBOUND"
         and c["properties"]["hs_call_duration"] is not None and int(c["properties"]["hs_call_duration"]) > 60000),
        key=int)
    assert 0 < len(expected) < len(calls)  # the filters really narrow the answer
    ids, total = search_ids(client, {"filters": [DIRECTION, LONG]})
    assert sorted(ids, key=int) == expected and total == len(expected)
    # The same as the spec's filterGroups form.
    grouped, grouped_total = search_ids(client, {"filterGroups": [{"filters": [DIRECTION, LONG]}]})
    assert grouped == ids and grouped_total == total
    _, everything = search_ids(client, {})
    assert everything == len(calls) > total


@pytest.mark.parametrize("body, field", [
    ({"filters": [DIRECTION], "filterGroups": [{"filters": [LONG]}]}, "filters"),
    ({"filters": DIRECTION}, "filters"),
    ({"filter": [DIRECTION]}, "filter"),
    ({"propertiesWithHistory": ["hs_call_title"]}, "propertiesWithHistory"),
    ({"associations": ["contacts"]}, "associations"),
])
def test_search_refuses_what_it_would_otherwise_ignore(client, body, field):
    response = client.post(SEARCH, json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["category"] == "VALIDATION_ERROR" and field in error["message"]


def test_top_level_filters_count_against_the_group_limit(client):
    too_many = [{"propertyName": "hs_call_duration", "operator": "GT", "value": str(n)} for n in range(11)]
    response = client.post(SEARCH, json={"filters": too_many})
    assert response.status_code == 400 and "at most 10" in response.json()["message"]


def test_list_properties_with_history(client, schema_validator):
    plain = client.get("/crm/v3/objects/calls", params={"limit": 100, "properties": "hs_call_title"}).json()
    response = client.get("/crm/v3/objects/calls", params={
        "limit": 100, "properties": "hs_call_title",
        "propertiesWithHistory": "hs_call_title,hs_lastmodifieddate,no_such_property"})
    assert response.status_code == 200, response.text
    page = response.json()
    assert len(plain["results"]) == 100 and len(page["results"]) == 50  # the smaller page
    assert [r["id"] for r in page["results"]] == [r["id"] for r in plain["results"][:50]]
    assert page["paging"]["next"]["after"] == plain["results"][50]["id"]
    for result in page["results"]:
        history = result["propertiesWithHistory"]
        assert set(history) == {"hs_call_title", "hs_lastmodifieddate"}  # unknown names ignored
        newest = history["hs_call_title"][0]
        assert newest["value"] == result["properties"]["hs_call_title"]
        schema_validator(newest, "ValueWithTimestamp")
        modified = history["hs_lastmodifieddate"][0]
        assert modified["value"] == result["updatedAt"] == modified["timestamp"]
        assert newest["timestamp"] in (result["createdAt"], result["updatedAt"])


def test_one_record_and_batch_read_with_history(client):
    first = client.get("/crm/v3/objects/calls", params={"limit": 60}).json()["results"]
    ids = [r["id"] for r in first]
    one = client.get(f"/crm/v3/objects/calls/{ids[0]}", params={"propertiesWithHistory": "hs_call_title"}).json()
    assert one["propertiesWithHistory"]["hs_call_title"][0]["sourceType"]

    body = {"inputs": [{"id": i} for i in ids[:50]], "properties": [], "propertiesWithHistory": ["hs_call_title"]}
    batch = client.post("/crm/v3/objects/calls/batch/read", json=body)
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert len(results) == 50 and all("hs_call_title" in r["propertiesWithHistory"] for r in results)
    assert next(r for r in results if r["id"] == ids[0])["propertiesWithHistory"] == one["propertiesWithHistory"]

    too_many = client.post("/crm/v3/objects/calls/batch/read", json={**body, "inputs": [{"id": i} for i in ids]})
    assert too_many.status_code == 400 and "limit of 50" in too_many.json()["message"]
    unknown = client.post("/crm/v3/objects/calls/batch/read", json={**body, "associations": ["contacts"]})
    assert unknown.status_code == 400 and "associations" in unknown.json()["message"]
