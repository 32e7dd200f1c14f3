"""PostgreSQL connections for the web app: a bounded pool shared by the request threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions


class Database:
    """At most `size` connections, opened when first needed and then kept open: a request that
    finds them all busy waits for one. (psycopg2's own pool closes every connection returned
    beyond its minimum, so under load each request paid for a new connection and server process.)"""

    def __init__(self, url: str, size: int = 16):
        self.url = url
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[psycopg2.extensions.connection] = []
        self._closed = False

    @contextmanager
    def transaction(self) -> Iterator[psycopg2.extensions.connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with self._slots:
            conn = self._take()
            broken = False
            try:
                with conn:
                    yield conn
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                broken = True
                raise
            finally:
                self._give_back(conn, broken)

    def _take(self) -> psycopg2.extensions.connection:
        with self._lock:
            if self._closed:
                raise psycopg2.InterfaceError("the web app's database pool is closed")
            if self._idle:
                return self._idle.pop()
        return psycopg2.connect(self.url)

    def _give_back(self, conn: psycopg2.extensions.connection, broken: bool) -> None:
        idle = conn.closed == 0 and conn.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE
        stale: list[psycopg2.extensions.connection] = []
        with self._lock:
            if idle and not broken and not self._closed:
                self._idle.append(conn)
                return
            if broken:
                # The server went away (a restart, a network cut): the idle ones are most likely dead too.
                stale, self._idle = self._idle, []
        for each in (conn, *stale):
            each.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
