"""The Aircall sync under hostile conditions, against the sandbox's fault injection over HTTP.

Each scenario ends equal to the sandbox's truth after at most one rerun, with no duplicate key:
a 429 storm, 5xx answers, timeouts, cut connections, truncated JSON and a call repeated across
pages. A token Aircall rejects fails that account's sync and marks its connection `needs_reauth`.
"""

from __future__ import annotations

import time

import httpx
import psycopg2
import pytest

from dlt_sources.aircall.pipeline import AircallSyncOptions, sync_account
from dlt_sources.http import RetryPolicy, SourceError
from dlt_sources.sync import sync_accounts
from provider_sandbox.launcher import SandboxProcess
from revsync.credentials import store_connection
from tests.integration.aircall_truth import (
    assert_calls_equal_truth,
    connect_company,
    duplicate_keys,
    loaded_transcriptions,
)
from tests.support import get_json

FAST = RetryPolicy(first_backoff_seconds=0.05, max_backoff_seconds=0.5, give_up_after_seconds=60,
                   rate_limited_backoff_seconds=0.2, timeout_seconds=1.5)
FLAGS = ("--accounts", "1", "--engagements", "20", "--aircall-calls", "900", "--seed", "13",
         "--anchor", "2026-11-01T00:00:00Z", "--aircall-rate-limit", "100000")


@pytest.fixture(scope="module")
def sandbox(environment, tmp_path_factory):
    process = SandboxProcess.start(tmp_path_factory.mktemp("aircall-faults"), *FLAGS)
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
    "429 storm": {"provider": "aircall", "endpoint": "*", "status": {"429": 0.3}},
    "5xx": {"provider": "aircall", "endpoint": "*", "status": {"500": 0.05, "502": 0.05, "503": 0.05}},
    "timeouts": {"provider": "aircall", "endpoint": "*", "timeout": {"probability": 0.2, "hold_ms": 3000},
                 "max_injections": 3},
    "cut connections": {"provider": "aircall", "endpoint": "*", "reset": 0.2, "max_injections": 3},
    "truncated JSON": {"provider": "aircall", "endpoint": "*", "truncate": 0.2, "max_injections": 3},
    "duplicate across pages": {"provider": "aircall", "endpoint": "*", "duplicate": 1.0},
}


# Transcriptions cost a request per recorded call (~450 here): read them where the fault stays
# quick; a 429 storm pauses a second per 429 (X-AircallApi-Reset).
WITH_TRANSCRIPTIONS = {"5xx", "timeouts", "cut connections", "truncated JSON"}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_fault_ends_equal_to_truth(environment, sandbox, pipelines_dir, name):
    url = environment.database_url
    credentials = connect_company(url, sandbox.url, sandbox.accounts[0]["aircall"])
    options = AircallSyncOptions(policy=FAST, transcriptions=name in WITH_TRANSCRIPTIONS)
    before = injected(sandbox)
    install(sandbox, SCENARIOS[name])
    try:
        try:
            sync_account(url, credentials, options, pipelines_dir=pipelines_dir)
        except SourceError:
            clear(sandbox)
            sync_account(url, credentials, options, pipelines_dir=pipelines_dir)
    finally:
        clear(sandbox)
        credentials.close()
    deadline = time.monotonic() + 10  # a held (timed-out) request is counted when the hold ends
    while injected(sandbox) <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert injected(sandbox) > before, "the fault never fired: this scenario tested nothing"
    truth = get_json(f"{sandbox.url}/_sandbox/truth")["accounts"]["account-1"]["aircall"]
    assert_calls_equal_truth(url, credentials.account_id, truth)
    if name in WITH_TRANSCRIPTIONS:
        assert loaded_transcriptions(url, credentials.account_id) == truth["transcriptions"]
    assert duplicate_keys(url) == 0


def test_a_rejected_token_fails_that_account_with_a_message_to_reconnect(environment, sandbox, pipelines_dir):
    url = environment.database_url
    credentials = connect_company(url, sandbox.url, sandbox.accounts[0]["aircall"])
    account_id = credentials.account_id
    with psycopg2.connect(url) as conn:  # the token was revoked at Aircall since it was connected
        store_connection(conn, account_id=account_id, provider="aircall", auth_type="basic",
                         secrets={"api_id": sandbox.accounts[0]["aircall"]["api_id"], "api_token": "revoked"},
                         api_base=sandbox.url)
    conn.close()
    credentials.close()
    [outcome] = sync_accounts("aircall", url, [account_id], AircallSyncOptions(policy=FAST),
                              pipelines_dir=pipelines_dir)
    assert outcome.status == "failed" and "Reconnect Aircall" in outcome.error
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select status from app.api_connections where account_id = %s and provider = 'aircall'",
                    (account_id,))
        assert cur.fetchone()[0] == "needs_reauth"
    conn.close()
