"""Faults on demand: the rules `POST /_sandbox/faults` installs, applied per provider request.

A rule selects requests by provider (`hubspot`, `fathom`, `aircall` or `*`) and endpoint, and
gives probabilities (or parameters) for:

- `status`: {"429": p, "500": p, "502": p, "503": p, "504": p}, answered with the provider's
  own error body (HubSpot's 429 body, Aircall's `{"error", "troubleshoot"}`, ...);
- `timeout`: {"probability": p, "hold_ms": n} holds the request n ms before handling it (longer
  than a client's timeout), or with `"hold_ms": null` never answers until the client hangs up;
- `reset`: p, drops the connection after part of the real body was sent;
- `truncate`: p, cuts the real JSON body short, status 200 and a matching Content-Length;
- `slow`: {"probability": p, "delay_ms": n, "jitter_ms": j} adds latency (independent draw);
- `duplicate`: p, the last record of this page comes again as the first of the next page
  (independent draw);
- `token_expiry_seconds`: n, a credential first seen (since the rule was set) more than n s ago
  gets the provider's 401 (HubSpot: `EXPIRED_AUTHENTICATION`) until it is replaced, e.g. by an
  OAuth refresh;
- `max_injections`: n, stop injecting after n faults (e.g. "one 503, then healthy");
- `after_requests`: n, the first n requests the rule matches pass untouched, so a fault can begin
  mid-sync;
- `duration_seconds`: s, the rule injects for s seconds from its first injection, then stops (an
  outage that ends: `{"status": {"503": 1}, "duration_seconds": 120}`);
- `rewrite`: a list of edits applied to the records of a matching 200 JSON response (HubSpot's
  `results`, Fathom's `items`, Aircall's `calls`), each
  `{"index": i, "set": {"dotted.path": value}, "unset": ["dotted.path"], "copy": false}`: the
  record at position i (modulo the page's length) gets the values set and the keys removed; with
  `"copy": true` the edited record is added after the page's records instead, so the page holds
  the same id twice with different content. Hostile payloads: missing, extra and null fields,
  wrong types, huge strings, out-of-range timestamps.

`status`, `timeout`, `reset` and `truncate` are mutually exclusive per request (their
probabilities must add up to at most 1). Rules are evaluated in order; the first one that picks
an exclusive fault ends the evaluation.

Determinism: the n-th request a rule matches draws from `Random(derive(seed, rule index, n))`,
so a client that sends the same requests in the same order meets the same storm for a seed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from starlette.responses import Response
from starlette.types import Scope

from provider_sandbox.aircall.errors import aircall_error
from provider_sandbox.aircall.errors import unauthorized as aircall_unauthorized
from provider_sandbox.fathom.auth import fathom_error
from provider_sandbox.faults import (
    DUPLICATE_KEY,
    RESPONSE_FILTERS_KEY,
    CapturedResponse,
    HangResponse,
    note_fault,
)
from provider_sandbox.hubspot.errors import expired_token, hubspot_error, rate_limited
from provider_sandbox.seeding import derive_int

if TYPE_CHECKING:
    from provider_sandbox.hubspot.auth import HubSpotTokenRegistry
    from provider_sandbox.settings import SandboxSettings

PROVIDERS = ("hubspot", "fathom", "aircall")
STATUS_CODES = (429, 500, 502, 503, 504)
REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}
# Aircall lives under /v1, Fathom under /external/v1 (API and OAuth); everything else is HubSpot.
_AIRCALL_PREFIXES = ("/v1/",)
_FATHOM_PREFIXES = ("/external/", "/fathom/")


def provider_of(path: str) -> str:
    if path.startswith(_AIRCALL_PREFIXES):
        return "aircall"
    if path.startswith(_FATHOM_PREFIXES):
        return "fathom"
    return "hubspot"


class FaultConfigError(ValueError):
    pass


def _probability(raw: dict, name: str, default: float = 0.0) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise FaultConfigError(f"{name} must be a probability between 0 and 1, got {value!r}")
    return float(value)


def _non_negative(raw: dict, name: str, default: float | None = 0.0, allow_null: bool = False) -> float | None:
    value = raw.get(name, default)
    if value is None and allow_null:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FaultConfigError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


def _section(raw: dict, name: str) -> dict | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FaultConfigError(f"{name} must be an object")
    return value


@dataclass
class Decision:
    exclusive: str | None  # "status_503", "timeout", "reset", "truncate" or None
    slow_ms: float
    duplicate: bool
    fraction: float  # where to cut a truncated/reset body, in [0.1, 0.9)


@dataclass
class FaultRule:
    index: int
    provider: str = "*"
    endpoint: str = "*"
    status: dict[int, float] = field(default_factory=dict)
    slow_probability: float = 0.0
    slow_delay_ms: float = 0.0
    slow_jitter_ms: float = 0.0
    timeout_probability: float = 0.0
    timeout_hold_ms: float | None = None  # None: never answer
    reset: float = 0.0
    truncate: float = 0.0
    duplicate: float = 0.0
    token_expiry_seconds: float | None = None
    max_injections: int | None = None
    after_requests: int = 0
    duration_seconds: float | None = None
    rewrite: list[dict] = field(default_factory=list)
    # Run-time counters and token clock.
    matched: int = 0
    passed: int = 0  # requests let through untouched by `after_requests`
    first_injected_at: float | None = None
    injected: Counter[str] = field(default_factory=Counter)
    first_seen: dict[str, float] = field(default_factory=dict)

    _KNOWN = frozenset(("provider", "endpoint", "status", "slow", "timeout", "reset", "truncate",
                        "duplicate", "token_expiry_seconds", "max_injections", "after_requests",
                        "duration_seconds", "rewrite"))

    @classmethod
    def parse(cls, index: int, raw: Any) -> FaultRule:
        if not isinstance(raw, dict):
            raise FaultConfigError("each rule must be a JSON object")
        unknown = sorted(set(raw) - cls._KNOWN)
        if unknown:
            raise FaultConfigError(f"unknown rule fields: {', '.join(unknown)}")
        provider = raw.get("provider", "*")
        if provider != "*" and provider not in PROVIDERS:
            raise FaultConfigError(f"provider must be one of {', '.join(PROVIDERS)} or '*', got {provider!r}")
        endpoint = raw.get("endpoint", "*")
        if not isinstance(endpoint, str) or not endpoint.strip():
            raise FaultConfigError("endpoint must be '*', a path pattern ('/crm/v3/objects/*', "
                                   "'GET /v1/calls') or a path segment name ('search')")
        rule = cls(index=index, provider=provider, endpoint=endpoint.strip())

        status = _section(raw, "status") or {}
        for code, probability in status.items():
            if not str(code).isdigit() or int(code) not in STATUS_CODES:
                raise FaultConfigError(f"status codes must be among {STATUS_CODES}, got {code!r}")
            rule.status[int(code)] = _probability({"status": probability}, "status")
        if slow := _section(raw, "slow"):
            rule.slow_probability = _probability(slow, "probability", 1.0)
            rule.slow_delay_ms = _non_negative(slow, "delay_ms") or 0.0
            rule.slow_jitter_ms = _non_negative(slow, "jitter_ms") or 0.0
        if (timeout := _section(raw, "timeout")) is not None:
            rule.timeout_probability = _probability(timeout, "probability", 1.0)
            rule.timeout_hold_ms = _non_negative(timeout, "hold_ms", None, allow_null=True)
        rule.reset = _probability(raw, "reset")
        rule.truncate = _probability(raw, "truncate")
        rule.duplicate = _probability(raw, "duplicate")
        rule.token_expiry_seconds = _non_negative(raw, "token_expiry_seconds", None, allow_null=True)
        max_injections = raw.get("max_injections")
        if max_injections is not None and (not isinstance(max_injections, int) or max_injections < 0):
            raise FaultConfigError("max_injections must be a non-negative integer")
        rule.max_injections = max_injections
        after_requests = raw.get("after_requests", 0)
        if isinstance(after_requests, bool) or not isinstance(after_requests, int) or after_requests < 0:
            raise FaultConfigError("after_requests must be a non-negative integer")
        rule.after_requests = after_requests
        rule.duration_seconds = _non_negative(raw, "duration_seconds", None, allow_null=True)
        rule.rewrite = _rewrite_edits(raw.get("rewrite", []))
        exclusive = sum(rule.status.values()) + rule.timeout_probability + rule.reset + rule.truncate
        if exclusive > 1 + 1e-9:
            raise FaultConfigError(
                f"status, timeout, reset and truncate probabilities add up to {exclusive:g} (> 1)")
        return rule

    def matches(self, provider: str, method: str, path: str) -> bool:
        if self.provider != "*" and self.provider != provider:
            return False
        pattern = self.endpoint
        if pattern == "*":
            return True
        if " " in pattern:  # "GET /crm/v3/objects/*"
            wanted_method, _, pattern = pattern.partition(" ")
            if wanted_method.upper() != method.upper():
                return False
            pattern = pattern.strip()
        if pattern.startswith("/"):
            return fnmatchcase(path, pattern)
        return pattern in path.split("/")  # a bare name: any path segment, e.g. "search", "token"

    def exhausted(self, now: float) -> bool:
        if self.max_injections is not None and sum(self.injected.values()) >= self.max_injections:
            return True
        return (self.duration_seconds is not None and self.first_injected_at is not None
                and now - self.first_injected_at >= self.duration_seconds)

    def decide(self, seed: int) -> Decision:
        # Always the same number of draws per request, so outcomes depend only on (seed, n).
        rnd = random.Random(derive_int(seed, "fault", self.index, self.matched))
        self.matched += 1
        pick, slow_roll, jitter, duplicate_roll, fraction = (rnd.random() for _ in range(5))
        exclusive = None
        threshold = 0.0
        options = [(f"status_{code}", p) for code, p in sorted(self.status.items())]
        options += [("timeout", self.timeout_probability), ("reset", self.reset), ("truncate", self.truncate)]
        for kind, probability in options:
            threshold += probability
            if probability > 0 and pick < threshold:
                exclusive = kind
                break
        slow_ms = self.slow_delay_ms + jitter * self.slow_jitter_ms if slow_roll < self.slow_probability else 0.0
        return Decision(exclusive, slow_ms, duplicate_roll < self.duplicate, 0.1 + 0.8 * fraction)

    def describe(self) -> dict:
        body: dict = {"index": self.index, "provider": self.provider, "endpoint": self.endpoint}
        if self.status:
            body["status"] = {str(code): p for code, p in sorted(self.status.items())}
        if self.slow_probability:
            body["slow"] = {"probability": self.slow_probability, "delay_ms": self.slow_delay_ms,
                            "jitter_ms": self.slow_jitter_ms}
        if self.timeout_probability:
            body["timeout"] = {"probability": self.timeout_probability, "hold_ms": self.timeout_hold_ms}
        for name in ("reset", "truncate", "duplicate"):
            if getattr(self, name):
                body[name] = getattr(self, name)
        if self.token_expiry_seconds is not None:
            body["token_expiry_seconds"] = self.token_expiry_seconds
        if self.max_injections is not None:
            body["max_injections"] = self.max_injections
        if self.after_requests:
            body["after_requests"] = self.after_requests
        if self.duration_seconds is not None:
            body["duration_seconds"] = self.duration_seconds
        if self.rewrite:
            body["rewrite"] = self.rewrite
        body["matched_requests"] = self.matched
        body["injected"] = dict(sorted(self.injected.items()))
        return body


class PendingDuplicate:
    """Handed to the handler (faults.claim_duplicate) or the generic filter; counts once applied."""

    def __init__(self, rule: FaultRule) -> None:
        self.rule = rule

    def apply(self, scope: Scope) -> None:
        self.rule.injected["duplicate"] += 1
        note_fault(scope, "duplicate")


class FaultInjector:
    """The fault hook (appended to `SandboxState.fault_hooks`) and its run-time configuration."""

    def __init__(self, settings: SandboxSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.default_seed = settings.fault_seed if settings.fault_seed is not None else settings.seed
        self.seed = self.default_seed
        self.rules: list[FaultRule] = []
        # Set by SandboxState.create; without it every bearer token can expire.
        self.hubspot_tokens: HubSpotTokenRegistry | None = None
        self._clock = clock

    # --- configuration (admin API) ----------------------------------------------------------

    def configure(self, payload: Any) -> None:
        """Install rules from a `POST /_sandbox/faults` body: `{"seed"?, "append"?, "rules": [..]}`
        or a single rule object. Replaces the current rules unless `append` is true."""
        if not isinstance(payload, dict):
            raise FaultConfigError("the body must be a JSON object")
        payload = dict(payload)
        seed = payload.pop("seed", None)
        append = payload.pop("append", False)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise FaultConfigError("seed must be an integer")
        raw_rules = payload.pop("rules") if "rules" in payload else [payload] if payload else []
        if not isinstance(raw_rules, list):
            raise FaultConfigError("rules must be a list")
        start = len(self.rules) if append else 0
        rules = [FaultRule.parse(start + n, raw) for n, raw in enumerate(raw_rules)]
        self.rules = [*self.rules, *rules] if append else rules
        if seed is not None:
            self.seed = seed
        elif not append:
            self.seed = self.default_seed

    def clear(self) -> None:
        self.rules = []
        self.seed = self.default_seed

    def describe(self) -> dict:
        return {"seed": self.seed, "rules": [rule.describe() for rule in self.rules]}

    # --- the hook -----------------------------------------------------------------------------

    async def __call__(self, scope: Scope) -> Response | None:
        if not self.rules:
            return None
        path, method = scope["path"], scope["method"]
        provider = provider_of(path)
        filters: list = []
        delay_ms = 0.0
        answer: Response | None = None
        hold_ms: float | None = None
        now = self._clock()
        for rule in self.rules:
            if rule.exhausted(now) or not rule.matches(provider, method, path):
                continue
            if rule.passed < rule.after_requests:
                rule.passed += 1
                continue
            if rule.token_expiry_seconds is not None and (expired := self._expired(rule, provider, scope)):
                answer = expired
                self._inject(rule, scope, "token_expired")
                break
            decision = rule.decide(self.seed)
            if decision.slow_ms:
                delay_ms += decision.slow_ms
                self._inject(rule, scope, "slow")
            if rule.rewrite:
                filters.append(_rewrite_filter(self, rule))
            if decision.duplicate and DUPLICATE_KEY not in scope:
                scope[DUPLICATE_KEY] = PendingDuplicate(rule)
                filters.insert(0, _duplicate_filter)  # before any cut, so the cut applies to it
            kind = decision.exclusive
            if kind is None:
                continue
            self._inject(rule, scope, kind)
            if kind.startswith("status_"):
                answer = self._status_response(provider, int(kind.removeprefix("status_")))
            elif kind == "timeout":
                hold_ms = rule.timeout_hold_ms
                if hold_ms is None:
                    answer = HangResponse()
            else:
                filters.append(_cut_filter(kind, decision.fraction))
            break
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        if hold_ms:
            await asyncio.sleep(hold_ms / 1000)
        if answer is not None:
            scope.pop(DUPLICATE_KEY, None)
            return answer
        if filters:
            scope.setdefault(RESPONSE_FILTERS_KEY, []).extend(filters)
        return None

    def _inject(self, rule: FaultRule, scope: Scope, kind: str) -> None:
        if rule.first_injected_at is None:
            rule.first_injected_at = self._clock()
        rule.injected[kind] += 1
        note_fault(scope, kind)

    def expired_for(self, provider: str, credential: str) -> float | None:
        """Seconds since `credential` expired under a token-expiry rule, or None if no such rule
        has aged it past its limit: token info and introspection report what CRM calls see."""
        now = self._clock()
        overdue = [now - first_seen - rule.token_expiry_seconds
                   for rule in self.rules
                   if rule.token_expiry_seconds is not None and not rule.exhausted(now)
                   and rule.provider in ("*", provider)
                   and (first_seen := rule.first_seen.get(credential)) is not None]
        late = [seconds for seconds in overdue if seconds >= 0]
        return max(late) if late else None

    def _expired(self, rule: FaultRule, provider: str, scope: Scope) -> Response | None:
        credential = _credential(scope)
        if credential is None:
            return None  # no token on this request (e.g. the OAuth token endpoint): nothing expires
        if provider == "hubspot" and self.hubspot_tokens and self.hubspot_tokens.lookup(credential) is None:
            return None  # unknown tokens keep HubSpot's INVALID_AUTHENTICATION from the handler
        now = self._clock()
        first_seen = rule.first_seen.setdefault(credential, now)
        overdue = now - first_seen - rule.token_expiry_seconds
        if overdue < 0:
            return None
        if provider == "hubspot":
            return expired_token(int(overdue // 60))
        if provider == "aircall":
            return aircall_unauthorized()
        return fathom_error(401, "Access token expired")

    def _status_response(self, provider: str, status: int) -> Response:
        reason = REASONS[status]
        if provider == "hubspot":
            if status == 429:
                headers = {"Retry-After": "1"} if self.settings.hubspot_retry_after else {}
                return rate_limited("TEN_SECONDLY_ROLLING", "publicapi:sandbox-fault", headers)
            # Messages from HubSpot's error-handling page (provider-apis.md A3); categories unverified.
            messages = {
                500: ("INTERNAL_ERROR", "internal error"),
                502: ("BAD_GATEWAY", "HubSpot's processing limits have been met. Pause your requests for a "
                                     "few seconds, then retry."),
                503: ("SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Pause your requests "
                                             "for a few seconds, then retry."),
                504: ("GATEWAY_TIMEOUT", "HubSpot's processing limits have been met. Pause your requests for "
                                         "a few seconds, then retry."),
            }
            category, message = messages[status]
            return hubspot_error(status, category, message)
        if provider == "aircall":
            headers = {}
            if status == 429:
                headers = {"X-AircallApi-Limit": str(self.settings.aircall_rate_limit),
                           "X-AircallApi-Remaining": "0",
                           "X-AircallApi-Reset": str(int(time.time()) + 1)}
            return aircall_error(status, reason, "Temporary problem, retry later.", headers)
        headers = {"RateLimit-Limit": "60", "RateLimit-Remaining": "0", "RateLimit-Reset": "1"} if status == 429 else {}
        return fathom_error(status, "Rate limit exceeded. Try again later." if status == 429 else reason, headers)


def _credential(scope: Scope) -> str | None:
    """The token or API key a request authenticates with (Bearer, Basic's api_id, X-Api-Key)."""
    headers = {k.lower(): v for k, v in scope.get("headers", [])}
    api_key = headers.get(b"x-api-key")
    if api_key:
        return api_key.decode("latin-1")
    scheme, _, value = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    value = value.strip()
    if not value:
        return None
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value, validate=True).decode().partition(":")[0] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return value


