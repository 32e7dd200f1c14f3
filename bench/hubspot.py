"""Benchmark a first HubSpot sync against the sandbox at HubSpot's default limits.

    python -m bench.hubspot [--engagements 200000] [--latency-ms 150 --jitter-ms 50] [--quick]

One portal, synced twice in one run into a throwaway embedded PostgreSQL: through the date-based
API, and with the legacy v1 engagements API. For each: records/s against the physical ceiling of
the list bucket (110 calls per 10 s × records per call: 100 for date-based lists, 250 for v1),
calls per 1,000 records, 429s, and where the time went (reading vs normalizing and loading).
Writes bench/results/hubspot-<date>-<commit>.json and .md (and prints the table).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.common import ANCHOR, RESULTS, commit
from provider_sandbox.launcher import SandboxProcess

BURST, WINDOW = 110, 10.0


def run_one(database_url: str, workdir: Path, engagements: int, latency_ms: int, jitter_ms: int, v1: bool) -> dict:
    from dlt_sources.http import StaticToken
    from dlt_sources.hubspot.pipeline import HubSpotSyncOptions, sync_portal

    sandbox = SandboxProcess.start(workdir / ("sb-v1" if v1 else "sb"), "--accounts", "1", "--engagements",
                                   str(engagements), "--seed", "7", "--anchor", ANCHOR, "--latency",
                                   "--latency-fixed-ms", str(latency_ms - jitter_ms),
                                   "--latency-jitter-ms", str(2 * jitter_ms))
    try:
        token = sandbox.accounts[0]["hubspot"]["private_app_token"]
        started = time.perf_counter()
        result = sync_portal(database_url, sandbox.url, StaticToken(str(uuid.uuid4()), "hubspot", token),
                             HubSpotSyncOptions(use_v1_engagements=v1), pipelines_dir=str(workdir / "dlt"),
                             progress=lambda message: None)
        seconds = time.perf_counter() - started
        stats = httpx.get(f"{sandbox.url}/_sandbox/stats", timeout=30).json()
    finally:
        sandbox.stop()
    records = sum(n for table, n in result.rows.items()
                  if table not in ("associations", "owners", "deal_pipelines", "deal_stages", "call_dispositions"))
    per_call = 250 if v1 else 100
    ceiling = BURST / WINDOW * per_call
    return {
        "path": "v1 engagements" if result.v1_used else "date-based",
        "records": records, "seconds": round(seconds, 1),
        "read_seconds": round(result.read_seconds, 1),
        "records_per_second": round(records / seconds, 1),
        "ceiling_records_per_second": ceiling,
        "share_of_ceiling": round(records / seconds / ceiling, 3),
        "api_calls": result.api_calls,
        "calls_per_1000_records": round(1000 * result.api_calls / records, 2),
        "rate_limited": result.rate_limited,
        "share_429": round(result.rate_limited / max(1, stats["total_requests"]), 4),
        "calls_by_endpoint": result.calls_by_endpoint,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hubspot", description=__doc__.splitlines()[0])
    parser.add_argument("--engagements", type=int, default=200_000)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--jitter-ms", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="20,000 engagements (a few minutes)")
    parser.add_argument("--path", choices=("both", "date-based", "v1"), default="both",
                        help="which read path to measure (default: both, one after the other)")
    args = parser.parse_args(argv)
    engagements = 20_000 if args.quick else args.engagements

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
        runs = [run_one(environment.database_url, home, engagements, args.latency_ms, args.jitter_ms, v1)
                for v1 in (False, True) if args.path in ("both", "v1" if v1 else "date-based")]
    finally:
        server = EmbeddedPostgres()
        if server.is_initialized() and server.running_pid():
            server.stop()
        if server.root.is_symlink():
            shutil.rmtree(server.root.resolve(), ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)

    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    report = {
        "benchmark": "hubspot first sync", "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(), "engagements": engagements, "latency_ms": f"{args.latency_ms} ± {args.jitter_ms}",
        "limits": f"{BURST} per {WINDOW:.0f} s, search 5/s", "runs": runs,
        "peak_rss_mib_this_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    name = f"hubspot-{stamp}-{report['commit']}{'-quick' if args.quick else ''}"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"# HubSpot first sync, {engagements:,} engagements, latency {report['latency_ms']} ms, "
             f"{report['limits']} ({report['commit']})", "",
             "| path | records | seconds | records/s | ceiling | share | calls/1,000 | 429s |",
             "|---|---|---|---|---|---|---|---|"]
    for run in runs:
        lines.append(f"| {run['path']} | {run['records']:,} | {run['seconds']} | {run['records_per_second']:,} | "
                     f"{run['ceiling_records_per_second']:,.0f} | {run['share_of_ceiling']:.0%} | "
                     f"{run['calls_per_1000_records']} | {run['rate_limited']} |")
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
