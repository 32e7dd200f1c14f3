"""Benchmark a first Fathom sync against the sandbox at Fathom's default limit.

    python -m bench.fathom [--meetings 1800] [--latency-ms 150 --jitter-ms 50]

One workspace read with an API key (transcripts, summaries and action items come with the
meetings list, 10 meetings a call) into a throwaway embedded PostgreSQL. Reports meetings/s against
the ceiling of 60 requests per minute × 10 meetings per page (10 meetings/s), requests, 429s, and
where the time went (reading vs normalizing and loading). Fathom's window is rolling: the first 60
requests leave at once, so a read of 60·k + 1 requests (the default: 180 pages and the users page)
spans k whole windows and the burst does not flatter the figure.
Writes bench/results/fathom-<date>-<commit>.json and .md (and prints the table).
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

RATE, WINDOW, PER_PAGE = 60, 60.0, 10


def run(database_url: str, workdir: Path, meetings: int, latency_ms: int, jitter_ms: int,
        incremental: bool = False) -> dict:
    """The first sync; with `incremental`, also a sync after 1% new meetings (`incremental`)."""
    from dlt_sources.fathom import FathomSyncOptions, sync_workspace
    from dlt_sources.http import StaticToken

    sandbox = SandboxProcess.start(workdir / "sb", "--accounts", "1", "--engagements", "20", "--fathom-meetings",
                                   str(meetings), "--seed", "7", "--anchor", ANCHOR, "--latency",
                                   "--latency-fixed-ms", str(latency_ms - jitter_ms),
                                   "--latency-jitter-ms", str(2 * jitter_ms))
    try:
        credentials = StaticToken(str(uuid.uuid4()), "fathom", sandbox.accounts[0]["fathom"]["api_key"])
        started = time.perf_counter()
        result = sync_workspace(database_url, sandbox.url, credentials, FathomSyncOptions(mode="full"),
                                pipelines_dir=str(workdir / "dlt"), progress=lambda message: None)
        seconds = time.perf_counter() - started
        stats = httpx.get(f"{sandbox.url}/_sandbox/stats", timeout=30).json()
        later = incremental_sync(sandbox.url, lambda: sync_workspace(
            database_url, sandbox.url, credentials, FathomSyncOptions(), pipelines_dir=str(workdir / "dlt"),
            progress=lambda message: None), provider="fathom") if incremental else None
    finally:
        sandbox.stop()
    records = result.rows["meetings"]
    ceiling = RATE / WINDOW * PER_PAGE
    return {
        "records": records, "transcript_segments": result.rows.get("transcript_segments", 0),
        "seconds": round(seconds, 1), "read_seconds": round(result.read_seconds, 1),
        "records_per_second": round(records / seconds, 2), "ceiling_records_per_second": ceiling,
        "share_of_ceiling": round(records / seconds / ceiling, 3),
        "read_share_of_ceiling": round(records / result.read_seconds / ceiling, 3),
        "api_calls": result.api_calls, "rate_limited": result.rate_limited,
        "share_429": round(result.rate_limited / max(1, stats["total_requests"]), 4),
        "calls_by_endpoint": result.calls_by_endpoint,
        **({"incremental": later} if later else {}),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fathom", description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=1_800, help="meetings in the workspace (default %(default)s)")
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
        outcome = run(environment.database_url, home, args.meetings, args.latency_ms, args.jitter_ms)
    finally:
        server = EmbeddedPostgres()
        if server.is_initialized() and server.running_pid():
            server.stop()
        if server.root.is_symlink():
            shutil.rmtree(server.root.resolve(), ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)

    report = {"benchmark": "fathom first sync", "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "commit": commit(), "meetings": args.meetings, "latency_ms": f"{args.latency_ms} ± {args.jitter_ms}",
              "limits": f"{RATE} per {WINDOW:.0f} s", **outcome}
    RESULTS.mkdir(exist_ok=True)
    name = f"fathom-{datetime.now(UTC).strftime('%Y-%m-%d')}-{report['commit']}"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"# Fathom first sync, {args.meetings:,} meetings, latency {report['latency_ms']} ms, "
             f"{report['limits']} ({report['commit']})", "",
             "| meetings | transcript segments | seconds | reading | meetings/s | ceiling | share "
             "| share while reading | requests | 429s |",
             "|---|---|---|---|---|---|---|---|---|---|",
             f"| {outcome['records']:,} | {outcome['transcript_segments']:,} | {outcome['seconds']} | "
             f"{outcome['read_seconds']} | {outcome['records_per_second']} | "
             f"{outcome['ceiling_records_per_second']:.0f} | {outcome['share_of_ceiling']:.0%} | "
             f"{outcome['read_share_of_ceiling']:.0%} | {outcome['api_calls']} | {outcome['rate_limited']} |"]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
