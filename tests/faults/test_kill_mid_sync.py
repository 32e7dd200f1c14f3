"""`revsync sync hubspot` killed with SIGKILL mid-sync, at several moments, then run again: the
raw tables end equal to the truth, with no duplicate key, and the killed attempt stays `running`
in the sync log rather than claiming a success."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest

from provider_sandbox.launcher import SandboxProcess
from revsync.accounts import add_account
from revsync.credentials import store_connection
from tests.integration.hubspot_truth import assert_equals_truth, duplicate_keys
from tests.support import get_json

REVSYNC = str(Path(sys.executable).parent / "revsync")


@pytest.fixture(scope="module")
def slow_sandbox(environment, tmp_path_factory):
    # Latency on: a sync takes a few seconds, so a kill lands while it reads or loads.
    process = SandboxProcess.start(tmp_path_factory.mktemp("kill"), "--accounts", "1", "--engagements", "3000",
                                   "--seed", "17", "--anchor", "2026-11-01T00:00:00Z", "--search-index-delay-ms",
                                   "0", "--hubspot-rate-limit", "100000", "--latency", "--latency-fixed-ms", "30",
                                   "--latency-jitter-ms", "20")
    try:
        yield process
    finally:
        process.stop()


def connected_account(environment, sandbox) -> tuple[str, str]:
    with psycopg2.connect(environment.database_url) as conn:
        account, _ = add_account(conn, f"Kill {uuid.uuid4().hex[:8]}")
        store_connection(conn, account_id=account.account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": sandbox.accounts[0]["hubspot"]["private_app_token"]},
                         api_base=sandbox.url)
    conn.close()
    return account.account_id, account.slug


def sync(slug: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([REVSYNC, "sync", "hubspot", "--account", slug], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ))


def wait_until_started(url: str, account_id: str, process: subprocess.Popen, timeout: float = 120) -> None:
    """Until the sync has written its `running` row: a kill before then tests only start-up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("select count(*) from app.integration_sync_log where account_id = %s", (account_id,))
            started = cur.fetchone()[0] > 0
        conn.close()
        if started:
            return
        time.sleep(0.05)
    raise AssertionError("the sync never started")


@pytest.mark.parametrize("after_seconds", [0.2, 0.8, 1.6])
def test_a_sync_killed_at_any_moment_then_rerun_equals_truth(environment, slow_sandbox, after_seconds):
    account_id, slug = connected_account(environment, slow_sandbox)
    process = subprocess.Popen([REVSYNC, "sync", "hubspot", "--account", slug], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=dict(os.environ))
    wait_until_started(environment.database_url, account_id, process)
    time.sleep(after_seconds)
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    rerun = sync(slug)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    truth = get_json(f"{slow_sandbox.url}/_sandbox/truth")["accounts"]["account-1"]["hubspot"]["objects"]
    assert_equals_truth(environment.database_url, account_id, truth)
    assert duplicate_keys(environment.database_url) == 0
    with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
        cur.execute("select status from app.integration_sync_log where account_id = %s order by sync_id", (account_id,))
        statuses = [row[0] for row in cur.fetchall()]
    conn.close()
    # A killed attempt stays running: it never claims a success it did not reach. (A process can
    # be killed after its sync finished, while it exits: then the attempt did succeed.)
    assert statuses[-1] == "success" and len(statuses) == 2 and statuses[0] in ("running", "success"), statuses
