"""Faults on demand (`/_sandbox/faults`), each observed by a real httpx client: injected
statuses with provider bodies, slow and hung requests, resets, truncated JSON, a duplicate record
across pages, token expiry, an outage that begins mid-sync and ends, records rewritten into
hostile payloads, determinism per fault seed, and their separate counters in stats."""

from __future__ import annotations

import json
import time

import httpx
import pytest

STATUSES = {"429": 0.2, "500": 0.2, "502": 0.2, "503": 0.2, "504": 0.2}


@pytest.fixture(scope="module")
def faulty(start_sandbox):
    return start_sandbox("--accounts", "1", "--engagements", "800", "--aircall-calls", "120",
                         "--hubspot-rate-limit", "100000", "--aircall-rate-limit", "100000")


@pytest.fixture(autouse=True)
def clean(faulty):
    httpx.delete(f"{faulty.url}/_sandbox/faults")
    httpx.delete(f"{faulty.url}/_sandbox/stats")
    yield
    httpx.delete(f"{faulty.url}/_sandbox/faults")


def set_faults(sandbox, body: dict) -> dict:
    response = httpx.post(f"{sandbox.url}/_sandbox/faults", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def hubspot(sandbox) -> dict:
    return {"Authorization": f"Bearer {sandbox.token()}"}


def aircall_auth(sandbox) -> tuple[str, str]:
    credentials = sandbox.accounts[0]["aircall"]
    return credentials["api_id"], credentials["api_token"]


def test_injected_statuses_carry_provider_bodies_and_are_counted_apart(faulty):
    set_faults(faulty, {"provider": "hubspot", "endpoint": "GET /crm/v3/objects/*", "status": STATUSES})
    with faulty.client() as client:
        responses = [client.get("/crm/v3/objects/calls", headers=hubspot(faulty)) for _ in range(40)]
    seen = {r.status_code for r in responses}
    assert seen == {429, 500, 502, 503, 504}  # p=1 in total, and each code shows up
    for response in responses:
        body = response.json()
        if response.status_code == 429:
            assert body["policyName"] == "TEN_SECONDLY_ROLLING" and body["errorType"] == "RATE_LIMIT"
        else:
            assert {"status", "message", "correlationId", "category"} <= set(body)
    stats = faulty.admin("stats")
    injected_429 = sum(r.status_code == 429 for r in responses)
    assert stats["faults_injected"]["total"] == 40
    assert sum(v for k, v in stats["faults_injected"]["by_kind"].items() if k.startswith("status_")) == 40
    assert stats["rate_limited"] == {"total": 0, "by_account": {}, "injected": injected_429}
    assert sum(stats["requests_by_endpoint"]["GET /crm/v3/objects/calls"].values()) == 40


def test_rules_select_provider_and_endpoint(faulty):
    set_faults(faulty, {"rules": [{"provider": "aircall", "endpoint": "users", "status": {"503": 1}}]})
    with faulty.client() as client:
        users = client.get("/v1/users", auth=aircall_auth(faulty))
        calls = client.get("/v1/calls", auth=aircall_auth(faulty))
        crm = client.get("/crm/v3/objects/calls", headers=hubspot(faulty))
    assert users.status_code == 503 and users.json() == {"error": "Service Unavailable",
                                                         "troubleshoot": "Temporary problem, retry later."}
    assert calls.status_code == 200 and crm.status_code == 200


def test_max_injections_then_healthy(faulty):
    set_faults(faulty, {"status": {"503": 1}, "max_injections": 2})
    with faulty.client() as client:
        codes = [client.get("/crm/v3/objects/calls", headers=hubspot(faulty)).status_code for _ in range(4)]
    assert codes == [503, 503, 200, 200]
    assert faulty.admin("faults")["rules"][0]["injected"] == {"status_503": 2}


def test_an_outage_that_begins_mid_sync_and_ends(faulty):
    set_faults(faulty, {"provider": "hubspot", "status": {"503": 1}, "after_requests": 2, "duration_seconds": 1.5})
    with faulty.client() as client:
        def status() -> int:
            return client.get("/crm/v3/objects/calls", headers=hubspot(faulty)).status_code

        before, during = [status() for _ in range(2)], [status() for _ in range(3)]
        time.sleep(1.6)
        after = [status() for _ in range(2)]
    assert (before, during, after) == ([200, 200], [503, 503, 503], [200, 200])
    assert faulty.admin("faults")["rules"][0]["injected"] == {"status_503": 3}


def test_rewrite_edits_records_in_a_page(faulty):
    headers, params = hubspot(faulty), {"limit": 3, "properties": "hs_call_duration,hs_call_title"}
    with faulty.client() as client:
        clean = client.get("/crm/v3/objects/calls", params=params, headers=headers).json()["results"]
        set_faults(faulty, {"provider": "hubspot", "endpoint": "GET /crm/v3/objects/calls", "rewrite": [
            {"index": 0, "set": {"properties.hs_call_duration": "abc", "properties.surprise": "\u00e9\U0001f600"},
             "unset": ["properties.hs_call_title", "createdAt"]},
            {"index": 4, "set": {"properties.hs_call_title": None}},  # 4 % 3 == 1
            {"index": 2, "set": {"properties.hs_call_title": "x" * 100_000}, "copy": True},
        ]})
        response = client.get("/crm/v3/objects/calls", params=params, headers=headers)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    body = response.json()
    first, second, third, copied = body["results"]
    assert first["id"] == clean[0]["id"] and "createdAt" not in first
    assert first["properties"]["hs_call_duration"] == "abc" and "hs_call_title" not in first["properties"]
    assert first["properties"]["surprise"] == "\u00e9\U0001f600"
    assert second == {**clean[1], "properties": {**clean[1]["properties"], "hs_call_title": None}}
    assert third == clean[2]  # the original stays; its edited copy follows with the same id
    assert copied["id"] == clean[2]["id"] and copied["properties"]["hs_call_title"] == "x" * 100_000
    assert body["paging"]["next"]["after"]  # the cursor is untouched
    stats = faulty.admin("stats")["faults_injected"]
    assert stats["by_kind"] == {"rewrite": 1}


def test_same_seed_same_storm(faulty):
    def storm(seed: int) -> list[int]:
        set_faults(faulty, {"seed": seed, "provider": "hubspot", "status": {"429": 0.15, "503": 0.15}})
        with faulty.client() as client:
            return [client.get("/crm/v3/objects/calls", headers=hubspot(faulty)).status_code for _ in range(30)]

    first, again, other = storm(42), storm(42), storm(43)
    assert first == again
    assert first != other
    assert {429, 503, 200} <= set(first)


def test_connection_reset_mid_response(faulty):
    set_faults(faulty, {"provider": "hubspot", "reset": 1})
    with faulty.client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/crm/v3/objects/calls", params={"limit": 100}, headers=hubspot(faulty))
    assert faulty.admin("stats")["faults_injected"]["by_kind"] == {"reset": 1}


def test_truncated_json_keeps_status_200(faulty):
    set_faults(faulty, {"provider": "aircall", "truncate": 1})
    with faulty.client() as client:
        response = client.get("/v1/calls", auth=aircall_auth(faulty))
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content) > 0
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_slow_responses(faulty):
    set_faults(faulty, {"slow": {"delay_ms": 300, "jitter_ms": 50}})
    with faulty.client() as client:
        started = time.perf_counter()
        response = client.get("/crm/v3/objects/calls", headers=hubspot(faulty))
        elapsed = time.perf_counter() - started
    assert response.status_code == 200 and 0.3 <= elapsed < 2


