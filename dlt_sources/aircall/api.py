"""Aircall's read endpoints (provider-apis.md B2): calls in `from`/`to` windows past the
10,000-records-per-query cap, users, and call transcriptions.

Auth is HTTP Basic with `api_id:api_token` from the connection's secrets. One rate budget per
company, 60 requests per minute by default, corrected by the `X-AircallApi-*` headers Aircall
sends with every answer (the published figure is disputed, so the header wins).
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from dlt_sources.http import ApiClient, ApiError, RateBudget, RetryPolicy, SourceError
from revsync.credentials import NeedsReauth

PER_PAGE = 50  # Aircall's maximum
QUERY_CAP = 10_000  # records reachable per query; pages past it are refused
# A window is split into parts expected to hold this many calls, below the cap so that calls
# bunched in one part (business hours, a campaign day) rarely force a second split.
SPLIT_TARGET = 8_000
DEFAULT_RATE = (60, 60.0)  # requests per window (seconds), per company


class SecretsSource(Protocol):
    """revsync.credentials.ConnectionCredentials fits: a basic-auth connection's secrets."""

    account_id: str
    provider: str

    def secrets(self) -> Mapping[str, str]: ...


@dataclass
class StaticBasic:
    """An `api_id`/`api_token` pair given directly (a script, a check before storing it)."""

    account_id: str
    api_id: str
    api_token: str = field(repr=False)
    provider: str = "aircall"

    def secrets(self) -> Mapping[str, str]:
        return {"api_id": self.api_id, "api_token": self.api_token}


class BasicToken:
    """The `api_id:api_token` pair as the token `ApiClient` sends (see `basic_auth`).

    Read once per sync; after a 401 the stored pair is read again, so a connection reconnected
    with a new token while a sync runs goes on with it. The same pair rejected twice cannot be
    refreshed: the connection needs reconnecting (`NeedsReauth`, which marks it so).
    """

    def __init__(self, credentials: SecretsSource):
        self._credentials = credentials
        self._pair: str | None = None

    @property
    def account_id(self) -> str:
        return self._credentials.account_id

    @property
    def provider(self) -> str:
        return self._credentials.provider

    def _read(self) -> str:
        secrets = self._credentials.secrets()
        api_id, api_token = secrets.get("api_id"), secrets.get("api_token")
        if not api_id or not api_token:
            raise SourceError(f"aircall account {self.account_id}: the connection stores no api_id and api_token; "
                              "reconnect it with `revsync connect aircall`.")
        return f"{api_id}:{api_token}"

    def access_token(self) -> str:
        if self._pair is None:
            self._pair = self._read()
        return self._pair

    def refresh_after_unauthorized(self, rejected_token: str) -> str:
        self._pair = self._read()
        if self._pair != rejected_token:
            return self._pair
        raise NeedsReauth(f"Aircall rejected the api_id and api_token of account {self.account_id} (401): the "
                          "token was revoked or regenerated. Reconnect Aircall on the integrations page or with "
                          "`revsync connect aircall`.", account_id=self.account_id, provider=self.provider)


