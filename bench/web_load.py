"""Load on the web app: concurrent signed-in users over loopback.

    python -m bench.web_load [--users 50] [--seconds 60] [--think-ms 0] [--workers N]

A throwaway embedded PostgreSQL, one sandbox portal synced once and modelled by dbt (so the
dashboard has numbers), `--users` managers of that account, and `revsync web` in its own process
(`--workers` worker processes; default: revsync web's own default).
Each user signs in (opening the sign-in page for its form token, then posting the form), then
loops over the integrations page, the dashboard, and the API's connections, rep metrics and sync
log, signing out and in again every 25 requests; `--think-ms` is the pause between requests (0:
back to back, the worst case). Reports p50, p95, p99 and errors per kind (login_form, login,
logout, page, api) and requests/s. Writes
bench/results/web-load-<date>-<commit>-think<ms>ms.json and .md (and prints the table).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT / "bench" / "results"
PASSWORD = secrets.token_urlsafe(12)  # the load test's users' password, new each run
PAGES = ("/integrations", "/dashboard")
API = ("/api/connections", "/api/reps/metrics", "/api/sync-log")
RELOGIN_EVERY = 25
CSRF_MARKER = 'name="csrf_token" value="'


def commit() -> str:
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True, cwd=PROJECT).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def csrf_in(html: str) -> str:
    """The CSRF token of the page's first form ('' when it has none)."""
    return html.split(CSRF_MARKER, 1)[1].split('"', 1)[0] if CSRF_MARKER in html else ""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def prepare(environment, workdir: Path, users: int) -> tuple[object, str]:
    """The sandbox, an account with HubSpot synced and dbt run, and `users` managers."""
    import psycopg2

    from dlt_sources.sync import sync_accounts
    from oauth_service.users import add_user
    from provider_sandbox.launcher import SandboxProcess
    from revsync.accounts import add_account
    from revsync.credentials import store_connection

    sandbox = SandboxProcess.start(workdir / "sandbox", "--accounts", "1", "--engagements", "3000", "--seed", "7")
    portal = sandbox.accounts[0]["hubspot"]
    conn = psycopg2.connect(environment.database_url)
    try:
        with conn:
            account, _ = add_account(conn, "Load Test Sales")
            store_connection(conn, account_id=account.account_id, provider="hubspot", auth_type="private_app",
                             secrets={"access_token": portal["private_app_token"]}, api_base=sandbox.url)
            for owner in portal["owners"]:
                add_user(conn, account_id=account.account_id, email=owner["email"], role="rep")
            for number in range(users):
                add_user(conn, account_id=account.account_id, email=f"manager{number}@load.example",
                         role="manager", password=PASSWORD)
    finally:
        conn.close()
    outcome = sync_accounts("hubspot", environment.database_url, [account.account_id],
                            pipelines_dir=str(workdir / "dlt"))[0]
    if outcome.status != "success":
        raise RuntimeError(f"the sync failed: {outcome.error}")
    dbt = Path(sys.executable).parent / "dbt"
    project = PROJECT / "dbt_project"
    result = subprocess.run(
        [str(dbt), "run", "--select", "+rep_activity_daily", "--project-dir", str(project), "--profiles-dir",
         str(project), "--target-path", str(workdir / "target"), "--log-path", str(workdir / "target")],
        env={**os.environ, **environment.env}, capture_output=True, text=True, timeout=1800,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt failed:\n{result.stdout[-3000:]}")
    return sandbox, account.account_id


async def user(number: int, base: str, until: float, think: float, samples: dict, errors: dict) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False) as client:
        async def timed(kind: str, method: str, path: str, ok: int, **kwargs) -> httpx.Response | None:
            started = time.perf_counter()
            try:
                response = await client.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                errors[kind].append(f"{path}: {type(exc).__name__}")
                return None
            samples[kind].append(time.perf_counter() - started)
            if response.status_code != ok:
                errors[kind].append(f"{path}: {response.status_code}")
            return response

        async def login() -> None:
            form = await timed("login_form", "GET", "/login", 200)
            await timed("login", "POST", "/login", 303,
                        data={"email": f"manager{number}@load.example", "password": PASSWORD,
                              "csrf_token": csrf_in(form.text) if form is not None else ""})

        await login()
        step = 0
        while time.monotonic() < until:
            path = (PAGES + API)[step % (len(PAGES) + len(API))]
            await timed("page" if path in PAGES else "api", "GET", path, 200)
            step += 1
            if step % RELOGIN_EVERY == 0:
                page = await timed("page", "GET", "/dashboard", 200)
                if page is not None and CSRF_MARKER in page.text:
                    await timed("logout", "POST", "/logout", 303, data={"csrf_token": csrf_in(page.text)})
                await login()
            if think:
                await asyncio.sleep(think)


