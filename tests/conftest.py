"""Shared fixtures: an isolated revsync home with its own embedded PostgreSQL, and the provider sandbox.

Nothing here is mocked: the database is a real PostgreSQL server, the sandbox a real HTTP server.
"""

from __future__ import annotations

import os

import pytest

from revsync.settings import get_settings
from tests.support import make_home, remove_homes


@pytest.fixture(scope="session", autouse=True)
def _remove_homes():
    yield
    remove_homes()


@pytest.fixture(scope="session")
def revsync_home(_remove_homes):
    home = make_home("revsync-test-")
    saved = {k: os.environ.get(k) for k in ("REVSYNC_HOME", "DATABASE_URL", "REVSYNC_SECRET_KEY")}
    os.environ["REVSYNC_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REVSYNC_SECRET_KEY", None)
    get_settings.cache_clear()
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def environment(revsync_home):
    """A set-up database (embedded server started, migrated, dbt parsed) for the whole session."""
    from revsync.db.embedded import EmbeddedPostgres
    from revsync.setup import setup

    environment = setup(log=lambda *_: None)
    os.environ.update(environment.env)
    yield environment
    EmbeddedPostgres().stop()


@pytest.fixture(scope="session")
def sandbox_url(revsync_home):
    """A real provider sandbox process on a free port: 2 portals, deterministic seed."""
    from provider_sandbox.launcher import SandboxProcess

    with SandboxProcess.start(revsync_home / "sandbox", "--accounts", "2", "--engagements", "450",
                              "--seed", "11", "--anchor", "2026-11-01T00:00:00Z") as sandbox:
        yield sandbox.url
