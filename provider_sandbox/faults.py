"""Fault hooks: code that may delay or replace a provider response before it is handled.

`FaultMiddleware` runs every hook in `SandboxState.fault_hooks` in order for each provider
request (never for `/_sandbox/*`). A hook is `async (scope) -> Response | None`: return a
Response to answer instead of the real handler (an injected 503, a truncated body), or None to
let the request through (possibly after sleeping, as the latency model does). Hooks read their
configuration from mutable state, so `POST /_sandbox/faults` can change them at run time.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from provider_sandbox.stats import ADMIN_PREFIX

FaultHook = Callable[[Scope], Awaitable[Response | None]]


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
        await self.app(scope, receive, send)


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