def _cut_filter(kind: str, fraction: float):
    def cut(scope: Scope, response: CapturedResponse) -> None:
        size = len(response.body)
        at = min(max(1, int(size * fraction)), max(size - 1, 0))
        if kind == "truncate":
            response.body = response.body[:at]
        else:  # reset: declare the whole body, send part of it, drop the connection
            response.abort_after = at

    return cut


def _duplicate_filter(scope: Scope, response: CapturedResponse) -> None:
    """Make the next page start with this page's last record, for the cursors the sandbox uses:

    - CRM v3 lists: `paging.next.after` is the next record's id ("first id >= after"), so it
      becomes the last id; search: `after` is a position, so it goes back by one (an `after`
      larger than the last id is an id, a smaller one a position);
    - v1 engagements paged: `offset` is the last id, exclusive, so it goes back by one;
    - v1 modified/after: the `after` cursor is (lastUpdated, id), exclusive: id minus one;
    - Fathom meetings: `next_cursor` names the next recording id (inclusive): the last one.
    """
    pending = scope.get(DUPLICATE_KEY)
    if pending is None or response.status != 200:
        return
    try:
        body = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        return
    if not isinstance(body, dict) or not _repeat_last(body):
        return
    response.body = orjson.dumps(body)
    scope.pop(DUPLICATE_KEY)
    pending.apply(scope)


