"""Fault hooks: code that may delay or replace a provider response before it is handled.

`FaultMiddleware` runs every hook in `SandboxState.fault_hooks` in order for each provider
request (never for `/_sandbox/*`). A hook is `async (scope) -> Response | None`: return a
Response to answer instead of the real handler (an injected 503), or None to let the request
through (possibly after sleeping, as the latency model does). Hooks read their configuration from
mutable state, so `POST /_sandbox/faults` can change them at run time.

Faults that need the real response (a truncated body, a reset mid-body, a duplicated record)
are registered by a hook as response filters in `scope[RESPONSE_FILTERS_KEY]`: the middleware
then buffers the handler's response, lets each filter edit it, and sends the result. A duplicate
across pages depends on the endpoint's cursor, so a handler that knows how to repeat the previous
page's last record calls `claim_duplicate(scope)`; otherwise a generic filter rewrites HubSpot's
`paging.next.after` (see fault_injection.py).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from provider_sandbox.stats import ADMIN_PREFIX, FAULTS_KEY

FaultHook = Callable[[Scope], Awaitable[Response | None]]

RESPONSE_FILTERS_KEY = "sandbox.fault.filters"
# A pending duplicate-across-pages fault: an object with `apply()`, consumed by claim_duplicate.
DUPLICATE_KEY = "sandbox.fault.duplicate"


@dataclass
class CapturedResponse:
    """A buffered handler response that filters may edit before it is sent."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    # Send only this many body bytes, then drop the connection (a reset mid-response).
    abort_after: int | None = None

    def header(self, name: bytes) -> bytes | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


ResponseFilter = Callable[[Scope, CapturedResponse], None]


def note_fault(scope: Scope, kind: str) -> None:
    """Record an injected fault on the request, for `/_sandbox/stats`."""
    scope.setdefault(FAULTS_KEY, []).append(kind)


def claim_duplicate(scope: Scope) -> bool:
    """True (once) when a duplicate-across-pages fault is pending for this request: the handler
    must then repeat the previous page's last record as this page's first."""
    pending = scope.pop(DUPLICATE_KEY, None)
    if pending is None:
        return False
    pending.apply(scope)
    return True


class FaultMiddleware:
    def __init__(self, app: ASGIApp, hooks: list[FaultHook]) -> None:
        self.app = app
        self.hooks = hooks  # shared list: appending at run time takes effect immediately

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.hooks and not scope["path"].startswith(ADMIN_PREFIX):
            for hook in self.hooks:
                response = await hook(scope)
                if response is not None:
                    await response(scope, receive, send)
                    return
            if scope.get(RESPONSE_FILTERS_KEY):
                await self._filtered(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _filtered(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        if start is None:
            return
        captured = CapturedResponse(start["status"], list(start.get("headers", [])), b"".join(chunks))
        for response_filter in scope[RESPONSE_FILTERS_KEY]:
            response_filter(scope, captured)
        # Content-Length always matches the (possibly shortened) body, so a truncated body is a
        # valid HTTP response with broken JSON; only a reset leaves it short of what it declares.
        headers = [(k, v) for k, v in captured.headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(captured.body)).encode()))
        await send({"type": "http.response.start", "status": captured.status, "headers": headers})
        if captured.abort_after is None:
            await send({"type": "http.response.body", "body": captured.body})
            return
        await send({"type": "http.response.body", "body": captured.body[: captured.abort_after], "more_body": True})
        # Returning mid-body makes the server close the connection: the client sees the peer
        # drop before the declared length arrived (httpx: RemoteProtocolError).


class HangResponse(Response):
    """Never answers: waits until the client gives up and disconnects (a timeout fault)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass


@dataclass
class LatencyModel:
    """Fixed delay plus uniform jitter, like a provider across the internet.

    On by default in benchmarks and off in unit tests (settings.latency_enabled).
    """

    enabled: bool
    fixed_ms: float
    jitter_ms: float
    rng: random.Random

    async def __call__(self, scope: Scope) -> Response | None:
        if self.enabled:
            await asyncio.sleep((self.fixed_ms + self.rng.random() * self.jitter_ms) / 1000)
        return None
