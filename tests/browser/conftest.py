"""Real Chromium (Debian's `chromium` package) driven by Playwright."""

from __future__ import annotations

import shutil

import pytest


# Module scope: while Playwright's sync API is open, its event loop runs in the main thread, and
# code that calls asyncio.run() later in the session (Dagster's automation evaluation) would fail.
@pytest.fixture(scope="module")
def chromium():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is not installed: `apt-get install chromium` (.ci/run installs it when missing).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()
