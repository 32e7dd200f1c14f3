"""Helpers shared by test modules (imported as `tests.support`, so there is one registry)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import httpx

_homes: list[Path] = []


def make_home(prefix: str) -> Path:
    """A fresh revsync home, removed at the end of the session (servers in it stopped first).

    Under /tmp and mode 0711: when the tests run as root, the embedded server's own user must be
    able to enter it (pytest's tmp_path lives in a 0700 folder).
    """
    home = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    home.chmod(0o711)
    _homes.append(home)
    return home


def remove_homes() -> None:
    """Stop the servers in every home made this session, then delete the homes."""
    from revsync.db.embedded import EmbeddedPostgres

    for home in _homes:
        server = EmbeddedPostgres(home=home)
        if server.is_initialized() and server.running_pid():
            server.stop()
        if server.root.is_symlink():
            shutil.rmtree(server.root.resolve(), ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    _homes.clear()


def get_json(url: str):
    return httpx.get(url, timeout=10).raise_for_status().json()
