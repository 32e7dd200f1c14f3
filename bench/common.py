"""What the benchmarks share: a throwaway database, the sandbox, a revsync account for a portal,
timing dlt's steps, dbt builds, and peak RSS of a process tree."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from provider_sandbox.launcher import SandboxProcess

RESULTS = Path(__file__).resolve().parent / "results"
PROJECT = Path(__file__).resolve().parents[1]
ANCHOR = "2026-11-01T00:00:00Z"
SEED = "7"
REPS = 8  # owners of the portal added as revsync reps, so the marts have rows to build


def commit() -> str:
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True, cwd=PROJECT).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@contextmanager
def throwaway_database() -> Iterator:
    """A fresh embedded PostgreSQL under a temporary REVSYNC_HOME, migrated and with dbt parsed;
    yields revsync's Environment (database_url, env for child processes) and the home folder."""
    home = Path(tempfile.mkdtemp(prefix="revsync-bench-", dir="/tmp"))
    home.chmod(0o711)
    os.environ["REVSYNC_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    from revsync.db.embedded import EmbeddedPostgres
    from revsync.settings import get_settings
    from revsync.setup import setup

    get_settings.cache_clear()
    try:
        yield setup(log=lambda *_: None), home
    finally:
        server = EmbeddedPostgres()
        if server.is_initialized() and server.running_pid():
            server.stop()
        if server.root.is_symlink():
            shutil.rmtree(server.root.resolve(), ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


def start_sandbox(workdir: Path, engagements: int, *flags: str, latency: tuple[int, int] | None = None
                  ) -> SandboxProcess:
    """One portal of `engagements`; `latency` (mean, ± jitter) in ms, or None for none at all."""
    timing = (("--latency", "--latency-fixed-ms", str(latency[0] - latency[1]),
               "--latency-jitter-ms", str(2 * latency[1])) if latency else ("--no-latency",))
    return SandboxProcess.start(workdir, "--accounts", "1", "--engagements", str(engagements), "--seed", SEED,
                                "--anchor", ANCHOR, *timing, *flags, timeout=600)


def add_account(database_url: str, sandbox: SandboxProcess, slug: str, reps: bool = True) -> str:
    """A revsync account for the sandbox's portal, with a private-app connection and (`reps`) some
    of its owners as reps; a rep's email is unique across accounts, so one portal per database has them."""
    import psycopg2

    from revsync.credentials import store_connection

    portal = sandbox.accounts[0]
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("insert into app.accounts (name, slug, time_zone) values (%s, %s, 'UTC') returning account_id",
                    (f"bench {slug}", slug))
        account_id = str(cur.fetchone()[0])
        store_connection(conn, account_id=account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": portal["hubspot"]["private_app_token"]}, api_base=sandbox.url)
        for owner in portal["hubspot"]["owners"][:REPS if reps else 0]:
            cur.execute("insert into app.users (account_id, email, role) values (%s, %s, 'rep')",
                        (account_id, owner["email"]))
    return account_id


class StepTimer:
    """Seconds spent in each dlt step (extract, normalize, load) of every pipeline in this process,
    summed over the parts a sync loads in. Extract includes waiting for the API reader's buffer.
    With `profile`, each step is also profiled (pyinstrument, main thread) into `profilers[step]`."""

    STEPS = ("extract", "normalize", "load")

    def __init__(self, profile: bool = False) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.profilers: dict[str, object] = {}
        if profile:
            from pyinstrument import Profiler

            self.profilers = {step: Profiler(interval=0.002) for step in self.STEPS}
        self._originals: dict[str, object] = {}

    def __enter__(self) -> StepTimer:
        import dlt

        for step in self.STEPS:
            original = getattr(dlt.Pipeline, step)
            self._originals[step] = original

            def timed(*args, _original=original, _step=step, **kwargs):
                profiler = self.profilers.get(_step)
                if profiler is not None:
                    profiler.start()
                started = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.seconds[_step] += time.perf_counter() - started
                    if profiler is not None:
                        profiler.stop()

            setattr(dlt.Pipeline, step, functools.wraps(original)(timed))
        return self

    def __exit__(self, *exc_info: object) -> None:
        import dlt

        for step, original in self._originals.items():
            setattr(dlt.Pipeline, step, original)


def run_dbt(env: dict[str, str], target: Path, *args: str) -> dict:
    """`dbt <args>` on the project into the benchmark's database: its seconds, and the summary and
    failures when a node failed (the build still ran the rest; its time is still measured)."""
    dbt = Path(sys.executable).parent / "dbt"
    project = PROJECT / "dbt_project"
    (target / "run_results.json").unlink(missing_ok=True)  # so that a failed start reports no nodes
    started = time.perf_counter()
    result = subprocess.run(
        [str(dbt), *args, "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(target), "--log-path", str(target)],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=3600,
    )
    seconds = round(time.perf_counter() - started, 1)
    timing = node_seconds(target, seconds) if args and args[0] in ("build", "run", "test") else {}
    if result.returncode == 0:
        return {"seconds": seconds, "ok": True, **timing}
    lines = [line for line in result.stdout.splitlines() if "Failure in" in line or "Error in" in line
             or line.strip().startswith("Done.")]
    if not lines:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}{result.stderr[-2000:]}")
    return {"seconds": seconds, "ok": False, **timing,
            "failures": [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in lines]}


def node_seconds(target: Path, wall_seconds: float) -> dict:
    """From dbt's run_results.json: [count, seconds] per kind of node (model, test, unit_test, ...),
    dbt's start-up (the wall clock less the nodes' elapsed time: start, parse, connect), and the
    ten slowest nodes."""
    path = target / "run_results.json"
    if not path.exists():  # dbt stopped before running any node
        return {}
    results = json.loads(path.read_text())
    kinds: dict[str, list] = {}
    for node in results["results"]:
        kind = kinds.setdefault(node["unique_id"].split(".")[0], [0, 0.0])
        kind[0] += 1
        kind[1] = round(kind[1] + node["execution_time"], 2)
    slowest = sorted(results["results"], key=lambda node: -node["execution_time"])[:10]
    return {"nodes": kinds, "start_up_seconds": round(wall_seconds - results["elapsed_time"], 1),
            "slowest": [(node_name(node["unique_id"]), round(node["execution_time"], 2)) for node in slowest]}


def node_name(unique_id: str) -> str:
    """model.revsync.x -> x; test.revsync.x.hash -> x; unit_test.revsync.model.x -> model.x"""
    kind, _, rest = unique_id.split(".", 2)
    return rest.rsplit(".", 1)[0] if kind == "test" else rest


class TreePeakRss:
    """Samples the summed RSS of a process and all its descendants every `interval` s; `peak_mib`."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.root, self.interval = psutil.Process(pid), interval
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in processes:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self.peak_mib = max(self.peak_mib, total / 2**20)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreePeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def advance(sandbox_url: str, provider: str, **fractions: float) -> dict:
    """Move the sandbox clock an hour and change records of `provider` (see the sandbox's "Time moves");
    then wait out the sandbox's search indexing delay, so an incremental read can see the changes."""
    response = httpx.post(f"{sandbox_url}/_sandbox/advance", timeout=600,
                          json={"seconds": 3600, "providers": [provider], **fractions})
    response.raise_for_status()
    time.sleep(2.5)
    return response.json()


def incremental_sync(sandbox_url: str, sync, provider: str = "aircall") -> dict:
    """After 1% of `provider`'s records changed: what the next sync (`sync()`) cost."""
    fractions = {"create": 0.01} if provider == "fathom" else {"fraction": 0.01}
    advance(sandbox_url, provider, **fractions)
    started = time.perf_counter()
    result = sync()
    return {"seconds": round(time.perf_counter() - started, 1), "api_calls": result.api_calls,
            "changed": result.changed, "rate_limited": result.rate_limited,
            "calls_by_endpoint": result.calls_by_endpoint}
