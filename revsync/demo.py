"""`revsync demo`: everything running locally, seeded from the provider sandbox, until Ctrl-C.

Database and migrations, the sandbox, a demo account with one connected HubSpot portal, one
materialization of every asset, then the Dagster UI. A second run reuses the data.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg2

from provider_sandbox.launcher import SandboxProcess
from revsync.credentials import store_connection
from revsync.db import uses_embedded
from revsync.db.embedded import EmbeddedPostgres
from revsync.db.roles import grant_bi_login
from revsync.errors import RevsyncError
from revsync.paths import PROJECT_ROOT, ensure_home
from revsync.processes import Children
from revsync.settings import get_settings
from revsync.setup import setup

DEMO_SEED = 7
DEMO_ENGAGEMENTS = 2000
DEMO_ACCOUNT_SLUG = "demo"
DEMO_MANAGER_EMAIL = "manager@demo.revsync.local"
DEMO_WEB_PORT = 8000


@contextmanager
def single_instance(lock_path: Path):
    """Refuse a second demo on the same .revsync/ while one runs."""
    handle = open(lock_path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown pid"
        handle.close()
        raise RevsyncError(
            f"Another revsync demo is already running on this checkout ({holder}). "
            "Use that one, or stop it with Ctrl-C in its terminal first."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _port(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]


def start_sandbox(children: Children, home: Path, env: dict[str, str], seed: int, engagements: int,
                  redirect_uris: tuple[str, ...] = ()) -> str:
    folder = home / "sandbox"
    folder.mkdir(exist_ok=True)
    ready = folder / "ready.json"
    ready.unlink(missing_ok=True)
    log = folder / "sandbox.log"
    proc = children.start(
        "provider sandbox",
        [sys.executable, "-m", "provider_sandbox", "--port", "0", "--accounts", "1",
         "--engagements", str(engagements), "--seed", str(seed), "--ready-file", str(ready),
         *(flag for uri in redirect_uris for flag in ("--oauth-redirect-uri", uri))],
        env, log,
    )
    try:
        return SandboxProcess.wait_until_ready(proc, ready, log).url
    except RuntimeError as exc:
        raise RevsyncError(f"The provider sandbox did not start: {str(exc)[-2000:]}") from None


def connect_demo_account(url: str, sandbox_url: str) -> str:
    """The demo account, its manager, its reps (the portal's owners, so the dashboard has numbers),
    and its HubSpot connection (token kept in the vault)."""
    hubspot = httpx.get(f"{sandbox_url}/_sandbox/accounts", timeout=10).raise_for_status().json()[0]["hubspot"]
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "insert into app.accounts (name, slug) values ('Demo Sales Team', %s) "
                "on conflict (slug) do update set name = excluded.name returning account_id",
                (DEMO_ACCOUNT_SLUG,),
            )
            account_id = str(cur.fetchone()[0])
            cur.execute(
                "insert into app.users (account_id, email, display_name, role) "
                "values (%s, 'manager@demo.revsync.local', 'Demo Manager', 'manager') "
                "on conflict (lower(email)) do nothing",
                (account_id,),
            )
            for owner in hubspot["owners"]:
                cur.execute(
                    "insert into app.users (account_id, email, display_name, role) values (%s, %s, %s, 'rep') "
                    "on conflict (lower(email)) do nothing",
                    (account_id, owner["email"], f"{owner['firstName']} {owner['lastName']}".strip() or None),
                )
            store_connection(
                conn, account_id=account_id, provider="hubspot", auth_type="private_app",
                secrets={"access_token": hubspot["private_app_token"]},
                external_account_id=str(hubspot["hub_id"]),
            )
        return account_id
    finally:
        conn.close()


def web_settings(sandbox_url: str, web_url: str) -> dict[str, str]:
    """What the web app needs to connect to the sandbox's providers: their hosts, the portal's OAuth
    apps (whose redirect URIs point at the web app), and the web app's own address."""
    portal = httpx.get(f"{sandbox_url}/_sandbox/accounts", timeout=10).raise_for_status().json()[0]
    return {
        "HUBSPOT_AUTH_BASE": sandbox_url, "FATHOM_API_BASE": sandbox_url, "FATHOM_AUTH_BASE": sandbox_url,
        "AIRCALL_API_BASE": sandbox_url, "REVSYNC_WEB_URL": web_url,
        "HUBSPOT_CLIENT_ID": portal["hubspot"]["oauth"]["client_id"],
        "HUBSPOT_CLIENT_SECRET": portal["hubspot"]["oauth"]["client_secret"],
        "FATHOM_CLIENT_ID": portal["fathom"]["oauth"]["client_id"],
        "FATHOM_CLIENT_SECRET": portal["fathom"]["oauth"]["client_secret"],
    }


def demo_manager_login(url: str) -> tuple[str, str]:
    """The demo manager's email and a fresh password for this run (only its argon2 hash is stored)."""
    import secrets

    from oauth_service.users import hash_password

    password = secrets.token_urlsafe(12)
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("update app.users set password_hash = %s where lower(email) = %s returning email",
                        (hash_password(password), DEMO_MANAGER_EMAIL))
            return cur.fetchone()[0], password
    finally:
        conn.close()


def materialize_everything(env: dict[str, str]) -> None:
    """The demo connection's first sync (its Dagster partition, incremental), then every dbt model."""
    os.environ.update(env)
    get_settings.cache_clear()  # provider hosts changed: the sandbox's URL is known only now
    from datetime import UTC, datetime

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.ingest import connection_partitions
    from orchestration.defs.schedules import INCREMENTAL, last_complete_day

    definitions = defs()
    config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    with dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(connection_partitions("hubspot").name, [DEMO_ACCOUNT_SLUG])
        partition = dg.MultiPartitionKey({"connection": DEMO_ACCOUNT_SLUG, "day": last_complete_day(datetime.now(UTC))})
        for job, run_config in (("hubspot_sync_job", {**config, "ops": {"hubspot": {"config": INCREMENTAL}}}),
                                ("dbt_build_job", config)):
            result = definitions.resolve_job_def(job).execute_in_process(
                instance=instance, raise_on_error=False, run_config=run_config,
                partition_key=partition if job == "hubspot_sync_job" else None,
            )
            if not result.success:
                raise RevsyncError("The first sync failed:\n" + "\n".join(step_failure_reasons(result)))


def step_failure_reasons(result) -> list[str]:
    """The root cause of each failed step, without the stack traces."""
    reasons = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            reasons.append(f"step {event.step_key}: {error.message.strip()}")
    return reasons or ["see the run in the Dagster UI"]


def wait_for_http(url: str, proc, timeout_s: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RevsyncError(f"{what} exited with code {proc.returncode}; see {log}.")
        try:
            httpx.get(url, timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RevsyncError(f"{what} did not answer at {url} within {timeout_s:.0f} s; see {log}.")


def run_demo(dagster_port: int = 3000, seed: int = DEMO_SEED, engagements: int = DEMO_ENGAGEMENTS,
             serve: bool = True) -> int:
    home = ensure_home()
    with single_instance(home / "demo.lock"):
        started = time.monotonic()
        children = Children()
        server = EmbeddedPostgres() if uses_embedded() else None
        # Stop the embedded server on exit only if this demo started it.
        started_server = server is not None and server.running_pid() is None

        def request_stop(signum, _frame):
            raise KeyboardInterrupt

        # Set both explicitly: a shell that starts us in the background makes us inherit an ignored SIGINT.
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        try:
            environment = setup()
            env = environment.env
            web_port = _port(DEMO_WEB_PORT)
            web_url = f"http://127.0.0.1:{web_port}"
            sandbox_url = start_sandbox(children, home, env, seed, engagements,
                                        (f"{web_url}/callback/hubspot", f"{web_url}/callback/fathom"))
            env = {**env, "HUBSPOT_API_BASE": sandbox_url, **web_settings(sandbox_url, web_url)}
            print(f"provider sandbox at {sandbox_url}")
            account_id = connect_demo_account(environment.database_url, sandbox_url)
            bi_login = grant_bi_login(environment.database_url, account_id)
            print("demo account connected to the sandbox's HubSpot portal; syncing every asset…", flush=True)
            materialize_everything(env)
            print(f"first sync done ({time.monotonic() - started:.1f} s since start)", flush=True)
            if not serve:
                return 0
            port = _port(dagster_port)
            dagster_log = home / "dagster.log"
            dagster = children.start(
                "dagster dev",
                # `dagster dev` runs the daemon too: the queue, the schedule and the sensors.
                [str(Path(sys.executable).parent / "dagster"), "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"),
                 "-h", "127.0.0.1", "-p", str(port)],
                env, dagster_log,
            )
            web_log = home / "web.log"
            web = children.start(
                "web app", [sys.executable, "-m", "revsync", "web", "--port", str(web_port)], env, web_log,
            )
            email, password = demo_manager_login(environment.database_url)
            ui = f"http://127.0.0.1:{port}"
            wait_for_http(f"{ui}/server_info", dagster, 180, "The Dagster UI", dagster_log)
            wait_for_http(f"{web_url}/healthz", web, 60, "The web app", web_log)
            print(
                "\nrevsync demo is up\n"
                f"  Web app:           {web_url}  (sign in as {email} / {password})\n"
                f"  Dagster UI:        {ui}\n"
                f"  Provider sandbox:  {sandbox_url}  (credentials: {sandbox_url}/_sandbox/accounts)\n"
                f"  BI login (read-only analytics.*, the demo account's rows):\n    {bi_login.url}\n"
                f"  Ready in {time.monotonic() - started:.1f} s. Logs: {home}/*.log. Press Ctrl-C to stop.",
                flush=True,
            )
            while True:
                children.check_alive()
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nstopping…", flush=True)
            return 0
        finally:
            children.stop_all()
            if started_server:
                server.stop()
