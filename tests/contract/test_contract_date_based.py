"""HubSpot's date-based API (provider-apis.md A0) validated against HubSpot's 2026-09 OpenAPI specs
(`../shared/reference/hubspot-openapi/2026-09/`), as the legacy responses are against the v3/v4 ones.
The official SDK (12.x) still calls the legacy paths, so these requests are plain httpx; every
response goes through the same openapi-core check (contract_support.HubSpotSpecs)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from contract_support import DATE_VERSIONS, OBJECT_KINDS, exchange_of

REDIRECT = "http://localhost:8000/oauth/hubspot/callback"


def call(sandbox, method: str, path: str, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {sandbox.token(0)}"}
    return httpx.request(method, f"{sandbox.url}{path}", headers=headers, timeout=30, **kwargs)


@pytest.mark.parametrize("version", DATE_VERSIONS)
@pytest.mark.parametrize("kind", OBJECT_KINDS)
def test_objects_list_search_and_batch_read(sandbox, specs, kind, version):
    base = f"/crm/objects/{version}/{kind}"
    exchanges = []
    first = call(sandbox, "GET", base, params={"limit": 5, "associations": "contacts,companies"})
    exchanges.append(first)
    assert first.status_code == 200 and first.json()["paging"]["next"]["link"].split("?")[0].endswith(base)
    second = call(sandbox, "GET", base, params={"limit": 5, "after": first.json()["paging"]["next"]["after"],
                                                "properties": "hs_createdate,hubspot_owner_id"})
    exchanges.append(second)
    exchanges.append(call(sandbox, "GET", base, params={"archived": "true", "limit": 3}))
    search = call(sandbox, "POST", f"{base}/search", json={
        "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": "0"}]}],
        "limit": 3})
    exchanges.append(search)
    assert search.status_code == 200 and search.json()["total"] > 0
    ids = [r["id"] for r in first.json()["results"]]
    exchanges.append(call(sandbox, "POST", f"{base}/batch/read", json={"inputs": [{"id": i} for i in ids]}))
    missing = call(sandbox, "POST", f"{base}/batch/read", json={"inputs": [{"id": ids[0]}, {"id": "1"}]})
    assert missing.status_code == 207
    exchanges.append(missing)
    exchanges.append(call(sandbox, "GET", base, params={"limit": 1000}))  # 400 VALIDATION_ERROR
    assert exchanges[-1].status_code == 400
    one = call(sandbox, "GET", f"{base}/{ids[0]}")
    assert one.status_code == 200 and one.json()["id"] == ids[0]
    exchanges.append(one)
    specs.assert_valid([exchange_of(r) for r in exchanges], minimum=len(exchanges))


@pytest.mark.parametrize("version", DATE_VERSIONS)
def test_associations_owners_properties(sandbox, specs, version):
    calls = call(sandbox, "GET", f"/crm/objects/{version}/calls", params={"limit": 20}).json()["results"]
    exchanges = [
        call(sandbox, "POST", f"/crm/associations/{version}/calls/contacts/batch/read",
             json={"inputs": [{"id": c["id"]} for c in calls] + [{"id": "1"}]}),
        call(sandbox, "GET", f"/crm/owners/{version}", params={"limit": 3}),
        call(sandbox, "GET", f"/crm/owners/{version}", params={"archived": "true"}),
        call(sandbox, "GET", f"/crm/properties/{version}/calls"),
        call(sandbox, "GET", f"/crm/properties/{version}/deals/dealstage"),
        call(sandbox, "GET", f"/crm/properties/{version}/deals/no_such_property"),
    ]
    owner = exchanges[1].json()["results"][0]["id"]
    exchanges.append(call(sandbox, "GET", f"/crm/owners/{version}/{owner}"))
    assert [r.status_code for r in exchanges] == [207, 200, 200, 200, 200, 404, 200]
    specs.assert_valid([exchange_of(r) for r in exchanges], minimum=len(exchanges))


@pytest.mark.parametrize("version", DATE_VERSIONS)
def test_pipelines_and_schemas(sandbox, specs, version):
    paths = [f"/crm/pipelines/{version}/deals", f"/crm-object-schemas/{version}/schemas"]
    exchanges = [call(sandbox, "GET", path) for path in paths]
    pipeline = exchanges[0].json()["results"][0]["id"]
    exchanges.append(call(sandbox, "GET", f"/crm/pipelines/{version}/deals/{pipeline}/stages"))
    assert [r.status_code for r in exchanges] == [200, 200, 200], [r.text[:200] for r in exchanges]
    specs.assert_valid([exchange_of(r) for r in exchanges], minimum=len(exchanges))


@pytest.mark.parametrize("version", DATE_VERSIONS)
def test_oauth_token_introspection_and_errors(sandbox, specs, version):
    app = sandbox.accounts[0]["hubspot"]["oauth"]
    consent = httpx.post(f"{sandbox.url}/oauth/authorize", data={
        "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "oauth crm.objects.contacts.read",
        "decision": "allow"}, follow_redirects=False)
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
    client = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    url = f"{sandbox.url}/oauth/{version}/token"
    tokens = httpx.post(url, data={**client, "grant_type": "authorization_code", "code": code,
                                   "redirect_uri": REDIRECT})
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    exchanges = [
        tokens,
        httpx.post(url, data={**client, "grant_type": "refresh_token", "refresh_token": body["refresh_token"]}),
        httpx.post(f"{url}/introspect", data={**client, "token": body["access_token"]}),
        httpx.post(f"{url}/introspect", data={**client, "token": body["refresh_token"],
                                              "token_type_hint": "refresh_token"}),
        httpx.post(url, data={**client, "grant_type": "authorization_code", "code": code,
                              "redirect_uri": REDIRECT}),  # spent code: invalid_grant
        httpx.post(url, data={**client, "grant_type": "refresh_token", "refresh_token": "na1-nope"}),
    ]
    assert [r.status_code for r in exchanges] == [200, 200, 200, 200, 400, 400]
    assert exchanges[2].json()["active"] is True and exchanges[3].json()["token_use"] == "refresh_token"
    assert exchanges[4].json()["error"] == "invalid_grant" and exchanges[4].json()["status"] == "BAD_AUTH_CODE"
    specs.assert_valid([exchange_of(r) for r in exchanges], minimum=len(exchanges))

    # Revocation declares no success response in the spec (only `default`): 200 and no body (RFC 7009).
    revoked = httpx.post(f"{url}/revoke", data={**client, "token": body["refresh_token"]})
    assert revoked.status_code == 200 and revoked.content == b""
    expired = httpx.post(f"{url}/introspect", data={**client, "token": body["access_token"]})
    assert expired.json()["active"] is False
    specs.assert_valid([exchange_of(expired)])
