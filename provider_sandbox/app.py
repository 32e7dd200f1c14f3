"""Builds the ASGI app: the routes of every provider module plus the shared middleware.

Registration point: a module that serves endpoints exposes `routes() -> list[Route]` and is
listed in `ROUTE_MODULES`. Middleware order (outermost first): stats (counts every provider
request, including injected faults), then fault hooks, then the router.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from provider_sandbox import admin
from provider_sandbox.aircall import api as aircall_api
from provider_sandbox.fathom import meetings as fathom_meetings
from provider_sandbox.fathom import oauth as fathom_oauth
from provider_sandbox.fathom import webhooks as fathom_webhooks
from provider_sandbox.faults import FaultMiddleware
from provider_sandbox.hubspot import (
    associations_api,
    batch_read,
    crm_objects,
    engagements_v1,
    legacy_crm,
    owners,
    properties_api,
    search,
)
from provider_sandbox.hubspot import oauth as hubspot_oauth
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
    search,
    engagements_v1,
    legacy_crm,
    hubspot_oauth,
    fathom_meetings,
    fathom_oauth,
    fathom_webhooks,
    aircall_api,
)


def build_app(settings: SandboxSettings, store: SandboxStore) -> Starlette:
    state = SandboxState.create(settings, store)
    app = Starlette(
        routes=[route for module in ROUTE_MODULES for route in module.routes()],
        middleware=[
            Middleware(StatsMiddleware, stats=state.stats),
            Middleware(FaultMiddleware, hooks=state.fault_hooks),
        ],
    )
    app.state.sandbox = state
    return app
