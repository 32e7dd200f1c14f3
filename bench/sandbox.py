"""Benchmark the provider sandbox itself, so it is never the bottleneck of another benchmark.

    python -m bench.sandbox [--engagements 1000000] [--seconds 10] [--clients 4]

Measures, in one run: start-up (data generation) time and the server's peak RSS for one portal
with N engagements; a full read of every CRM object type (counts checked against the sandbox's
ground truth); and throughput in requests/s with latency and rate limits off.
Writes bench/results/sandbox.json (and prints it).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import tempfile
import threading
import time
from pathlib import Path

import httpx

from provider_sandbox.launcher import SandboxProcess

RESULTS = Path(__file__).resolve().parent / "results"


def peak_rss_mib(pid: int) -> float:
    """The process's high-water resident set size (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not found")


def generation_seconds(log: str) -> float | None:
    """The data generation time the sandbox printed at start-up."""
    match = re.search(r"generated [\d,]+ records .* in ([\d.]+)s", log)
    return float(match.group(1)) if match else None


def read_everything(url: str, token: str, object_types: list[str]) -> tuple[dict[str, int], int, float]:
    """Page every object type to the end with default properties, as a full sync would."""
    started = time.perf_counter()
    counts: dict[str, int] = {}
    requests = 0
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        for object_type in object_types:
            params: dict = {"limit": 100}
            counts[object_type] = 0
            while True:
                page = client.get(f"/crm/v3/objects/{object_type}", params=params).raise_for_status().json()
                requests += 1
                counts[object_type] += len(page["results"])
                if "paging" not in page:
                    break
                params["after"] = page["paging"]["next"]["after"]
    return counts, requests, time.perf_counter() - started


def throughput(url: str, token: str, clients: int, seconds: float, limit: int) -> dict:
    """Requests/s from `clients` threads each walking the calls list for `seconds`."""
    counts = [0] * clients
    stop_at = time.perf_counter() + seconds

    def worker(slot: int) -> None:
        params: dict = {"limit": limit}
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            while time.perf_counter() < stop_at:
                page = client.get("/crm/v3/objects/calls", params=params).raise_for_status().json()
                counts[slot] += 1
                params = {"limit": limit, "after": page["paging"]["next"]["after"]} if "paging" in page else {
                    "limit": limit}

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"clients": clients, "limit": limit, "requests": sum(counts), "seconds": round(elapsed, 2),
            "requests_per_second": round(sum(counts) / elapsed, 1),
            "records_per_second": round(sum(counts) * limit / elapsed, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--engagements", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="revsync-bench-"))
    started = time.perf_counter()
    sandbox = SandboxProcess.start(workdir, "--anchor", "2026-11-01T00:00:00Z", "--accounts", "1",
                                   "--engagements", str(args.engagements),
                                   "--no-rate-limits", "--no-latency", "--seed", "7")
    with sandbox:
        ready_s = time.perf_counter() - started
        token = sandbox.token(0)
        truth = sandbox.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]
        rss_after_start = peak_rss_mib(sandbox.pid)
        print(f"ready in {ready_s:.2f} s with {args.engagements:,} engagements; peak RSS {rss_after_start:.0f} MiB",
              flush=True)
        counts, requests, read_s = read_everything(sandbox.url, token, sorted(truth))
        for object_type, count in counts.items():
            assert count == truth[object_type]["count"], (object_type, count, truth[object_type]["count"])
        records = sum(counts.values())
        print(f"read {records:,} records of {len(counts)} types in {requests:,} requests, {read_s:.1f} s", flush=True)
        runs = [throughput(sandbox.url, token, args.clients, args.seconds, limit) for limit in (10, 100)]
        for run in runs:
            print(f"limit {run['limit']}: {run['requests_per_second']} requests/s", flush=True)
        result = {
            "benchmark": "sandbox",
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
            "engagements": args.engagements,
            "objects": {name: summary["count"] + summary["archived_count"] for name, summary in truth.items()},
            "generation_seconds": generation_seconds(sandbox.log()),
            "startup_seconds": round(ready_s, 2),
            "full_read": {"records": records, "requests": requests, "seconds": round(read_s, 2),
                          "records_per_second": round(records / read_s, 1)},
            "throughput": runs,
            "peak_rss_mib": round(peak_rss_mib(sandbox.pid), 1),
            "note": "client threads run on the same machine as the server; latency model and rate limits off",
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sandbox.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
