"""Aircall's error bodies: `{"error": <short reason>, "troubleshoot": <hint>}`.

The shape is what Aircall's API reference shows for its errors [unverified beyond that]; the
status codes (400, 401, 404, 429) are the documented ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from provider_sandbox.responses import JSONResponse, json_response


def aircall_error(status: int, error: str, troubleshoot: str,
                  headers: Mapping[str, str] | None = None) -> JSONResponse:
    return json_response({"error": error, "troubleshoot": troubleshoot}, status=status, headers=headers)


def unauthorized() -> JSONResponse:
    return aircall_error(401, "Unauthorized",
                         "Check your API ID and API token, sent with HTTP Basic auth (api_id:api_token).")


def bad_request(troubleshoot: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return aircall_error(400, "Bad Request", troubleshoot, headers)


def not_found(what: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return aircall_error(404, "Not found", f"Check the {what} ID used in the URL.", headers)


def too_many_requests(headers: Mapping[str, str]) -> JSONResponse:
    return aircall_error(429, "Too Many Requests",
                         "Rate limit reached for this company; wait until X-AircallApi-Reset.", headers)
