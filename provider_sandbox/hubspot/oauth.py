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
- `POST /oauth/v3/token`, `/oauth/v3/token/introspect`, `/oauth/v3/token/revoke`: the same grants,
  every parameter in the form body (query parameters are ignored); introspection answers
  `active`, `client_id`, `token_use` and the token-info fields; revocation follows RFC 7009 (200
  for known and unknown tokens alike). `hubspot/versions.py` serves them again under
  `/oauth/2026-03/...` and `/oauth/2026-09/...`.

Errors of every token endpoint are in RFC 6749 form (`error`, `error_description`) and keep
HubSpot's `status` and `message` ("New OAuth v3 API Endpoints and Standardized Error Responses",
HubSpot changelog: "reflected in both the v1 and v3 OAuth API endpoints"). The v3 bodies also carry
the `Error` schema's `category` and `correlationId`, which the 2026 specs require.

State (codes, refresh tokens, scope rules) is in `oauth_registry.HubSpotOAuth`.
"""

from __future__ import annotations

import hmac
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from provider_sandbox.hubspot.auth import HubSpotGrant
from provider_sandbox.hubspot.errors import expired_token, hubspot_error
from provider_sandbox.hubspot.oauth_registry import PROVIDER, HubSpotOAuth, RefreshGrant
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
from provider_sandbox.state import SandboxState, sandbox_state
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
        Route("/oauth/v3/token", token_v3, methods=["POST"]),
        Route("/oauth/v3/token/introspect", introspect, methods=["POST"]),
        Route("/oauth/v3/token/revoke", revoke, methods=["POST"]),
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


@dataclass(frozen=True)
class OAuthFailure:
    """A refused token request: HubSpot's status code, the RFC 6749 error code, the message."""

    status: str
    error: str
    message: str


def v1_error(failure: OAuthFailure) -> JSONResponse:
    """The v1 OAuth error body (provider-apis.md A1), always HTTP 400, with the RFC 6749 fields
    HubSpot added to it."""
    return json_response({
        "status": failure.status, "message": failure.message, "correlationId": str(uuid.uuid4()),
        "error": failure.error, "error_description": failure.message,
    }, status=400)


def v3_error(failure: OAuthFailure, http_status: int = 400) -> JSONResponse:
    """The v3 / date-based OAuth error: RFC 6749 fields, HubSpot's status and message, and the
    `Error` schema's category and correlationId."""
    return json_response({
        "error": failure.error, "error_description": failure.message,
        "status": failure.status, "message": failure.message,
        "category": "VALIDATION_ERROR", "correlationId": str(uuid.uuid4()),
    }, status=http_status)


async def token(request: Request) -> Response:
    result = _grant(sandbox_state(request).hubspot_oauth, await token_params(request))
    return v1_error(result) if isinstance(result, OAuthFailure) else json_response(result)


async def body_params(request: Request) -> dict[str, str]:
    """The form body only: the v3 and date-based endpoints take every parameter there."""
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


async def token_v3(request: Request) -> Response:
    result = _grant(sandbox_state(request).hubspot_oauth, await body_params(request))
    return v3_error(result) if isinstance(result, OAuthFailure) else json_response(result)


def _grant(oauth: HubSpotOAuth, params: dict[str, str]) -> dict | OAuthFailure:
    grant_type = params.get("grant_type", "")
    if not grant_type:
        return OAuthFailure("BAD_GRANT_TYPE", "invalid_request", "missing grant_type")
    if grant_type not in ("authorization_code", "refresh_token"):
        return OAuthFailure("BAD_GRANT_TYPE", "unsupported_grant_type",
                            f"grant_type must be authorization_code or refresh_token, got '{grant_type}'")
    client = _client(oauth, params)
    if isinstance(client, OAuthFailure):
        return client
    account, app = client
    if grant_type == "authorization_code":
        return _exchange_code(oauth, account, app, params)
    return _refresh(oauth, account, app, params)


def _client(oauth: HubSpotOAuth, params: dict[str, str]) -> tuple[Account, OAuthApp] | OAuthFailure:
    account = oauth.clients.get(params.get("client_id", ""))
    if account is None or account.hubspot.oauth_app is None:
        return OAuthFailure("BAD_CLIENT_ID", "invalid_client", "missing or invalid client id")
    app = account.hubspot.oauth_app
    if not hmac.compare_digest(params.get("client_secret", "").encode(), app.client_secret.encode()):
        return OAuthFailure("BAD_CLIENT_SECRET", "invalid_client", "missing or invalid client secret")
    return account, app


