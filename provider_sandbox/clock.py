"""The `Date` response header from the sandbox clock.

HTTP servers stamp `Date` with their own clock; HubSpot's agrees with the times it serves. The
sandbox's "now" (`store.now_ms()`) is the wall clock unless the anchor is pinned or an advance
moved it, so every response carries that "now" instead of uvicorn's wall-clock one: a client
that reads the server's time from `Date` (for a "modified before now" bound or a clock-skew
check) sees the same clock as the records. `server.serve` turns uvicorn's own header off.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formatdate

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def http_date(epoch_ms: int) -> str:
    """Epoch milliseconds -> an IMF-fixdate (`Mon, 30 Nov 2026 05:18:04 GMT`)."""
    return formatdate(epoch_ms / 1000, usegmt=True)


class SandboxDateHeader:
    """ASGI middleware: sets `Date` on every HTTP response from `now_ms()`."""

    def __init__(self, app: ASGIApp, now_ms: Callable[[], int]) -> None:
        self.app = app
        self.now_ms = now_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                headers.append((b"date", http_date(self.now_ms()).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_date)
