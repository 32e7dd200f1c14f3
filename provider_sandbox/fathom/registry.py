"""Fathom's run-time state: API keys, OAuth codes and tokens, webhooks and the rate limiter.

Held by `SandboxState.fathom`; free of `state` imports for that reason. Tokens and webhook
secrets are random (they must not be guessable from the seed); the generated data is not.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from provider_sandbox.fathom.render import iso_s
from provider_sandbox.oauth import CodeBook
from provider_sandbox.ratelimit import RollingWindowLimiter
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.store import Account, SandboxStore


@dataclass
class FathomAccessToken:
    account_key: str
    expires_at: float


@dataclass
class FathomRefreshToken:
    account_key: str
    client_id: str
    active: bool = True


@dataclass
class FathomWebhook:
    id: str
    account_key: str
    url: str
    secret: str  # whsec_<base64 key>
    created_at_s: int
    include_transcript: bool
    include_summary: bool
    include_action_items: bool
    include_crm_matches: bool
    triggered_for: tuple[str, ...]

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "url": self.url,
            "secret": self.secret,
            "created_at": iso_s(self.created_at_s),
            "include_transcript": self.include_transcript,
            "include_crm_matches": self.include_crm_matches,
            "include_summary": self.include_summary,
            "include_action_items": self.include_action_items,
            "triggered_for": list(self.triggered_for),
        }


class FathomRuntime:
    def __init__(self, settings: SandboxSettings, store: SandboxStore) -> None:
        self.settings = settings
        self.rate_limits_enabled = settings.rate_limits_enabled
        # One bucket per user; every sandbox account's API key and OAuth grants belong to its
        # workspace owner, so the account key is the bucket key.
        self.limiter = RollingWindowLimiter(settings.fathom_rate_limit, settings.fathom_window_seconds)
        workspaces = [a for a in store.accounts if a.fathom is not None]
        self.api_keys: dict[str, str] = {a.fathom.api_key: a.key for a in workspaces}
        self.clients: dict[str, Account] = {a.fathom.oauth_app.client_id: a for a in workspaces}
        self.codes = CodeBook()
        self.access_tokens: dict[str, FathomAccessToken] = {}
        self.refresh_tokens: dict[str, FathomRefreshToken] = {}
        self.webhooks: dict[str, FathomWebhook] = {}

    def issue_tokens(self, account: Account, client_id: str) -> dict:
        """Token response {access_token, token_type, expires_in, refresh_token, scope} (B1)."""
        ttl = self.settings.fathom_token_ttl_seconds
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.access_tokens[access] = FathomAccessToken(account.key, time.time() + ttl)
        self.refresh_tokens[refresh] = FathomRefreshToken(account.key, client_id)
        return {"access_token": access, "token_type": "Bearer", "expires_in": ttl,
                "refresh_token": refresh, "scope": "public_api"}

    def reset_limits(self) -> None:
        self.limiter.reset()


def fathom_credentials(account: Account) -> dict:
    """`{"fathom": {...}}` for `/_sandbox/accounts` (empty when the account has no workspace)."""
    workspace = account.fathom
    if workspace is None:
        return {}
    app = workspace.oauth_app
    return {"fathom": {
        "api_key": workspace.api_key,
        "oauth": {"client_id": app.client_id, "client_secret": app.client_secret,
                  "redirect_uris": list(app.redirect_uris), "scopes": list(app.required_scopes),
                  "authorize_path": "/external/v1/oauth2/authorize"},
        "users": [{"name": u.name, "email": u.email, "team": u.team} for u in workspace.users],
    }}