def _exchange_code(oauth: HubSpotOAuth, account: Account, app: OAuthApp, params: dict[str, str]
                   ) -> dict | OAuthFailure:
    code = params.get("code", "")
    issued = oauth.codes.redeem(code)  # single use: gone from here on, whatever the outcome
    if issued is None or issued.client_id != app.client_id:
        return OAuthFailure("BAD_AUTH_CODE", "invalid_grant", "missing or unknown auth code")
    if time.time() >= issued.expires_at:
        return OAuthFailure("EXPIRED_AUTH_CODE", "invalid_grant", "auth code is expired")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in app.redirect_uris:
        return OAuthFailure("BAD_REDIRECT_URI", "invalid_grant", "missing or invalid redirect uri")
    if redirect_uri != issued.redirect_uri:
        return OAuthFailure("MISMATCH_REDIRECT_URI_AUTH_CODE", "invalid_grant",
                            "redirect URI does not match initial auth code URL")
    if issued.code_challenge is not None and not pkce_matches(params.get("code_verifier"), issued.code_challenge):
        return OAuthFailure("BAD_AUTH_CODE", "invalid_grant",
                            "code_verifier does not match the code_challenge of the auth code")
    grant = oauth.new_refresh_grant(app.client_id, account, issued.scopes)
    return oauth.issue_tokens(account, grant)


def _refresh(oauth: HubSpotOAuth, account: Account, app: OAuthApp, params: dict[str, str]) -> dict | OAuthFailure:
    grant = oauth.refresh_tokens.get(params.get("refresh_token", ""))
    if grant is None or not grant.active or grant.client_id != app.client_id:
        return OAuthFailure("BAD_REFRESH_TOKEN", "invalid_grant", "missing or invalid refresh token")
    if oauth.settings.hubspot_refresh_rotation == "rotate":
        # The old refresh token dies now; access tokens already issued live until they expire.
        grant.active = False
        grant = oauth.new_refresh_grant(app.client_id, account, grant.scopes, grant.access_tokens)
    return oauth.issue_tokens(account, grant)


def _access_grant(state: SandboxState, token_value: str) -> tuple[HubSpotGrant | None, float | None]:
    """An OAuth access token's grant and how many seconds ago it expired (None: still valid),
    counting both its lifetime and a token-expiry fault that has aged it on CRM calls."""
    grant = state.hubspot_tokens.lookup(token_value)
    if grant is None or grant.kind != "oauth" or grant.expires_at is None:
        return None, None
    now = time.time()
    overdue = [now - grant.expires_at] if now >= grant.expires_at else []
    faulted = state.faults.expired_for("hubspot", token_value)
    if faulted is not None:
        overdue.append(faulted)
    return grant, (max(overdue) if overdue else None)


def _not_found(what: str) -> JSONResponse:
    return hubspot_error(404, "OBJECT_NOT_FOUND", f"{what} not found")


