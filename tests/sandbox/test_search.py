"""CRM search (`POST /crm/v3/objects/{type}/search`) against a real sandbox process.

The big sandbox holds > 10,000 calls in one portal, so the 10k cap is real and a client has to
window by hs_lastmodifieddate exactly as revsync does. Its search bucket is opened wide; the
bucket itself is tested on a sandbox with the default 5 requests per second.
"""

from __future__ import annotations

import hashlib
import re
import time

import pytest

from provider_sandbox.timefmt import iso_ms, parse_iso_to_ms

# Calls get about a third of the engagements: over 10,000 live calls per portal.
ENGAGEMENTS_PER_ACCOUNT = 36_000
DAY_MS = 86_400_000
SEARCH_URL = "/crm/v3/objects/calls/search"
RATE_LIMIT_HEADER_PREFIX = "x-hubspot-ratelimit-"
LISTED_PROPERTIES = (
    "hs_call_duration", "hs_call_disposition", "hs_call_status", "hs_call_direction", "hubspot_owner_id",
    "hs_call_title", "hs_timestamp",
)


@pytest.fixture(scope="module")
def big_sandbox(start_sandbox):
    return start_sandbox(
        "--accounts", "2", "--engagements", str(ENGAGEMENTS_PER_ACCOUNT), "--seed", "11",
        "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000", "--search-index-delay-ms", "0",
    )


@pytest.fixture(scope="module")
def client(big_sandbox):
    with big_sandbox.client(headers={"Authorization": f"Bearer {big_sandbox.token(0)}"}) as http:
        yield http


@pytest.fixture(scope="module")
def truth(big_sandbox):
    return big_sandbox.admin("truth")


@pytest.fixture(scope="module")
def all_calls(client) -> list[dict]:
    """Every live call of account-1 through the list endpoint: what search answers must match."""
    calls: list[dict] = []
    params: dict = {"limit": 100, "properties": ",".join(LISTED_PROPERTIES)}
    while True:
        page = client.get("/crm/v3/objects/calls", params=params).json()
        calls.extend(page["results"])
        if "paging" not in page:
            return calls
        params["after"] = page["paging"]["next"]["after"]


def search_all(client, body: dict) -> tuple[list[dict], int]:
    """Page through one search with limit 200; returns (results, reported total)."""
    body = {**body, "limit": 200}
    results: list[dict] = []
    while True:
        response = client.post(SEARCH_URL, json=body)
        assert response.status_code == 200, response.text
        page = response.json()
        results.extend(page["results"])
        if "paging" not in page:
            return results, page["total"]
        body["after"] = page["paging"]["next"]["after"]


def checksum(pairs) -> str:
    return hashlib.sha256("".join(f"{i}:{m}\n" for i, m in sorted(pairs)).encode()).hexdigest()


