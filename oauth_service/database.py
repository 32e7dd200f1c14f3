"""PostgreSQL connections for the web app: a bounded pool shared by the request threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from psycopg2.pool import ThreadedConnectionPool


class Database:
    """At most `size` connections; a request that finds them all busy waits for one (the pool
    itself would raise instead)."""

    def __init__(self, url: str, size: int = 16):
        self.url = url
        self._pool = ThreadedConnectionPool(1, size, url)
        self._slots = threading.BoundedSemaphore(size)

    @contextmanager
    def transaction(self) -> Iterator[psycopg2.extensions.connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with self._slots:
            conn = self._pool.getconn()
            broken = False
            try:
                with conn:
                    yield conn
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                broken = True
                raise
            finally:
                self._pool.putconn(conn, close=broken or conn.closed != 0)

    def close(self) -> None:
        self._pool.closeall()
