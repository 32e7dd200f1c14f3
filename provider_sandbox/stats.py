"""Request counters for `GET /_sandbox/stats`, so a client's efficiency is measured, not guessed.

`StatsMiddleware` sees every provider request (not `/_sandbox/*`) and its final status. Route
handlers enrich the record through the ASGI scope:

- `scope[ENDPOINT_KEY]`: a stable label such as "GET /crm/v3/objects/calls"; otherwise the
  matched route's path template, or the raw path when nothing matched;
- `scope[ACCOUNT_KEY]`: (provider, account key) once the request is authenticated, which feeds
  the per-account 429 count and the peak requests per rate-limit window;
- `scope[VERSION_KEY]`: (legacy prefix, date-based prefix) when a date-based twin route
  (hubspot/versions.py) runs a legacy handler; its label is given the path the client used
  ("GET /crm/v3/objects/calls" becomes "GET /crm/objects/2026-09/calls");
- `scope[FAULTS_KEY]`: the kinds of faults injected into this request (faults.note_fault). They
  are counted apart, and an injected 429 is not a rate-limit refusal (`rate_limited.injected`).

A request the client abandoned before any response started (a hung request) is counted as 499.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ENDPOINT_KEY = "sandbox.endpoint"
ACCOUNT_KEY = "sandbox.account"
FAULTS_KEY = "sandbox.faults"
VERSION_KEY = "sandbox.version_prefixes"
CLIENT_GONE = 499  # nginx's "client closed request": no response was ever started
ADMIN_PREFIX = "/_sandbox"


class RequestStats:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # provider -> window length; peaks are only tracked for providers with a window.
        self._windows: dict[str, float] = {}
        self.reset()

    def register_window(self, provider: str, seconds: float) -> None:
        self._windows[provider] = seconds

    def reset(self) -> None:
        self._started = self._clock()
        self.total = 0
        self.by_endpoint: dict[str, Counter[int]] = defaultdict(Counter)
        self.rate_limited = 0
        self.rate_limited_by_account: Counter[str] = Counter()
        self.rate_limited_injected = 0
        self.faults_by_kind: Counter[str] = Counter()
        self.faults_by_endpoint: dict[str, Counter[str]] = defaultdict(Counter)
        self.requests_by_account: Counter[str] = Counter()
        self._recent: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._peak: dict[tuple[str, str], int] = defaultdict(int)

    def record(self, endpoint: str, status: int, account: tuple[str, str] | None,
               faults: list[str] | None = None) -> None:
        self.total += 1
        self.by_endpoint[endpoint][status] += 1
        injected_429 = False
        for kind in faults or ():
            self.faults_by_kind[kind] += 1
            self.faults_by_endpoint[endpoint][kind] += 1
            injected_429 = injected_429 or kind == "status_429"
        if injected_429:
            self.rate_limited_injected += 1
        elif status == 429:
            self.rate_limited += 1
        if account is None:
            return
        provider, account_key = account
        label = f"{provider}:{account_key}"
        self.requests_by_account[label] += 1
        if status == 429:
            self.rate_limited_by_account[label] += 1
        window = self._windows.get(provider)
        if window is None:
            return
        now = self._clock()
        recent = self._recent[account]
        recent.append(now)
        while recent and recent[0] <= now - window:
            recent.popleft()
        self._peak[account] = max(self._peak[account], len(recent))

    def snapshot(self) -> dict:
        peaks: dict[str, dict] = defaultdict(dict)
        for (provider, account_key), peak in sorted(self._peak.items()):
            peaks[provider][account_key] = {"window_ms": int(self._windows[provider] * 1000), "peak": peak}
        return {
            "since_seconds": round(self._clock() - self._started, 3),
            "total_requests": self.total,
            "requests_by_endpoint": {
                endpoint: {str(status): n for status, n in sorted(counts.items())}
                for endpoint, counts in sorted(self.by_endpoint.items())
            },
            "requests_by_account": dict(sorted(self.requests_by_account.items())),
            "rate_limited": {
                "total": self.rate_limited,
                "by_account": dict(sorted(self.rate_limited_by_account.items())),
                "injected": self.rate_limited_injected,
            },
            "faults_injected": {
                "total": sum(self.faults_by_kind.values()),
                "by_kind": dict(sorted(self.faults_by_kind.items())),
                "by_endpoint": {
                    endpoint: dict(sorted(kinds.items()))
                    for endpoint, kinds in sorted(self.faults_by_endpoint.items())
                },
            },
            "peak_requests_per_window": dict(peaks),
        }


class StatsMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware) to keep per-request overhead to a few microseconds."""

    def __init__(self, app: ASGIApp, stats: RequestStats) -> None:
        self.app = app
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        status = 500  # what the client sees if the app raises before starting a response
        responded = False

        async def capture_status(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, capture_status)
            if not responded:  # returned without answering: the client went away first
                status = CLIENT_GONE
        finally:
            self.stats.record(_endpoint_label(scope), status, scope.get(ACCOUNT_KEY), scope.get(FAULTS_KEY))


def _endpoint_label(scope: Scope) -> str:
    label = scope.get(ENDPOINT_KEY)
    if label:
        prefixes = scope.get(VERSION_KEY)
        if prefixes:
            legacy, dated = prefixes
            method, _, path = label.partition(" ")
            if path == legacy or path.startswith((legacy + "/", legacy + "?")):
                return f"{method} {dated}{path[len(legacy):]}"
        return label
    route = scope.get("route")
    path = getattr(route, "path", None) or scope["path"]
    return f"{scope['method']} {path}"
