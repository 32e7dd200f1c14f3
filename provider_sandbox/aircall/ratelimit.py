"""Aircall's per-company limit (60 requests per minute by default) on the shared rolling window.

Every counted response carries `X-AircallApi-Limit`, `X-AircallApi-Remaining` and
`X-AircallApi-Reset` (the unix time at which the oldest counted request leaves the window, i.e.
when a refused client may retry). Refused requests are not counted.
"""

from __future__ import annotations

import math
import time

from starlette.responses import Response

from provider_sandbox.aircall.errors import too_many_requests
from provider_sandbox.ratelimit import RollingWindowLimiter
from provider_sandbox.settings import SandboxSettings

PREFIX = "X-AircallApi-"


class AircallRateLimits:
    def __init__(self, settings: SandboxSettings) -> None:
        self.enabled = settings.rate_limits_enabled
        self.limiter = RollingWindowLimiter(settings.aircall_rate_limit, settings.aircall_window_seconds)

    def admit(self, account_key: str) -> tuple[dict[str, str], Response | None]:
        if not self.enabled:
            return {}, None
        decision = self.limiter.acquire(account_key)
        reset_at = math.ceil(time.time() + decision.reset_after_s)
        headers = {
            f"{PREFIX}Limit": str(decision.limit),
            f"{PREFIX}Remaining": str(decision.remaining),
            f"{PREFIX}Reset": str(reset_at),
        }
        if not decision.allowed:
            return headers, too_many_requests(headers)
        return headers, None

    def reset(self) -> None:
        self.limiter.reset()
