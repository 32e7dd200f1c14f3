"""Aircall `GET /v1/calls` and `GET /v1/users` over real HTTP: Basic auth, page/per_page paging
against ground truth, the 10,000-records-per-query cap and the X-AircallApi-* rate limit."""

from __future__ import annotations

import base64
import hashlib
import time

import httpx
import pytest

CALL_FIELDS = {
    "id", "direct_link", "direction", "status", "missed_call_reason", "started_at", "answered_at", "ended_at",
    "duration", "raw_digits", "recording", "voicemail", "asset", "user", "assigned_to", "transferred_by",
    "transferred_to", "number", "contact", "archived", "cost", "country_code_a2", "pricing_type", "teams",
    "tags", "comments",
}
META_FIELDS = {"count", "total", "current_page", "per_page", "next_page_link", "previous_page_link"}


@pytest.fixture(scope="module")
def aircall(start_sandbox):
    return start_sandbox("--accounts", "2", "--engagements", "20", "--aircall-calls", "230",
                         "--aircall-rate-limit", "100000")


@pytest.fixture(scope="module")
def capped(start_sandbox):
    """One company above the 10,000-record cap, strict per_page, and a 4-per-minute limit."""
    return start_sandbox("--accounts", "2", "--engagements", "20", "--aircall-calls", "10050",
                         "--aircall-per-page-over-max", "error", "--aircall-rate-limit", "4")


def basic(sandbox, index: int = 0) -> httpx.BasicAuth:
    credentials = sandbox.accounts[index]["aircall"]
    return httpx.BasicAuth(credentials["api_id"], credentials["api_token"])


def read_calls(client: httpx.Client, auth: httpx.BasicAuth, **params) -> tuple[list[dict], list[dict]]:
    """Follow meta.next_page_link to the end; returns (calls, metas)."""
    calls: list[dict] = []
    metas: list[dict] = []
    response = client.get("/v1/calls", params={"per_page": 50, **params}, auth=auth)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        calls.extend(page["calls"])
        metas.append(page["meta"])
        if page["meta"]["next_page_link"] is None:
            return calls, metas
        response = client.get(page["meta"]["next_page_link"], auth=auth)


def test_paging_to_the_end_matches_truth(aircall):
    truth = aircall.admin("truth")["accounts"]
    with aircall.client() as client:
        for index, account in enumerate(aircall.accounts):
            expected = truth[account["key"]]["aircall"]["calls"]
            calls, metas = read_calls(client, basic(aircall, index))
            ids = [call["id"] for call in calls]
            assert len(ids) == len(set(ids)) == expected["count"] == 230
            assert ids == sorted(ids)  # ascending by creation, and ids grow with it
            assert [m["current_page"] for m in metas] == list(range(1, len(metas) + 1))
            assert all(m["total"] == 230 and m["per_page"] == 50 and set(m) == META_FIELDS for m in metas)
            assert metas[0]["previous_page_link"] is None and metas[1]["previous_page_link"] is not None
            assert sum(m["count"] for m in metas) == 230
            digest = hashlib.sha256("".join(f"{c['id']}:{c['started_at']}\n" for c in calls).encode()).hexdigest()
            assert digest == expected["checksum"]
            assert sum(c["answered_at"] is None for c in calls) == expected["missed_count"]
            assert sum(c["duration"] for c in calls) == expected["duration_sum"]
            assert sum(c["archived"] for c in calls) == expected["archived_count"] > 0


def test_call_object_shape(aircall):
    with aircall.client() as client:
        calls, _ = read_calls(client, basic(aircall))
    assert all(set(call) == CALL_FIELDS for call in calls)
    for call in calls:
        assert isinstance(call["id"], int) and call["direction"] in ("inbound", "outbound")
        assert call["status"] in ("initial", "answered", "done")
        assert all(isinstance(call[name], int) for name in ("started_at", "ended_at", "duration"))
        assert call["ended_at"] - call["started_at"] == call["duration"]
        assert isinstance(call["cost"], str) and call["direct_link"].endswith(f"/v1/calls/{call['id']}")
        if call["answered_at"] is not None:
            assert call["started_at"] <= call["answered_at"] <= call["ended_at"]
            assert call["missed_call_reason"] is None and call["user"] is not None
    missed_inbound = [c for c in calls if c["direction"] == "inbound" and c["answered_at"] is None]
    assert missed_inbound and all(c["user"] is None and c["missed_call_reason"] for c in missed_inbound)
    answered = [c for c in calls if c["user"]]
    assert {"id", "name", "email"} <= set(answered[0]["user"])
    assert {"id", "digits", "name"} <= set(answered[0]["number"])
    assert any(c["recording"] for c in calls) and any(c["voicemail"] for c in calls)


