"""Legacy switches (`--hubspot-legacy-off`): groups of legacy HubSpot paths answer as HubSpot
answers a removed endpoint (404 with its JSON error body) while the date-based paths keep working,
so a client can prove its fallback. By default every legacy path works."""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

SMALL = ("--accounts", "1", "--engagements", "100", "--fathom-meetings", "3", "--search-index-delay-ms", "0")
REDIRECT = "http://localhost:8000/oauth/hubspot/callback"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def get(sandbox, path: str) -> httpx.Response:
    return httpx.get(f"{sandbox.url}{path}", headers={"Authorization": f"Bearer {sandbox.token(0)}"})


def assert_removed(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error" and body["category"] == "OBJECT_NOT_FOUND"
    assert body["message"] and UUID.fullmatch(body["correlationId"])


def token_form(sandbox, version: str) -> httpx.Response:
    app = sandbox.accounts[0]["hubspot"]["oauth"]
    consent = httpx.post(f"{sandbox.url}/oauth/authorize", data={
        "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "oauth crm.objects.contacts.read",
        "decision": "allow"}, follow_redirects=False)
    assert consent.status_code == 302, consent.text  # the authorize page is not versioned: never off
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
    return httpx.post(f"{sandbox.url}/oauth/{version}/token", data={
        "grant_type": "authorization_code", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "redirect_uri": REDIRECT, "code": code})


def test_everything_is_on_by_default(start_sandbox):
    sandbox = start_sandbox(*SMALL)
    for path in ("/crm/v3/objects/calls", "/engagements/v1/engagements/paged", "/crm/v3/owners",
                 "/properties/v2/contacts/properties", "/crm/objects/2026-09/calls"):
        assert get(sandbox, path).status_code == 200, path
    assert token_form(sandbox, "v1").status_code == 200


def test_oauth_v1_off(start_sandbox):
    sandbox = start_sandbox(*SMALL, "--hubspot-legacy-off", "oauth-v1")
    assert_removed(token_form(sandbox, "v1"))
    assert_removed(get(sandbox, "/oauth/v1/access-tokens/abc"))
    assert_removed(httpx.delete(f"{sandbox.url}/oauth/v1/refresh-tokens/abc"))
    # The fallback works: the date-based token endpoint and a CRM call with its token.
    tokens = token_form(sandbox, "2026-03")
    assert tokens.status_code == 200, tokens.text
    calls = httpx.get(f"{sandbox.url}/crm/v3/objects/calls",
                      headers={"Authorization": f"Bearer {tokens.json()['access_token']}"})
    assert calls.status_code == 200
    assert get(sandbox, "/engagements/v1/engagements/paged").status_code == 200


def test_engagements_v1_off(start_sandbox):
    sandbox = start_sandbox(*SMALL, "--hubspot-legacy-off", "engagements-v1")
    assert_removed(get(sandbox, "/engagements/v1/engagements/paged"))
    assert_removed(get(sandbox, "/engagements/v1/engagements/modified/after?since=0"))
    assert get(sandbox, "/crm/v3/objects/calls").status_code == 200
    assert get(sandbox, "/crm/objects/2026-09/calls").status_code == 200
    assert token_form(sandbox, "v1").status_code == 200
    counts = sandbox.admin("stats")["requests_by_endpoint"]
    assert counts["GET /engagements/v1/engagements/paged"] == {"404": 1}


def test_all_v1_to_v4_off(start_sandbox):
    sandbox = start_sandbox(*SMALL, "--hubspot-legacy-off", "v1-v4")
    for path in ("/crm/v3/objects/calls", "/crm/v3/owners", "/crm/v3/owners/", "/crm/v3/properties/calls",
                 "/properties/v2/contacts/properties", "/engagements/v1/engagements/paged",
                 "/oauth/v1/access-tokens/abc"):
        assert_removed(get(sandbox, path))
    body = {"inputs": [{"id": "1"}]}
    headers = {"Authorization": f"Bearer {sandbox.token(0)}"}
    assert_removed(httpx.post(f"{sandbox.url}/crm/v4/associations/calls/contacts/batch/read", json=body,
                              headers=headers))
    assert_removed(httpx.post(f"{sandbox.url}/crm/v3/objects/calls/search", json={}, headers=headers))
    assert_removed(token_form(sandbox, "v1"))
    assert_removed(token_form(sandbox, "v3"))
    # Every date-based twin still answers, with data.
    for path in ("/crm/objects/2026-09/calls", "/crm/objects/2026-03/contacts", "/crm/owners/2026-09",
                 "/crm/properties/2026-09/calls"):
        response = get(sandbox, path)
        assert response.status_code == 200 and response.json()["results"], path
    dated = httpx.post(f"{sandbox.url}/crm/objects/2026-09/calls/search", json={}, headers=headers)
    assert dated.status_code == 200 and dated.json()["total"] > 0
    assert token_form(sandbox, "2026-09").status_code == 200
    # Other providers' /v1 paths are not HubSpot's.
    aircall = sandbox.accounts[0]["aircall"]
    calls = httpx.get(f"{sandbox.url}/v1/calls", auth=(aircall["api_id"], aircall["api_token"]))
    assert calls.status_code == 200
    fathom = httpx.get(f"{sandbox.url}/external/v1/meetings",
                       headers={"X-Api-Key": sandbox.accounts[0]["fathom"]["api_key"]})
    assert fathom.status_code == 200


def test_switched_off_groups_combine_and_unknown_ones_are_refused(start_sandbox, tmp_path):
    sandbox = start_sandbox(*SMALL, "--hubspot-legacy-off", "oauth-v1,engagements-v1")
    assert_removed(get(sandbox, "/engagements/v1/engagements/paged"))
    assert_removed(token_form(sandbox, "v1"))
    assert get(sandbox, "/crm/v3/objects/calls").status_code == 200

    refused = subprocess.run([sys.executable, "-m", "provider_sandbox", "--port", "0", "--hubspot-legacy-off",
                              "oauth-v2"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert refused.returncode == 2 and "oauth-v2" in refused.stderr


def test_settings_and_versions_name_the_same_groups():
    from provider_sandbox.hubspot.versions import LEGACY_GROUPS
    from provider_sandbox.settings import HUBSPOT_LEGACY_GROUPS

    assert tuple(LEGACY_GROUPS) == HUBSPOT_LEGACY_GROUPS


@pytest.mark.parametrize("path,groups", [
    ("/oauth/v1/token", {"oauth-v1", "v1-v4"}),
    ("/oauth/v3/token/introspect", {"v1-v4"}),
    ("/engagements/v1/engagements/paged", {"engagements-v1", "v1-v4"}),
    ("/crm/v4/associations/{from_type}/{to_type}/batch/read", {"v1-v4"}),
    ("/deals/v1/deal/paged", {"v1-v4"}),
    ("/companies/v2/companies/paged", {"v1-v4"}),
    ("/crm/objects/2026-09/calls", set()),
    ("/oauth/authorize", set()),
    ("/oauth/2026-03/token", set()),
    ("/external/v1/meetings", set()),
    ("/v1/calls", set()),
])
def test_groups_cover_the_timeline(path, groups):
    from provider_sandbox.hubspot.versions import LEGACY_GROUPS, is_switched_off

    assert {name for name in LEGACY_GROUPS if is_switched_off(path, [name])} == groups
