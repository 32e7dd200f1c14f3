"""`revsync sync aircall` killed with SIGKILL mid-sync, at several moments, then run again: the
raw tables end equal to the truth, with no duplicate key, and the killed attempt stays `running`
in the sync log rather than claiming a success."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import psycopg2
import pytest

from provider_sandbox.launcher import SandboxProcess
from revsync.accounts import add_account
from revsync.credentials import store_connection
from tests.faults.test_kill_mid_sync import REVSYNC
from tests.integration.aircall_truth import assert_calls_equal_truth, duplicate_keys
from tests.support import get_json


@pytest.fixture(scope="module")
def slow_sandbox(environment, tmp_path_factory):
    # Latency on: a sync takes a few seconds, so a kill lands while it reads or loads.
    process = SandboxProcess.start(tmp_path_factory.mktemp("aircall-kill"), "--accounts", "1", "--engagements", "20",
                                   "--aircall-calls", "6000", "--seed", "17", "--anchor", "2026-11-01T00:00:00Z",
                                   "--aircall-rate-limit", "100000", "--latency", "--latency-fixed-ms", "30",
                                   "--latency-jitter-ms", "20")
    try:
        yield process
    finally:
        process.stop()


def connected_account(environment, sandbox) -> tuple[str, str]:
    company = sandbox.accounts[0]["aircall"]
    with psycopg2.connect(environment.database_url) as conn:
        account, _ = add_account(conn, f"Aircall kill {uuid.uuid4().hex[:8]}")
        store_connection(conn, account_id=account.account_id, provider="aircall", auth_type="basic",
                         secrets={"api_id": company["api_id"], "api_token": company["api_token"]},
                         api_base=sandbox.url)
    conn.close()
    return account.account_id, account.slug


def command(slug: str) -> list[str]:
    return [REVSYNC, "sync", "aircall", "--account", slug, "--no-transcriptions"]


# A sync here takes 10 to 30 s (6,000 calls in 121 requests, then the load): kills land while it
# starts, reads and loads.
@pytest.mark.parametrize("after_seconds", [3.0, 8.0, 16.0])
def test_a_sync_killed_at_any_moment_then_rerun_equals_truth(environment, slow_sandbox, after_seconds):
    account_id, slug = connected_account(environment, slow_sandbox)
    process = subprocess.Popen(command(slug), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    time.sleep(after_seconds)
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    rerun = subprocess.run(command(slug), capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    truth = get_json(f"{slow_sandbox.url}/_sandbox/truth")["accounts"]["account-1"]["aircall"]
    assert_calls_equal_truth(environment.database_url, account_id, truth)
    assert duplicate_keys(environment.database_url) == 0
    with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
        cur.execute("select status from app.integration_sync_log where account_id = %s order by sync_id", (account_id,))
        statuses = [row[0] for row in cur.fetchall()]
    conn.close()
    assert statuses[-1] == "success"
    if killed:  # never finished, never called a success (a kill before the sync began leaves no row)
        assert statuses[:-1] in ([], ["running"]), statuses