def window(low, high) -> dict:
    return {"filterGroups": [{"filters": [
        {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": low},
        {"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": high},
    ]}]}


def test_windowed_search_by_lastmodifieddate_collects_exactly_the_truth(client, truth):
    """revsync's pattern: windows small enough to stay under 10k, epoch-ms and ISO bounds alike."""
    anchor = parse_iso_to_ms(truth["anchor"])
    expected = truth["accounts"]["account-1"]["hubspot"]["objects"]["calls"]
    assert expected["count"] > 10_000  # one query alone could not read them all

    seen: dict[str, int] = {}
    start, step = anchor - 400 * DAY_MS, 30 * DAY_MS
    for index, low in enumerate(range(start, anchor + 1, step)):
        high = low + step
        # Alternate epoch-ms and ISO bounds: HubSpot accepts both for datetime properties.
        bounds = (str(low), str(high)) if index % 2 else (iso_ms(low), iso_ms(high))
        results, total = search_all(client, {**window(*bounds), "properties": ["hs_lastmodifieddate"]})
        assert total == len(results) < 10_000
        for result in results:
            modified = parse_iso_to_ms(result["properties"]["hs_lastmodifieddate"])
            assert low <= modified < high
            assert result["id"] not in seen
            seen[result["id"]] = modified

    assert len(seen) == expected["count"]
    assert checksum((int(i), m) for i, m in seen.items()) == expected["checksum"]


def test_sorted_search_pages_in_modification_order(client, truth):
    anchor = parse_iso_to_ms(truth["anchor"])
    body = {
        **window(str(anchor - 60 * DAY_MS), str(anchor + 1)),
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
    }
    results, total = search_all(client, body)
    keys = [(r["updatedAt"], int(r["id"])) for r in results]
    assert len(results) == total > 400
    assert keys == sorted(keys)

    descending, _ = search_all(client, {**body, "sorts": ["-hs_lastmodifieddate"]})
    assert [r["id"] for r in descending] == [r["id"] for r in reversed(results)]


def test_ten_thousand_result_cap_is_a_400(client, truth, schema_validator):
    count = truth["accounts"]["account-1"]["hubspot"]["objects"]["calls"]["count"]
    near_end = client.post(SEARCH_URL, json={"limit": 200, "after": "9900"}).json()
    assert near_end["total"] == count > 10_000
    assert len(near_end["results"]) == 100  # results stop at the 10,000th
    assert near_end["paging"]["next"]["after"] == "10000"

    past = client.post(SEARCH_URL, json={"limit": 200, "after": near_end["paging"]["next"]["after"]})
    assert past.status_code == 400
    body = past.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert "10000" in body["message"]
    schema_validator(body, "Error")
    assert client.post(SEARCH_URL, json={"after": 25_000}).status_code == 400


@pytest.mark.parametrize("limit, status", [(200, 200), (201, 400), (1000, 400), (-1, 400), ("10", 400)])
def test_limit_is_at_most_200(client, limit, status):
    response = client.post(SEARCH_URL, json={"limit": limit})
    assert response.status_code == status
    if status == 200:
        assert len(response.json()["results"]) == 200
    else:
        assert response.json()["category"] == "VALIDATION_ERROR"


def test_defaults_and_requested_properties(client, all_calls):
    default = client.post(SEARCH_URL, json={}).json()
    assert len(default["results"]) == 10 and default["paging"]["next"]["after"] == "10"
    first = default["results"][0]
    assert set(first["properties"]) == {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"}
    assert first["id"] == all_calls[0]["id"] and first["archived"] is False  # id order without sorts
    assert "associations" not in first

    wanted = client.post(SEARCH_URL, json={"properties": ["hs_call_duration", "no_such_property"]}).json()
    assert set(wanted["results"][0]["properties"]) == {
        "hs_createdate", "hs_lastmodifieddate", "hs_object_id", "hs_call_duration",
    }
    assert wanted["results"][0]["properties"]["hs_call_duration"] == all_calls[0]["properties"]["hs_call_duration"]


def _ids(results) -> set[str]:
    return {r["id"] for r in results}


def _props(all_calls):
    return [(c["id"], c["properties"]) for c in all_calls]


def test_every_operator_matches_the_list_endpoint(client, all_calls):
    calls = _props(all_calls)
    owner = next(p["hubspot_owner_id"] for _, p in calls if p["hubspot_owner_id"])
    disposition = next(p["hs_call_disposition"] for _, p in calls if p["hs_call_disposition"])
    stamp = sorted(parse_iso_to_ms(p["hs_timestamp"]) for _, p in calls)[len(calls) // 2]
    sample_ids = [i for i, _ in calls[::997]]

    def f(name, operator, **more):
        return {"propertyName": name, "operator": operator, **more}

    def duration(p):
        return int(p["hs_call_duration"])

    def title_words(p):
        return re.findall(r"\w+", p["hs_call_title"].lower())

    # (filter, expected predicate, broad: AND a narrow filter to stay under the 10k cap)
    cases = [
        (f("hubspot_owner_id", "EQ", value=owner), lambda p: p["hubspot_owner_id"] == owner),
        (f("hs_call_disposition", "NEQ", value=disposition), lambda p: p["hs_call_disposition"] != disposition,
         True),
        (f("hs_call_duration", "LT", value="20000"), lambda p: duration(p) < 20_000),
        (f("hs_call_duration", "LTE", value=20000), lambda p: duration(p) <= 20_000),
        (f("hs_call_duration", "GT", value="600000"), lambda p: duration(p) > 600_000),
        (f("hs_call_duration", "GTE", value="600000"), lambda p: duration(p) >= 600_000),
        (f("hs_timestamp", "BETWEEN", value=iso_ms(stamp - 5 * DAY_MS), highValue=str(stamp)),
         lambda p: stamp - 5 * DAY_MS <= parse_iso_to_ms(p["hs_timestamp"]) <= stamp),
        (f("hs_call_status", "IN", values=["BUSY", "NO_ANSWER"]),
         lambda p: p["hs_call_status"] in ("BUSY", "NO_ANSWER")),
        (f("hs_call_status", "NOT_IN", values=["COMPLETED"]), lambda p: p["hs_call_status"] != "COMPLETED"),
        (f("hs_call_disposition", "HAS_PROPERTY"), lambda p: p["hs_call_disposition"] is not None, True),
        (f("hs_call_disposition", "NOT_HAS_PROPERTY"), lambda p: p["hs_call_disposition"] is None),
        (f("hs_call_direction", "EQ", value="INBOUND"), lambda p: p["hs_call_direction"] == "INBOUND"),
        (f("hs_object_id", "IN", values=sample_ids), lambda p: p["hs_object_id"] in sample_ids),
        # No search column: evaluated by rendering each candidate.
        (f("hs_call_title", "CONTAINS_TOKEN", value="Discovery"), lambda p: "discovery" in title_words(p)),
        (f("hs_call_title", "NOT_CONTAINS_TOKEN", value="call"), lambda p: "call" not in title_words(p), True),
    ]
    for flt, expected, *broad in cases:
        body = {"filterGroups": [{"filters": [flt]}]}
        if broad:
            body["filterGroups"][0]["filters"].append(f("hs_call_direction", "EQ", value="INBOUND"))
            wanted = {i for i, p in calls if expected(p) and p["hs_call_direction"] == "INBOUND"}
        else:
            wanted = {i for i, p in calls if expected(p)}
        results, total = search_all(client, body)
        assert _ids(results) == wanted, flt
        assert total == len(wanted), flt


def test_filter_groups_are_ored_and_filters_anded(client, all_calls):
    calls = _props(all_calls)
    body = {"filterGroups": [
        {"filters": [
            {"propertyName": "hs_call_direction", "operator": "EQ", "value": "INBOUND"},
            {"propertyName": "hs_call_status", "operator": "EQ", "value": "BUSY"},
        ]},
        {"filters": [{"propertyName": "hs_call_duration", "operator": "GT", "value": "3000000"}]},
    ]}
    wanted = {
        i for i, p in calls
        if (p["hs_call_direction"] == "INBOUND" and p["hs_call_status"] == "BUSY")
        or int(p["hs_call_duration"]) > 3_000_000
    }
    results, total = search_all(client, body)
    assert _ids(results) == wanted and total == len(wanted) > 0


def test_sorting_by_a_number_and_an_enumeration(client, all_calls):
    long_calls = {"filterGroups": [{"filters": [
        {"propertyName": "hs_call_duration", "operator": "GT", "value": "900000"},
    ]}], "properties": ["hs_call_duration", "hubspot_owner_id"]}

    by_duration, _ = search_all(client, {**long_calls, "sorts": [
        {"propertyName": "hs_call_duration", "direction": "DESCENDING"}]})
    keys = [(int(r["properties"]["hs_call_duration"]), int(r["id"])) for r in by_duration]
    assert keys == sorted(keys, reverse=True) and len(keys) > 100

    by_owner, _ = search_all(client, {**long_calls, "sorts": ["hubspot_owner_id"]})
    owners = [r["properties"]["hubspot_owner_id"] for r in by_owner]
    with_owner = [o for o in owners if o is not None]
    assert with_owner == sorted(with_owner)
    assert owners[len(with_owner):] == [None] * (len(owners) - len(with_owner))  # nulls last


def test_free_text_query_matches_words_by_prefix(client):
    results, total = search_all(client, {
        "query": "discov", "properties": ["hs_call_title", "hs_call_body"],
        "filterGroups": [{"filters": [{"propertyName": "hs_call_direction", "operator": "EQ", "value": "OUTBOUND"}]}],
    })
    assert total == len(results) > 0
    for result in results:
        text = " ".join(v for v in result["properties"].values() if v).lower()
        assert any(word.startswith("discov") for word in re.findall(r"\w+", text))


@pytest.mark.parametrize("body", [
    {"filterGroups": [{"filters": [{"propertyName": "hs_call_duration", "operator": "LIKE", "value": "1"}]}]},
    {"filterGroups": [{"filters": [{"propertyName": "hs_call_duration", "operator": "BETWEEN", "value": "1"}]}]},
    {"filterGroups": [{"filters": [{"propertyName": "hs_call_status", "operator": "IN"}]}]},
    {"filterGroups": [{"filters": [{"operator": "EQ", "value": "1"}]}]},
    {"filterGroups": [{"filters": [{"propertyName": "hs_call_duration", "value": "1"}]}]},
    {"filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": "soon"}]}]},
    {"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "HAS_PROPERTY"}]}] * 6},
    {"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "HAS_PROPERTY"}] * 11}]},
    {"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "HAS_PROPERTY"}] * 9}] * 3},
    {"sorts": ["hs_call_duration", "hs_object_id"]},
    {"sorts": [{"propertyName": "hs_call_duration", "direction": "UP"}]},
    {"after": "abc"},
    {"query": "x" * 3001},
    [1, 2],
])
def test_invalid_requests_are_validation_errors(client, schema_validator, body):
    response = client.post(SEARCH_URL, json=body)
    assert response.status_code == 400, body
    assert response.json()["category"] == "VALIDATION_ERROR"
    schema_validator(response.json(), "Error")


def test_five_groups_of_five_filters_are_accepted(client):
    group = {"filters": [{"propertyName": "hs_object_id", "operator": "HAS_PROPERTY"}] * 5}
    response = client.post(SEARCH_URL, json={"filterGroups": [group] * 5, "limit": 1})
    assert response.status_code == 200 and response.json()["total"] > 10_000


def test_invalid_json_unknown_type_and_missing_token(big_sandbox, client, schema_validator):
    broken = client.post(SEARCH_URL, content=b"{not json", headers={"Content-Type": "application/json"})
    unknown = client.post("/crm/v3/objects/unicorns/search", json={})
    with big_sandbox.client() as anonymous:
        unauthenticated = anonymous.post(SEARCH_URL, json={})
    assert broken.status_code == 400 and unknown.status_code == 400
    assert unauthenticated.status_code == 401
    for response in (broken, unknown, unauthenticated):
        schema_validator(response.json(), "Error")


def test_search_responses_match_hubspot_openapi(client, truth, schema_validator):
    anchor = parse_iso_to_ms(truth["anchor"])
    body = {**window(str(anchor - 90 * DAY_MS), str(anchor + 1)), "limit": 200, "sorts": ["hs_lastmodifieddate"],
            "properties": ["hs_call_duration", "hs_call_status", "hs_call_direction"]}
    first = client.post(SEARCH_URL, json=body).json()
    last = client.post(SEARCH_URL, json={**body, "after": str(first["total"] - 3)}).json()
    empty = client.post(SEARCH_URL, json={"filterGroups": [{"filters": [
        {"propertyName": "hs_object_id", "operator": "EQ", "value": "1"}]}]}).json()
    for page in (first, last, empty):
        schema_validator(page, "CollectionResponseWithTotalSimplePublicObject")
    assert "paging" not in last and len(last["results"]) == 3
    assert empty == {"total": 0, "results": []}


def test_object_type_id_and_accounts_are_respected(big_sandbox, client):
    by_id = client.post("/crm/v3/objects/0-48/search", json={"limit": 5}).json()
    by_name = client.post(SEARCH_URL, json={"limit": 5}).json()
    assert by_id == by_name
    with big_sandbox.client(headers={"Authorization": f"Bearer {big_sandbox.token(1)}"}) as other:
        theirs = other.post(SEARCH_URL, json={"limit": 5}).json()
    assert _ids(theirs["results"]).isdisjoint(_ids(by_name["results"]))


def test_official_sdk_search_parses_and_pages(big_sandbox, truth):
    import hubspot
    from hubspot.crm.objects.calls import ApiException, Filter, FilterGroup, PublicObjectSearchRequest

    client = hubspot.Client.create(access_token=big_sandbox.token())
    api = client.crm.objects.calls.search_api
    api.api_client.configuration.host = big_sandbox.url
    anchor = parse_iso_to_ms(truth["anchor"])
    since = str(anchor - 45 * DAY_MS)
    seen: list[str] = []
    after = None
    while True:
        request = PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=[
                Filter(property_name="hs_lastmodifieddate", operator="GTE", value=since)])],
            sorts=["hs_lastmodifieddate"], properties=["hs_call_duration", "hs_call_status"],
            limit=200, after=after,
        )
        page = api.do_search(public_object_search_request=request)
        seen.extend(result.id for result in page.results)
        assert all(result.properties["hs_call_status"] for result in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(seen) == len(set(seen)) == page.total > 200

    with pytest.raises(ApiException) as refused:
        api.do_search(public_object_search_request=PublicObjectSearchRequest(limit=10, after="10000"))
    assert refused.value.status == 400


# --- the search bucket: 5 per second, no rate-limit headers ----------------------------------------

@pytest.fixture(scope="module")
def throttled_sandbox(start_sandbox):
    # Default search bucket (5/s); a burst window of 3 shows the two are separate.
    return start_sandbox("--accounts", "2", "--engagements", "40", "--hubspot-rate-limit", "3",
                         "--search-index-delay-ms", "0")


def _search_until_refused(client, most: int = 500) -> list:
    """Search back to back until the first 429.

    However slow the machine, the bucket refuses a request once five were admitted in the second
    before it, so this always ends in a 429 instead of depending on a fast burst.
    """
    responses = []
    while len(responses) < most and (not responses or responses[-1].status_code != 429):
        responses.append(client.post(SEARCH_URL, json={"limit": 1}))
    return responses


def test_search_has_its_own_five_per_second_bucket_without_headers(throttled_sandbox):
    sandbox = throttled_sandbox
    with sandbox.client(headers={"Authorization": f"Bearer {sandbox.token(0)}"}) as client:
        responses = _search_until_refused(client)
        # The burst window (3 per 10 s) is untouched by searches: lists still pass, then 429.
        lists = [client.get("/crm/v3/objects/calls", params={"limit": 1}) for _ in range(4)]
        other_portal = client.post(SEARCH_URL, json={"limit": 1},
                                   headers={"Authorization": f"Bearer {sandbox.token(1)}"})
        time.sleep(1.05)
        after_a_second = client.post(SEARCH_URL, json={"limit": 1})

    statuses = [r.status_code for r in responses]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200} and len(statuses) >= 6
    for response in responses:
        assert not any(h.lower().startswith(RATE_LIMIT_HEADER_PREFIX) for h in response.headers)
    body = responses[-1].json()
    assert set(body) == {"status", "message", "errorType", "correlationId", "policyName", "groupName", "requestId"}
    assert body["errorType"] == "RATE_LIMIT" and body["status"] == "error"
    assert body["policyName"] == "SECONDLY"
    assert body["message"] == "You have reached your secondly limit."

    assert [r.status_code for r in lists] == [200, 200, 200, 429]
    assert lists[0].headers["X-HubSpot-RateLimit-Max"] == "3"
    assert other_portal.status_code == 200  # per portal
    assert after_a_second.status_code == 200

    stats = sandbox.admin("stats")
    counts = stats["requests_by_endpoint"]["POST /crm/v3/objects/calls/search"]
    assert counts["429"] >= 1 and counts["200"] >= 7
    assert stats["rate_limited"]["by_account"]["hubspot-search:account-1"] >= 1
    # Never more than the five admitted and the refused one in a rolling second (the stats record a
    # moment after the bucket decides, so at the window's edge the oldest of the five may fall out).
    peak = stats["peak_requests_per_window"]["hubspot-search"]["account-1"]
    assert peak["window_ms"] == 1000 and peak["peak"] in (5, 6)
