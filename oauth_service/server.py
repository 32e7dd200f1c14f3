"""Serving the web app with uvicorn: in the foreground (`revsync web`, one or several worker
processes) or on a background thread (the demo, the tests)."""

from __future__ import annotations

import functools
import os
import socket
import threading
import time

import uvicorn
from uvicorn.supervisors import Multiprocess

from oauth_service.app import create_app
from oauth_service.config import WebConfig


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def uvicorn_server(config: WebConfig, host: str, port: int, *, log_level: str = "info") -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(create_app(config), host=host, port=port, log_level=log_level,
                                         access_log=False, proxy_headers=False, server_header=False))


def default_workers() -> int:
    """Worker processes for this machine: one per two CPUs, at most 4. A process serves pages on
    about one CPU (Python's GIL) and checks passwords on others; PostgreSQL often shares the
    machine. On 2 CPUs a second worker measured worse: a rush of sign-ins then took both CPUs."""
    return max(1, min(4, len(os.sched_getaffinity(0)) // 2))  # the CPUs this process may use (containers)


def serve(config: WebConfig, host: str = "127.0.0.1", port: int = 8000, *, workers: int = 1) -> None:
    """Serve until interrupted, in `workers` processes sharing one listening socket."""
    if workers <= 1:
        uvicorn_server(config, host, port).run()
        return
    # Each worker process builds its own app (its own pool and HTTP client) from the same config.
    settings = uvicorn.Config(functools.partial(create_app, config), factory=True, host=host, port=port,
                              workers=workers, log_level="info", access_log=False, proxy_headers=False,
                              server_header=False)
    Multiprocess(settings, sockets=[settings.bind_socket()]).run()


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
