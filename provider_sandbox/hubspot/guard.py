"""The common start of a HubSpot REST handler: stats label, Bearer auth, burst/daily limits, and
reading a JSON body into HubSpot's validation errors.

    admitted = admit(request, "GET /crm/v3/owners")
    if isinstance(admitted, Response):
        return admitted  # 401 or 429, already shaped like HubSpot's
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response

from provider_sandbox.hubspot.auth import Caller, authenticate
from provider_sandbox.hubspot.errors import hubspot_error
from provider_sandbox.state import SandboxState, sandbox_state
from provider_sandbox.stats import ENDPOINT_KEY


@dataclass(frozen=True)
class Admitted:
    state: SandboxState
    caller: Caller
    headers: dict[str, str]  # X-HubSpot-RateLimit-* for the response


def admit(request: Request, endpoint: str) -> Admitted | Response:
    state = sandbox_state(request)
    request.scope[ENDPOINT_KEY] = endpoint
    caller = authenticate(request, state.hubspot_tokens, state.store)
    if isinstance(caller, Response):
        return caller
    headers, refusal = state.hubspot_limits.admit(caller)
    if refusal is not None:
        return refusal
    return Admitted(state, caller, headers)


async def json_object(request: Request, headers: dict[str, str]) -> dict | Response:
    """The request body as a JSON object, or HubSpot's 400 for anything else."""
    raw = await request.body()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return hubspot_error(400, "VALIDATION_ERROR", f"Invalid input JSON: {error}", headers=headers)
    if not isinstance(body, dict):
        return hubspot_error(400, "VALIDATION_ERROR", "Invalid input JSON: expected an object", headers=headers)
    return body


def bool_param(request: Request, name: str, default: bool = False) -> bool | None:
    """A true/false query parameter; None when it is something else (answer 400)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    return True if lowered == "true" else False if lowered == "false" else None
