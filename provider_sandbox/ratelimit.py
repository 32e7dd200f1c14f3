"""Provider-neutral rate limiters: a rolling window and a daily quota.

HubSpot (110 per rolling 10 s), Fathom (60 per 60 s) and Aircall (60 per minute) all fit the
rolling window; each provider module turns a `RateDecision` into its own headers and 429 body.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    window_ms: int
    # Seconds until the window admits another request (0 when allowed).
    retry_after_s: float
    # Seconds until the oldest counted request leaves the window (for "reset" style headers).
    reset_after_s: float


class RollingWindowLimiter:
    """At most `max_requests` per key in any `window_seconds`, counted exactly (a sliding log).

    Only admitted requests are recorded, so a client hammering at the limit still gets exactly
    `max_requests` through per window, as with HubSpot's TEN_SECONDLY_ROLLING policy. The log
    holds at most `max_requests` timestamps per key, so memory stays tiny.
    """

    def __init__(self, max_requests: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_requests < 1 or window_seconds <= 0:
            raise ValueError("max_requests and window_seconds must be positive")
        self.max_requests = max_requests
        self.window_seconds = window_seconds
        self._clock = clock
        self._log: dict[Hashable, deque[float]] = {}

    def _prune(self, key: Hashable, now: float) -> deque[float]:
        log = self._log.setdefault(key, deque())
        horizon = now - self.window_seconds
        while log and log[0] <= horizon:
            log.popleft()
        return log

    def acquire(self, key: Hashable) -> RateDecision:
        now = self._clock()
        log = self._prune(key, now)
        window_ms = int(self.window_seconds * 1000)
        if len(log) >= self.max_requests:
            wait = log[0] + self.window_seconds - now
            return RateDecision(False, self.max_requests, 0, window_ms, wait, wait)
        log.append(now)
        reset = log[0] + self.window_seconds - now
        return RateDecision(True, self.max_requests, self.max_requests - len(log), window_ms, 0.0, reset)

    def peek_remaining(self, key: Hashable) -> int:
        return self.max_requests - len(self._prune(key, self._clock()))

    def reset(self) -> None:
        self._log.clear()


class DailyQuota:
    """A per-key request budget that resets at midnight UTC (HubSpot resets at midnight in the
    portal's time zone; all sandbox portals are in UTC)."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self._clock = clock
        self._used: dict[Hashable, tuple[str, int]] = {}

    def _today(self) -> str:
        return datetime.fromtimestamp(self._clock(), UTC).strftime("%Y-%m-%d")

    def used(self, key: Hashable) -> int:
        day, count = self._used.get(key, ("", 0))
        return count if day == self._today() else 0

    def remaining(self, key: Hashable) -> int:
        return max(self.limit - self.used(key), 0)

    def consume(self, key: Hashable) -> int:
        """Count one request; returns what is left for today."""
        count = self.used(key) + 1
        self._used[key] = (self._today(), count)
        return max(self.limit - count, 0)

    def reset(self) -> None:
        self._used.clear()
