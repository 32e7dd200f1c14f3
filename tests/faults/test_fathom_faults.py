"""The Fathom sync under hostile conditions, against the sandbox's fault injection over HTTP.

Each scenario ends equal to the sandbox's truth after at most one rerun, with no duplicate key:
429s, 5xx, timeouts, cut connections, truncated JSON, a meeting repeated across pages, and OAuth
tokens expiring mid-sync with a rotated (one-time) refresh token; and `revsync sync fathom`
killed with SIGKILL at several moments, then run again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg2
import pytest

from dlt_sources.fathom import FathomSyncOptions, sync_workspace
from dlt_sources.http import RetryPolicy, SourceError, StaticToken
from dlt_sources.sync import sync_accounts
from provider_sandbox.launcher import SandboxProcess
from revsync.accounts import add_account
from revsync.credentials import exchange_code, load_connection, store_connection, store_oauth_connection
from revsync.settings import get_settings
from tests.integration.fathom_truth import assert_equals_truth, duplicate_keys, fetch
from tests.integration.hubspot_truth import new_account_id
from tests.support import get_json

REVSYNC = str(Path(sys.executable).parent / "revsync")
FAST = RetryPolicy(first_backoff_seconds=0.05, max_backoff_seconds=0.5, give_up_after_seconds=60,
                   rate_limited_backoff_seconds=0.2, timeout_seconds=1.5)
# The sandbox's limit is lifted, so are ours for per-recording reads: the faults are the subject.
# Small parts: a sync that fails has loaded some parts already, and the rerun must still end right.
OPTIONS = {"policy": FAST, "heavy": (100_000, 60.0), "rows_per_load": 2_000}


@pytest.fixture(scope="module")
def sandbox(environment, tmp_path_factory):
    process = SandboxProcess.start(tmp_path_factory.mktemp("fathom-faults"), "--accounts", "1", "--engagements",
                                   "30", "--seed", "29", "--anchor", "2026-11-01T00:00:00Z", "--fathom-meetings",
                                   "150", "--fathom-rate-limit", "100000")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def pipelines_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("dlt"))


def install(sandbox, *rules, seed: int = 5) -> None:
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"seed": seed, "rules": list(rules)},
               timeout=10).raise_for_status()


def clear(sandbox) -> None:
    httpx.delete(f"{sandbox.url}/_sandbox/faults", timeout=10).raise_for_status()


def injected(sandbox) -> int:
    return get_json(f"{sandbox.url}/_sandbox/stats")["faults_injected"]["total"]


SCENARIOS = {
    "429s": {"provider": "fathom", "endpoint": "*", "status": {"429": 0.3}},
    "5xx": {"provider": "fathom", "endpoint": "*", "status": {"500": 0.1, "502": 0.05, "503": 0.05, "504": 0.05}},
    "timeouts": {"provider": "fathom", "endpoint": "*", "timeout": {"probability": 0.3, "hold_ms": 3000},
                 "max_injections": 3},
    "cut connections": {"provider": "fathom", "endpoint": "*", "reset": 0.3, "max_injections": 3},
    "truncated JSON": {"provider": "fathom", "endpoint": "*", "truncate": 0.3, "max_injections": 3},
    "duplicate across pages": {"provider": "fathom", "endpoint": "*", "duplicate": 1.0},
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_fault_ends_equal_to_truth(environment, sandbox, pipelines_dir, name):
    url = environment.database_url
    source = StaticToken(new_account_id(url, "Fathom faults"), "fathom", sandbox.accounts[0]["fathom"]["api_key"])
    before = injected(sandbox)
    install(sandbox, SCENARIOS[name])
    try:
        sync_workspace(url, sandbox.url, source, FathomSyncOptions(mode="full", **OPTIONS), pipelines_dir=pipelines_dir)
    except SourceError:
        clear(sandbox)  # the one rerun, once the provider is healthy again
        sync_workspace(url, sandbox.url, source, FathomSyncOptions(**OPTIONS), pipelines_dir=pipelines_dir)
    finally:
        clear(sandbox)
    deadline = time.monotonic() + 10  # a held (timed-out) request is counted when the hold ends
    while injected(sandbox) <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert injected(sandbox) > before, "the fault never fired: this scenario tested nothing"
    assert_equals_truth(url, source.account_id, sandbox.url, "account-1")
    assert duplicate_keys(url) == 0


def oauth_account(environment, sandbox) -> str:
    """A revsync account connected to the sandbox workspace through Fathom's consent page."""
    app = sandbox.accounts[0]["fathom"]["oauth"]
    response = httpx.post(f"{sandbox.url}{app['authorize_path']}", data={
        "client_id": app["client_id"], "redirect_uri": app["redirect_uris"][0], "scope": "public_api",
        "state": "s", "response_type": "code", "decision": "allow"}, follow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    grant = exchange_code("fathom", code=code, redirect_uri=app["redirect_uris"][0], client_id=app["client_id"],
                          client_secret=app["client_secret"], api_base=sandbox.url)
    with psycopg2.connect(environment.database_url) as conn:
        account, _ = add_account(conn, f"Fathom OAuth {uuid.uuid4().hex[:8]}")
        store_oauth_connection(conn, account_id=account.account_id, provider="fathom", grant=grant,
                               api_base=sandbox.url, client_id=app["client_id"], client_secret=app["client_secret"],
                               token_endpoint=f"{sandbox.url}/external/v1/oauth2/token")
    conn.close()
    return account.account_id


def refresh_token(environment, account_id: str) -> str:
    with psycopg2.connect(environment.database_url) as conn:
        token = load_connection(conn, account_id, "fathom").secrets["refresh_token"]
    conn.close()
    return token


def test_oauth_tokens_expiring_mid_sync_are_refreshed_and_rotated(environment, sandbox, pipelines_dir, monkeypatch):
    monkeypatch.setenv("FATHOM_AUTH_BASE", sandbox.url)  # the code exchange goes to the sandbox
    get_settings.cache_clear()
    try:
        account_id = oauth_account(environment, sandbox)
    finally:
        monkeypatch.delenv("FATHOM_AUTH_BASE")
        get_settings.cache_clear()
    before = refresh_token(environment, account_id)
    # Every token dies 0.5 s after its first use and every answer takes 150 ms: the sync (a list
    # page and a transcript and summary per meeting) outlives many tokens.
    install(sandbox, {"provider": "fathom", "token_expiry_seconds": 0.5},
            {"provider": "fathom", "endpoint": "*", "slow": {"probability": 1, "delay_ms": 150}})
    try:
        [outcome] = sync_accounts("fathom", environment.database_url, [account_id], FathomSyncOptions(**OPTIONS),
                                  pipelines_dir=pipelines_dir)
        if outcome.status == "failed":  # the one rerun
            clear(sandbox)
            [outcome] = sync_accounts("fathom", environment.database_url, [account_id],
                                      FathomSyncOptions(**OPTIONS), pipelines_dir=pipelines_dir)
    finally:
        clear(sandbox)
    assert outcome.status == "success", outcome.line()
    result = outcome.result
    assert result.refreshes >= 1 and result.calls_by_endpoint.get("GET /recordings/transcript", 0) >= 150
    assert refresh_token(environment, account_id) != before  # the rotated one was saved
    assert_equals_truth(environment.database_url, account_id, sandbox.url, "account-1")
    assert duplicate_keys(environment.database_url) == 0


@pytest.fixture(scope="module")
def slow_sandbox(environment, tmp_path_factory):
    # Latency on: a sync takes a few seconds, so a kill lands while it reads or loads.
    process = SandboxProcess.start(tmp_path_factory.mktemp("fathom-kill"), "--accounts", "1", "--engagements", "30",
                                   "--seed", "37", "--anchor", "2026-11-01T00:00:00Z", "--fathom-meetings", "400",
                                   "--fathom-rate-limit", "100000", "--latency", "--latency-fixed-ms", "30",
                                   "--latency-jitter-ms", "20")
    try:
        yield process
    finally:
        process.stop()


@pytest.mark.parametrize("after_seconds", [1.0, 3.0, 6.0])
def test_a_sync_killed_at_any_moment_then_rerun_equals_truth(environment, slow_sandbox, after_seconds):
    url = environment.database_url
    with psycopg2.connect(url) as conn:
        account, _ = add_account(conn, f"Fathom kill {uuid.uuid4().hex[:8]}")
        store_connection(conn, account_id=account.account_id, provider="fathom", auth_type="api_key",
                         secrets={"api_key": slow_sandbox.accounts[0]["fathom"]["api_key"]}, api_base=slow_sandbox.url)
    conn.close()
    command = [REVSYNC, "sync", "fathom", "--account", account.slug]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    time.sleep(after_seconds)
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert_equals_truth(url, account.account_id, slow_sandbox.url, "account-1")
    assert duplicate_keys(url) == 0
    statuses = [row[0] for row in fetch(url, "select status from app.integration_sync_log where account_id = %s "
                                        "order by sync_id", (account.account_id,))]
    assert statuses[-1] == "success"
    # A killed attempt (if it got as far as the log) never finished, and never called a success.
    assert statuses[:-1] == (["running"] if killed and len(statuses) == 2 else [])