def _repeat_last(body: dict) -> bool:
    """Rewrite the body's cursor in place; False when this is the last page or an unknown shape."""
    items = body.get("items")
    if isinstance(items, list) and items and isinstance(body.get("next_cursor"), str):
        from provider_sandbox.fathom.meetings import encode_cursor as fathom_cursor

        last = items[-1].get("recording_id") if isinstance(items[-1], dict) else None
        if isinstance(last, int):
            body["next_cursor"] = fathom_cursor(last)
            return True
        return False
    results = body.get("results")
    if not isinstance(results, list) or not results:
        return False
    last_id = _record_id(results[-1])
    paging = body.get("paging")
    following = paging.get("next") if isinstance(paging, dict) else None
    if isinstance(following, dict) and str(following.get("after", "")).isdigit() and last_id is not None:
        after = int(following["after"])
        new_after = str(last_id if after > last_id else after - 1)
        following["after"] = new_after
        if isinstance(following.get("link"), str):
            following["link"] = _with_query(following["link"], "after", new_after)
        return True
    if not body.get("hasMore"):
        return False
    if isinstance(body.get("offset"), int):
        body["offset"] -= 1
        return True
    if isinstance(body.get("after"), str):
        from provider_sandbox.hubspot.engagements_v1 import decode_position, encode_cursor

        position = decode_position(body["after"])
        if position is not None and position[1] > 0:
            body["after"] = encode_cursor(position[0], position[1] - 1)
            return True
    return False