def test_order_desc_and_from_to_window(aircall):
    auth = basic(aircall)
    with aircall.client() as client:
        everything, _ = read_calls(client, auth)
        newest, _ = read_calls(client, auth, order="desc")
        assert [c["id"] for c in newest] == [c["id"] for c in reversed(everything)]
        # Both bounds are inclusive, in unix seconds on started_at.
        low, high = everything[40]["started_at"], everything[120]["started_at"]
        window, metas = read_calls(client, auth, **{"from": low, "to": high})
        expected = [c["id"] for c in everything if low <= c["started_at"] <= high]
        assert [c["id"] for c in window] == expected
        assert metas[0]["total"] == len(expected)
        bad = client.get("/v1/calls", params={"from": "yesterday"}, auth=auth)
    assert bad.status_code == 400 and set(bad.json()) == {"error", "troubleshoot"}


def test_per_page_defaults_to_20_and_caps_at_50(aircall):
    with aircall.client() as client:
        default = client.get("/v1/calls", auth=basic(aircall)).json()
        capped = client.get("/v1/calls", params={"per_page": 200}, auth=basic(aircall)).json()
    assert default["meta"]["per_page"] == 20 and len(default["calls"]) == 20
    assert "per_page=20" in default["meta"]["next_page_link"]
    assert capped["meta"]["per_page"] == 50 and len(capped["calls"]) == 50


def test_users_are_the_reps_with_their_own_letter_case(aircall):
    owners = {o["email"] for o in aircall.accounts[0]["hubspot"]["owners"]}
    users: list[dict] = []
    with aircall.client() as client:
        url, params = "/v1/users", {"per_page": 3}
        while url:
            page = client.get(url, params=params, auth=basic(aircall)).json()
            users.extend(page["users"])
            url, params = page["meta"]["next_page_link"], None
    emails = {u["email"] for u in users}
    assert {e.lower() for e in emails} == {e.lower() for e in owners}
    assert emails != owners  # some are spelled with other letter case
    assert {"id", "name", "email", "created_at", "direct_link"} <= set(users[0])
    assert {u["id"] for u in users} == {u["id"] for u in aircall.accounts[0]["aircall"]["users"]}


def test_single_call_and_unknown_ids(aircall):
    with aircall.client() as client:
        first = client.get("/v1/calls", params={"per_page": 1}, auth=basic(aircall)).json()["calls"][0]
        one = client.get(f"/v1/calls/{first['id']}", auth=basic(aircall))
        missing = client.get("/v1/calls/1", auth=basic(aircall))
        other_company = client.get(f"/v1/calls/{first['id']}", auth=basic(aircall, 1))
    assert one.status_code == 200 and one.json()["call"] == first
    assert missing.status_code == 404 and missing.json()["error"] == "Not found"
    assert other_company.status_code == 404