def basic_auth(pair: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


class TranscriptionsUnavailable(Exception):
    """The company lacks Aircall's AI add-on (the transcription endpoint answered 403)."""


class AircallApi:
    """One company's API for one sync."""

    def __init__(self, api_base: str, credentials: SecretsSource, *, rate: tuple[int, float] = DEFAULT_RATE,
                 policy: RetryPolicy | None = None, http: httpx.Client | None = None):
        self.budget = RateBudget("aircall", *rate)
        self.client = ApiClient(api_base, BasicToken(credentials), lambda path: self.budget, policy=policy,
                                on_headers=self._read_headers, http=http, auth_headers=basic_auth)
        self.splits = 0  # windows split because they held more than the cap

    def close(self) -> None:
        self.client.close()

    @property
    def stats(self):
        return self.client.stats

    def _read_headers(self, path: str, headers: httpx.Headers) -> None:
        limit, remaining, reset = (headers.get(f"X-AircallApi-{name}") for name in ("Limit", "Remaining", "Reset"))
        if not (limit and limit.isdigit()):
            return
        if remaining == "0" and reset and reset.isdigit():
            # Nothing left: nobody sends before Reset (the unix time the oldest counted request
            # leaves Aircall's window), however full our own count says the window is.
            self.budget.adapt(int(limit), None)
            self.budget.pause(max(0.0, int(reset) - time.time()))
            return
        # Aircall's limit is per minute; what it says is left also counts requests made by others.
        self.budget.adapt(int(limit), None, int(remaining) if remaining and remaining.isdigit() else None)

    # --- calls -------------------------------------------------------------------------------

    def _calls_page(self, start: int | None, end: int | None, page: int, order: str = "asc",
                    per_page: int = PER_PAGE) -> dict:
        params: dict[str, Any] = {"page": page, "per_page": per_page, "order": order}
        if start is not None:
            params["from"] = start
        if end is not None:
            params["to"] = end
        return self.client.get("/v1/calls", params, label="GET /v1/calls")

    def call_pages(self, start: int | None = None, end: int | None = None) -> Iterator[list[dict]]:
        """Every call started in [start, end] (unix seconds, inclusive; None: unbounded), in pages
        of 50, oldest first. A window holding more than the 10,000 reachable records is split
        into smaller windows first, so nothing past the cap is ever left unread."""
        first = self._calls_page(start, end, 1)
        total = int((first.get("meta") or {}).get("total") or 0)
        if total <= QUERY_CAP:
            yield from self._rest(first, start, end)
            return
        low = start if start is not None else _started(first, 0)
        high = end if end is not None else _started(self._calls_page(start, end, 1, order="desc", per_page=1), 0)
        if low is None or high is None or high <= low:
            raise SourceError(f"{self.client.who}: {total:,} calls started within one second ({low}); Aircall "
                              f"serves at most {QUERY_CAP:,} per query, so the rest cannot be read.")
        self.splits += 1
        parts = min(high - low + 1, math.ceil(total / SPLIT_TARGET))
        step = (high - low + 1) / parts
        bounds = [low + round(i * step) for i in range(parts)] + [high + 1]
        for part_start, part_next in zip(bounds, bounds[1:], strict=False):
            if part_next > part_start:
                yield from self.call_pages(part_start, part_next - 1)

    def _rest(self, body: dict, start: int | None, end: int | None) -> Iterator[list[dict]]:
        page = 1
        while True:
            yield list(body.get("calls") or [])
            meta = body.get("meta") or {}
            if not meta.get("next_page_link"):
                return
            page += 1
            body = self._calls_page(start, end, page)

    # --- users and transcriptions -----------------------------------------------------------

    def users(self) -> Iterator[dict]:
        page = 1
        while True:
            body = self.client.get("/v1/users", {"page": page, "per_page": PER_PAGE}, label="GET /v1/users")
            yield from body.get("users") or []
            if not (body.get("meta") or {}).get("next_page_link"):
                return
            page += 1

    def transcription(self, call_id: int) -> dict | None:
        """The call's transcription; None when it has none (404). Raises
        `TranscriptionsUnavailable` when the company lacks the AI add-on (403)."""
        try:
            body = self.client.get(f"/v1/calls/{call_id}/transcription", label="GET /v1/calls/{id}/transcription")
        except ApiError as exc:
            if exc.status == 403:
                raise TranscriptionsUnavailable(exc.body) from None
            if exc.status == 404:
                return None
            raise
        return (body or {}).get("transcription")


def _started(body: dict, index: int) -> int | None:
    calls = body.get("calls") or []
    value = calls[index].get("started_at") if len(calls) > index else None
    return value if isinstance(value, int) else None


def verify_credentials(api_base: str, api_id: str, api_token: str, *, http: httpx.Client | None = None) -> None:
    """One cheap call (`GET /v1/users?per_page=1`); raises `SourceError` saying what is wrong."""
    api = AircallApi(api_base, StaticBasic("(new connection)", api_id, api_token),
                     policy=RetryPolicy(give_up_after_seconds=30, timeout_seconds=15), http=http)
    try:
        api.client.get("/v1/users", {"per_page": 1}, label="GET /v1/users")
    except NeedsReauth:
        raise SourceError("Aircall rejected this api_id and api_token (401). Copy both from Aircall's "
                          "Integrations > API Keys page and try again.") from None
    finally:
        api.close()
