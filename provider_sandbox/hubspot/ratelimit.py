"""HubSpot's rate-limit policy on top of the generic limiters.

Per portal: a rolling 10-second burst window (TEN_SECONDLY_ROLLING) and a daily budget. Every
counted response carries the `X-HubSpot-RateLimit-*` headers; the daily pair only for
private-app tokens (OAuth calls have no daily limit, so HubSpot omits them).
"""

from __future__ import annotations

import math
import time

from starlette.responses import Response

from provider_sandbox.hubspot.auth import Caller
from provider_sandbox.hubspot.errors import rate_limited
from provider_sandbox.ratelimit import DailyQuota, RollingWindowLimiter
from provider_sandbox.settings import SandboxSettings

PREFIX = "X-HubSpot-RateLimit-"
SEARCH_WINDOW_SECONDS = 1.0


class HubSpotRateLimits:
    def __init__(self, settings: SandboxSettings) -> None:
        self.enabled = settings.rate_limits_enabled
        self.send_retry_after = settings.hubspot_retry_after
        self.burst = RollingWindowLimiter(settings.hubspot_burst_limit, settings.hubspot_window_seconds)
        self.daily = DailyQuota(settings.hubspot_daily_limit)
        # CRM search has its own per-second bucket and sends no X-HubSpot-RateLimit headers.
        self.search = RollingWindowLimiter(settings.hubspot_search_rate_limit, SEARCH_WINDOW_SECONDS)

    def admit(self, caller: Caller) -> tuple[dict[str, str], Response | None]:
        """Count one request: (headers for the response, or the 429 to send instead)."""
        if not self.enabled:
            return {}, None
        key = caller.account.key
        private_app = caller.grant.kind == "private_app"
        group = f"publicapi:{caller.grant.kind.replace('_', '-')}:{caller.account.hubspot.app_id}"

        if private_app and self.daily.remaining(key) == 0:
            headers = self._headers(self.burst.peek_remaining(key), daily_remaining=0)
            until_midnight = 86_400 - time.time() % 86_400  # the quota resets at 00:00 UTC
            return headers, rate_limited("DAILY", group, self._with_retry_after(headers, until_midnight))

        decision = self.burst.acquire(key)
        if not decision.allowed:
            daily_left = self.daily.remaining(key) if private_app else None
            headers = self._headers(0, daily_remaining=daily_left)
            return headers, rate_limited(
                "TEN_SECONDLY_ROLLING", group, self._with_retry_after(headers, decision.retry_after_s)
            )
        daily_left = self.daily.consume(key) if private_app else None
        return self._headers(decision.remaining, daily_remaining=daily_left), None

    def admit_search(self, caller: Caller) -> Response | None:
        """Count one CRM search request against its own bucket (not the burst window or the
        daily quota): None to proceed, or HubSpot's 429 (without rate-limit headers)."""
        if not self.enabled:
            return None
        decision = self.search.acquire(caller.account.key)
        if decision.allowed:
            return None
        group = f"publicapi:crm-search:{caller.account.hubspot.hub_id}"
        return rate_limited("SECONDLY", group, self._with_retry_after({}, decision.retry_after_s))

    def _headers(self, remaining: int, daily_remaining: int | None) -> dict[str, str]:
        headers = {
            f"{PREFIX}Interval-Milliseconds": str(int(self.burst.window_seconds * 1000)),
            f"{PREFIX}Max": str(self.burst.max_requests),
            f"{PREFIX}Remaining": str(max(remaining, 0)),
        }
        if daily_remaining is not None:
            headers[f"{PREFIX}Daily"] = str(self.daily.limit)
            headers[f"{PREFIX}Daily-Remaining"] = str(daily_remaining)
        return headers

    def _with_retry_after(self, headers: dict[str, str], seconds: float) -> dict[str, str]:
        if not self.send_retry_after:
            return headers
        return {**headers, "Retry-After": str(max(1, math.ceil(seconds)))}

    def reset(self) -> None:
        self.burst.reset()
        self.daily.reset()
        self.search.reset()
