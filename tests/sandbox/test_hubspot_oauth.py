"""HubSpot OAuth: consent page, code exchange (single use, PKCE, redirect_uri), refresh in both
rotation modes, expiry and revocation, v1 error bodies; answers checked against oauth-v1.json
with openapi-core and parsed by the official SDK."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
import jsonschema
import openapi_core
import pytest
from openapi_core.testing import MockRequest, MockResponse

from tests.reference import hubspot_spec

REDIRECT = "http://localhost:8000/oauth/hubspot/callback"
OTHER_REDIRECT = "http://localhost:8000/oauth/callback"
SCOPE = "oauth crm.objects.contacts.read"
TTL = 2  # seconds, for the sandbox that tests expiry
SMALL = ("--accounts", "2", "--engagements", "60", "--fathom-meetings", "3")


@pytest.fixture(scope="module")
def sandbox(start_sandbox):
    """Short-lived tokens, refresh returns the same refresh token."""
    return start_sandbox(*SMALL, "--hubspot-token-ttl", str(TTL))


@pytest.fixture(scope="module")
def rotating(start_sandbox):
    """Default 30-minute tokens, rotating refresh tokens, Deny stays on the page."""
    return start_sandbox(*SMALL, "--hubspot-refresh-rotation", "rotate", "--hubspot-deny-no-redirect")


@pytest.fixture(scope="module")
def spec():
    path = hubspot_spec("oauth-v1.json")
    api = openapi_core.OpenAPI.from_file_path(str(path))
    components = json.loads(path.read_text())["components"]

    def validate(method: str, path: str, response: httpx.Response) -> None:
        if response.status_code < 300:
            api.validate_response(
                MockRequest("https://api.hubapi.com", method.lower(), path),
                MockResponse(response.content, status_code=response.status_code,
                             content_type=response.headers.get("content-type", "application/json")),
            )
        else:
            # The spec's default response is `*/*` (openapi-core does not parse it): check the
            # body against its Error schema directly.
            schema = {"$ref": "#/components/schemas/Error", "components": components}
            jsonschema.Draft202012Validator(schema).validate(response.json())

    return validate


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action, self.fields = None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs["action"]
        elif tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs["value"]


def app_of(sandbox, index: int = 0) -> dict:
    return sandbox.accounts[index]["hubspot"]["oauth"]


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def consent(client: httpx.Client, decision: str = "allow", path: str = "/oauth/authorize", **params) -> httpx.Response:
    """Open the consent page like a browser, then press Allow or Deny (submit its form)."""
    page = client.get(path, params=params)
    assert page.status_code == 200, page.text
    assert 'id="allow"' in page.text and 'id="deny"' in page.text
    form = _Form()
    form.feed(page.text)
    return client.post(form.action, data={**form.fields, "decision": decision})


def authorize(sandbox, index: int = 0, redirect_uri: str = REDIRECT, **extra) -> str:
    app = app_of(sandbox, index)
    with sandbox.client() as client:
        answer = consent(client, client_id=app["client_id"], redirect_uri=redirect_uri, scope=SCOPE,
                         state="st-123", **extra)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    query = parse_qs(location.query)
    assert query["state"] == ["st-123"]
    return query["code"][0]


def exchange(sandbox, code: str, index: int = 0, redirect_uri: str = REDIRECT, **extra) -> httpx.Response:
    app = app_of(sandbox, index)
    form = {"grant_type": "authorization_code", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "redirect_uri": redirect_uri, "code": code, **extra}
    return httpx.post(f"{sandbox.url}/oauth/v1/token", data=form)


def refresh(sandbox, refresh_token: str, index: int = 0) -> httpx.Response:
    app = app_of(sandbox, index)
    return httpx.post(f"{sandbox.url}/oauth/v1/token", data={
        "grant_type": "refresh_token", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "refresh_token": refresh_token})


def crm_calls(sandbox, token: str) -> httpx.Response:
    return httpx.get(f"{sandbox.url}/crm/v3/objects/calls", params={"limit": 5},
                     headers={"Authorization": f"Bearer {token}"})


def assert_v1_error(response: httpx.Response, status: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == status
    assert body["message"] and re.fullmatch(r"[0-9a-f-]{36}", body["correlationId"])


def test_code_exchange_answers_match_the_spec_and_work_on_crm(rotating, spec):
    code = authorize(rotating)
    token = exchange(rotating, code)
    assert token.status_code == 200, token.text
    spec("POST", "/oauth/v1/token", token)
    body = token.json()
    account = rotating.accounts[0]
    assert body["token_type"] == "bearer" and body["token_use"] == "access_token"
    assert body["expires_in"] == 1800
    assert body["hub_id"] == account["hubspot"]["hub_id"]
    assert body["scopes"] == SCOPE.split()
    assert re.fullmatch(r"na1-[0-9a-f]{4}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", body["refresh_token"])
    assert len(body["access_token"]) <= 300

    calls = crm_calls(rotating, body["access_token"])
    assert calls.status_code == 200
    assert len(calls.json()["results"]) == 5
    # OAuth calls carry the burst headers but not the daily ones (no daily limit for OAuth).
    assert "X-HubSpot-RateLimit-Max" in calls.headers
    assert "X-HubSpot-RateLimit-Daily" not in calls.headers

    info = httpx.get(f"{rotating.url}/oauth/v1/access-tokens/{body['access_token']}")
    spec("GET", f"/oauth/v1/access-tokens/{body['access_token']}", info)
    info_body = info.json()
    assert info_body["hub_id"] == body["hub_id"] and info_body["scopes"] == body["scopes"]
    assert info_body["user"] == account["hubspot"]["owners"][0]["email"]
    assert 1790 <= info_body["expires_in"] <= 1800 and info_body["token_type"] == "access"

    refresh_info = httpx.get(f"{rotating.url}/oauth/v1/refresh-tokens/{body['refresh_token']}")
    spec("GET", f"/oauth/v1/refresh-tokens/{body['refresh_token']}", refresh_info)
    assert refresh_info.json()["client_id"] == app_of(rotating)["client_id"]

    unknown = httpx.get(f"{rotating.url}/oauth/v1/access-tokens/not-a-token")
    assert unknown.status_code == 404
    spec("GET", "/oauth/v1/access-tokens/not-a-token", unknown)


def test_auth_codes_are_single_use(sandbox):
    code = authorize(sandbox)
    assert exchange(sandbox, code).status_code == 200
    assert_v1_error(exchange(sandbox, code), "BAD_AUTH_CODE")
    assert_v1_error(exchange(sandbox, "00000000-0000-4000-8000-000000000000"), "BAD_AUTH_CODE")


def test_pkce_verifier_must_match_the_challenge(sandbox):
    verifier, challenge = pkce_pair()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
    code = authorize(sandbox, **pkce)
    assert_v1_error(exchange(sandbox, code, code_verifier=pkce_pair()[0]), "BAD_AUTH_CODE")
    # A failed attempt spends the code too.
    assert_v1_error(exchange(sandbox, code, code_verifier=verifier), "BAD_AUTH_CODE")

    code = authorize(sandbox, **pkce)
    assert_v1_error(exchange(sandbox, code), "BAD_AUTH_CODE")  # verifier missing

    code = authorize(sandbox, **pkce)
    assert exchange(sandbox, code, code_verifier=verifier).status_code == 200

    app = app_of(sandbox)
    plain = httpx.get(f"{sandbox.url}/oauth/authorize", params={
        "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": SCOPE,
        "code_challenge": verifier, "code_challenge_method": "plain"})
    assert plain.status_code == 400 and 'data-error="BAD_CODE_CHALLENGE"' in plain.text


def test_refresh_keeps_the_same_token_by_default(sandbox):
    first = exchange(sandbox, authorize(sandbox)).json()
    second = refresh(sandbox, first["refresh_token"])
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] == first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scopes"] == first["scopes"]
    assert refresh(sandbox, first["refresh_token"]).status_code == 200  # still valid
    assert crm_calls(sandbox, second["access_token"]).status_code == 200


def test_refresh_rotation_invalidates_the_old_refresh_token(rotating):
    first = exchange(rotating, authorize(rotating)).json()
    second = refresh(rotating, first["refresh_token"])
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert_v1_error(refresh(rotating, first["refresh_token"]), "BAD_REFRESH_TOKEN")
    third = refresh(rotating, second["refresh_token"])
    assert third.status_code == 200
    # Access tokens minted before the rotation keep working until they expire.
    assert crm_calls(rotating, first["access_token"]).status_code == 200


def test_expired_access_token_gets_401_expired_authentication(sandbox, spec):
    body = exchange(sandbox, authorize(sandbox)).json()
    assert body["expires_in"] == TTL
    assert crm_calls(sandbox, body["access_token"]).status_code == 200
    time.sleep(TTL + 0.2)
    expired = crm_calls(sandbox, body["access_token"])
    assert expired.status_code == 401
    error = expired.json()
    assert error["category"] == "EXPIRED_AUTHENTICATION"
    assert re.fullmatch(r"The OAuth token used to make this call expired \d+ minute\(s\) ago\.", error["message"])
    spec("GET", "/oauth/v1/access-tokens/x", expired)  # the Error schema
    info = httpx.get(f"{sandbox.url}/oauth/v1/access-tokens/{body['access_token']}")
    assert info.status_code == 401 and info.json()["category"] == "EXPIRED_AUTHENTICATION"
    # Refreshing by TTL is the way out.
    renewed = refresh(sandbox, body["refresh_token"]).json()
    assert crm_calls(sandbox, renewed["access_token"]).status_code == 200


def test_deleted_refresh_token_is_revoked_with_its_access_tokens(rotating):
    body = exchange(rotating, authorize(rotating)).json()
    rotated = refresh(rotating, body["refresh_token"]).json()
    deleted = httpx.delete(f"{rotating.url}/oauth/v1/refresh-tokens/{rotated['refresh_token']}")
    assert deleted.status_code == 204
    assert_v1_error(refresh(rotating, rotated["refresh_token"]), "BAD_REFRESH_TOKEN")
    for access_token in (body["access_token"], rotated["access_token"]):
        revoked = crm_calls(rotating, access_token)
        assert revoked.status_code == 401 and revoked.json()["category"] == "EXPIRED_AUTHENTICATION"
    assert httpx.get(f"{rotating.url}/oauth/v1/refresh-tokens/{rotated['refresh_token']}").status_code == 404
    assert httpx.delete(f"{rotating.url}/oauth/v1/refresh-tokens/{rotated['refresh_token']}").status_code == 404


def test_deny_redirects_with_access_denied(sandbox):
    app = app_of(sandbox)
    with sandbox.client() as client:
        denied = consent(client, "deny", client_id=app["client_id"], redirect_uri=REDIRECT, scope=SCOPE, state="s1")
    assert denied.status_code == 302
    query = parse_qs(urlsplit(denied.headers["location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s1"]
    assert query["error_description"][0]
    assert "code" not in query


def test_deny_can_stay_on_the_page(rotating):
    app = app_of(rotating)
    with rotating.client() as client:
        denied = consent(client, "deny", client_id=app["client_id"], redirect_uri=REDIRECT, scope=SCOPE)
    assert denied.status_code == 200 and "location" not in denied.headers


def test_redirect_uri_must_match_exactly(sandbox):
    app = app_of(sandbox)
    for wrong in (REDIRECT + "/", "http://127.0.0.1:8000/oauth/hubspot/callback", "https://evil.example/cb", ""):
        page = httpx.get(f"{sandbox.url}/oauth/authorize",
                         params={"client_id": app["client_id"], "redirect_uri": wrong, "scope": SCOPE})
        assert page.status_code == 400 and "location" not in page.headers
        assert 'data-error="BAD_REDIRECT_URI"' in page.text
    # The token request must repeat the authorize request's redirect_uri.
    code = authorize(sandbox)
    assert_v1_error(exchange(sandbox, code, redirect_uri=OTHER_REDIRECT), "MISMATCH_REDIRECT_URI_AUTH_CODE")
    code = authorize(sandbox)
    assert_v1_error(exchange(sandbox, code, redirect_uri="https://evil.example/cb"), "BAD_REDIRECT_URI")


def test_client_and_scope_checks(sandbox):
    app = app_of(sandbox)

    def page(**params):
        return httpx.get(f"{sandbox.url}/oauth/authorize", params={
            "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": SCOPE, **params})

    assert 'data-error="BAD_CLIENT_ID"' in page(client_id="00000000-0000-4000-8000-000000000000").text
    assert 'data-error="MISSING_REQUIRED_SCOPE"' in page(scope="oauth").text
    assert 'data-error="INVALID_SCOPE"' in page(scope=SCOPE + " contacts").text
    # account-2 is a Professional portal: custom objects need Enterprise.
    app2 = app_of(sandbox, 1)
    assert sandbox.accounts[1]["hubspot"]["oauth"]["unavailable_scopes"] == [
        "crm.objects.custom.read", "crm.schemas.custom.read"]
    assert 'data-error="SCOPE_NOT_AVAILABLE"' in page(
        client_id=app2["client_id"], scope=SCOPE + " crm.objects.custom.read").text

    token = httpx.post(f"{sandbox.url}/oauth/v1/token", data={
        "grant_type": "authorization_code", "client_id": "nope", "client_secret": "x", "code": "c"})
    assert_v1_error(token, "BAD_CLIENT_ID")
    token = httpx.post(f"{sandbox.url}/oauth/v1/token", data={
        "grant_type": "authorization_code", "client_id": app["client_id"], "client_secret": "wrong", "code": "c"})
    assert_v1_error(token, "BAD_CLIENT_SECRET")
    assert_v1_error(refresh(sandbox, "na1-0000-0000-0000-0000-000000000000"), "BAD_REFRESH_TOKEN")


def test_optional_scopes_are_granted_only_where_the_portal_has_them(sandbox):
    optional = {"optional_scope": "crm.objects.custom.read crm.objects.deals.read"}
    enterprise = exchange(sandbox, authorize(sandbox, 0, **optional)).json()
    assert enterprise["scopes"] == [*SCOPE.split(), "crm.objects.custom.read", "crm.objects.deals.read"]
    professional = exchange(sandbox, authorize(sandbox, 1, **optional), index=1).json()
    assert professional["scopes"] == [*SCOPE.split(), "crm.objects.deals.read"]
    assert professional["hub_id"] == sandbox.accounts[1]["hubspot"]["hub_id"]


def test_account_pinned_authorize_url(sandbox):
    app = app_of(sandbox)
    hub_id = sandbox.accounts[0]["hubspot"]["hub_id"]
    params = {"client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": SCOPE, "state": "st-123"}
    with sandbox.client() as client:
        answer = consent(client, path=f"/oauth/{hub_id}/authorize", **params)
        wrong = client.get(f"/oauth/{hub_id + 1}/authorize", params=params)
    assert answer.status_code == 302 and "code=" in answer.headers["location"]
    assert wrong.status_code == 403 and 'data-error="BAD_HUB_ID"' in wrong.text


def test_official_sdk_exchanges_and_refreshes(sandbox):
    import hubspot
    app = app_of(sandbox)
    client = hubspot.Client.create(host=sandbox.url)
    tokens_api = client.oauth.tokens_api
    created = tokens_api.create(grant_type="authorization_code", code=authorize(sandbox), redirect_uri=REDIRECT,
                                client_id=app["client_id"], client_secret=app["client_secret"])
    assert created.access_token and created.refresh_token and created.expires_in == TTL
    assert created.token_type == "bearer"
    refreshed = tokens_api.create(grant_type="refresh_token", refresh_token=created.refresh_token,
                                  client_id=app["client_id"], client_secret=app["client_secret"])
    assert refreshed.access_token != created.access_token

    info = client.oauth.access_tokens_api.get(token=refreshed.access_token)
    assert info.hub_id == sandbox.accounts[0]["hubspot"]["hub_id"] and info.scopes == SCOPE.split()
    refresh_info = client.oauth.refresh_tokens_api.get(token=refreshed.refresh_token)
    assert refresh_info.client_id == app["client_id"]
    client.oauth.refresh_tokens_api.archive(token=refreshed.refresh_token)
    with pytest.raises(hubspot.oauth.ApiException) as failure:
        tokens_api.create(grant_type="refresh_token", refresh_token=created.refresh_token,
                          client_id=app["client_id"], client_secret=app["client_secret"])
    assert failure.value.status == 400 and json.loads(failure.value.body)["status"] == "BAD_REFRESH_TOKEN"
