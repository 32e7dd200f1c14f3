"""State of HubSpot's OAuth server: each account's app clients, authorization codes and refresh
tokens, and the scope rules of the authorize page. Access tokens themselves live in
`HubSpotTokenRegistry`, so every CRM route accepts them. Routes are in `hubspot/oauth.py`; this
module stays free of `state` imports because `SandboxState` holds an instance.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field

from starlette.responses import HTMLResponse

from provider_sandbox.hubspot.auth import HubSpotGrant, HubSpotTokenRegistry
from provider_sandbox.oauth import CodeBook, check_code_challenge, error_page
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.store import Account, OAuthApp, SandboxStore

PROVIDER = "HubSpot"

# Scope names the authorize page accepts (a subset of HubSpot's catalogue: what a sales-data app
# asks for). Anything else is "invalid", as on the real page.
KNOWN_SCOPES = frozenset({
    "oauth",
    "crm.objects.contacts.read", "crm.objects.contacts.write",
    "crm.objects.companies.read", "crm.objects.companies.write",
    "crm.objects.deals.read", "crm.objects.deals.write",
    "crm.objects.owners.read", "crm.objects.users.read",
    "crm.objects.line_items.read", "crm.objects.quotes.read",
    "crm.schemas.contacts.read", "crm.schemas.companies.read", "crm.schemas.deals.read",
    "crm.lists.read", "sales-email-read", "tickets", "e-commerce", "timeline", "settings.users.read",
    "crm.objects.custom.read", "crm.schemas.custom.read",
    "crm.objects.leads.read", "crm.objects.feedback_submissions.read", "crm.objects.goals.read",
})
# Scopes that need a paid product. Portals cycle through tiers by account number (account-1
# Enterprise, account-2 Professional, account-3 Starter, ...), so `optional_scope` dropping is
# testable; /_sandbox/accounts lists each portal's `unavailable_scopes`.
_SCOPE_MIN_TIER = {
    "crm.objects.custom.read": 2, "crm.schemas.custom.read": 2,
    "crm.objects.leads.read": 1, "crm.objects.feedback_submissions.read": 1, "crm.objects.goals.read": 1,
}
_TIERS = ("enterprise", "professional", "starter")
_TIER_RANK = {"starter": 0, "professional": 1, "enterprise": 2}


def portal_tier(account: Account) -> str:
    number = int(account.key.rsplit("-", 1)[-1])
    return _TIERS[(number - 1) % len(_TIERS)]


def unavailable_scopes(account: Account) -> list[str]:
    rank = _TIER_RANK[portal_tier(account)]
    return sorted(scope for scope, needed in _SCOPE_MIN_TIER.items() if rank < needed)


@dataclass
class RefreshGrant:
    token: str
    client_id: str
    account_key: str
    scopes: tuple[str, ...]
    # Access tokens minted under this authorization (shared with its rotated successors), so
    # deleting the refresh token revokes them all.
    access_tokens: list[str] = field(default_factory=list)
    active: bool = True


class HubSpotOAuth:
    """Codes and refresh tokens of every account's OAuth app (access tokens live in the registry)."""

    def __init__(self, settings: SandboxSettings, store: SandboxStore, tokens: HubSpotTokenRegistry) -> None:
        self.settings = settings
        self.store = store
        self.tokens = tokens
        self.codes = CodeBook()
        self.refresh_tokens: dict[str, RefreshGrant] = {}
        self.clients: dict[str, Account] = {
            account.hubspot.oauth_app.client_id: account
            for account in store.accounts if account.hubspot.oauth_app is not None
        }

    # --- issuing -------------------------------------------------------------------------------

    def issue_tokens(self, account: Account, grant: RefreshGrant) -> dict:
        """A fresh access token under `grant`: the AccessTokenResponse body."""
        access_token = "C" + secrets.token_urlsafe(120)  # HubSpot's are opaque, up to 300 chars
        ttl = self.settings.hubspot_token_ttl_seconds
        owner = account.hubspot.owners[0]  # the installing user
        self.tokens.grant(access_token, HubSpotGrant(
            account.key, "oauth", expires_at=time.time() + ttl, scopes=grant.scopes,
            user_id=owner.user_id, user=owner.rep.email, client_id=grant.client_id,
        ))
        grant.access_tokens.append(access_token)
        return {
            "token_type": "bearer",
            "refresh_token": grant.token,
            "access_token": access_token,
            "expires_in": ttl,
            "hub_id": account.hubspot.hub_id,
            "user_id": owner.user_id,
            "scopes": list(grant.scopes),
            "token_use": "access_token",
        }

    def new_refresh_grant(self, client_id: str, account: Account, scopes: tuple[str, ...],
                          access_tokens: list[str] | None = None) -> RefreshGrant:
        hex_ = uuid.uuid4().hex  # na1-ab12-cd34-ef56-gh78-abcdef123456, as in HubSpot's example
        token = f"na1-{hex_[0:4]}-{hex_[4:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:28]}"
        grant = RefreshGrant(token, client_id, account.key, scopes)
        if access_tokens is not None:
            grant.access_tokens = access_tokens
        self.refresh_tokens[token] = grant
        return grant

    def revoke(self, grant: RefreshGrant) -> None:
        grant.active = False
        for token in grant.access_tokens:
            self.tokens.revoke(token)

    # --- authorize validation ------------------------------------------------------------------

    def check_authorize(self, params: dict[str, str], pinned_hub_id: int | None
                        ) -> tuple[Account, OAuthApp, tuple[str, ...]] | HTMLResponse:
        """(account, app, scopes to grant) or the error page to show."""
        account = self.clients.get(params.get("client_id", ""))
        if account is None or account.hubspot.oauth_app is None:
            return error_page(PROVIDER, "BAD_CLIENT_ID",
                              "Authorization failed because the client_id is missing or does not belong to any app.")
        app = account.hubspot.oauth_app
        if pinned_hub_id is not None and pinned_hub_id != account.hubspot.hub_id:
            return error_page(PROVIDER, "BAD_HUB_ID",
                              f"You don't have access to HubSpot account {pinned_hub_id} with this app.", 403)
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in app.redirect_uris:
            return error_page(PROVIDER, "BAD_REDIRECT_URI",
                              "Authorization failed because the redirect URL doesn't match the app's settings "
                              f"(got '{redirect_uri}'; allowed: {', '.join(app.redirect_uris)}).")
        requested = tuple(dict.fromkeys(params.get("scope", "").split()))
        optional = tuple(dict.fromkeys(params.get("optional_scope", "").split()))
        if not requested:
            return error_page(PROVIDER, "MISSING_SCOPE", "Authorization failed because no scope was requested.")
        invalid = [s for s in (*requested, *optional) if s not in KNOWN_SCOPES]
        if invalid:
            return error_page(PROVIDER, "INVALID_SCOPE",
                              f"Authorization failed because one or more scopes are invalid: {', '.join(invalid)}")
        missing = [s for s in app.required_scopes if s not in requested]
        if missing:
            return error_page(PROVIDER, "MISSING_REQUIRED_SCOPE",
                              "Authorization failed because the app's required scopes were not all requested: "
                              f"{', '.join(missing)}")
        lacking = unavailable_scopes(account)
        not_in_portal = [s for s in requested if s in lacking]
        if not_in_portal:
            return error_page(PROVIDER, "SCOPE_NOT_AVAILABLE",
                              f"This account ({portal_tier(account)}) doesn't have access to the required scopes: "
                              f"{', '.join(not_in_portal)}")
        pkce_problem = check_code_challenge(params.get("code_challenge"), params.get("code_challenge_method"))
        if pkce_problem:
            return error_page(PROVIDER, "BAD_CODE_CHALLENGE", f"Authorization failed: {pkce_problem}.")
        # Optional scopes the portal lacks are dropped silently (A1).
        granted = tuple(dict.fromkeys((*requested, *(s for s in optional if s not in lacking))))
        return account, app, granted


def oauth_credentials(account: Account) -> dict:
    """The account's HubSpot OAuth app for `/_sandbox/accounts`."""
    app = account.hubspot.oauth_app
    if app is None:
        return {}
    return {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uris": list(app.redirect_uris),
        "required_scopes": list(app.required_scopes),
        "unavailable_scopes": unavailable_scopes(account),
        "authorize_path": "/oauth/authorize",
    }
