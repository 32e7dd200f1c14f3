"""Fathom OAuth (provider-apis.md B1), served on the sandbox host in place of fathom.video:

- `GET /external/v1/oauth2/authorize?client_id&redirect_uri&scope=public_api&state&response_type=code`
  (optional PKCE S256): consent page. Unknown client or redirect URI: error page. Once the
  redirect URI is trusted, RFC 6749 errors are redirected (`unsupported_response_type`,
  `invalid_scope` for anything but `public_api`, `access_denied` on Deny).
- `POST /external/v1/oauth2/token` (form): `authorization_code` and `refresh_token`. Refresh
  tokens are one-time-use: each refresh returns a new one and the old one stops working.
  Client credentials in the body or as HTTP Basic. Errors are RFC 6749 bodies
  `{"error", "error_description"}` (400, or 401 `invalid_client`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.oauth import (
    authorize_params,
    check_code_challenge,
    consent_page,
    error_page,
    new_code,
    pkce_matches,
    redirect_to,
    token_params,
)
from provider_sandbox.responses import JSONResponse, json_response
from provider_sandbox.state import sandbox_state

PROVIDER = "Fathom"
SCOPE = "public_api"
AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "scope", "state", "response_type",
                    "code_challenge", "code_challenge_method")


def routes() -> list[Route]:
    return [
        Route("/external/v1/oauth2/authorize", authorize, methods=["GET", "POST"]),
        Route("/external/v1/oauth2/token", token, methods=["POST"]),
    ]


async def authorize(request: Request) -> Response:
    runtime = sandbox_state(request).fathom
    params = await authorize_params(request)
    account = runtime.clients.get(params.get("client_id", ""))
    if account is None:
        return error_page(PROVIDER, "invalid_client", "Client authentication failed: unknown client_id.")
    app = account.fathom.oauth_app
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in app.redirect_uris:
        return error_page(PROVIDER, "invalid_redirect_uri",
                          "The redirect uri included is not valid for this client.")
    state = params.get("state")

    def refuse(error: str, description: str) -> Response:
        return redirect_to(redirect_uri, {"error": error, "error_description": description, "state": state})

    if params.get("response_type") != "code":
        return refuse("unsupported_response_type", "response_type must be code")
    if params.get("scope", "").split() != [SCOPE]:
        return refuse("invalid_scope", f"the only scope is {SCOPE}")
    if problem := check_code_challenge(params.get("code_challenge"), params.get("code_challenge_method")):
        return refuse("invalid_request", problem)

    if request.method == "GET":
        owner = account.fathom.users[0]
        return consent_page(
            provider=PROVIDER, app_name=app.name, account_label=f"{owner.name} ({owner.email})",
            scopes=[SCOPE], action=request.url.path,
            fields={name: params[name] for name in AUTHORIZE_FIELDS if params.get(name)},
        )
    decision = params.get("decision")
    if decision == "deny":
        return refuse("access_denied", "The resource owner denied the request.")
    if decision != "allow":
        return error_page(PROVIDER, "invalid_request", "decision must be 'allow' or 'deny'.")
    code = runtime.codes.issue(new_code(), app.client_id, account.key, redirect_uri, (SCOPE,),
                               params.get("code_challenge"))
    return redirect_to(redirect_uri, {"code": code, "state": state})


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return json_response({"error": error, "error_description": description}, status=status)


def _client_credentials(request: Request, params: dict[str, str]) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
            return client_id, secret
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
    return params.get("client_id", ""), params.get("client_secret", "")


async def token(request: Request) -> Response:
    runtime = sandbox_state(request).fathom
    params = await token_params(request)
    grant_type = params.get("grant_type", "")
    if grant_type not in ("authorization_code", "refresh_token"):
        return oauth_error("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
    client_id, client_secret = _client_credentials(request, params)
    account = runtime.clients.get(client_id)
    expected = account.fathom.oauth_app.client_secret if account is not None else ""
    if account is None or not hmac.compare_digest(client_secret.encode(), expected.encode()):
        return oauth_error("invalid_client", "Client authentication failed.", status=401)

    if grant_type == "authorization_code":
        issued = runtime.codes.redeem(params.get("code", ""))  # single use, whatever the outcome
        if issued is None or issued.client_id != client_id:
            return oauth_error("invalid_grant", "The authorization code is invalid or was already used.")
        if time.time() >= issued.expires_at:
            return oauth_error("invalid_grant", "The authorization code has expired.")
        if params.get("redirect_uri") != issued.redirect_uri:
            return oauth_error("invalid_grant", "redirect_uri does not match the authorization request.")
        if issued.code_challenge is not None and not pkce_matches(params.get("code_verifier"), issued.code_challenge):
            return oauth_error("invalid_grant", "code_verifier does not match the code_challenge.")
        return json_response(runtime.issue_tokens(account, client_id))

    grant = runtime.refresh_tokens.get(params.get("refresh_token", ""))
    if grant is None or not grant.active or grant.client_id != client_id:
        return oauth_error("invalid_grant", "The refresh token is invalid, revoked or was already used.")
    grant.active = False  # one-time use: the response carries its successor
    return json_response(runtime.issue_tokens(account, client_id))
