"""The common start of a HubSpot REST handler: stats label, Bearer auth, scopes, burst/daily
limits, and reading a JSON body, batch `inputs` and query parameters into HubSpot's validation
errors.

    admitted = admit(request, "GET /crm/v3/owners")
    if isinstance(admitted, Response):
        return admitted  # 401, 403 MISSING_SCOPES or 429, already shaped like HubSpot's

Scopes: the matched route's template and path parameters give the required scopes
(`hubspot/scopes.py`); a token whose scopes miss one gets HubSpot's 403 `MISSING_SCOPES`. OAuth
tokens carry the scopes they were granted; private-app tokens carry `--hubspot-private-app-scopes`
(default: every scope the sandbox knows) unless they were granted their own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response

from provider_sandbox.hubspot.auth import Caller, authenticate
from provider_sandbox.hubspot.errors import hubspot_error, validation_error
from provider_sandbox.hubspot.scopes import SALES_EMAIL_READ, missing_groups, required_scopes
from provider_sandbox.responses import json_response
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.state import SandboxState, sandbox_state
from provider_sandbox.stats import ENDPOINT_KEY

SCOPES_DOCS = "https://developers.hubspot.com/scopes"


@dataclass(frozen=True)
class Admitted:
    state: SandboxState
    caller: Caller
    headers: dict[str, str]  # X-HubSpot-RateLimit-* for the response

    @property
    def reads_email_bodies(self) -> bool:
        return has_scope(self.caller, self.state.settings, SALES_EMAIL_READ)


def admit(request: Request, endpoint: str) -> Admitted | Response:
    state = sandbox_state(request)
    request.scope[ENDPOINT_KEY] = endpoint
    caller = authenticate(request, state.hubspot_tokens, state.store)
    if isinstance(caller, Response):
        return caller
    refused = scope_refusal(request, caller, state.settings)
    if refused is not None:
        return refused
    headers, refusal = state.hubspot_limits.admit(caller)
    if refusal is not None:
        return refusal
    return Admitted(state, caller, headers)


def granted_scopes(caller: Caller, settings: SandboxSettings) -> frozenset[str] | None:
    """The caller's scopes; None means every scope (a private app configured with all of them)."""
    grant = caller.grant
    if grant.kind == "oauth" or grant.scopes:
        return frozenset(grant.scopes)
    configured = settings.hubspot_private_app_scopes
    return None if configured is None else frozenset(configured)


def has_scope(caller: Caller, settings: SandboxSettings, scope: str) -> bool:
    granted = granted_scopes(caller, settings)
    return granted is None or scope in granted


def scope_refusal(request: Request, caller: Caller, settings: SandboxSettings) -> Response | None:
    """HubSpot's 403 MISSING_SCOPES when the token lacks a scope the matched route needs."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return None
    requirement = required_scopes(template, request.path_params)
    if requirement is None:
        return None
    missing = missing_groups(requirement, granted_scopes(caller, settings))
    if not missing:
        return None
    required = sorted({scope for group in requirement for scope in group})
    lacking = sorted({scope for group in missing for scope in group})
    return json_response({
        "status": "error",
        "message": ("This app hasn't been granted all required scopes to make this call. "
                    f"Read more about required scopes here: {SCOPES_DOCS}."),
        "correlationId": str(uuid.uuid4()),
        "errors": [{"message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": lacking}}],
        "links": {"scopes": SCOPES_DOCS},
        "category": "MISSING_SCOPES",
        "context": {"requiredGranularScopes": required, "missingScopes": lacking},
    }, status=403)


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


def batch_inputs(body: dict, max_inputs: int, too_many_message: str,
                 headers: dict[str, str]) -> list[dict] | Response:
    """A batch body's `inputs`: a list of {"id": …} of at most `max_inputs`, or HubSpot's 400.
    `too_many_message` is the endpoint's own wording of the size error, formatted with `count`."""
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(item, dict) and "id" in item for item in inputs):
        return hubspot_error(400, "VALIDATION_ERROR", "Invalid input JSON: inputs must be a list of {\"id\": …}",
                             headers=headers)
    if len(inputs) > max_inputs:
        return hubspot_error(
            400, "VALIDATION_ERROR", too_many_message.format(count=len(inputs)),
            errors=[{"message": f"must have at most {max_inputs} inputs", "in": "inputs",
                     "code": "TOO_MANY_INPUTS"}],
            headers=headers,
        )
    return inputs


def limit_param(request: Request, default: int, maximum: int, headers: dict[str, str]) -> int | Response:
    """`limit` in 1..maximum (absent or empty: `default`); anything else is a 400, never capped."""
    raw = request.query_params.get("limit")
    try:
        limit = int(raw or default)
    except ValueError:
        return validation_error(f"limit must be an integer, got '{raw}'", "limit", headers)
    if not 1 <= limit <= maximum:
        return validation_error(f"limit must be between 1 and {maximum}, got {limit}", "limit", headers)
    return limit


def bool_param(request: Request, name: str, default: bool = False) -> bool | None:
    """A true/false query parameter; None when it is something else (answer 400)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    return True if lowered == "true" else False if lowered == "false" else None
