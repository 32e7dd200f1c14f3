"""The instance as deployed: one code server (deploy/values.yaml's user deployment), runs submitted
to the queued run coordinator and launched by a real `dagster-daemon`, which holds two runs of one
(provider, account) apart and builds dbt once after the batch."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import psutil
import psycopg2
import pytest

from orchestration.defs.ingest import connection_partitions
from orchestration.defs.schedules import CONNECTION_TAG, INCREMENTAL, last_complete_day
from revsync.accounts import add_account
from revsync.credentials import store_connection
from revsync.paths import PROJECT_ROOT
from tests.support import get_json

BIN = Path(sys.executable).parent


def connect(url: str, name: str, token: str, api_base: str) -> str:
    with psycopg2.connect(url) as conn:
        account, _ = add_account(conn, f"{name} {uuid.uuid4().hex[:6]}")
        store_connection(conn, account_id=account.account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": token}, api_base=api_base)
    return account.slug


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """Interrupt a process started in a session of its own, then whatever it started (a run it
    launched runs in a process of its own); kill what does not stop."""
    children = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):  # it may have stopped with its parent
            child.terminate()
    for child in psutil.wait_procs(children, timeout=10)[1]:
        child.kill()


@contextlib.contextmanager
def code_server(log) -> Iterator[list[str]]:
    """The code location loaded once and served over gRPC, as on the cluster; yields the options
    with which the CLI and the daemon reach it (loading it in each of three launches and in the
    daemon takes half a minute on two cores)."""
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "dagster"), "api", "grpc", "-m", "orchestration.definitions", "-d", str(PROJECT_ROOT),
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:  # the server listens once the definitions are loaded
            assert server.poll() is None, f"the code server exited with {server.returncode}"
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "the code server did not listen within 180 s"
            time.sleep(0.2)
        yield ["--grpc-host", "127.0.0.1", "--grpc-port", str(port)]
    finally:
        stop(server)


def launch(location: list[str], slug: str, day: str, log, *, incremental: bool = True) -> subprocess.Popen:
    """Submit a run the way the schedule (incremental) or a backfill (the day's window) does; with the
    queued coordinator it waits in the queue."""
    tags = {"dagster/partition": f"{slug}|{day}", CONNECTION_TAG: f"hubspot:{slug}"}
    config = {"ops": {"hubspot": {"config": INCREMENTAL if incremental else {"incremental": False}}}}
    return subprocess.Popen(
        [str(BIN / "dagster"), "job", "launch", *location, "-j", "hubspot_sync_job",
         "--config-json", json.dumps(config), "--tags", json.dumps(tags)],
        cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)


def runs_of(instance: dg.DagsterInstance, job_name: str, since: float) -> list[dg.RunRecord]:
    records = instance.get_run_records(dg.RunsFilter(job_name=job_name, created_after=datetime.fromtimestamp(since,
                                                                                                           UTC)))
    return sorted(records, key=lambda r: r.create_timestamp)


def failures(instance: dg.DagsterInstance, record: dg.RunRecord) -> list[str]:
    events = [e.dagster_event for e in instance.all_logs(record.dagster_run.run_id) if e.dagster_event]
    found = []
    for event in events:
        error = event.step_failure_data.error if event.is_step_failure else None
        while error is not None:
            found.append(error.message.strip()[:1500])
            error = error.cause
    return found


@pytest.fixture(scope="module")
def slugs(environment, sandbox_url):
    portals = get_json(f"{sandbox_url}/_sandbox/accounts")
    url = environment.database_url
    found = [connect(url, "Queue A", portals[0]["hubspot"]["private_app_token"], sandbox_url),
             connect(url, "Queue B", portals[1]["hubspot"]["private_app_token"], sandbox_url)]
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select c.provider, a.slug from app.api_connections c join app.accounts a using (account_id)")
        every = cur.fetchall()
    with dg.DagsterInstance.get() as instance:
        # Every connection (earlier tests' Aircall and Fathom ones too) is already a partition: the
        # connections sensors start no initial backfill here, whose end would trigger another build.
        for provider in {provider for provider, _ in every}:
            instance.add_dynamic_partitions(connection_partitions(provider).name,
                                            [slug for p, slug in every if p == provider])
    return found


@pytest.mark.timeout(1200)  # a code server, a daemon, three syncs and a dbt build on a shared machine
def test_the_daemon_runs_one_sync_per_account_at_a_time_then_dbt_once(environment, slugs, tmp_path):
    a, b = slugs
    day = last_complete_day(datetime.now(UTC))
    started = time.time()
    with (open(tmp_path / "server.log", "w") as server_log, code_server(server_log) as location,
          open(tmp_path / "launch.log", "w") as log, dg.DagsterInstance.get() as instance):
        # Account a: its daily sync and a backfill of an earlier day, submitted together.
        earlier = (datetime.fromisoformat(day) - timedelta(days=3)).date().isoformat()
        launches = [launch(location, a, day, log), launch(location, a, earlier, log, incremental=False),
                    launch(location, b, day, log)]
        for proc in launches:
            assert proc.wait(180) == 0, (tmp_path / "launch.log").read_text()[-3000:]
        submitted = runs_of(instance, "hubspot_sync_job", started)
        assert [r.dagster_run.status for r in submitted] == [dg.DagsterRunStatus.QUEUED] * 3

        daemon_log = open(tmp_path / "daemon.log", "w")
        daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", *location],
                                  cwd=PROJECT_ROOT, stdout=daemon_log, stderr=subprocess.STDOUT,
                                  start_new_session=True, env={**os.environ})
        try:
            deadline = time.monotonic() + 900
            while True:
                syncs = runs_of(instance, "hubspot_sync_job", started)
                builds = [r for r in runs_of(instance, "__ASSET_JOB", started)
                          if r.dagster_run.tags.get("dagster/sensor_name") == "dbt_after_sync_sensor"]
                done = all(r.dagster_run.is_finished for r in syncs) and builds and all(
                    r.dagster_run.is_finished for r in builds)
                if done:
                    break
                assert time.monotonic() < deadline, (
                    [(r.dagster_run.job_name, r.dagster_run.status.value) for r in syncs + builds],
                    (tmp_path / "daemon.log").read_text()[-3000:], (tmp_path / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        finally:
            stop(daemon)
            daemon_log.close()

        assert [r.dagster_run.status for r in syncs] == [dg.DagsterRunStatus.SUCCESS] * 3
        first, second = (r for r in syncs if r.dagster_run.tags[CONNECTION_TAG] == f"hubspot:{a}")
        assert first.end_time <= second.start_time or second.end_time <= first.start_time  # never overlapping
        other = next(r for r in syncs if r.dagster_run.tags[CONNECTION_TAG] == f"hubspot:{b}")
        assert other.start_time < first.end_time and first.start_time < other.end_time  # accounts in parallel
        # One dbt build, after the whole batch, and it succeeds although only HubSpot ever synced.
        assert len(builds) == 1
        assert builds[0].start_time >= max(r.end_time for r in syncs)
        print(f"3 syncs queued to dbt done: {builds[0].end_time - started:.1f} s")
        assert builds[0].dagster_run.status == dg.DagsterRunStatus.SUCCESS, failures(instance, builds[0])
