"""Scopes: a token lacking a route's required scope gets HubSpot's 403 MISSING_SCOPES, on every
route family (lists, one record, search, batch read, associations, legacy lists, v1
engagements, date-based paths); private-app tokens carry their configured scopes, OAuth tokens
the ones granted. Real sandbox processes."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import jsonschema
import pytest

from tests.reference import hubspot_spec

LIMITED = "crm.objects.contacts.read crm.objects.owners.read"
REDIRECT = "http://localhost:8000/oauth/hubspot/callback"


@pytest.fixture(scope="module")
def limited(start_sandbox):
    return start_sandbox("--accounts", "1", "--engagements", "300", "--hubspot-rate-limit", "100000",
                         "--search-index-delay-ms", "0", "--hubspot-private-app-scopes", LIMITED)


def call(sandbox, token: str, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, f"{sandbox.url}{path}", headers={"Authorization": f"Bearer {token}"}, **kwargs)


def assert_missing(response: httpx.Response, scope: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["category"] == "MISSING_SCOPES"
    assert scope in body["context"]["requiredGranularScopes"] and scope in body["context"]["missingScopes"]
    assert body["errors"][0]["context"]["requiredGranularScopes"]
    components = json.loads(hubspot_spec("deals-v3.json").read_text())["components"]
    jsonschema.Draft202012Validator({"$ref": "#/components/schemas/Error", "components": components}).validate(body)


DENIED = [
    ("GET", "/crm/v3/objects/deals", {}, "crm.objects.deals.read"),
    ("GET", "/crm/v3/objects/0-2", {}, "crm.objects.companies.read"),
    ("GET", "/crm/objects/2026-09/deals", {}, "crm.objects.deals.read"),
    ("POST", "/crm/v3/objects/companies/search", {"json": {}}, "crm.objects.companies.read"),
    ("POST", "/crm/v3/objects/deals/batch/read", {"json": {"inputs": [{"id": "1"}]}}, "crm.objects.deals.read"),
    ("POST", "/crm/v4/associations/calls/deals/batch/read", {"json": {"inputs": [{"id": "1"}]}},
     "crm.objects.deals.read"),
    ("GET", "/deals/v1/deal/paged", {}, "crm.objects.deals.read"),
    ("GET", "/companies/v2/companies/paged", {}, "crm.objects.companies.read"),
    ("GET", "/crm/v3/properties/deals", {}, "crm.objects.deals.read"),
]


@pytest.mark.parametrize("method, path, kwargs, scope", DENIED)
def test_private_app_without_the_scope_is_refused(limited, method, path, kwargs, scope):
    assert_missing(call(limited, limited.token(0), method, path, **kwargs), scope)


def test_private_app_keeps_what_it_was_given(limited, sandbox):
    token = limited.token(0)
    for path in ("/crm/v3/objects/calls", "/crm/v3/objects/contacts", "/crm/v3/owners",
                 "/engagements/v1/engagements/paged"):
        assert call(limited, token, "GET", path).status_code == 200, path
    assert call(limited, token, "POST", "/crm/v3/objects/calls/search", json={}).status_code == 200
    # The default tokens carry every scope: the same denied routes answer 200 there.
    for method, path, kwargs, _ in DENIED:
        if "batch/read" in path:
            continue  # unknown ids are a 207, not a scope question
        response = call(sandbox, sandbox.token(0), method, path, **kwargs)
        assert response.status_code == 200, (path, response.text)


def test_email_content_needs_sales_email_read(limited, sandbox):
    params = {"properties": "hs_email_subject,hs_email_text,hs_email_direction", "limit": 20}
    seen = call(sandbox, sandbox.token(0), "GET", "/crm/v3/objects/emails", params=params).json()["results"]
    hidden = call(limited, limited.token(0), "GET", "/crm/v3/objects/emails", params=params)
    assert hidden.status_code == 200
    assert any(r["properties"]["hs_email_text"] for r in seen)
    for result in hidden.json()["results"]:
        assert result["properties"]["hs_email_text"] is None and result["properties"]["hs_email_subject"] is None
        assert result["properties"]["hs_email_direction"]  # the rest stays readable
    emails = [e for e in call(limited, limited.token(0), "GET", "/engagements/v1/engagements/paged",
                              params={"limit": 250}).json()["results"] if e["engagement"]["type"] == "EMAIL"]
    assert emails and all("text" not in e["metadata"] and "subject" not in e["metadata"] for e in emails)


def test_oauth_token_carries_its_granted_scopes(limited):
    app = limited.accounts[0]["hubspot"]["oauth"]
    params = {"client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "oauth crm.objects.contacts.read",
              "optional_scope": "crm.objects.companies.read", "state": "s"}
    with limited.client() as client:
        answer = client.post("/oauth/authorize", params=params, data={**params, "decision": "allow"})
    assert answer.status_code == 302, answer.text
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    token = httpx.post(f"{limited.url}/oauth/v1/token", data={
        "grant_type": "authorization_code", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "redirect_uri": REDIRECT, "code": code}).json()["access_token"]
    assert call(limited, token, "GET", "/crm/v3/objects/calls").status_code == 200
    assert call(limited, token, "GET", "/crm/v3/objects/companies").status_code == 200  # optional, granted
    assert_missing(call(limited, token, "GET", "/crm/v3/objects/deals"), "crm.objects.deals.read")
    assert_missing(call(limited, token, "GET", "/crm/v3/owners"), "crm.objects.owners.read")


@pytest.fixture(scope="module")
def email_only(start_sandbox):
    """Private-app tokens with `sales-email-read` alone."""
    return start_sandbox("--accounts", "1", "--engagements", "300", "--hubspot-rate-limit", "100000",
                         "--search-index-delay-ms", "0", "--hubspot-private-app-scopes", "sales-email-read")


def email_routes(base: str, email_id: str) -> list[tuple[str, str, dict]]:
    return [
        ("GET", base, {"params": {"limit": 3}}),
        ("GET", f"{base}/{email_id}", {}),
        ("POST", f"{base}/search", {"json": {"limit": 3}}),
        ("POST", f"{base}/batch/read", {"json": {"inputs": [{"id": email_id}]}}),
    ]


def first_email_id(sandbox) -> str:
    return call(sandbox, sandbox.token(0), "GET", "/crm/v3/objects/emails", params={"limit": 1}).json()[
        "results"][0]["id"]


@pytest.mark.parametrize("version", ["2026-09", "2026-03"])
def test_date_based_emails_need_both_scopes(limited, email_only, sandbox, version):
    """The 2026-09 emails spec puts crm.objects.contacts.read and sales-email-read in one security
    requirement: the date-based email routes need both; the legacy ones either (emails-v3.json)."""
    for portal, lacking in ((limited, "sales-email-read"), (email_only, "crm.objects.contacts.read")):
        email_id = first_email_id(portal)  # the legacy list: either scope reads it
        for method, path, kwargs in email_routes(f"/crm/objects/{version}/emails", email_id):
            response = call(portal, portal.token(0), method, path, **kwargs)
            assert_missing(response, lacking)
            assert set(response.json()["context"]["requiredGranularScopes"]) == {
                "crm.objects.contacts.read", "sales-email-read"}
        # The type id names the same type: the same rule.
        assert_missing(call(portal, portal.token(0), "GET", f"/crm/objects/{version}/0-49"), lacking)
        # Legacy paths: either scope is enough.
        for method, path, kwargs in email_routes("/crm/v3/objects/emails", email_id):
            response = call(portal, portal.token(0), method, path, **kwargs)
            assert response.status_code == 200, (path, response.text)
    # Other date-based engagement routes still need only the contacts scope.
    assert call(limited, limited.token(0), "GET", f"/crm/objects/{version}/calls").status_code == 200
    assert_missing(call(email_only, email_only.token(0), "GET", f"/crm/objects/{version}/calls"),
                   "crm.objects.contacts.read")
    # A token with every scope reads them on both surfaces.
    email_id = first_email_id(sandbox)
    for method, path, kwargs in email_routes(f"/crm/objects/{version}/emails", email_id):
        assert call(sandbox, sandbox.token(0), method, path, **kwargs).status_code == 200, path


def test_legacy_engagement_properties_need_the_contacts_scope(limited, email_only):
    assert call(limited, limited.token(0), "GET", "/properties/v2/engagements/properties").status_code == 200
    assert_missing(call(email_only, email_only.token(0), "GET", "/properties/v2/engagements/properties"),
                   "crm.objects.contacts.read")
