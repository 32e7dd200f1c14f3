"""HubSpot OAuth routes (provider-apis.md A1): the authorize page and the v1 token API.

- `GET /oauth/authorize` and `GET /oauth/{hubId}/authorize`: consent page (Allow / Deny).
  Unknown `client_id`, a `redirect_uri` that is not exactly one of the app's, or bad scopes are
  shown on the page, never redirected (the redirect target cannot be trusted yet). Allow
  redirects with `code` and `state`; Deny with `error=access_denied` (or, with
  `--hubspot-deny-no-redirect`, stays on the page as the quickstart guide describes).
- `POST /oauth/v1/token`: `authorization_code` (single use, same redirect_uri, PKCE S256 checked
  when the authorize request had a challenge) and `refresh_token`. Errors are the v1 bodies
  `{"status": "BAD_AUTH_CODE", "message", "correlationId"}` with 400, not the `Error` schema.
- `GET /oauth/v1/access-tokens/{token}`, `GET|DELETE /oauth/v1/refresh-tokens/{token}`.

State (codes, refresh tokens, scope rules) is in `oauth_registry.HubSpotOAuth`.
"""

from __future__ import annotations

import hmac
import time
import uuid

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from provider_sandbox.hubspot.errors import expired_token, hubspot_error
from provider_sandbox.hubspot.oauth_registry import PROVIDER, HubSpotOAuth
from provider_sandbox.oauth import (
    authorize_params,
    consent_page,
    error_page,
    new_code,
    pkce_matches,
    redirect_to,
    token_params,
)
from provider_sandbox.responses import JSONResponse, json_response
from provider_sandbox.state import sandbox_state
from provider_sandbox.store import Account, OAuthApp

# The authorize parameters carried through the consent form.
AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "scope", "optional_scope", "state",
                    "code_challenge", "code_challenge_method")


def routes() -> list[Route]:
    return [
        Route("/oauth/authorize", authorize, methods=["GET", "POST"]),
        Route("/oauth/{hub_id:int}/authorize", authorize, methods=["GET", "POST"]),
        Route("/oauth/v1/token", token, methods=["POST"]),
        Route("/oauth/v1/access-tokens/{token}", access_token_info, methods=["GET"]),
        Route("/oauth/v1/refresh-tokens/{token}", refresh_token_info, methods=["GET", "DELETE"]),
    ]


async def authorize(request: Request) -> Response:
    state = sandbox_state(request)
    oauth = state.hubspot_oauth
    params = await authorize_params(request)
    checked = oauth.check_authorize(params, request.path_params.get("hub_id"))
    if isinstance(checked, Response):
        return checked
    account, app, scopes = checked
    redirect_uri = params["redirect_uri"]

    if request.method == "GET":
        return consent_page(
            provider=PROVIDER, app_name=app.name,
            account_label=f"{account.name} (hub {account.hubspot.hub_id})", scopes=scopes,
            action=request.url.path,
            fields={name: params[name] for name in AUTHORIZE_FIELDS if params.get(name)},
        )

    decision = params.get("decision")
    if decision == "deny":
        if not state.settings.hubspot_deny_redirect:
            return HTMLResponse("<!doctype html><p id='denied'>Access was not granted. You can close this page.</p>")
        return redirect_to(redirect_uri, {
            "error": "access_denied",
            "error_description": "The user denied the authorization request",
            "state": params.get("state"),
        })
    if decision != "allow":
        return error_page(PROVIDER, "BAD_DECISION", "decision must be 'allow' or 'deny'.")
    code = oauth.codes.issue(new_code(), app.client_id, account.key, redirect_uri, scopes,
                             params.get("code_challenge"))
    return redirect_to(redirect_uri, {"code": code, "state": params.get("state")})


def v1_error(status: str, message: str) -> JSONResponse:
    """The v1 OAuth error body (provider-apis.md A1), always HTTP 400."""
    return json_response({"status": status, "message": message, "correlationId": str(uuid.uuid4())}, status=400)


