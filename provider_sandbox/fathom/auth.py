"""Who is calling Fathom, and may they: `X-Api-Key` or an OAuth Bearer token, then the
60-requests-per-60-seconds window per user with `RateLimit-*` headers (provider-apis.md B1).

Fathom documents no error body; the sandbox answers `{"error": "<message>"}`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from provider_sandbox.fathom.registry import FathomRuntime
from provider_sandbox.responses import JSONResponse, json_response
from provider_sandbox.stats import ACCOUNT_KEY
from provider_sandbox.store import Account, SandboxStore


@dataclass(frozen=True)
class FathomCaller:
    account: Account
    via: Literal["api_key", "oauth"]


def fathom_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return json_response({"error": message}, status=status, headers=headers)


def authenticate(request: Request, runtime: FathomRuntime, store: SandboxStore) -> FathomCaller | Response:
    api_key = request.headers.get("x-api-key")
    if api_key is not None:
        account_key = runtime.api_keys.get(api_key.strip())
        if account_key is None:
            return fathom_error(401, "Invalid API key")
        via: Literal["api_key", "oauth"] = "api_key"
    else:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return fathom_error(401, "Missing credentials: send X-Api-Key or Authorization: Bearer")
        grant = runtime.access_tokens.get(token.strip())
        if grant is None:
            return fathom_error(401, "Invalid access token")
        if time.time() >= grant.expires_at:
            return fathom_error(401, "Access token expired")
        account_key, via = grant.account_key, "oauth"
    request.scope[ACCOUNT_KEY] = ("fathom", account_key)
    return FathomCaller(store.account(account_key), via)


def admit(runtime: FathomRuntime, caller: FathomCaller) -> tuple[dict[str, str], Response | None]:
    """Count one request: (RateLimit-* headers for the response, or the 429 to send instead)."""
    if not runtime.rate_limits_enabled:
        return {}, None
    decision = runtime.limiter.acquire(caller.account.key)
    headers = {
        "RateLimit-Limit": str(decision.limit),
        "RateLimit-Remaining": str(decision.remaining),
        # Seconds until the window has room again (the docs: "time left in the window").
        "RateLimit-Reset": str(max(1, math.ceil(decision.reset_after_s))),
    }
    if not decision.allowed:
        return headers, fathom_error(429, "Rate limit exceeded. Try again later.", headers)
    return headers, None


def authenticate_and_admit(request: Request, runtime: FathomRuntime,
                           store: SandboxStore) -> tuple[FathomCaller, dict[str, str]] | Response:
    """The start of every Fathom API handler: (caller, RateLimit-* headers), or the 401/429 to send.
    Takes the runtime and store, not the request's state: state.py imports this module (via fault_injection)."""
    caller = authenticate(request, runtime, store)
    if isinstance(caller, Response):
        return caller
    headers, refusal = admit(runtime, caller)
    return refusal if refusal is not None else (caller, headers)
