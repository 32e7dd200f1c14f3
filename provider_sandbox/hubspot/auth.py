"""Who is calling: Bearer token -> portal.

Private-app tokens are registered at start-up; the OAuth module will `grant()` access tokens with
an expiry and `revoke()` them. Every HubSpot route starts with `authenticate()`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from provider_sandbox.hubspot.errors import expired_token, missing_credentials
from provider_sandbox.stats import ACCOUNT_KEY
from provider_sandbox.store import Account, SandboxStore

TokenKind = Literal["private_app", "oauth"]


@dataclass(frozen=True)
class HubSpotGrant:
    account_key: str
    kind: TokenKind
    expires_at: float | None = None  # unix seconds; None never expires (private-app tokens)
    # OAuth only (hubspot/oauth.py): granted scopes, installing user, issuing app.
    scopes: tuple[str, ...] = ()
    user_id: int | None = None
    user: str | None = None
    client_id: str | None = None


class HubSpotTokenRegistry:
    def __init__(self, store: SandboxStore) -> None:
        self._store = store
        self._grants: dict[str, HubSpotGrant] = {}
        for account in store.accounts:
            self.grant(account.hubspot.private_app_token, HubSpotGrant(account.key, "private_app"))

    def grant(self, token: str, grant: HubSpotGrant) -> None:
        self._grants[token] = grant

    def revoke(self, token: str) -> None:
        """A revoked OAuth token is kept as expired-now, so its next use gets 401
        EXPIRED_AUTHENTICATION (what clients of a revoked install see), not "not found"."""
        grant = self._grants.get(token)
        if grant is None or grant.kind != "oauth":
            self._grants.pop(token, None)
            return
        now = time.time()
        if grant.expires_at is None or grant.expires_at > now:
            self._grants[token] = replace(grant, expires_at=now)

    def lookup(self, token: str) -> HubSpotGrant | None:
        return self._grants.get(token)


@dataclass(frozen=True)
class Caller:
    account: Account
    grant: HubSpotGrant


def authenticate(request: Request, tokens: HubSpotTokenRegistry, store: SandboxStore) -> Caller | Response:
    """The calling portal, or HubSpot's 401 response to send back."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    grant = tokens.lookup(token.strip()) if scheme.lower() == "bearer" else None
    if grant is None:
        return missing_credentials()
    if grant.expires_at is not None and time.time() >= grant.expires_at:
        return expired_token(int((time.time() - grant.expires_at) // 60))
    request.scope[ACCOUNT_KEY] = ("hubspot", grant.account_key)
    return Caller(store.account(grant.account_key), grant)
