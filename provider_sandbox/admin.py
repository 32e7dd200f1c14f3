"""`/_sandbox/*`: health, credentials, counters and ground truth for tests and benchmarks.

No auth, but only loopback clients are served, so binding the sandbox to 0.0.0.0 does not expose
credentials to the network.
"""

from __future__ import annotations

import ipaddress
import time

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox import __version__
from provider_sandbox.advance import AdvanceRequest
from provider_sandbox.fathom.registry import fathom_credentials
from provider_sandbox.hubspot.oauth_registry import oauth_credentials
from provider_sandbox.responses import json_response
from provider_sandbox.state import sandbox_state
from provider_sandbox.store import Account
from provider_sandbox.timefmt import iso_ms


def routes() -> list[Route]:
    return [
        Route("/_sandbox/health", health, methods=["GET"]),
        Route("/_sandbox/accounts", accounts, methods=["GET"]),
        Route("/_sandbox/stats", stats, methods=["GET", "DELETE"]),
        Route("/_sandbox/truth", truth, methods=["GET"]),
        Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/advance", advance, methods=["POST"]),
    ]


def _refuse_remote(request: Request) -> Response | None:
    host = request.client.host if request.client else ""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return json_response({"error": "the sandbox admin API only answers loopback clients"}, status=403)


async def health(request: Request) -> Response:
    state = sandbox_state(request)
    return json_response({
        "status": "ok",
        "version": __version__,
        "seed": state.settings.seed,
        "accounts": len(state.store.accounts),
        "uptime_seconds": round(time.time() - state.started_at, 3),
        # Where the generated history ends, whether it was pinned (--anchor) or is the start
        # time, and the sandbox clock (the wall clock unless pinned or advanced).
        "anchor": iso_ms(state.store.anchor_ms),
        "anchor_pinned": state.store.anchor_pinned,
        "now": iso_ms(state.store.now_ms()),
    })


def account_credentials(account: Account) -> dict:
    portal = account.hubspot
    return {
        "key": account.key,
        "name": account.name,
        "domain": account.domain,
        "hubspot": {
            "hub_id": portal.hub_id,
            "private_app_token": portal.private_app_token,
            "owners": [
                {
                    "id": owner.id,
                    "userId": owner.user_id,
                    "email": owner.rep.email,
                    "firstName": owner.rep.first_name,
                    "lastName": owner.rep.last_name,
                    "createdAt": iso_ms(owner.created_ms),
                }
                for owner in portal.owners
            ],
            "call_dispositions": portal.call_dispositions,
            "oauth": oauth_credentials(account),
        },
        **_aircall_credentials(account),
        **fathom_credentials(account),
    }


async def accounts(request: Request) -> Response:
    if refusal := _refuse_remote(request):
        return refusal
    return json_response([account_credentials(a) for a in sandbox_state(request).store.accounts])


async def stats(request: Request) -> Response:
    """GET: counters since start or the last reset. DELETE: reset counters and rate-limit windows,
    so a benchmark can measure one run in isolation."""
    if refusal := _refuse_remote(request):
        return refusal
    state = sandbox_state(request)
    if request.method == "DELETE":
        state.stats.reset()
        state.hubspot_limits.reset()
        state.aircall_limits.reset()
        state.fathom.reset_limits()
        return Response(status_code=204)
    return json_response(state.stats.snapshot())


async def truth(request: Request) -> Response:
    if refusal := _refuse_remote(request):
        return refusal
    return json_response(sandbox_state(request).truth.snapshot())


def _aircall_credentials(account: Account) -> dict:
    company = account.aircall
    if company is None:
        return {}
    return {"aircall": {
        "company_id": company.company_id,
        "api_id": company.api_id,
        "api_token": company.api_token,
        "users": [{"id": user.id, "email": user.email} for user in company.users],
    }}


async def _json_body(request: Request) -> object:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ValueError(f"the body is not valid JSON: {error}") from None


async def faults(request: Request) -> Response:
    """GET: the fault rules and what each injected so far. POST: install rules (see
    fault_injection.py). DELETE: remove every rule."""
    if refusal := _refuse_remote(request):
        return refusal
    injector = sandbox_state(request).faults
    if request.method == "POST":
        try:
            injector.configure(await _json_body(request))
        except ValueError as error:  # FaultConfigError or bad JSON
            return json_response({"error": str(error)}, status=400)
    elif request.method == "DELETE":
        injector.clear()
    return json_response(injector.describe())


async def advance(request: Request) -> Response:
    """Move the sandbox clock and change a fraction of the records (see advance.py)."""
    if refusal := _refuse_remote(request):
        return refusal
    state = sandbox_state(request)
    try:
        payload = AdvanceRequest.parse(await _json_body(request), {a.key for a in state.store.accounts})
    except ValueError as error:  # AdvanceError or bad JSON
        return json_response({"error": str(error)}, status=400)
    summary = state.advancer.advance(payload)
    summary["from"], summary["to"] = iso_ms(summary["from_ms"]), iso_ms(summary["to_ms"])
    return json_response(summary)
