"""HubSpot's error bodies, shaped like the `Error` schema of its OpenAPI specs.

HubSpot also sends `"status": "error"` in these bodies; clients and the spec tolerate it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from provider_sandbox.responses import JSONResponse, json_response

AUTH_DOCS = "https://developers.hubspot.com/docs/methods/auth/oauth-overview"


def hubspot_error(
    status: int,
    category: str,
    message: str,
    *,
    errors: list[dict] | None = None,
    context: dict[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
    }
    if errors:
        body["errors"] = errors
    if context:
        body["context"] = context
    return json_response(body, status=status, headers=headers)


def validation_error(message: str, parameter: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return hubspot_error(
        400, "VALIDATION_ERROR", message,
        errors=[{"message": message, "in": parameter, "code": "INVALID_QUERY_PARAMETER"}],
        headers=headers,
    )


def unknown_object_type(object_type: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """HubSpot's 400 for an object type in the path that it does not know (or the portal lacks)."""
    return hubspot_error(400, "VALIDATION_ERROR", f"Unable to infer object type from: {object_type}",
                         headers=headers)


def missing_credentials() -> JSONResponse:
    return hubspot_error(
        401, "INVALID_AUTHENTICATION",
        f"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
        f"find more details at {AUTH_DOCS}",
    )


def expired_token(minutes_ago: int) -> JSONResponse:
    # Observed wording switches unit: "expired 5 minute(s) ago", "5 hour(s) ago", "19884 day(s) ago".
    if minutes_ago >= 1440:
        age = f"{minutes_ago // 1440} day(s)"
    elif minutes_ago >= 60:
        age = f"{minutes_ago // 60} hour(s)"
    else:
        age = f"{minutes_ago} minute(s)"
    return hubspot_error(
        401, "EXPIRED_AUTHENTICATION",
        f"The OAuth token used to make this call expired {age} ago.",
    )


def rate_limited(policy: str, group: str, headers: Mapping[str, str]) -> JSONResponse:
    """The 429 body from provider-apis.md A3 (not the `Error` schema: HubSpot sends this one)."""
    message = {
        "DAILY": "You have reached your daily limit.",
        # CRM search's per-second bucket answers in the older per-second wording.
        "SECONDLY": "You have reached your secondly limit.",
    }.get(policy, "You have reached your ten_secondly_rolling limit.")
    body = {
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": policy,
        "groupName": group,
        "requestId": str(uuid.uuid4()),
    }
    return json_response(body, status=429, headers=headers)