async def load(base: str, users: int, seconds: float, think: float) -> tuple[dict, dict, float]:
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    started = time.monotonic()
    await asyncio.gather(*(user(n, base, started + seconds, think, samples, errors) for n in range(users)))
    return samples, errors, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think-ms", type=float, default=0)
    parser.add_argument("--workers", type=int, help="revsync web --workers (default: its own default)")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="revsync-bench-web-", dir="/tmp"))
    home.chmod(0o711)
    os.environ["REVSYNC_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    from revsync.db.embedded import EmbeddedPostgres
    from revsync.settings import get_settings
    from revsync.setup import setup

    get_settings.cache_clear()
    sandbox = server = None
    try:
        environment = setup(log=lambda *_: None)
        sandbox, _ = prepare(environment, home, args.users)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "revsync", "web", "--port", str(port), "--public-url", base,
             *(["--workers", str(args.workers)] if args.workers else [])],
            env={**os.environ, **environment.env, "HUBSPOT_API_BASE": sandbox.url},
            stdout=(home / "web.log").open("wb"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    log = (home / "web.log").read_text()[-3000:]
                    raise RuntimeError(f"the web app did not start:\n{log}") from None
                time.sleep(0.2)
        load_before = os.getloadavg()[0]
        samples, errors, elapsed = asyncio.run(load(base, args.users, args.seconds, args.think_ms / 1000))
        load_after = os.getloadavg()[0]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if sandbox is not None:
            sandbox.stop()
        pg = EmbeddedPostgres()
        if pg.is_initialized() and pg.running_pid():
            pg.stop()
        if pg.root.is_symlink():
            shutil.rmtree(pg.root.resolve(), ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)

    kinds = {}
    for kind in ("login_form", "login", "logout", "page", "api"):
        values = samples.get(kind, [])
        kinds[kind] = {
            "requests": len(values), "errors": len(errors.get(kind, [])),
            "p50_ms": round(percentile(values, 0.50) * 1000, 1), "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1), "max_ms": round(max(values, default=0) * 1000, 1),
            "error_samples": sorted(set(errors.get(kind, [])))[:5],
        }
    total = sum(k["requests"] for k in kinds.values())
    report = {
        "benchmark": "web_load", "commit": commit(), "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "users": args.users, "seconds": round(elapsed, 1), "think_ms": args.think_ms, "cpus": os.cpu_count(),
        "workers": args.workers, "load_average": [round(load_before, 2), round(load_after, 2)],
        "requests": total, "requests_per_s": round(total / elapsed, 1), "kinds": kinds,
    }
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"web-load-{datetime.now(UTC):%Y-%m-%d}-{report['commit']}-think{args.think_ms:g}ms"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        f"# Web app under load: {args.users} users for {elapsed:.0f} s over loopback (think time {args.think_ms:g} ms)",
        "",
        f"{total} requests, {report['requests_per_s']} per second, on {os.cpu_count()} CPUs shared with the "
        f"database and the load generator (load average {load_before:.1f} at the start, {load_after:.1f} at the end); "
        f"revsync web --workers {args.workers or 'default'}. Commit " + report["commit"] + ".",
        "",
        "| kind | requests | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(f"| {kind} | {k['requests']} | {k['errors']} | {k['p50_ms']} | {k['p95_ms']} | {k['p99_ms']} | "
          f"{k['max_ms']} |" for kind, k in kinds.items()),
    ]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if not any(k["errors"] for k in kinds.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