async def token(request: Request) -> Response:
    oauth = sandbox_state(request).hubspot_oauth
    params = await token_params(request)

    grant_type = params.get("grant_type", "")
    if grant_type not in ("authorization_code", "refresh_token"):
        return v1_error("BAD_GRANT_TYPE", f"grant_type must be authorization_code or refresh_token, got '{grant_type}'")
    account = oauth.clients.get(params.get("client_id", ""))
    if account is None or account.hubspot.oauth_app is None:
        return v1_error("BAD_CLIENT_ID", "missing or invalid client id")
    app = account.hubspot.oauth_app
    if not hmac.compare_digest(params.get("client_secret", "").encode(), app.client_secret.encode()):
        return v1_error("BAD_CLIENT_SECRET", "missing or invalid client secret")

    if grant_type == "authorization_code":
        return _exchange_code(oauth, account, app, params)
    return _refresh(oauth, account, app, params)


def _exchange_code(oauth: HubSpotOAuth, account: Account, app: OAuthApp, params: dict[str, str]) -> Response:
    code = params.get("code", "")
    issued = oauth.codes.redeem(code)  # single use: gone from here on, whatever the outcome
    if issued is None or issued.client_id != app.client_id:
        return v1_error("BAD_AUTH_CODE", "missing or unknown auth code")
    if time.time() >= issued.expires_at:
        return v1_error("EXPIRED_AUTH_CODE", "auth code is expired")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in app.redirect_uris:
        return v1_error("BAD_REDIRECT_URI", "missing or invalid redirect uri")
    if redirect_uri != issued.redirect_uri:
        return v1_error("MISMATCH_REDIRECT_URI_AUTH_CODE", "redirect URI does not match initial auth code URL")
    if issued.code_challenge is not None and not pkce_matches(params.get("code_verifier"), issued.code_challenge):
        return v1_error("BAD_AUTH_CODE", "code_verifier does not match the code_challenge of the auth code")
    grant = oauth.new_refresh_grant(app.client_id, account, issued.scopes)
    return json_response(oauth.issue_tokens(account, grant))


def _refresh(oauth: HubSpotOAuth, account: Account, app: OAuthApp, params: dict[str, str]) -> Response:
    grant = oauth.refresh_tokens.get(params.get("refresh_token", ""))
    if grant is None or not grant.active or grant.client_id != app.client_id:
        return v1_error("BAD_REFRESH_TOKEN", "missing or invalid refresh token")
    if oauth.settings.hubspot_refresh_rotation == "rotate":
        # The old refresh token dies now; access tokens already issued live until they expire.
        grant.active = False
        grant = oauth.new_refresh_grant(app.client_id, account, grant.scopes, grant.access_tokens)
    return json_response(oauth.issue_tokens(account, grant))


def _not_found(what: str) -> JSONResponse:
    return hubspot_error(404, "OBJECT_NOT_FOUND", f"{what} not found")


async def access_token_info(request: Request) -> Response:
    state = sandbox_state(request)
    token_value = request.path_params["token"]
    grant = state.hubspot_tokens.lookup(token_value)
    if grant is None or grant.kind != "oauth" or grant.expires_at is None:
        return _not_found("Access token")
    now = time.time()
    if now >= grant.expires_at:
        return expired_token(int((now - grant.expires_at) // 60))
    account = state.store.account(grant.account_key)
    return json_response({
        "token": token_value,
        "user": grant.user,
        "hub_domain": account.domain,
        "scopes": list(grant.scopes),
        "hub_id": account.hubspot.hub_id,
        "app_id": account.hubspot.app_id,
        "expires_in": int(grant.expires_at - now),
        "user_id": grant.user_id,
        "token_type": "access",
        "is_private_distribution": False,
    })


async def refresh_token_info(request: Request) -> Response:
    state = sandbox_state(request)
    grant = state.hubspot_oauth.refresh_tokens.get(request.path_params["token"])
    if grant is None or not grant.active:
        return _not_found("Refresh token")
    if request.method == "DELETE":
        state.hubspot_oauth.revoke(grant)
        return Response(status_code=204)
    account = state.store.account(grant.account_key)
    owner = account.hubspot.owners[0]
    return json_response({
        "token": grant.token,
        "user": owner.rep.email,
        "hub_domain": account.domain,
        "scopes": list(grant.scopes),
        "hub_id": account.hubspot.hub_id,
        "client_id": grant.client_id,
        "user_id": owner.user_id,
        "token_type": "refresh",
    })
