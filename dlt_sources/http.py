"""HTTP for every source: a shared rate budget, bounded retries, and token refresh on 401.

One `ApiClient` serves one connection (one provider account) for one sync. Its requests may run
on many threads at once: the `RateBudget`s it is given are the only thing that paces them, so a
sync runs as fast as the provider allows rather than as fast as one round trip.

Transient failures (429, 5xx, 423, 477, timeouts, connection resets, a 200 whose JSON is cut
off) are retried with exponential backoff and jitter, honour `Retry-After`, are logged with the
account, and give up after `RetryPolicy.give_up_after_seconds` with `RetriesExhausted`. A 429 for
the daily quota fails at once with `DailyLimitReached`. A 401 asks the credentials for a fresh
token and retries, twice at most (a token rotated by another process between our refresh and our
retry is not a revoked one); the credentials decide when a connection needs reauthorizing.
Permanent errors (other 4xx) raise `ApiError` at once.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import orjson

log = logging.getLogger("revsync.sources")

TRANSIENT_STATUSES = frozenset({423, 429, 477, 500, 502, 503, 504, 520, 521, 522, 523, 524})


class TokenSource(Protocol):
    """Where a client gets its bearer token (revsync.credentials.ConnectionCredentials fits)."""

    account_id: str
    provider: str

    def access_token(self) -> str: ...

    def refresh_after_unauthorized(self, rejected_token: str) -> str: ...


@dataclass
class StaticToken:
    """A token that never changes (a private-app token given directly, e.g. in a script)."""

    account_id: str
    provider: str
    token: str = field(repr=False)

    def access_token(self) -> str:
        return self.token

    def refresh_after_unauthorized(self, rejected_token: str) -> str:
        raise Unauthorized(self.account_id, self.provider, "the token was rejected and cannot be refreshed")


class SourceError(Exception):
    """Base of the errors a sync reports; messages name the account and provider, never a token."""


class ApiError(SourceError):
    def __init__(self, account_id: str, provider: str, method: str, path: str, status: int, body: str):
        self.status, self.path, self.body = status, path, body
        self.category = _json_field(body, "category")
        super().__init__(
            f"{provider} account {account_id}: {method} {path} answered {status}: {_short(body)}"
        )


class Unauthorized(SourceError):
    def __init__(self, account_id: str, provider: str, detail: str):
        self.account_id, self.provider = account_id, provider
        super().__init__(
            f"{provider} rejected the credentials of account {account_id} ({detail}). "
            f"Reconnect {provider} for that account (integrations page or `revsync connect {provider}`)."
        )


class MissingScopes(ApiError):
    """403 MISSING_SCOPES: the token may not read this object type."""

    def __init__(self, account_id: str, provider: str, method: str, path: str, status: int, body: str):
        super().__init__(account_id, provider, method, path, status, body)
        scopes = _required_scopes(body)
        self.args = (
            f"{provider} account {account_id}: the connection lacks the scope {' or '.join(scopes) or '(unnamed)'} "
            f"that {method} {path} needs (MISSING_SCOPES). Grant it to the app and reconnect to sync this data.",
        )


def _required_scopes(body: str) -> list[str]:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return []
    found: list[str] = []
    for context in [value.get("context") or {}, *[(e or {}).get("context") or {} for e in value.get("errors") or []]]:
        for key in ("requiredGranularScopes", "requiredScopes", "missingScopes"):
            for scope in context.get(key) or []:
                if scope not in found:
                    found.append(scope)
    return found


class RetriesExhausted(SourceError):
    pass


class DailyLimitReached(SourceError):
    pass


class Cancelled(SourceError):
    pass


def _short(body: str, limit: int = 300) -> str:
    body = " ".join(body.split())
    return body if len(body) <= limit else body[:limit] + "…"


def _json_field(body: str, name: str) -> str | None:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return value.get(name) if isinstance(value, dict) else None


class RateBudget:
    """At most `max_requests` per rolling `window_seconds`, shared by every thread of a sync.

    `margin_seconds` widens the window on our side: a request that leaves later than another may
    still arrive at the provider sooner (latency jitter), and would then be counted in a window the
    first has not yet left. `adapt()` takes the provider's own figures (e.g. HubSpot's
    `X-HubSpot-RateLimit-Max` and `-Interval-Milliseconds`) when it sends them.
    """

    def __init__(self, name: str, max_requests: int, window_seconds: float, margin_seconds: float = 0.5,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if max_requests < 1 or window_seconds <= 0:
            raise ValueError("a rate budget needs a positive size and window")
        self.name = name
        self.max_requests = max_requests
        self.window_seconds = window_seconds
        self.margin_seconds = margin_seconds
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep
        self._blocked_until = 0.0

    def acquire(self) -> None:
        """Block until one more request fits, then count it as sent now."""
        while True:
            with self._lock:
                now = self._clock()
                span = self.window_seconds + self.margin_seconds
                while self._sent and self._sent[0] <= now - span:
                    self._sent.popleft()
                wait = self._blocked_until - now
                if wait <= 0 and len(self._sent) < self.max_requests:
                    self._sent.append(now)
                    return
                if wait <= 0:
                    wait = self._sent[0] + span - now
            self._sleep(max(wait, 0.001))

    def pause(self, seconds: float) -> None:
        """Nobody sends for `seconds` (after a 429: the provider's window is fuller than ours)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def adapt(self, max_requests: int | None, window_seconds: float | None, remaining: int | None = None) -> None:
        """Take the provider's limit and window, and its count of what is left: requests made by
        someone else (another process, an earlier sync) count against this budget too."""
        with self._lock:
            if max_requests and max_requests > 0:
                self.max_requests = max_requests
            if window_seconds and window_seconds > 0:
                self.window_seconds = window_seconds
            if remaining is not None and remaining >= 0:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window_seconds - self.margin_seconds:
                    self._sent.popleft()
                for _ in range(self.max_requests - remaining - len(self._sent)):
                    self._sent.append(now)


@dataclass(frozen=True)
class RetryPolicy:
    first_backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    give_up_after_seconds: float = 300.0
    # HubSpot documents no Retry-After on REST 429s; a full rolling window clears in 10 s.
    rate_limited_backoff_seconds: float = 10.0
    timeout_seconds: float = 30.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential with equal jitter (half fixed, half random): never two clients retrying in
        lock step."""
        ceiling = min(self.max_backoff_seconds, self.first_backoff_seconds * 2 ** attempt)
        return rng.uniform(ceiling / 2, ceiling)


@dataclass
class CallStats:
    """What one sync spent at the provider, for logs, the sync log and Dagster metadata."""

    api_calls: int = 0
    rate_limited: int = 0
    retries: int = 0
    refreshes: int = 0
    by_endpoint: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note(self, field_name: str) -> None:
        with self._lock:
            setattr(self, field_name, getattr(self, field_name) + 1)

    def count(self, label: str, status: int | None) -> None:
        with self._lock:
            self.api_calls += 1
            self.by_endpoint[label] = self.by_endpoint.get(label, 0) + 1
            if status == 429:
                self.rate_limited += 1

    def as_dict(self) -> dict[str, Any]:
        return {"api_calls": self.api_calls, "rate_limited": self.rate_limited, "retries": self.retries,
                "refreshes": self.refreshes, "by_endpoint": dict(sorted(self.by_endpoint.items()))}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class ApiClient:
    """JSON over HTTP for one connection, paced by `budget_for(path)` and retried per `policy`.

    `auth_headers` turns the credentials' token into request headers (a bearer token by default;
    an API-key header or basic auth for providers that use those).
    """

    def __init__(self, base_url: str, credentials: TokenSource, budget_for: Callable[[str], RateBudget],
                 policy: RetryPolicy | None = None, on_headers: Callable[[str, httpx.Headers], None] | None = None,
                 http: httpx.Client | None = None, seed: int | None = None,
                 auth_headers: Callable[[str], Mapping[str, str]] = bearer):
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self._auth_headers = auth_headers
        self.policy = policy or RetryPolicy()
        self.stats = CallStats()
        self._budget_for = budget_for
        self._on_headers = on_headers
        self._http = http or httpx.Client(timeout=self.policy.timeout_seconds,
                                          limits=httpx.Limits(max_connections=32, max_keepalive_connections=32))
        self._owns_http = http is None
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """End this client: requests still running on other threads stop at their next attempt."""
        self._closed = True
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def who(self) -> str:
        return f"{self.credentials.provider} account {self.credentials.account_id}"

    def get(self, path: str, params: Mapping[str, Any] | None = None, label: str | None = None) -> Any:
        return self.request("GET", path, params=params, label=label)

    def post(self, path: str, body: Any, label: str | None = None) -> Any:
        return self.request("POST", path, json_body=body, label=label)

    def request(self, method: str, path: str, params: Mapping[str, Any] | None = None, json_body: Any = None,
                label: str | None = None) -> Any:
        """The decoded JSON body of a 2xx answer (207 included), after retries and one refresh."""
        label = label or f"{method} {path}"
        budget = self._budget_for(path)
        started = time.monotonic()
        attempt = 0
        refreshed = 0
        content = orjson.dumps(json_body) if json_body is not None else None
        while True:
            if self._closed:
                raise Cancelled(f"{self.who}: the sync ended while {label} was still being retried")
            budget.acquire()
            # Taken after the wait for the budget, which can be long: the token sent is the
            # newest, not one another thread may have seen rejected and replaced meanwhile.
            token = self.credentials.access_token()
            problem: str
            retry_after: float | None = None
            try:
                response = self._http.request(
                    method, self.base_url + path, params=params, content=content,
                    headers={**self._auth_headers(token), "Accept": "application/json",
                             **({"Content-Type": "application/json"} if content is not None else {})},
                )
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                self.stats.count(label, None)
                problem = f"{type(exc).__name__}"
            else:
                self.stats.count(label, response.status_code)
                if self._on_headers is not None:
                    self._on_headers(path, response.headers)
                status = response.status_code
                if 200 <= status < 300:
                    try:
                        return orjson.loads(response.content) if response.content else None
                    except orjson.JSONDecodeError:
                        problem = f"{status} with a truncated or malformed JSON body"
                elif status == 401:
                    if refreshed >= 2:
                        raise Unauthorized(self.credentials.account_id, self.credentials.provider,
                                           f"401 again after two token refreshes on {method} {path}")
                    refreshed += 1
                    self.stats.note("refreshes")
                    log.info("%s: 401 on %s, refreshing the token once", self.who, label)
                    self.credentials.refresh_after_unauthorized(token)
                    continue
                elif status == 429 and _json_field(response.text, "policyName") == "DAILY":
                    raise DailyLimitReached(
                        f"{self.who}: the portal's daily API limit is used up ({label} answered 429 DAILY). "
                        "It resets at midnight in the portal's time zone; the next sync resumes from here."
                    )
                elif status in TRANSIENT_STATUSES:
                    problem = str(status)
                    retry_after = _retry_after(response.headers)
                    if status == 429:
                        # The provider's window is fuller than ours (another app, another
                        # process): everyone on this budget waits, not just this thread.
                        budget.pause(retry_after if retry_after is not None
                                     else self.policy.rate_limited_backoff_seconds)
                else:
                    body = response.text
                    error_cls = MissingScopes if (status == 403 and _json_field(body, "category")
                                                  == "MISSING_SCOPES") else ApiError
                    raise error_cls(self.credentials.account_id, self.credentials.provider, method, path,
                                    status, body)
            elapsed = time.monotonic() - started
            with self._rng_lock:
                delay = retry_after if retry_after is not None else self.policy.backoff(attempt, self._rng)
            if problem == "429" and retry_after is None:
                delay = 0.0  # the budget's pause above already makes this thread wait
            if elapsed + delay > self.policy.give_up_after_seconds:
                raise RetriesExhausted(
                    f"{self.who}: {label} kept failing ({problem}) for {elapsed:.0f} s over {attempt + 1} "
                    "attempts; the provider seems down or overloaded. Rerun the sync later: it resumes "
                    "from the last committed load."
                )
            self.stats.note("retries")
            log.warning("%s: %s failed (%s); retry %d in %.1f s", self.who, label, problem, attempt + 1, delay)
            time.sleep(delay)
            attempt += 1


def _retry_after(headers: httpx.Headers) -> float | None:
    raw = headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None
