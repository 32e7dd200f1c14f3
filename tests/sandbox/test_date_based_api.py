"""HubSpot's date-based API (provider-apis.md A0): OAuth under /oauth/2026-03 and /oauth/2026-09
(every parameter in the form body, RFC 6749 errors keeping `status` and `message`, introspection,
revocation, token-expiry faults), and the CRM twins of the legacy paths (same records, limits,
faults; stats and links name the path the client used)."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

REDIRECT = "http://localhost:8000/oauth/hubspot/callback"
SCOPE = "oauth crm.objects.contacts.read"
FLAGS = ("--accounts", "2", "--engagements", "300", "--fathom-meetings", "3", "--hubspot-rate-limit", "100000",
         "--search-index-delay-ms", "0", "--search-rate-limit", "100000")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def sandbox(start_sandbox):
    return start_sandbox(*FLAGS)


def oauth_app(sandbox, index: int = 0) -> dict:
    return sandbox.accounts[index]["hubspot"]["oauth"]


def authorize(sandbox, app: dict) -> str:
    """Allow on the consent page (the form post a browser would send); the code from the redirect."""
    response = httpx.post(f"{sandbox.url}/oauth/authorize", data={
        "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": SCOPE, "state": "s1",
        "decision": "allow"}, follow_redirects=False)
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def exchange(sandbox, app: dict, version: str = "2026-03", **extra) -> httpx.Response:
    form = {"grant_type": "authorization_code", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "redirect_uri": REDIRECT, "code": authorize(sandbox, app)}
    form.update(extra)
    return httpx.post(f"{sandbox.url}/oauth/{version}/token", data=form)


def assert_rfc_error(response: httpx.Response, error: str, status: str, http_status: int = 400) -> dict:
    assert response.status_code == http_status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error and body["status"] == status
    assert body["error_description"] and body["message"] == body["error_description"]
    assert body["category"] and UUID.fullmatch(body["correlationId"])
    return body


@pytest.mark.parametrize("version", ["2026-03", "2026-09", "v3"])
def test_code_exchange_refresh_and_use(sandbox, version):
    app = oauth_app(sandbox)
    response = exchange(sandbox, app, version)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "bearer" and tokens["token_use"] == "access_token"
    assert tokens["expires_in"] == 1800 and tokens["refresh_token"].startswith("na1-")
    assert tokens["hub_id"] == sandbox.accounts[0]["hubspot"]["hub_id"]
    assert set(SCOPE.split()) <= set(tokens["scopes"])

    calls = httpx.get(f"{sandbox.url}/crm/objects/2026-09/calls", params={"limit": 1},
                      headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert calls.status_code == 200, calls.text

    refreshed = httpx.post(f"{sandbox.url}/oauth/{version}/token", data={
        "grant_type": "refresh_token", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["access_token"] != tokens["access_token"]


def test_parameters_must_be_in_the_form_body(sandbox):
    app = oauth_app(sandbox)
    code = authorize(sandbox, app)
    # The v1 endpoint also reads the query; the date-based one takes the body only.
    response = httpx.post(f"{sandbox.url}/oauth/2026-03/token",
                          params={"client_secret": app["client_secret"]},
                          data={"grant_type": "authorization_code", "client_id": app["client_id"],
                                "redirect_uri": REDIRECT, "code": code})
    assert_rfc_error(response, "invalid_client", "BAD_CLIENT_SECRET")


def test_errors_are_rfc_6749_and_keep_hubspot_fields(sandbox):
    app = oauth_app(sandbox)
    base = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    url = f"{sandbox.url}/oauth/2026-03/token"
    assert_rfc_error(httpx.post(url, data={**base, "grant_type": "authorization_code", "code": "nope",
                                           "redirect_uri": REDIRECT}), "invalid_grant", "BAD_AUTH_CODE")
    assert_rfc_error(httpx.post(url, data={**base, "grant_type": "refresh_token", "refresh_token": "na1-x"}),
                     "invalid_grant", "BAD_REFRESH_TOKEN")
    assert_rfc_error(httpx.post(url, data={**base, "grant_type": "password"}),
                     "unsupported_grant_type", "BAD_GRANT_TYPE")
    assert_rfc_error(httpx.post(url, data={**base}), "invalid_request", "BAD_GRANT_TYPE")
    assert_rfc_error(httpx.post(url, data={"grant_type": "refresh_token", "client_id": "nope"}),
                     "invalid_client", "BAD_CLIENT_ID")
    # A spent code: the second exchange is invalid_grant.
    code = authorize(sandbox, app)
    form = {**base, "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    assert httpx.post(url, data=form).status_code == 200
    assert_rfc_error(httpx.post(url, data=form), "invalid_grant", "BAD_AUTH_CODE")


def test_v1_errors_carry_the_rfc_fields_too(sandbox):
    response = httpx.post(f"{sandbox.url}/oauth/v1/token", data={"grant_type": "refresh_token"})
    body = response.json()
    assert response.status_code == 400
    assert body["status"] == "BAD_CLIENT_ID" and body["error"] == "invalid_client"
    assert body["error_description"] == body["message"] and "category" not in body


def introspect(sandbox, app: dict, token: str, version: str = "2026-03", **extra) -> httpx.Response:
    return httpx.post(f"{sandbox.url}/oauth/{version}/token/introspect", data={
        "client_id": app["client_id"], "client_secret": app["client_secret"], "token": token, **extra})


def test_introspection_of_access_and_refresh_tokens(sandbox):
    app = oauth_app(sandbox)
    tokens = exchange(sandbox, app).json()
    account = sandbox.accounts[0]

    access = introspect(sandbox, app, tokens["access_token"], "2026-09")
    assert access.status_code == 200, access.text
    info = access.json()
    assert info["active"] is True and info["token_use"] == "access_token"
    assert info["client_id"] == app["client_id"] and info["token"] == tokens["access_token"]
    assert info["hub_id"] == account["hubspot"]["hub_id"] and info["token_type"] == "access"
    assert 1790 <= info["expires_in"] <= 1800 and set(info["scopes"]) == set(tokens["scopes"])
    assert info["user_id"] == tokens["user_id"] and info["app_id"]
    assert info["signed_access_token"]["hubId"] == account["hubspot"]["hub_id"]

    refresh = introspect(sandbox, app, tokens["refresh_token"], token_type_hint="refresh_token").json()
    assert refresh["active"] is True and refresh["token_use"] == "refresh_token"
    assert refresh["client_id"] == app["client_id"] and refresh["token_type"] == "refresh"

    assert introspect(sandbox, app, "not-a-token").json() == {"active": False}
    # Another app's client cannot read this app's tokens.
    other = oauth_app(sandbox, 1)
    assert introspect(sandbox, other, tokens["access_token"]).json() == {"active": False}
    wrong_secret = introspect(sandbox, {**app, "client_secret": "x"}, tokens["access_token"])
    assert_rfc_error(wrong_secret, "invalid_client", "BAD_CLIENT_SECRET", 401)


def test_revoking_a_refresh_token_ends_the_authorization(sandbox):
    app = oauth_app(sandbox)
    tokens = exchange(sandbox, app).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    revoked = httpx.post(f"{sandbox.url}/oauth/2026-09/token/revoke", data={
        "client_id": app["client_id"], "client_secret": app["client_secret"], "token": tokens["refresh_token"],
        "token_type_hint": "refresh_token"})
    assert revoked.status_code == 200 and revoked.content == b""

    assert introspect(sandbox, app, tokens["refresh_token"]).json()["active"] is False
    assert introspect(sandbox, app, tokens["access_token"]).json()["active"] is False
    crm = httpx.get(f"{sandbox.url}/crm/objects/2026-09/contacts", headers=bearer)
    assert crm.status_code == 401 and crm.json()["category"] == "EXPIRED_AUTHENTICATION"
    refresh = httpx.post(f"{sandbox.url}/oauth/2026-03/token", data={
        "grant_type": "refresh_token", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "refresh_token": tokens["refresh_token"]})
    assert_rfc_error(refresh, "invalid_grant", "BAD_REFRESH_TOKEN")
    # RFC 7009: an unknown token is no error.
    unknown = httpx.post(f"{sandbox.url}/oauth/2026-03/token/revoke", data={
        "client_id": app["client_id"], "client_secret": app["client_secret"], "token": "nope"})
    assert unknown.status_code == 200


def test_token_expiry_fault_shows_in_token_info_and_introspection(start_sandbox):
    sandbox = start_sandbox(*FLAGS)
    app = oauth_app(sandbox)
    tokens = exchange(sandbox, app).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    rule = httpx.post(f"{sandbox.url}/_sandbox/faults", json={"provider": "hubspot", "token_expiry_seconds": 0.5})
    assert rule.status_code == 200, rule.text
    assert httpx.get(f"{sandbox.url}/crm/v3/objects/calls", headers=bearer).status_code == 200  # first seen
    assert introspect(sandbox, app, tokens["access_token"]).json()["active"] is True
    time.sleep(0.7)
    assert httpx.get(f"{sandbox.url}/crm/v3/objects/calls", headers=bearer).status_code == 401

    info = introspect(sandbox, app, tokens["access_token"]).json()
    assert info["active"] is False and info["token_use"] == "access_token"
    v1_info = httpx.get(f"{sandbox.url}/oauth/v1/access-tokens/{tokens['access_token']}")
    assert v1_info.status_code == 401 and v1_info.json()["category"] == "EXPIRED_AUTHENTICATION"

    # A refreshed token is new to the rule: it works, and says so.
    fresh = httpx.post(f"{sandbox.url}/oauth/2026-03/token", data={
        "grant_type": "refresh_token", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "refresh_token": tokens["refresh_token"]}).json()
    assert introspect(sandbox, app, fresh["access_token"]).json()["active"] is True
    assert httpx.get(f"{sandbox.url}/oauth/v1/access-tokens/{fresh['access_token']}").status_code == 200
    # Clearing the rules lifts the fault's expiry: the old token's own lifetime is not over yet.
    httpx.delete(f"{sandbox.url}/_sandbox/faults")
    assert introspect(sandbox, app, tokens["access_token"]).json()["active"] is True


def test_oauth_stats_are_labelled_with_the_date_based_path(start_sandbox):
    sandbox = start_sandbox(*FLAGS)
    app = oauth_app(sandbox)
    exchange(sandbox, app, "2026-03")
    exchange(sandbox, app, "2026-09")
    counts = sandbox.admin("stats")["requests_by_endpoint"]
    assert counts["POST /oauth/2026-03/token"] == {"200": 1}
    assert counts["POST /oauth/2026-09/token"] == {"200": 1}
    assert "POST /oauth/v3/token" not in counts


# ---------------------------------------------------------------------------------------------
# CRM twins: the same records under the date-based paths

KINDS = ("calls", "emails", "meetings", "notes", "tasks", "contacts", "companies", "deals")


def bearer(sandbox) -> dict[str, str]:
    return {"Authorization": f"Bearer {sandbox.token(0)}"}


def read_list(sandbox, path: str, **params) -> tuple[list[dict], list[str]]:
    """Page a list through `paging.next.link` (as a link-following client does): results, links."""
    results, links = [], []
    url, query = f"{sandbox.url}{path}", {"limit": 100, **params}
    while True:
        response = httpx.get(url, params=query, headers=bearer(sandbox))
        assert response.status_code == 200, response.text
        page = response.json()
        results.extend(page["results"])
        if "paging" not in page:
            return results, links
        url, query = page["paging"]["next"]["link"], None
        links.append(url)


@pytest.mark.parametrize("kind", KINDS)
def test_object_lists_match_the_legacy_ones(sandbox, kind):
    params = {"properties": "hs_lastmodifieddate,hubspot_owner_id", "limit": 5}
    legacy, _ = read_list(sandbox, f"/crm/v3/objects/{kind}", **params)
    for version in ("2026-09", "2026-03"):
        dated, links = read_list(sandbox, f"/crm/objects/{version}/{kind}", **params)
        assert dated == legacy
        assert links and all(urlsplit(link).path == f"/crm/objects/{version}/{kind}" for link in links)


def test_search_batch_read_and_one_record_match(sandbox):
    search = {"filterGroups": [{"filters": [{"propertyName": "hs_createdate", "operator": "GT", "value": "0"}]}],
              "sorts": [{"propertyName": "hs_createdate", "direction": "DESCENDING"}], "limit": 20,
              "properties": ["hs_createdate"]}
    legacy = httpx.post(f"{sandbox.url}/crm/v3/objects/calls/search", json=search, headers=bearer(sandbox))
    dated = httpx.post(f"{sandbox.url}/crm/objects/2026-09/calls/search", json=search, headers=bearer(sandbox))
    assert legacy.status_code == dated.status_code == 200, dated.text
    assert dated.json()["results"] == legacy.json()["results"] and dated.json()["total"] == legacy.json()["total"]

    ids = [{"id": r["id"]} for r in legacy.json()["results"][:5]] + [{"id": "1"}]
    body = {"inputs": ids, "properties": ["hs_createdate", "hs_call_duration"]}
    legacy = httpx.post(f"{sandbox.url}/crm/v3/objects/calls/batch/read", json=body, headers=bearer(sandbox))
    dated = httpx.post(f"{sandbox.url}/crm/objects/2026-03/calls/batch/read", json=body, headers=bearer(sandbox))
    assert legacy.status_code == dated.status_code == 207
    assert dated.json()["results"] == legacy.json()["results"]
    assert dated.json()["errors"][0]["context"] == legacy.json()["errors"][0]["context"]

    record = ids[0]["id"]
    legacy = httpx.get(f"{sandbox.url}/crm/v3/objects/calls/{record}", headers=bearer(sandbox))
    if legacy.status_code == 200:  # the legacy one-record route lands with item 8
        dated = httpx.get(f"{sandbox.url}/crm/objects/2026-09/calls/{record}", headers=bearer(sandbox))
        assert dated.status_code == 200 and dated.json() == legacy.json()


def test_associations_owners_and_properties_match(sandbox):
    calls, _ = read_list(sandbox, "/crm/v3/objects/calls")
    body = {"inputs": [{"id": c["id"]} for c in calls[:50]]}
    legacy = httpx.post(f"{sandbox.url}/crm/v4/associations/calls/contacts/batch/read", json=body,
                        headers=bearer(sandbox))
    dated = httpx.post(f"{sandbox.url}/crm/associations/2026-09/calls/contacts/batch/read", json=body,
                       headers=bearer(sandbox))
    assert dated.status_code == legacy.status_code and dated.json()["results"] == legacy.json()["results"]
    assert dated.json()["results"]

    legacy_owners, _ = read_list(sandbox, "/crm/v3/owners", limit=3)
    dated_owners, links = read_list(sandbox, "/crm/owners/2026-09", limit=3)
    assert dated_owners == legacy_owners and links[0].split("?")[0].endswith("/crm/owners/2026-09")
    one = httpx.get(f"{sandbox.url}/crm/owners/2026-03/{legacy_owners[0]['id']}", headers=bearer(sandbox))
    assert one.status_code == 200 and one.json() == legacy_owners[0]

    legacy = httpx.get(f"{sandbox.url}/crm/v3/properties/deals", headers=bearer(sandbox)).json()
    dated = httpx.get(f"{sandbox.url}/crm/properties/2026-09/deals", headers=bearer(sandbox)).json()
    assert dated == legacy and dated["results"]
    one = httpx.get(f"{sandbox.url}/crm/properties/2026-09/deals/dealstage", headers=bearer(sandbox))
    assert one.status_code == 200 and one.json()["name"] == "dealstage"


def test_stats_label_each_surface_and_limits_are_shared(start_sandbox):
    sandbox = start_sandbox("--accounts", "1", "--engagements", "100", "--hubspot-rate-limit", "4",
                            "--search-index-delay-ms", "0")
    statuses = [httpx.get(f"{sandbox.url}{path}", headers=bearer(sandbox)).status_code
                for path in ("/crm/v3/objects/calls", "/crm/objects/2026-09/calls", "/crm/objects/2026-03/calls",
                             "/crm/v3/objects/calls", "/crm/objects/2026-09/calls")]
    assert statuses == [200, 200, 200, 200, 429]  # one burst window for both surfaces
    counts = sandbox.admin("stats")["requests_by_endpoint"]
    assert counts["GET /crm/v3/objects/calls"] == {"200": 2}
    assert counts["GET /crm/objects/2026-09/calls"] == {"200": 1, "429": 1}
    assert counts["GET /crm/objects/2026-03/calls"] == {"200": 1}


def test_faults_select_the_date_based_path(start_sandbox):
    sandbox = start_sandbox("--accounts", "1", "--engagements", "100", "--search-index-delay-ms", "0")
    rule = httpx.post(f"{sandbox.url}/_sandbox/faults",
                      json={"endpoint": "/crm/objects/2026-09/*", "status": {"503": 1.0}})
    assert rule.status_code == 200, rule.text
    dated = httpx.get(f"{sandbox.url}/crm/objects/2026-09/calls", headers=bearer(sandbox))
    assert dated.status_code == 503 and dated.json()["category"] == "SERVICE_UNAVAILABLE"
    assert httpx.get(f"{sandbox.url}/crm/v3/objects/calls", headers=bearer(sandbox)).status_code == 200
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"provider": "hubspot", "status": {"503": 1.0}})
    assert httpx.get(f"{sandbox.url}/crm/objects/2026-03/calls", headers=bearer(sandbox)).status_code == 503
    stats = sandbox.admin("stats")["faults_injected"]["by_endpoint"]
    assert stats["GET /crm/objects/2026-09/calls"] == {"status_503": 1}


def test_inline_association_links_point_at_the_path_used(start_sandbox):
    """More than 100 contacts at a company: its inline `associations.contacts.paging.next.link`
    leads to the per-record associations route of the surface the client read."""
    sandbox = start_sandbox("--accounts", "1", "--engagements", "4000", "--companies", "8",
                            "--search-index-delay-ms", "0", "--hubspot-rate-limit", "100000")
    links = {}
    for path in ("/crm/v3/objects/companies", "/crm/objects/2026-09/companies"):
        companies, _ = read_list(sandbox, path, associations="contacts")
        links[path] = [c["associations"]["contacts"]["paging"]["next"]["link"] for c in companies
                       if "paging" in c.get("associations", {}).get("contacts", {})]
    assert links["/crm/v3/objects/companies"], "no company has more than 100 contacts: enlarge the data"
    for legacy, dated in zip(links["/crm/v3/objects/companies"], links["/crm/objects/2026-09/companies"], strict=True):
        assert urlsplit(legacy).path.startswith("/crm/v3/objects/")
        assert urlsplit(dated).path == urlsplit(legacy).path.replace("/crm/v3/objects/", "/crm/objects/2026-09/")
        followed = httpx.get(dated, headers=bearer(sandbox))
        assert followed.status_code == 200 and followed.json() == httpx.get(legacy, headers=bearer(sandbox)).json()


# ---------------------------------------------------------------------------------------------
# Unknown routes: each provider's own JSON error shape, never plain text


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/crm/v3/nothing-here", 404),
    ("GET", "/crm/objects/2026-09", 404),
    ("GET", "/crm/v2/objects/calls", 404),
    ("DELETE", "/crm/v3/owners", 405),
    ("GET", "/oauth/2026-03/token", 405),
])
def test_unknown_hubspot_routes_answer_hubspot_json(sandbox, method, path, status):
    response = httpx.request(method, f"{sandbox.url}{path}", headers=bearer(sandbox))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error" and body["message"] and body["category"]
    assert UUID.fullmatch(body["correlationId"])


def test_fathom_and_aircall_keep_their_own_error_shapes(sandbox):
    fathom = httpx.get(f"{sandbox.url}/external/v1/nothing")
    assert fathom.status_code == 404 and set(fathom.json()) == {"error"}
    aircall = httpx.get(f"{sandbox.url}/v1/nothing")
    assert aircall.status_code == 404 and set(aircall.json()) == {"error", "troubleshoot"}
