"""Contract tests: the official SDKs (hubspot-api-client, fathom-python) against the provider sandbox.

Every HubSpot response an SDK receives is recorded from the SDK's own urllib3 pool manager (real
traffic, nothing mocked) and validated against HubSpot's published OpenAPI specs in
`../shared/reference/hubspot-openapi/` with openapi-core (contract_support.py). A test validates its
traffic explicitly (`specs.assert_valid(traffic)`); whatever it leaves unchecked is validated when
the `hubspot_traffic` fixture is torn down, so no HubSpot response escapes the schema check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import contract_support
import pytest
from contract_support import MAIN_FLAGS, HubSpotSpecs, Traffic, hubspot_sdk

from provider_sandbox.launcher import SandboxProcess
from tests.reference import hubspot_spec_dir


@pytest.fixture(scope="session")
def specs() -> HubSpotSpecs:
    contract_support.SPECS = HubSpotSpecs(hubspot_spec_dir())
    return contract_support.SPECS


# ---------------------------------------------------------------------------------------------
# Sandboxes and SDK clients


@pytest.fixture(scope="session")
def start_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., SandboxProcess]]:
    """Factory: start_sandbox(*flags) -> SandboxProcess, stopped at the end of the session."""
    started: list[SandboxProcess] = []

    def start(*flags: str) -> SandboxProcess:
        sandbox = SandboxProcess.start(tmp_path_factory.mktemp("contract-sandbox"), *flags)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture(scope="session")
def sandbox(start_sandbox) -> SandboxProcess:
    return start_sandbox(*MAIN_FLAGS)


@pytest.fixture(scope="session")
def truth(sandbox) -> dict:
    """Ground truth of the main sandbox's account-1 (nothing in this suite changes its data)."""
    return sandbox.admin("truth")["accounts"]["account-1"]


@pytest.fixture
def hubspot_traffic(specs) -> Iterator[Traffic]:
    traffic = Traffic()
    yield traffic
    if traffic.unchecked():
        specs.assert_valid(traffic)


@pytest.fixture
def hubspot_client(sandbox, hubspot_traffic):
    """HubSpot SDK client of account-1 (private-app token) against the main sandbox."""
    return hubspot_sdk(sandbox, hubspot_traffic, sandbox.token(0))


@pytest.fixture
def fathom_client(sandbox):
    from fathom_python import Fathom, models

    key = sandbox.accounts[0]["fathom"]["api_key"]
    with Fathom(security=models.Security(api_key_auth=key), server_url=f"{sandbox.url}/external/v1") as sdk:
        yield sdk


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """List every documented spec deviation the run tolerated, so it is never silent."""
    from contract_support import SPECS

    if SPECS and SPECS.tolerated:
        terminalreporter.section("HubSpot spec deviations tolerated (contract_support.KNOWN_DEVIATIONS)")
        for deviation, seen in SPECS.tolerated.items():
            terminalreporter.line(f"{deviation.spec} {deviation.status} {deviation.path}: {deviation.reason}")
            terminalreporter.line(f"    in {len(seen)} responses, e.g. {seen[0]}")
