"""Fixtures that run the provider sandbox as a real server process on a free port.

`start_sandbox(*flags)` launches `python -m provider_sandbox --port 0 --ready-file ...` through
`provider_sandbox.launcher` and waits for the ready file, so a test talks to it exactly as any
HTTP client would. Use the session-wide `sandbox` for read-only checks; start a private one when
a test needs other flags (a tiny rate limit) or reads counters.

The sandbox's default anchor is the wall clock at start; tests compare fixed values across
sandboxes, so `start_sandbox` pins `--anchor PINNED_ANCHOR` unless the flags give one
(`--anchor now` for the wall clock).
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator

import httpx
import jsonschema
import pytest

from provider_sandbox.launcher import SandboxProcess
from tests.reference import hubspot_spec

PINNED_ANCHOR = "2026-11-01T00:00:00Z"
# Small but multi-page data; a limit high enough that reading everything never hits a 429.
DEFAULT_FLAGS = ("--accounts", "2", "--engagements", "1500", "--seed", "7", "--anchor", PINNED_ANCHOR,
                 "--hubspot-rate-limit", "100000",
                 # Search's indexing delay would hide the newest rows for the first seconds.
                 "--search-index-delay-ms", "0")


@pytest.fixture(scope="session")
def start_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Factory: start_sandbox(*flags) -> SandboxProcess, stopped at the end of the session."""
    started: list[SandboxProcess] = []

    def start(*flags: str) -> SandboxProcess:
        if "--anchor" not in flags:
            flags = ("--anchor", PINNED_ANCHOR, *flags)
        sandbox = SandboxProcess.start(tmp_path_factory.mktemp("sandbox"), *flags)
        started.append(sandbox)
        return sandbox

    yield start
    # Signal every server first so they shut down in parallel (each takes ~0.3 s).
    for sandbox in started:
        if sandbox.process.poll() is None:
            sandbox.process.send_signal(signal.SIGTERM)
    for sandbox in started:
        try:
            sandbox.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            sandbox.stop()


@pytest.fixture(scope="session")
def sandbox(start_sandbox) -> SandboxProcess:
    return start_sandbox(*DEFAULT_FLAGS)


def page_through(client: httpx.Client, token: str, object_type: str = "calls", **params) -> list[dict]:
    """Page through a CRM v3 list exactly as a client would, returning every result."""
    results: list[dict] = []
    query = {"limit": 100, **params}
    while True:
        response = client.get(f"/crm/v3/objects/{object_type}", params=query,
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        page = response.json()
        results.extend(page["results"])
        if "paging" not in page:
            return results
        query["after"] = page["paging"]["next"]["after"]


@pytest.fixture
def read_all():
    """The `page_through` helper, as a fixture so test modules need no package imports."""
    return page_through


@pytest.fixture(scope="session")
def schema_validator():
    """validate(instance, schema_name) against a schema of HubSpot's calls-v3 OpenAPI spec."""
    components = json.loads(hubspot_spec("calls-v3.json").read_text())["components"]

    def validate(instance: object, schema_name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
        jsonschema.Draft202012Validator(schema).validate(instance)

    return validate
