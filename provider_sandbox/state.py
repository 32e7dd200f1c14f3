"""The per-app runtime state every route reads: settings, data, limiters, counters, hooks.

Built once by `app.build_app()` and stored on `app.state.sandbox`; routes reach it through
`sandbox_state(request)`. A new provider adds its limiter or token registry as a field here.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from starlette.requests import Request

from provider_sandbox.advance import Advancer
from provider_sandbox.aircall.auth import AircallCredentials
from provider_sandbox.aircall.ratelimit import AircallRateLimits
from provider_sandbox.fathom.registry import FathomRuntime
from provider_sandbox.fault_injection import FaultInjector
from provider_sandbox.faults import FaultHook, LatencyModel
from provider_sandbox.hubspot.auth import HubSpotTokenRegistry
from provider_sandbox.hubspot.oauth_registry import HubSpotOAuth
from provider_sandbox.hubspot.ratelimit import SEARCH_WINDOW_SECONDS, HubSpotRateLimits
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.stats import RequestStats
from provider_sandbox.store import SandboxStore
from provider_sandbox.truth import GroundTruth


@dataclass
class SandboxState:
    settings: SandboxSettings
    store: SandboxStore
    stats: RequestStats
    truth: GroundTruth
    hubspot_tokens: HubSpotTokenRegistry
    hubspot_limits: HubSpotRateLimits
    aircall_credentials: AircallCredentials
    aircall_limits: AircallRateLimits
    faults: FaultInjector  # POST /_sandbox/faults configures it; it is also in fault_hooks
    advancer: Advancer  # POST /_sandbox/advance
    hubspot_oauth: HubSpotOAuth
    fathom: FathomRuntime
    fault_hooks: list[FaultHook] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)

    @classmethod
    def create(cls, settings: SandboxSettings, store: SandboxStore) -> SandboxState:
        stats = RequestStats()
        stats.register_window("hubspot", settings.hubspot_window_seconds)
        stats.register_window("fathom", settings.fathom_window_seconds)
        # Search requests are tagged "hubspot-search" (own bucket), so their peak is per second.
        stats.register_window("hubspot-search", SEARCH_WINDOW_SECONDS)
        stats.register_window("aircall", settings.aircall_window_seconds)
        faults = FaultInjector(settings)
        latency = LatencyModel(
            enabled=settings.latency_enabled,
            fixed_ms=settings.latency_fixed_ms,
            jitter_ms=settings.latency_jitter_ms,
            rng=random.Random(settings.seed),
        )
        tokens = HubSpotTokenRegistry(store)  # shared: OAuth grants access tokens into it
        state = cls(
            settings=settings,
            store=store,
            stats=stats,
            truth=GroundTruth(store),
            hubspot_tokens=tokens,
            hubspot_limits=HubSpotRateLimits(settings),
            hubspot_oauth=HubSpotOAuth(settings, store, tokens),
            fathom=FathomRuntime(settings, store),
            aircall_credentials=AircallCredentials(store),
            aircall_limits=AircallRateLimits(settings),
            faults=faults,
            advancer=Advancer(store, settings),
            fault_hooks=[latency, faults],
        )
        faults.hubspot_tokens = state.hubspot_tokens  # token-expiry faults only age known tokens
        return state


def sandbox_state(request: Request) -> SandboxState:
    return request.app.state.sandbox
