"""A sync killed with SIGKILL at seeded points across extract, normalize and load, then run again:
the raw tables equal the sandbox's truth, no key is duplicated, no load package is left behind,
and the dlt state (bookmarks) is whole.

Each point is an event and its n-th occurrence (see tests/faults/crash_at.py), drawn from a fixed
seed: a failure names a point that can be replayed exactly.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import uuid

import dlt
import psycopg2
import pytest

from dlt_sources.hubspot.objects import OBJECTS
from dlt_sources.sync import sync_accounts
from provider_sandbox.launcher import SandboxProcess
from revsync.accounts import add_account
from revsync.credentials import store_connection
from revsync.paths import pipelines_dir
from tests.integration.hubspot_truth import assert_equals_truth, duplicate_keys
from tests.support import get_json

SEED = 20261130
# Ranges of n per event that a first sync of this portal reaches: it receives 23 responses,
# normalizes 14 chunks into one package, runs 9 COPY jobs and sends at least 26 other SQL
# statements through dlt (34 into an empty database).
RANGES = {"response": (1, 23), "normalize": (1, 14), "normalized": (1, 1), "copy": (1, 9), "copied": (1, 9),
          "sql": (1, 26)}
COUNTS = {"response": 4, "normalize": 3, "normalized": 1, "copy": 3, "copied": 3, "sql": 8}


def points() -> list[tuple[str, int]]:
    rng = random.Random(SEED)
    chosen = []
    for event, count in COUNTS.items():
        low, high = RANGES[event]
        chosen += [(event, n) for n in sorted(rng.sample(range(low, high + 1), min(count, high - low + 1)))]
    return chosen


@pytest.fixture(scope="module")
def sandbox(environment, tmp_path_factory):
    process = SandboxProcess.start(tmp_path_factory.mktemp("crash"), "--accounts", "1", "--engagements", "600",
                                   "--seed", "19", "--anchor", "2026-11-01T00:00:00Z", "--search-index-delay-ms",
                                   "0", "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000")
    try:
        yield process
    finally:
        process.stop()


def connected_account(environment, sandbox) -> tuple[str, str]:
    with psycopg2.connect(environment.database_url) as conn:
        account, _ = add_account(conn, f"Crash {uuid.uuid4().hex[:8]}")
        store_connection(conn, account_id=account.account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": sandbox.accounts[0]["hubspot"]["private_app_token"]},
                         api_base=sandbox.url)
    conn.close()
    return account.account_id, account.slug


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.faults.crash_at", *args], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ), cwd=os.getcwd())


@pytest.mark.parametrize(("event", "n"), points(), ids=lambda v: str(v))
def test_a_sync_killed_at_a_seeded_point_then_rerun_equals_truth(environment, sandbox, event, n):
    account_id, slug = connected_account(environment, sandbox)
    crashed = run(event, str(n), "--", "sync", "hubspot", "--account", slug)
    assert crashed.returncode == -9, (
        f"the sync was not killed at {event} #{n} (exit {crashed.returncode}): the point is out of range\n"
        + crashed.stderr[-2000:])
    # The rerun in this process: the same code `revsync sync` runs, without a second start-up.
    [rerun] = sync_accounts("hubspot", environment.database_url, [account_id])
    assert rerun.status == "success", rerun.line()

    truth = get_json(f"{sandbox.url}/_sandbox/truth")["accounts"]["account-1"]["hubspot"]["objects"]
    assert_equals_truth(environment.database_url, account_id, truth)
    assert duplicate_keys(environment.database_url) == 0
    pipeline = dlt.attach(f"hubspot_{account_id.replace('-', '')}", pipelines_dir=str(pipelines_dir()))
    assert not pipeline.has_pending_data, "a load package was left behind"
    assert set(pipeline.state["sources"]["hubspot"]["bookmarks"]) == set(OBJECTS)
    with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
        cur.execute("select status from app.integration_sync_log where account_id = %s order by sync_id",
                    (account_id,))
        statuses = [row[0] for row in cur.fetchall()]
    conn.close()
    assert statuses == ["running", "success"], statuses  # the killed attempt never claims a success