def test_timeout_holds_longer_than_the_client_waits(faulty):
    set_faults(faulty, {"provider": "hubspot", "timeout": {"hold_ms": 700}})
    with httpx.Client(base_url=faulty.url, timeout=0.2) as impatient, pytest.raises(httpx.ReadTimeout):
        impatient.get("/crm/v3/objects/calls", headers=hubspot(faulty))
    with httpx.Client(base_url=faulty.url, timeout=5) as patient:
        started = time.perf_counter()
        response = patient.get("/crm/v3/objects/calls", headers=hubspot(faulty))
    assert response.status_code == 200 and time.perf_counter() - started >= 0.7


def test_never_answer_until_the_client_gives_up(faulty):
    set_faults(faulty, {"provider": "aircall", "timeout": {"hold_ms": None}})
    with httpx.Client(base_url=faulty.url, timeout=0.3) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/v1/calls", auth=aircall_auth(faulty))
    # The server notices the hang-up and counts the request as 499 (no response ever started).
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        counts = faulty.admin("stats")["requests_by_endpoint"].get("GET /v1/calls", {})
        if counts:
            break
        time.sleep(0.05)
    assert counts == {"499": 1}


def test_duplicate_record_across_hubspot_pages(faulty, read_all):
    expected = faulty.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]["calls"]["count"]
    set_faults(faulty, {"provider": "hubspot", "duplicate": 1})
    pages: list[list[str]] = []
    with faulty.client() as client:
        query = {"limit": 100}
        while True:
            page = client.get("/crm/v3/objects/calls", params=query, headers=hubspot(faulty)).json()
            pages.append([r["id"] for r in page["results"]])
            if "paging" not in page:
                break
            assert f"after={page['paging']['next']['after']}" in page["paging"]["next"]["link"]
            query["after"] = page["paging"]["next"]["after"]
    assert len(pages) >= 3
    for previous, current in zip(pages, pages[1:], strict=False):
        assert current[0] == previous[-1]
    ids = [i for page in pages for i in page]
    assert len(set(ids)) == expected and len(ids) == expected + len(pages) - 1
    assert faulty.admin("stats")["faults_injected"]["by_kind"]["duplicate"] == len(pages) - 1


