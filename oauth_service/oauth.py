"""One-click OAuth connect: the authorize redirect and the callback.

`begin` stores a single-use `state` bound to the signed-in session, its account and the provider,
with a PKCE S256 verifier (encrypted) and the exact redirect URI, valid for a few minutes, and
returns the provider's authorize URL (built with authlib). `spend_state` deletes the state in a
transaction of its own, whatever happens next; `complete` refuses it unless every binding held,
exchanges the code at the provider's token endpoint (HubSpot's date-based `/oauth/2026-03/token`),
asks HubSpot's `/token/introspect` for the portal, the user and the granted scopes, and upserts
the account's one connection.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from oauth_service.config import WebConfig
from revsync.credentials import PROVIDER_NAMES, decrypt, encrypt, exchange_code, store_oauth_connection
from revsync.errors import RevsyncError

log = logging.getLogger("revsync.web")


@dataclass(frozen=True)
class OAuthApp:
    """A provider's OAuth endpoints and what revsync asks for, from the web config."""

    provider: str
    client_id: str
    client_secret: str
    authorize_url: str
    api_base: str
    scope: str
    optional_scope: str | None = None


def oauth_app(config: WebConfig, provider: str) -> OAuthApp | None:
    """The provider's OAuth app, or None when the deployment has none configured for it."""
    if provider == "hubspot" and config.hubspot_client_id and config.hubspot_client_secret:
        from oauth_service.connections import PROVIDER_INFO

        return OAuthApp("hubspot", config.hubspot_client_id, config.hubspot_client_secret,
                        f"{config.hubspot_auth_base}/oauth/authorize", config.hubspot_api_base,
                        " ".join(PROVIDER_INFO["hubspot"].required_scopes),
                        # Emails on the date-based API also need sales-email-read; portals without it still connect.
                        optional_scope="sales-email-read")
    if provider == "fathom" and config.fathom_client_id and config.fathom_client_secret:
        return OAuthApp("fathom", config.fathom_client_id, config.fathom_client_secret,
                        f"{config.fathom_auth_base}/external/v1/oauth2/authorize", config.fathom_api_base,
                        "public_api")
    return None


class OAuthRefused(RevsyncError):
    """The connect cannot complete; the message is safe to show (it never holds a code or token)."""


def begin(conn, config: WebConfig, *, provider: str, account_id: str, user_id: str, session_hash: str) -> str:
    """Store a fresh state for this session and return the URL to send the browser to."""
    app = oauth_app(config, provider)
    if provider == "aircall":
        raise RevsyncError("Aircall connects with an API ID and token: use the form on its card.")
    if app is None:
        raise RevsyncError(f"No {PROVIDER_NAMES.get(provider, provider)} OAuth app is configured for this "
                           f"deployment (set {provider.upper()}_CLIENT_ID and {provider.upper()}_CLIENT_SECRET).")
    state = secrets.token_urlsafe(32)
    verifier = generate_token(64)
    redirect_uri = config.redirect_uri(provider)
    with conn.cursor() as cur:
        cur.execute("delete from app.oauth_states where expires_at < now()")
        cur.execute(
            "insert into app.oauth_states (state, account_id, user_id, provider, code_verifier_encrypted, "
            "expires_at, session_hash, redirect_uri) values (%s, %s, %s, %s, %s, now() + %s, %s, %s)",
            (state, account_id, user_id, provider, encrypt({"code_verifier": verifier}),
             timedelta(minutes=config.oauth_state_minutes), session_hash, redirect_uri),
        )
    return prepare_grant_uri(
        app.authorize_url, client_id=app.client_id, response_type="code", redirect_uri=redirect_uri,
        scope=app.scope, state=state, optional_scope=app.optional_scope,
        code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256",
    )


@dataclass(frozen=True)
class Connected:
    provider: str
    connection_id: str
    external_account_id: str | None
    user: str | None
    scopes: tuple[str, ...]


@dataclass(frozen=True, repr=False)
class SpentState:
    """What a callback's state allowed: the PKCE verifier and redirect URI, or why it is refused."""

    code_verifier: str | None = None
    redirect_uri: str | None = None
    refusal: str | None = None


