"""Benchmark a first Aircall sync against the sandbox at Aircall's default limit.

    python -m bench.aircall [--calls 9000] [--latency-ms 150 --jitter-ms 50]

One company, synced once into a throwaway embedded PostgreSQL with calls only (each transcription
costs a request of its own: it has its own ceiling, one call per request). Reports records/s
against the ceiling of 60 requests per minute × 50 calls per page (50 calls/s), requests per
1,000 calls, 429s, and where the time went (reading vs normalizing and loading).
Writes bench/results/aircall-<date>-<commit>.json and .md (and prints the table).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.common import ANCHOR, RESULTS, commit, incremental_sync
from provider_sandbox.launcher import SandboxProcess

RATE, WINDOW, PER_PAGE = 60, 60.0, 50


def run(database_url: str, workdir: Path, calls: int, latency_ms: int, jitter_ms: int,
        incremental: bool = False) -> dict:
    """The first sync; with `incremental`, also a sync after 1% of the calls changed (`incremental`)."""
    from dlt_sources.aircall.api import StaticBasic
    from dlt_sources.aircall.pipeline import AircallSyncOptions, sync_company

    sandbox = SandboxProcess.start(workdir / "sb", "--accounts", "1", "--engagements", "20", "--aircall-calls",
                                   str(calls), "--seed", "7", "--anchor", ANCHOR, "--latency",
                                   "--latency-fixed-ms", str(latency_ms - jitter_ms),
                                   "--latency-jitter-ms", str(2 * jitter_ms))
    try:
        company = sandbox.accounts[0]["aircall"]
        credentials = StaticBasic(str(uuid.uuid4()), company["api_id"], company["api_token"])
        started = time.perf_counter()
        result = sync_company(database_url, sandbox.url, credentials, AircallSyncOptions(transcriptions=False),
                              pipelines_dir=str(workdir / "dlt"), progress=lambda message: None)
        seconds = time.perf_counter() - started
        stats = httpx.get(f"{sandbox.url}/_sandbox/stats", timeout=30).json()
        later = incremental_sync(sandbox.url, lambda: sync_company(
            database_url, sandbox.url, credentials, AircallSyncOptions(transcriptions=False),
            pipelines_dir=str(workdir / "dlt"), progress=lambda message: None)) if incremental else None
    finally:
        sandbox.stop()
    records = result.rows["calls"]
    ceiling = RATE / WINDOW * PER_PAGE
    return {
        "records": records, "seconds": round(seconds, 1), "read_seconds": result.extra["read_seconds"],
        "records_per_second": round(records / seconds, 1), "ceiling_records_per_second": ceiling,
        "share_of_ceiling": round(records / seconds / ceiling, 3), "api_calls": result.api_calls,
        "calls_per_1000_records": round(1000 * result.api_calls / records, 2),
        "rate_limited": result.rate_limited,
        "share_429": round(result.rate_limited / max(1, stats["total_requests"]), 4),
        "calls_by_endpoint": result.calls_by_endpoint,
        **({"incremental": later} if later else {}),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.aircall", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=9_000, help="calls in the company (default %(default)s)")
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--jitter-ms", type=int, default=50)
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="revsync-bench-", dir="/tmp"))
    home.chmod(0o711)
    os.environ["REVSYNC_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    from revsync.db.embedded import EmbeddedPostgres
    from revsync.settings import get_settings
    from revsync.setup import setup

    get_settings.cache_clear()
    try:
        environment = setup(log=lambda *_: None)
        outcome = run(environment.database_url, home, args.calls, args.latency_ms, args.jitter_ms)
    finally:
        server = EmbeddedPostgres()
        if server.is_initialized() and server.running_pid():
            server.stop()
        if server.root.is_symlink():
            shutil.rmtree(server.root.resolve(), ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)

    report = {"benchmark": "aircall first sync", "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "commit": commit(), "calls": args.calls, "latency_ms": f"{args.latency_ms} ± {args.jitter_ms}",
              "limits": f"{RATE} per {WINDOW:.0f} s", **outcome}
    RESULTS.mkdir(exist_ok=True)
    name = f"aircall-{datetime.now(UTC).strftime('%Y-%m-%d')}-{report['commit']}"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"# Aircall first sync, {args.calls:,} calls, latency {report['latency_ms']} ms, {report['limits']} "
             f"({report['commit']})", "",
             "| records | seconds | reading | records/s | ceiling | share | requests/1,000 | 429s |",
             "|---|---|---|---|---|---|---|---|",
             f"| {outcome['records']:,} | {outcome['seconds']} | {outcome['read_seconds']} | "
             f"{outcome['records_per_second']} | {outcome['ceiling_records_per_second']:.0f} | "
             f"{outcome['share_of_ceiling']:.0%} | {outcome['calls_per_1000_records']} | {outcome['rate_limited']} |"]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