def test_duplicate_record_across_aircall_pages(faulty):
    expected = faulty.admin("truth")["accounts"]["account-1"]["aircall"]["calls"]["count"]
    set_faults(faulty, {"provider": "aircall", "endpoint": "GET /v1/calls", "duplicate": 1})
    pages: list[list[int]] = []
    with faulty.client() as client:
        url, params = "/v1/calls", {"per_page": 50}
        while url:
            page = client.get(url, params=params, auth=aircall_auth(faulty)).json()
            pages.append([c["id"] for c in page["calls"]])
            url, params = page["meta"]["next_page_link"], None
    assert len(pages) == 3
    assert pages[1][0] == pages[0][-1] and pages[2][0] == pages[1][-1]
    assert len({i for page in pages for i in page}) == expected


def test_token_expiry_after_n_seconds(faulty):
    set_faults(faulty, {"provider": "hubspot", "token_expiry_seconds": 0.5})
    with faulty.client() as client:
        fresh = client.get("/crm/v3/objects/calls", headers=hubspot(faulty))
        unknown = client.get("/crm/v3/objects/calls", headers={"Authorization": "Bearer pat-na1-nope"})
        time.sleep(0.6)
        expired = client.get("/crm/v3/objects/calls", headers=hubspot(faulty))
    assert fresh.status_code == 200
    assert unknown.status_code == 401 and unknown.json()["category"] == "INVALID_AUTHENTICATION"
    assert expired.status_code == 401
    assert expired.json()["category"] == "EXPIRED_AUTHENTICATION"
    assert "expired" in expired.json()["message"]
    assert faulty.admin("stats")["faults_injected"]["by_kind"] == {"token_expired": 1}


def test_aircall_credentials_expire_too(faulty):
    set_faults(faulty, {"provider": "aircall", "token_expiry_seconds": 0})
    with faulty.client() as client:
        response = client.get("/v1/calls", auth=aircall_auth(faulty))
    assert response.status_code == 401 and response.json()["error"] == "Unauthorized"


