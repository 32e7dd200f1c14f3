"""HubSpot down mid-sync, then back: the sandbox answers 503 to every request for a while, from the
sync's sixth request on. A sync whose retries outlast the outage succeeds, and the sync log counts
each retry; one that gives up first fails with an error that says the provider is down, the sync
log says so, and the next run converges to the sandbox's truth.

The outage in `make test` lasts OUTAGE_SECONDS, not the two minutes of a real one: what the sync
does depends only on how the outage compares with its retry policy's give-up time, so both are
scaled down together. `make test-long` runs the two-minute outage against the default policy.
"""

from __future__ import annotations

import time
import uuid

import httpx
import psycopg2
import pytest

from dlt_sources.http import RetryPolicy
from dlt_sources.hubspot.pipeline import HubSpotSyncOptions
from dlt_sources.sync import sync_accounts
from provider_sandbox.launcher import SandboxProcess
from revsync.accounts import add_account
from revsync.credentials import store_connection
from tests.integration.hubspot_truth import assert_equals_truth, duplicate_keys
from tests.support import get_json

OUTAGE_SECONDS = 4.0
REAL_OUTAGE_SECONDS = 120.0
REQUESTS_BEFORE_OUTAGE = 5  # a sync here makes about 20, so the outage begins mid-sync
FLAGS = ("--accounts", "1", "--engagements", "300", "--seed", "29", "--anchor", "2026-11-01T00:00:00Z",
         "--search-index-delay-ms", "0", "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000")


@pytest.fixture(scope="module")
def sandbox(environment, tmp_path_factory):
    process = SandboxProcess.start(tmp_path_factory.mktemp("outage"), *FLAGS)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def account_id(environment, sandbox) -> str:
    with psycopg2.connect(environment.database_url) as conn:
        account, _ = add_account(conn, f"Outage {uuid.uuid4().hex[:8]}")
        store_connection(conn, account_id=account.account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": sandbox.accounts[0]["hubspot"]["private_app_token"]},
                         api_base=sandbox.url)
    conn.close()
    return account.account_id


def start_outage(sandbox, seconds: float) -> None:
    httpx.post(f"{sandbox.url}/_sandbox/faults", timeout=10, json={"rules": [{
        "provider": "hubspot", "status": {"503": 1}, "after_requests": REQUESTS_BEFORE_OUTAGE,
        "duration_seconds": seconds}]}).raise_for_status()


def injected_503s(sandbox) -> int:
    return get_json(f"{sandbox.url}/_sandbox/stats")["faults_injected"]["by_kind"].get("status_503", 0)


def sync_log(database_url: str, account_id: str) -> list[tuple]:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select status, error_message, details from app.integration_sync_log "
                    "where account_id = %s order by sync_id", (account_id,))
        rows = cur.fetchall()
    conn.close()
    return rows


def truth(sandbox) -> dict:
    return get_json(f"{sandbox.url}/_sandbox/truth")["accounts"]["account-1"]["hubspot"]["objects"]


def sync(environment, account_id: str, policy: RetryPolicy, tmp_path):
    return sync_accounts("hubspot", environment.database_url, [account_id], HubSpotSyncOptions(policy=policy),
                         pipelines_dir=str(tmp_path / "dlt"))[0]


@pytest.fixture(autouse=True)
def healthy_after(sandbox):
    httpx.delete(f"{sandbox.url}/_sandbox/stats", timeout=10).raise_for_status()
    yield
    httpx.delete(f"{sandbox.url}/_sandbox/faults", timeout=10).raise_for_status()


def retries_outlast(outage_seconds: float) -> RetryPolicy:
    """Retries every second at most, for four times the outage."""
    return RetryPolicy(first_backoff_seconds=0.1, max_backoff_seconds=1.0,
                       give_up_after_seconds=4 * outage_seconds, timeout_seconds=10)


def check_succeeded_through(environment, sandbox, account_id, outcome) -> None:
    assert outcome.status == "success", outcome.line()
    [(status, error, details)] = sync_log(environment.database_url, account_id)
    assert (status, error) == ("success", None)
    assert injected_503s(sandbox) >= 1, "the outage never began: this tested nothing"
    # Every 503 was retried once, and the log counts exactly those retries.
    assert details["retries"] == injected_503s(sandbox)
    assert_equals_truth(environment.database_url, account_id, truth(sandbox))
    assert duplicate_keys(environment.database_url) == 0


def test_a_sync_retries_through_an_outage(environment, sandbox, account_id, tmp_path):
    start_outage(sandbox, OUTAGE_SECONDS)
    started = time.monotonic()
    outcome = sync(environment, account_id, retries_outlast(OUTAGE_SECONDS), tmp_path)
    assert time.monotonic() - started >= OUTAGE_SECONDS  # it waited the outage out
    check_succeeded_through(environment, sandbox, account_id, outcome)


def test_a_sync_that_gives_up_fails_clearly_and_the_next_run_converges(environment, sandbox, account_id,
                                                                        tmp_path):
    give_up = RetryPolicy(first_backoff_seconds=0.1, max_backoff_seconds=0.5,
                          give_up_after_seconds=OUTAGE_SECONDS / 4, timeout_seconds=10)
    start_outage(sandbox, OUTAGE_SECONDS)
    started = time.monotonic()
    failed = sync(environment, account_id, give_up, tmp_path)
    assert failed.status == "failed" and failed.transient, failed.line()
    assert "kept failing (503)" in failed.error and "provider seems down" in failed.error, failed.error
    [(status, error, _)] = sync_log(environment.database_url, account_id)
    assert status == "failed" and error == failed.error

    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - started)) + 0.5)  # HubSpot is back
    rerun = sync(environment, account_id, give_up, tmp_path)
    assert rerun.status == "success", rerun.line()
    assert [row[0] for row in sync_log(environment.database_url, account_id)] == ["failed", "success"]
    assert_equals_truth(environment.database_url, account_id, truth(sandbox))
    assert duplicate_keys(environment.database_url) == 0


@pytest.mark.long
def test_a_sync_retries_through_a_two_minute_outage(environment, sandbox, account_id, tmp_path):
    start_outage(sandbox, REAL_OUTAGE_SECONDS)
    outcome = sync(environment, account_id, RetryPolicy(), tmp_path)  # the default policy
    check_succeeded_through(environment, sandbox, account_id, outcome)