def spend_state(conn, state: str | None, *, provider: str, account_id: str, session_hash: str) -> SpentState:
    """Delete the callback's state, so it works once even when the callback then fails; commit
    the caller's transaction before going on. Refusals are returned, not raised, so that the
    delete is not rolled back."""
    if not state:
        return SpentState(refusal="The answer from the provider had no state; start the connection again.")
    with conn.cursor() as cur:
        cur.execute(
            "delete from app.oauth_states where state = %s returning account_id::text, session_hash, provider, "
            "code_verifier_encrypted, redirect_uri, expires_at > now()",
            (state[:200],),
        )
        row = cur.fetchone()
    if row is None:
        return SpentState(refusal="This connection attempt is unknown or was used already; start it again.")
    stored_account, stored_session, stored_provider, verifier, redirect_uri, live = row
    if stored_session != session_hash or stored_account != account_id or stored_provider != provider:
        return SpentState(refusal="This connection attempt was started in another session; start it again here.")
    if not live:
        return SpentState(refusal="This connection attempt expired (10 minutes); start it again.")
    return SpentState(decrypt(verifier)["code_verifier"], redirect_uri)


def provider_error_message(provider: str, error: str, description: str | None) -> str:
    name = PROVIDER_NAMES.get(provider, provider)
    if error == "access_denied":
        return f"{name} was not connected: access was denied on {name}'s page."
    detail = f" ({description[:300]})" if description else ""
    return f"{name} refused the connection: {error[:100]}{detail}. Try again, or ask {name}'s admin."


def introspect_hubspot(app: OAuthApp, access_token: str, http: httpx.Client) -> dict:
    """HubSpot's date-based token introspection (RFC 7662): hub_id, user, scopes of the token."""
    try:
        response = http.post(f"{app.api_base}/oauth/2026-03/token/introspect", data={
            "token": access_token, "token_type_hint": "access_token",
            "client_id": app.client_id, "client_secret": app.client_secret,
        })
    except httpx.TransportError as exc:
        raise OAuthRefused(f"HubSpot could not be reached to check the new token ({type(exc).__name__}).") from None
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code != 200 or not body.get("active"):
        raise OAuthRefused(f"HubSpot did not confirm the new token (introspection answered {response.status_code}).")
    return body


def complete(conn, config: WebConfig, *, provider: str, params, account_id: str, spent: SpentState,
             http: httpx.Client) -> Connected:
    """Handle the callback's query `params` once `spend_state` allowed it; raises OAuthRefused
    with a message for the user."""
    if spent.refusal:
        raise OAuthRefused(spent.refusal)
    if params.get("error"):
        raise OAuthRefused(provider_error_message(provider, params["error"], params.get("error_description")))
    code = params.get("code")
    if not code:
        raise OAuthRefused("The provider sent no authorization code; start the connection again.")
    app = oauth_app(config, provider)
    if app is None:
        raise OAuthRefused(f"No {PROVIDER_NAMES[provider]} OAuth app is configured any more.")
    try:
        grant = exchange_code(provider, code=code, redirect_uri=spent.redirect_uri, client_id=app.client_id,
                              client_secret=app.client_secret, code_verifier=spent.code_verifier,
                              api_base=app.api_base, http=http)
    except RevsyncError as exc:
        raise OAuthRefused(str(exc)) from None
    user = None
    if provider == "hubspot":
        info = introspect_hubspot(app, grant.access_token, http)
        user = info.get("user")
        scopes = info.get("scopes")
        grant = dataclasses.replace(
            grant, external_account_id=str(info["hub_id"]) if info.get("hub_id") is not None
            else grant.external_account_id,
            scopes=tuple(str(s) for s in scopes) if isinstance(scopes, list) else grant.scopes,
        )
    connection_id = store_oauth_connection(conn, account_id=account_id, provider=provider, grant=grant,
                                           api_base=app.api_base)
    with conn.cursor() as cur:
        cur.execute("update app.api_connections set auto_sync_enabled = true where connection_id = %s",
                    (connection_id,))
    log.info("%s connected for account %s (external account %s, %d scopes)", PROVIDER_NAMES[provider], account_id,
             grant.external_account_id, len(grant.scopes))
    return Connected(provider, connection_id, grant.external_account_id, user, grant.scopes)