def _record_id(record: Any) -> int | None:
    if not isinstance(record, dict):
        return None
    raw = record.get("id")
    if raw is None and isinstance(record.get("engagement"), dict):
        raw = record["engagement"].get("id")  # v1 engagement shape
    return int(raw) if str(raw).isdigit() else None


def _with_query(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _rewrite_edits(raw: Any) -> list[dict]:
    if not isinstance(raw, list):
        raise FaultConfigError("rewrite must be a list of edits")
    edits = []
    for edit in raw:
        if not isinstance(edit, dict) or set(edit) - {"index", "set", "unset", "copy"}:
            raise FaultConfigError('each rewrite edit is {"index": n, "set": {path: value}, "unset": [path], '
                                   '"copy": bool}')
        index, values, removed = edit.get("index", 0), edit.get("set", {}), edit.get("unset", [])
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise FaultConfigError("a rewrite edit's index must be a non-negative integer")
        if not isinstance(values, dict) or not isinstance(removed, list) or not all(
                isinstance(path, str) and path for path in [*values, *removed]):
            raise FaultConfigError("a rewrite edit's set and unset name dotted paths ('properties.hs_call_duration')")
        edits.append({"index": index, "set": values, "unset": removed, "copy": bool(edit.get("copy", False))})
    return edits


def _records(body: Any) -> list | None:
    """The page's record list: HubSpot's `results`, Fathom's `items`, Aircall's `calls`."""
    if not isinstance(body, dict):
        return None
    for key in ("results", "items", "calls"):
        if isinstance(body.get(key), list) and body[key]:
            return body[key]
    return None


def _edited(record: Any, edit: dict) -> Any:
    if not isinstance(record, dict):
        return record
    record = orjson.loads(orjson.dumps(record))  # a deep copy, so a copied record leaves the original
    for path, value in edit["set"].items():
        *parents, leaf = path.split(".")
        target = record
        for name in parents:
            if not isinstance(target.get(name), dict):
                target[name] = {}
            target = target[name]
        target[leaf] = value
    for path in edit["unset"]:
        *parents, leaf = path.split(".")
        target = record
        for name in parents:
            target = target.get(name) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target.pop(leaf, None)
    return record


def _rewrite_filter(injector: FaultInjector, rule: FaultRule):
    def rewrite(scope: Scope, response: CapturedResponse) -> None:
        if response.status != 200:
            return
        try:
            body = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            return
        records = _records(body)
        if records is None:
            return
        originals = len(records)
        for edit in rule.rewrite:
            at = edit["index"] % originals
            changed = _edited(records[at], edit)
            if edit["copy"]:
                records.append(changed)
            else:
                records[at] = changed
        response.body = orjson.dumps(body)
        injector._inject(rule, scope, "rewrite")

    return rewrite