async def access_token_info(request: Request) -> Response:
    state = sandbox_state(request)
    token_value = request.path_params["token"]
    grant, expired_ago = _access_grant(state, token_value)
    if grant is None:
        return _not_found("Access token")
    if expired_ago is not None:
        return expired_token(int(expired_ago // 60))
    body = _access_token_fields(state, token_value, grant)
    del body["client_id"], body["signed_access_token"]  # not in the v1 AccessTokenInfoResponse
    return json_response(body)


def _access_token_fields(state: SandboxState, token_value: str, grant: HubSpotGrant) -> dict:
    account = state.store.account(grant.account_key)
    expires_at = int(grant.expires_at or 0)
    return {
        "token": token_value,
        "user": grant.user,
        "hub_domain": account.domain,
        "scopes": list(grant.scopes),
        "hub_id": account.hubspot.hub_id,
        "app_id": account.hubspot.app_id,
        "client_id": grant.client_id,
        "expires_in": max(0, int(expires_at - time.time())),
        "user_id": grant.user_id,
        "token_type": "access",
        "is_private_distribution": False,
        # The fields of the 2026 specs' SignedAccessToken; the signatures are opaque strings.
        "signed_access_token": {
            "expiresAt": expires_at * 1000, "scopes": " ".join(grant.scopes),
            "hubId": account.hubspot.hub_id, "userId": grant.user_id, "appId": account.hubspot.app_id,
            "installingUserId": grant.user_id, "appInstallId": f"{account.hubspot.app_id}-{account.hubspot.hub_id}",
            "hublet": "na1", "audience": "https://api.hubapi.com", "isUserLevel": False,
            "isServiceAccount": False, "isPrivateDistribution": False,
            "scopeToScopeGroupPks": "", "trialScopes": "", "trialScopeToScopeGroupPks": "",
            "signature": uuid.uuid5(uuid.NAMESPACE_URL, token_value).hex,
            "newSignature": uuid.uuid5(uuid.NAMESPACE_OID, token_value).hex,
        },
    }


def _refresh_token_fields(state: SandboxState, grant: RefreshGrant) -> dict:
    account = state.store.account(grant.account_key)
    owner = account.hubspot.owners[0]
    return {
        "token": grant.token,
        "user": owner.rep.email,
        "hub_domain": account.domain,
        "scopes": list(grant.scopes),
        "hub_id": account.hubspot.hub_id,
        "app_id": account.hubspot.app_id,
        "client_id": grant.client_id,
        "user_id": owner.user_id,
        "token_type": "refresh",
    }


async def introspect(request: Request) -> Response:
    """RFC 7662 introspection, HubSpot's shape: an access token's info with `token_use:
    "access_token"`, a refresh token's with `"refresh_token"`; `active` false once expired, revoked
    or aged out by a token-expiry fault. Tokens unknown to this client: `{"active": false}`."""
    state = sandbox_state(request)
    params = await body_params(request)
    client = _client(state.hubspot_oauth, params)
    if isinstance(client, OAuthFailure):
        return v3_error(client, 401)
    token_value = params.get("token", "")
    if not token_value:
        return v3_error(OAuthFailure("BAD_REQUEST", "invalid_request", "missing token"))
    client_id = client[1].client_id
    hint = params.get("token_type_hint")
    order = ("refresh", "access") if hint == "refresh_token" else ("access", "refresh")
    for kind in order:
        if kind == "access":
            grant, expired_ago = _access_grant(state, token_value)
            if grant is not None and grant.client_id == client_id:
                body = _access_token_fields(state, token_value, grant)
                return json_response({"active": expired_ago is None, **body, "token_use": "access_token"})
        else:
            refresh = state.hubspot_oauth.refresh_tokens.get(token_value)
            if refresh is not None and refresh.client_id == client_id:
                body = _refresh_token_fields(state, refresh)
                return json_response({"active": refresh.active, **body, "token_use": "refresh_token"})
    return json_response({"active": False})


async def revoke(request: Request) -> Response:
    """RFC 7009: revoking a refresh token ends its authorization (and every access token issued
    under it); an access token is revoked alone. 200 with no body, also for unknown tokens."""
    state = sandbox_state(request)
    params = await body_params(request)
    client = _client(state.hubspot_oauth, params)
    if isinstance(client, OAuthFailure):
        return v3_error(client, 401)
    token_value = params.get("token", "")
    if not token_value:
        return v3_error(OAuthFailure("BAD_REQUEST", "invalid_request", "missing token"))
    client_id = client[1].client_id
    refresh = state.hubspot_oauth.refresh_tokens.get(token_value)
    if refresh is not None and refresh.client_id == client_id:
        state.hubspot_oauth.revoke(refresh)
    else:
        grant = state.hubspot_tokens.lookup(token_value)
        if grant is not None and grant.kind == "oauth" and grant.client_id == client_id:
            state.hubspot_tokens.revoke(token_value)
    return Response(status_code=200)


async def refresh_token_info(request: Request) -> Response:
    state = sandbox_state(request)
    grant = state.hubspot_oauth.refresh_tokens.get(request.path_params["token"])
    if grant is None or not grant.active:
        return _not_found("Refresh token")
    if request.method == "DELETE":
        state.hubspot_oauth.revoke(grant)
        return Response(status_code=204)
    body = _refresh_token_fields(state, grant)
    del body["app_id"]  # not in the v1 RefreshTokenInfoResponse
    return json_response(body)