@pytest.mark.parametrize("body", [
    {"status": {"503": 1.5}},
    {"status": {"418": 0.1}},
    {"status": {"503": 0.6}, "reset": 0.6},
    {"provider": "salesforce"},
    {"sparkle": True},
    {"timeout": {"hold_ms": -1}},
    {"after_requests": -1},
    {"duration_seconds": "soon"},
    {"rewrite": {"index": 0}},
    {"rewrite": [{"index": 0, "replace": {}}]},
    {"rewrite": [{"index": 0, "set": {"": 1}}]},
])
def test_invalid_rules_get_400(faulty, body):
    response = httpx.post(f"{faulty.url}/_sandbox/faults", json=body)
    assert response.status_code == 400 and response.json()["error"]
    assert faulty.admin("faults")["rules"] == []


def test_get_and_delete(faulty):
    set_faults(faulty, {"seed": 5, "rules": [{"provider": "fathom", "truncate": 0.5}]})
    set_faults(faulty, {"append": True, "rules": [{"provider": "aircall", "duplicate": 0.5}]})
    described = faulty.admin("faults")
    assert described["seed"] == 5
    assert [(r["provider"], r["index"]) for r in described["rules"]] == [("fathom", 0), ("aircall", 1)]
    cleared = httpx.delete(f"{faulty.url}/_sandbox/faults").json()
    assert cleared["rules"] == []


def _v1_pages(client, headers, path: str, cursor: str) -> list[list[int]]:
    pages: list[list[int]] = []
    params: dict = {"limit": 100}
    while True:
        body = client.get(path, params=params, headers=headers).json()
        pages.append([r["engagement"]["id"] for r in body["results"]])
        if not body["hasMore"]:
            return pages
        params[cursor] = body[cursor]


def _search_pages(client, headers) -> list[list[str]]:
    pages: list[list[str]] = []
    payload: dict = {"limit": 100}
    while True:
        body = client.post("/crm/v3/objects/calls/search", json=payload, headers=headers).json()
        pages.append([r["id"] for r in body["results"]])
        if "paging" not in body:
            return pages
        payload["after"] = body["paging"]["next"]["after"]


@pytest.mark.parametrize("endpoint", ["paged", "modified", "search"])
def test_duplicate_record_across_other_hubspot_lists(faulty, endpoint):
    set_faults(faulty, {"provider": "hubspot", "duplicate": 1})
    with faulty.client() as client:
        if endpoint == "paged":
            pages = _v1_pages(client, hubspot(faulty), "/engagements/v1/engagements/paged", "offset")
        elif endpoint == "modified":
            pages = _v1_pages(client, hubspot(faulty), "/engagements/v1/engagements/modified/after", "after")
        else:
            pages = _search_pages(client, hubspot(faulty))
    assert len(pages) >= 3
    assert all(current[0] == previous[-1] for previous, current in zip(pages, pages[1:], strict=False))
    total = sum(len(page) for page in pages)
    assert len({i for page in pages for i in page}) == total - (len(pages) - 1)


def test_fathom_faults_use_fathom_bodies_and_cursor(faulty):
    api_key = {"X-Api-Key": faulty.accounts[0]["fathom"]["api_key"]}
    set_faults(faulty, {"rules": [
        {"provider": "fathom", "endpoint": "GET /external/v1/meetings", "duplicate": 1},
        {"provider": "fathom", "endpoint": "transcript", "status": {"503": 1}},
    ]})
    pages: list[list[int]] = []
    with faulty.client() as client:
        params: dict = {}
        while True:
            body = client.get("/external/v1/meetings", params=params, headers=api_key).json()
            pages.append([m["recording_id"] for m in body["items"]])
            if body["next_cursor"] is None or len(pages) == 4:
                break
            params["cursor"] = body["next_cursor"]
        transcript = client.get(f"/external/v1/recordings/{pages[0][0]}/transcript", headers=api_key)
    assert len(pages) == 4
    assert all(current[0] == previous[-1] for previous, current in zip(pages, pages[1:], strict=False))
    assert transcript.status_code == 503 and transcript.json() == {"error": "Service Unavailable"}
