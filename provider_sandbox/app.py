"""Builds the ASGI app: the routes of every provider module plus the shared middleware.

Registration point: a module that serves endpoints exposes `routes() -> list[Route]` and is
listed in `ROUTE_MODULES`. Every HubSpot legacy route whose prefix has a date-based version gets
its `/…/2026-09/…` and `/…/2026-03/…` twins from `hubspot/versions.py`, which also turns off the
legacy groups `settings.hubspot_legacy_off` names. Middleware order (outermost first): stats
(counts every provider request, including injected faults), then fault hooks, then the router.

Unmatched paths and methods answer in each provider's own error shape: HubSpot's JSON `Error`
body (404 / 405), Fathom's `{"error"}`, Aircall's `{"error", "troubleshoot"}`; never plain text.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from provider_sandbox import admin
from provider_sandbox.aircall import api as aircall_api
from provider_sandbox.aircall.errors import aircall_error
from provider_sandbox.fathom import meetings as fathom_meetings
from provider_sandbox.fathom import oauth as fathom_oauth
from provider_sandbox.fathom import users as fathom_users
from provider_sandbox.fathom import webhooks as fathom_webhooks
from provider_sandbox.fathom.auth import fathom_error
from provider_sandbox.fault_injection import provider_of
from provider_sandbox.faults import FaultMiddleware
from provider_sandbox.hubspot import (
    associations_api,
    batch_read,
    crm_objects,
    engagements_v1,
    legacy_crm,
    owners,
    pipelines,
    properties_api,
    schemas_api,
    search,
)
from provider_sandbox.hubspot import oauth as hubspot_oauth
from provider_sandbox.hubspot.errors import hubspot_error
from provider_sandbox.hubspot.versions import removed_endpoint_response, with_date_based_twins
from provider_sandbox.responses import json_response
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.state import SandboxState
from provider_sandbox.stats import StatsMiddleware
from provider_sandbox.store import SandboxStore

ROUTE_MODULES = (
    admin,
    crm_objects,
    batch_read,
    associations_api,
    owners,
    properties_api,
    pipelines,
    schemas_api,
    search,
    engagements_v1,
    legacy_crm,
    hubspot_oauth,
    fathom_meetings,
    fathom_oauth,
    fathom_webhooks,
    fathom_users,
    aircall_api,
)


def build_app(settings: SandboxSettings, store: SandboxStore) -> Starlette:
    state = SandboxState.create(settings, store)
    routes = [route for module in ROUTE_MODULES for route in module.routes()]
    app = Starlette(
        routes=with_date_based_twins(routes, settings.hubspot_legacy_off),
        middleware=[
            Middleware(StatsMiddleware, stats=state.stats),
            Middleware(FaultMiddleware, hooks=state.fault_hooks),
        ],
        exception_handlers={404: unmatched, 405: unmatched},
    )
    app.state.sandbox = state
    return app


async def unmatched(request: Request, exc: Exception) -> Response:
    """No route for this path (404) or method (405), in the shape of the provider the path is of."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    path, method = request.url.path, request.method
    if path.startswith("/_sandbox"):
        return json_response({"error": "not found" if status == 404 else "method not allowed",
                              "path": path}, status=status, headers=headers)
    provider = provider_of(path)
    if provider == "aircall":
        return aircall_error(status, "Not found" if status == 404 else "Method not allowed",
                             f"{method} {path} is not an Aircall Public API endpoint.", headers)
    if provider == "fathom":
        return fathom_error(status, "Not Found" if status == 404 else "Method Not Allowed", headers)
    if status == 405:
        return hubspot_error(405, "VALIDATION_ERROR", f"Method {method} is not supported for {path}.",
                             headers=headers)
    return removed_endpoint_response(method, path)