@pytest.mark.parametrize("header", [
    None, "Bearer abc", "Basic !!!not-base64", "Basic " + base64.b64encode(b"nobody:x").decode(),
])
def test_basic_auth_failures_get_401(aircall, header):
    headers = {"Authorization": header} if header else {}
    with aircall.client() as client:
        response = client.get("/v1/calls", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert "X-AircallApi-Limit" not in response.headers  # unauthenticated calls are not counted


def test_wrong_token_for_a_real_api_id_gets_401(aircall):
    api_id = aircall.accounts[0]["aircall"]["api_id"]
    with aircall.client() as client:
        response = client.get("/v1/calls", auth=(api_id, aircall.accounts[1]["aircall"]["api_token"]))
    assert response.status_code == 401


def test_10k_cap_per_query(capped):
    auth = basic(capped, 0)
    with capped.client() as client:
        last = client.get("/v1/calls", params={"per_page": 50, "page": 200}, auth=auth)
        beyond = client.get("/v1/calls", params={"per_page": 50, "page": 201}, auth=auth)
        straddling = client.get("/v1/calls", params={"per_page": 30, "page": 334}, auth=auth)
        too_big = client.get("/v1/calls", params={"per_page": 51}, auth=auth)
    page = last.json()
    assert last.status_code == 200 and len(page["calls"]) == 50
    assert page["meta"]["total"] == 10050  # the real size, so a client knows to split by from/to
    assert page["meta"]["next_page_link"] is None  # record 10,000 is the last reachable one
    assert beyond.status_code == 400 and "10,000" in beyond.json()["troubleshoot"]
    # Records 9,991..10,020 asked for: only those up to 10,000 come back.
    assert straddling.json()["meta"]["count"] == 10 and straddling.json()["meta"]["next_page_link"] is None
    assert too_big.status_code == 400  # --aircall-per-page-over-max error


def test_rate_limit_headers_and_429(capped):
    auth = basic(capped, 1)  # the cap test spends company 1's budget; each company has its own
    with capped.client() as client:
        before = time.time()
        admitted = [client.get("/v1/users", auth=auth) for _ in range(4)]
        refused = client.get("/v1/users", auth=auth)
    for sent, response in enumerate(admitted, start=1):
        assert response.status_code == 200
        assert response.headers["X-AircallApi-Limit"] == "4"
        assert response.headers["X-AircallApi-Remaining"] == str(4 - sent)
        assert before <= int(response.headers["X-AircallApi-Reset"]) <= before + 61
    assert refused.status_code == 429
    assert set(refused.json()) == {"error", "troubleshoot"}
    assert refused.headers["X-AircallApi-Remaining"] == "0"
    assert int(refused.headers["X-AircallApi-Reset"]) <= time.time() + 61
    stats = capped.admin("stats")
    assert stats["rate_limited"]["by_account"]["aircall:account-2"] == 1
    assert stats["requests_by_endpoint"]["GET /v1/users"]["429"] >= 1
    assert stats["peak_requests_per_window"]["aircall"]["account-2"] == {"window_ms": 60000, "peak": 5}


def test_transcriptions_need_the_ai_add_on_and_match_truth(aircall):
    """The first company has the AI add-on (--aircall-ai-addon-accounts 1): its recorded calls and
    voicemails are transcribed, others 404; the second company gets 403 on every call."""
    truth = aircall.admin("truth")["accounts"]
    with aircall.client() as client:
        calls, _ = read_calls(client, basic(aircall, 0))
        found, utterances = 0, 0
        for call in calls:
            response = client.get(f"/v1/calls/{call['id']}/transcription", auth=basic(aircall, 0))
            if not (call["recording"] or call["voicemail"]):
                assert response.status_code == 404 and set(response.json()) == {"error", "troubleshoot"}
                continue
            assert response.status_code == 200, response.text
            transcription = response.json()["transcription"]
            assert transcription["call_id"] == call["id"]
            assert transcription["type"] == ("voicemail" if call["voicemail"] else "call")
            spoken = transcription["content"]["utterances"]
            assert spoken and all(u["participant_type"] in ("internal", "external") and u["text"]
                                  and u["start_time"] < u["end_time"] for u in spoken)
            found += 1
            utterances += len(spoken)
        expected = truth[aircall.accounts[0]["key"]]["aircall"]["transcriptions"]
        assert found == expected["count"] > 0 and utterances == expected["utterances"]
        assert client.get("/v1/calls/1/transcription", auth=basic(aircall, 0)).status_code == 404

        other, _ = read_calls(client, basic(aircall, 1), per_page=5)
        refused = client.get(f"/v1/calls/{other[0]['id']}/transcription", auth=basic(aircall, 1))
        assert refused.status_code == 403 and "X-AircallApi-Limit" in refused.headers
        assert truth[aircall.accounts[1]["key"]]["aircall"]["transcriptions"] == {"count": 0, "utterances": 0}


def test_calls_still_going_have_no_end_until_they_end(start_sandbox):
    """Calls created in the last hour of the clock may still be going: `initial` while ringing,
    `answered` once picked up, no end, duration, media, tags or transcription yet. Two hours later
    they are done, and the truth (as of the sandbox's now) agrees with the list."""
    sandbox = start_sandbox("--accounts", "1", "--engagements", "20", "--aircall-calls", "100",
                            "--aircall-rate-limit", "100000")
    response = httpx.post(f"{sandbox.url}/_sandbox/advance",
                          json={"providers": ["aircall"], "seconds": 3600, "fraction": 0, "create": 1.0}, timeout=30)
    assert response.status_code == 200, response.text
    with sandbox.client() as client:
        calls, _ = read_calls(client, basic(sandbox))
        going = [c for c in calls if c["ended_at"] is None]
        assert going, "no call was still going: nothing was tested"
        for call in going:
            assert call["status"] in ("initial", "answered") and call["duration"] is None
            assert (call["status"] == "answered") == (call["answered_at"] is not None)
            assert call["recording"] is None and call["voicemail"] is None and call["tags"] == []
            assert call["missed_call_reason"] is None and call["cost"] is None
            if call["direction"] == "inbound" and call["status"] == "initial":
                assert call["user"] is None
        first = going[0]["id"]
        assert client.get(f"/v1/calls/{first}/transcription", auth=basic(sandbox)).status_code == 404

        response = httpx.post(f"{sandbox.url}/_sandbox/advance",
                              json={"providers": ["aircall"], "seconds": 7200, "fraction": 0}, timeout=30)
        assert response.status_code == 200, response.text
        calls, _ = read_calls(client, basic(sandbox))
        truth = sandbox.admin("truth")["accounts"]["account-1"]["aircall"]
        assert all(c["status"] == "done" and c["ended_at"] is not None for c in calls)
        assert truth["calls"]["in_progress_count"] == 0
        assert sum(c["duration"] for c in calls) == truth["calls"]["duration_sum"]
        assert sum(c["answered_at"] is None for c in calls) == truth["calls"]["missed_count"]
        ended = next(c for c in calls if c["id"] == first)
        expected = 200 if ended["recording"] or ended["voicemail"] else 404
        assert client.get(f"/v1/calls/{first}/transcription", auth=basic(sandbox)).status_code == expected
