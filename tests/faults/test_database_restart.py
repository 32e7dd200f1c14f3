"""PostgreSQL restarted while a HubSpot sync loads its rows: the sync ends with a clear error (or
succeeds by retrying), the sync log says which, and a rerun converges to the sandbox's truth.

The restart is the session's own embedded server, stopped and started again from inside the
load: the first job that loads raw_hubspot rows does it once its connection is open, so the
restart lands in the load itself on every machine, not at a moment picked by a timer.
"""

from __future__ import annotations

import threading
import uuid

import psycopg2
import pytest
from dlt.destinations.impl.postgres.postgres import PostgresClient

from dlt_sources.http import RetryPolicy
from dlt_sources.hubspot.pipeline import HubSpotSyncOptions
from dlt_sources.sync import sync_accounts
from provider_sandbox.launcher import SandboxProcess
from revsync.accounts import add_account
from revsync.credentials import store_connection
from revsync.db.embedded import EmbeddedPostgres
from tests.integration.hubspot_truth import assert_equals_truth, duplicate_keys
from tests.support import get_json

FAST = RetryPolicy(first_backoff_seconds=0.05, max_backoff_seconds=0.5, give_up_after_seconds=30,
                   rate_limited_backoff_seconds=0.2, timeout_seconds=5)
FLAGS = ("--accounts", "1", "--engagements", "300", "--seed", "23", "--anchor", "2026-11-01T00:00:00Z",
         "--search-index-delay-ms", "0", "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000")


@pytest.fixture(scope="module")
def sandbox(environment, tmp_path_factory):
    process = SandboxProcess.start(tmp_path_factory.mktemp("db-restart"), *FLAGS)
    try:
        yield process
    finally:
        process.stop()


def connected_account(database_url: str, sandbox) -> str:
    with psycopg2.connect(database_url) as conn:
        account, _ = add_account(conn, f"Restart {uuid.uuid4().hex[:8]}")
        store_connection(conn, account_id=account.account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": sandbox.accounts[0]["hubspot"]["private_app_token"]},
                         api_base=sandbox.url)
    conn.close()
    return account.account_id


@pytest.fixture
def restart_at_first_row_load(monkeypatch):
    """Restart the embedded server as dlt's first job loading raw rows begins: its connection is
    open, its first statement not yet sent. Yields the tables whose load was interrupted (one)."""
    original = PostgresClient.prepare_load_job_execution
    interrupted: list[str] = []
    lock = threading.Lock()

    def prepare_load_job_execution(self, job):
        table = job.job_file_info().table_name
        with lock:
            if not interrupted and not table.startswith("_dlt"):
                interrupted.append(table)
                server = EmbeddedPostgres()
                server.stop()
                server.start()
        return original(self, job)

    monkeypatch.setattr(PostgresClient, "prepare_load_job_execution", prepare_load_job_execution)
    yield interrupted
    EmbeddedPostgres().start()  # idempotent: the session's server is running whatever happened


def truth(sandbox) -> dict:
    return get_json(f"{sandbox.url}/_sandbox/truth")["accounts"]["account-1"]["hubspot"]["objects"]


def sync_log(database_url: str, account_id: str) -> list[tuple]:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("select status, error_message, records_synced from app.integration_sync_log "
                    "where account_id = %s order by sync_id", (account_id,))
        rows = cur.fetchall()
    conn.close()
    return rows


def test_a_database_restart_mid_load_ends_clearly_and_the_rerun_converges(environment, sandbox, tmp_path,
                                                                          restart_at_first_row_load):
    url = environment.database_url
    account_id = connected_account(url, sandbox)
    options = HubSpotSyncOptions(policy=FAST)
    pipelines_dir = str(tmp_path / "dlt")

    first = sync_accounts("hubspot", url, [account_id], options, pipelines_dir=pipelines_dir)[0]
    assert restart_at_first_row_load, "the restart never happened: no job loaded raw rows"
    log = sync_log(url, account_id)
    assert [row[0] for row in log] == [first.status]
    if first.status == "failed":  # a clear error: it names the database, not a bare traceback
        assert first.error and log[0][1] == first.error[:2000]
        assert any(word in first.error.lower() for word in ("connection", "database", "server", "postgres")), \
            first.error
    else:  # or dlt retried the interrupted job on a fresh connection and finished the load
        assert first.status == "success", first.line()
        assert_equals_truth(url, account_id, truth(sandbox))

    second = sync_accounts("hubspot", url, [account_id], options, pipelines_dir=pipelines_dir)[0]
    assert second.status == "success", second.line()
    assert [row[0] for row in sync_log(url, account_id)] == [first.status, "success"]
    assert_equals_truth(url, account_id, truth(sandbox))
    assert duplicate_keys(url) == 0
