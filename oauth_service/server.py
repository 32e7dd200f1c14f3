"""Serving the web app with uvicorn: in the foreground (`revsync web`) or on a background thread
(the demo, the tests)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from oauth_service.app import create_app
from oauth_service.config import WebConfig


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def uvicorn_server(config: WebConfig, host: str, port: int, *, log_level: str = "info") -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(create_app(config), host=host, port=port, log_level=log_level,
                                         access_log=False, proxy_headers=False, server_header=False))


def serve(config: WebConfig, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted."""
    uvicorn_server(config, host, port).run()


class BackgroundServer:
    """The app on a thread of this process, until `stop()`."""

    def __init__(self, config: WebConfig, host: str, port: int, *, log_level: str = "warning"):
        self.server = uvicorn_server(config, host, port, log_level=log_level)
        self.thread = threading.Thread(target=self.server.run, name="revsync-web", daemon=True)

    def start(self, timeout: float = 30) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web app did not start; see the log above")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
