"""The provider reference material beside the repository (`../shared/reference`), for the tests that
validate the sandbox against the providers' published specs.

A test that needs it fails with one clear message when it is absent; it never skips, so a run
without the specs cannot pass for one that checked them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference"
HUBSPOT_SPEC_DIR = REFERENCE_DIR / "hubspot-openapi"


def hubspot_spec_dir() -> Path:
    """The folder of HubSpot's OpenAPI specs; fails the test if it is missing or empty."""
    if not HUBSPOT_SPEC_DIR.is_dir() or not any(HUBSPOT_SPEC_DIR.glob("*.json")):
        pytest.fail(f"HubSpot OpenAPI specs not found at {HUBSPOT_SPEC_DIR}: these tests validate responses "
                    f"against them; put the shared/ folder (with reference/hubspot-openapi/) beside the "
                    f"repository", pytrace=False)
    return HUBSPOT_SPEC_DIR


def hubspot_spec(name: str) -> Path:
    """One HubSpot OpenAPI spec file by name ("calls-v3.json"); fails the test if it is missing."""
    path = hubspot_spec_dir() / name
    if not path.is_file():
        pytest.fail(f"HubSpot OpenAPI spec {name} not found in {HUBSPOT_SPEC_DIR}", pytrace=False)
    return path
