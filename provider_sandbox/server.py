"""Runs the app on uvicorn in the foreground and announces readiness.

The socket is bound before the data is generated, so a port clash fails in milliseconds, and
`--port 0` learns its real port. Readiness (the "listening on" line and the ready file) is
announced only once uvicorn accepts connections.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; raises OSError (e.g. EADDRINUSE) for the CLI to report."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def write_ready_file(path: str, url: str) -> None:
    """Write {"url", "pid"} atomically: a waiting fixture never reads a half-written file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "w") as handle:
        json.dump({"url": url, "pid": os.getpid()}, handle)
    os.replace(tmp, target)


def remove_ready_file(path: str) -> None:
    # Only remove our own file: a newer sandbox may already have replaced it.
    with contextlib.suppress(OSError, ValueError):
        if json.loads(Path(path).read_text()).get("pid") == os.getpid():
            Path(path).unlink()


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            self._on_ready()


def serve(app: ASGIApp, sock: socket.socket, on_ready: Callable[[], None], access_log: bool) -> None:
    """Serve until SIGINT/SIGTERM, then shut down gracefully and return."""
    # No uvicorn `Date`: the app sets it from the sandbox clock (clock.SandboxDateHeader).
    config = uvicorn.Config(app, log_level="warning", access_log=access_log, lifespan="off",
                            timeout_graceful_shutdown=5, date_header=False)
    server = _AnnouncingServer(config, on_ready)
    # uvicorn re-raises the signal it caught once it has shut down, using the handler that was
    # installed before it started. Make those no-ops so Ctrl-C and SIGTERM end with exit code 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    server.run(sockets=[sock])
