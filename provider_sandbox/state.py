"""The per-app runtime state every route reads: settings, data, limiters, counters, hooks.

Built once by `app.build_app()` and stored on `app.state.sandbox`; routes reach it through
`sandbox_state(request)`. A new provider adds its limiter or token registry as a field here.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from starlette.requests import Request

from provider_sandbox.faults import FaultHook, LatencyModel
from provider_sandbox.hubspot.auth import HubSpotTokenRegistry
from provider_sandbox.hubspot.ratelimit import HubSpotRateLimits
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
    fault_hooks: list[FaultHook] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)

    @classmethod
    def create(cls, settings: SandboxSettings, store: SandboxStore) -> SandboxState:
        stats = RequestStats()
        stats.register_window("hubspot", settings.hubspot_window_seconds)
        latency = LatencyModel(
            enabled=settings.latency_enabled,
            fixed_ms=settings.latency_fixed_ms,
            jitter_ms=settings.latency_jitter_ms,
            rng=random.Random(settings.seed),
        )
        return cls(
            settings=settings,
            store=store,
            stats=stats,
            truth=GroundTruth(store),
            hubspot_tokens=HubSpotTokenRegistry(store),
            hubspot_limits=HubSpotRateLimits(settings),
            fault_hooks=[latency],
        )


def sandbox_state(request: Request) -> SandboxState:
    return request.app.state.sandbox
