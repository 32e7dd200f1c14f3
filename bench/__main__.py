"""`make bench`: every figure of revsync's benchmark, each measured next to its reference.

    python -m bench [--quick] [--engagements 200000] [--large 1000000] [--small 100000]

1. Loader overhead: a first HubSpot sync with the sandbox's latency and limits off (and the
   source's own budget lifted), split into dlt's extract, normalize and load, then `dbt build`;
   against the goal of 25,000 records/s and against the sandbox read alone. The slowest step is
   profiled (pyinstrument) into bench/results/<stem>-profile.{html,txt}.
2. Use of the rate limit: first syncs at default limits with 150 ± 50 ms latency (HubSpot
   date-based and v1, Aircall, Fathom): share of each ceiling, and the 429 share.
3. Calls per 1,000 records per provider and object type, first sync and incremental.
4. Incremental cost on a large portal: a sync after 1% changed, and a sync after no change,
   against the first (full) sync, in calls and seconds (limits off).
5. Peak RSS of the sync's process tree at a small and a large portal.
6. dbt: incremental `dbt build`s after that 1% change, after no change, and as Dagster selects
   it after a HubSpot sync, against a full-refresh build (bench/dbt_builds.py).

Writes bench/results/<date>-<commit>[-quick].json and .md and the charts
<stem>-throughput.png and <stem>-memory.png; each figure is compared with the previous result
file of the same kind (full or quick).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench import aircall, dbt_builds, fathom, hubspot
from bench.common import (
    RESULTS,
    StepTimer,
    TreePeakRss,
    add_account,
    commit,
    run_dbt,
    start_sandbox,
    throwaway_database,
)
from bench.sandbox import read_everything

GOAL_RECORDS_PER_SECOND = 25_000
LATENCY = (150, 50)
# Tables that are not CRM records: the records/s figures count objects only, as bench.hubspot does.
NOT_RECORDS = {"associations", "owners", "deal_pipelines", "deal_stages", "call_dispositions"}
# Aircall's and Fathom's windows are rolling: the first 60 requests leave at once, so their reads
# are 60·k + 1 requests (pages of 50 calls or 10 meetings, plus the users page), k whole windows,
# and the burst does not flatter the share of the ceiling.
FULL = {"engagements": 200_000, "large": 1_000_000, "small": 100_000, "hubspot_limited": 40_000,
        "aircall_calls": 6_000, "fathom_meetings": 1_200}
QUICK = {"engagements": 10_000, "large": 20_000, "small": 2_000, "hubspot_limited": 3_000,
         "aircall_calls": 3_000, "fathom_meetings": 600}


def records(rows: dict[str, int]) -> int:
    return sum(n for table, n in rows.items() if table not in NOT_RECORDS)


def loader_overhead(engagements: int, stem: str) -> dict:
    """Figure 1: a first sync with nothing slowing the API, where the time goes, and dbt after it."""
    from dlt_sources.http import StaticToken
    from dlt_sources.hubspot.pipeline import HubSpotSyncOptions, sync_portal

    with throwaway_database() as (environment, home), start_sandbox(home / "sb", engagements,
                                                                     "--no-rate-limits") as sandbox:
        account_id = add_account(environment.database_url, sandbox, "loader")
        truth = sandbox.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]
        counts, requests, read_s = read_everything(sandbox.url, sandbox.token(), sorted(truth))
        options = HubSpotSyncOptions(burst=(1_000_000, 1.0), search=(1_000_000, 1.0))
        started = time.perf_counter()
        with StepTimer(profile=True) as steps:
            result = sync_portal(environment.database_url, sandbox.url, StaticToken(account_id, "hubspot",
                                                                                     sandbox.token()),
                                 options, pipelines_dir=str(home / "dlt"), progress=lambda message: None)
        sync_s = time.perf_counter() - started
        dbt = run_dbt(environment.env, home / "dbt", "build")
        dbt_s = dbt["seconds"]
    n = records(result.rows)
    phases = {step: round(steps.seconds[step], 1) for step in StepTimer.STEPS}
    slowest = max(phases, key=phases.get)
    profile = steps.profilers[slowest].last_session
    write_profile(profile, slowest, stem)
    return {
        "engagements": engagements, "records": n, "rows_loaded": sum(result.rows.values()),
        "api_calls": result.api_calls, "sync_seconds": round(sync_s, 1), "read_seconds": round(result.read_seconds, 1),
        "phases_seconds": {**phases, "dbt": round(dbt_s, 1)}, "slowest_step": slowest,
        "profile": f"{stem}-profile.html", "dbt_build": dbt,
        "extract_load_records_per_second": round(n / sync_s),
        "end_to_end_records_per_second": round(n / (sync_s + dbt_s)),
        "sandbox_read": {"records": sum(counts.values()), "requests": requests, "seconds": round(read_s, 1),
                         "records_per_second": round(sum(counts.values()) / read_s)},
    }


def write_profile(profile, step: str, stem: str) -> None:
    """The profile as HTML, and as text: the call tree with library frames shown (calls under 1%
    left out), then the functions by their own time."""
    from pyinstrument import processors
    from pyinstrument.renderers import ConsoleRenderer, HTMLRenderer

    (RESULTS / f"{stem}-profile.html").write_text(HTMLRenderer().render(profile))
    tree = ConsoleRenderer(unicode=False, color=False)
    tree.processors.remove(processors.group_library_frames_processor)
    flat = ConsoleRenderer(unicode=False, color=False, flat=True).render(profile).splitlines()
    (RESULTS / f"{stem}-profile.txt").write_text(
        f"The loader's slowest dlt step, {step}: pyinstrument, main thread\n\n{tree.render(profile)}\n"
        "By own time:\n" + "\n".join(flat[:60]) + "\n")


def child_sync(database_url: str, sandbox, account_id: str, home: Path, mode: str = "incremental") -> dict:
    """One sync in a child process (limits off), with the peak RSS of its process tree."""
    spec = {"database_url": database_url, "api_base": sandbox.url, "account_id": account_id,
            "token": sandbox.token(), "mode": mode, "pipelines_dir": str(home / "dlt"), "unlimited": True}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bench.sync_child"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    with TreePeakRss(process.pid) as memory:
        out, _ = process.communicate(json.dumps(spec))
    if process.returncode != 0:
        raise RuntimeError(f"the sync child failed with exit code {process.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    return {"seconds": round(time.perf_counter() - started, 1), "records": records(result["rows"]),
            "changed": records(result["changed"]), "api_calls": result["api_calls"],
            "calls_by_endpoint": result["calls_by_endpoint"], "rows": result["rows"],
            "changed_by_table": result["changed"], "peak_rss_mib": round(memory.peak_mib, 1)}


def large_portal(large: int, small: int) -> dict:
    """Figures 3 (HubSpot incremental), 4, 5 and 6 on one large portal, and 5 on a small one."""
    with throwaway_database() as (environment, home):
        url = environment.database_url
        with start_sandbox(home / "sb-small", small, "--no-rate-limits") as sandbox:
            first_small = child_sync(url, sandbox, add_account(url, sandbox, "small", reps=False), home / "small")
        with start_sandbox(home / "sb-large", large, "--no-rate-limits") as sandbox:
            account_id = add_account(url, sandbox, "large")
            first = child_sync(url, sandbox, account_id, home / "large")
            builds = dbt_builds.measure(environment.env, home / "dbt", sandbox.url,
                                        lambda: child_sync(url, sandbox, account_id, home / "large"))
            unchanged = child_sync(url, sandbox, account_id, home / "large")
    return {"small": {"engagements": small, **first_small}, "large": {"engagements": large, **first},
            "changes": builds["changes"], "after_1_percent": builds["changed_sync"],
            "no_change": unchanged, "dbt": builds["builds"]}


def rate_limits(sizes: dict) -> dict:
    """Figures 2 and 3 (first syncs, and Aircall's and Fathom's incremental) at default limits.
    Aircall's and Fathom's syncs mostly wait for their minute windows, so they run in threads of
    their own beside HubSpot's (each provider has its own sandbox, limits and raw dataset)."""
    with throwaway_database() as (environment, home), ThreadPoolExecutor(2) as pool:
        url = environment.database_url
        waiting = {
            "aircall": pool.submit(aircall.run, url, home / "aircall", sizes["aircall_calls"], *LATENCY,
                                   incremental=True),
            "fathom": pool.submit(fathom.run, url, home / "fathom", sizes["fathom_meetings"], *LATENCY,
                                  incremental=True),
        }
        runs = {
            "hubspot date-based": hubspot.run_one(url, home, sizes["hubspot_limited"], *LATENCY, v1=False),
            "hubspot v1": hubspot.run_one(url, home, sizes["hubspot_limited"], *LATENCY, v1=True),
        }
        return {**runs, **{name: future.result() for name, future in waiting.items()}}


# A first sync's floor: one call per full page (HubSpot lists 100 records, v1 engagements 250,
# Aircall 50 calls, Fathom 10 meetings).
FEWEST_CALLS_PER_1000 = {"hubspot date-based first": 10, "hubspot first (large)": 10, "hubspot v1 first": 4,
                         "aircall first": 20, "fathom first": 100}
HUBSPOT_TYPES = ("calls", "emails", "meetings", "notes", "tasks", "contacts", "companies", "deals")


def calls_by_type(calls_by_endpoint: dict[str, int], types: tuple[str, ...]) -> dict[str, int]:
    """API calls grouped by the object type their path names; v1 engagement pages, which hold
    every engagement type, as `engagements (v1)`, and the rest (owners, pipelines, users) as
    `metadata`."""
    grouped: dict[str, int] = {}
    for endpoint, calls in calls_by_endpoint.items():
        path = endpoint.split(" ", 1)[-1]
        if "/engagements/v1/" in path:
            group = "engagements (v1)"
        else:
            group = next((part for part in path.split("/") if part in types), "metadata")
        grouped[group] = grouped.get(group, 0) + calls
    return grouped


def per_thousand(calls: dict[str, int], rows: dict[str, int]) -> dict[str, float | None]:
    engagements = sum(rows.get(t, 0) for t in ("calls", "emails", "meetings", "notes", "tasks"))
    out = {}
    for group, n in sorted(calls.items()):
        held = engagements if group == "engagements (v1)" else rows.get(group, 0)
        out[group] = round(1000 * n / held, 2) if held else None  # None: calls that fetched no records
    return out


def calls_per_thousand(limited: dict, large: dict) -> dict:
    """Figure 3: per provider, sync and object type."""
    table: dict[str, dict] = {}
    for path in ("hubspot date-based", "hubspot v1"):
        run = limited[path]
        table[f"{path} first"] = {"total": run["calls_per_1000_records"]}
    table["hubspot first (large)"] = {
        "total": round(1000 * large["large"]["api_calls"] / large["large"]["records"], 2),
        **per_thousand(calls_by_type(large["large"]["calls_by_endpoint"], HUBSPOT_TYPES), large["large"]["rows"])}
    changed = large["after_1_percent"]
    table["hubspot incremental (1% changed)"] = {
        "total": round(1000 * changed["api_calls"] / max(1, changed["changed"]), 2),
        **per_thousand(calls_by_type(changed["calls_by_endpoint"], HUBSPOT_TYPES), changed["changed_by_table"])}
    for provider, key in (("aircall", "calls"), ("fathom", "meetings")):
        run = limited[provider]
        table[f"{provider} first"] = {key: round(1000 * run["api_calls"] / run["records"], 2)}
        later = run["incremental"]
        new = later["changed"].get(key, 0)
        table[f"{provider} incremental (1% changed)"] = {
            key: round(1000 * later["api_calls"] / new, 2) if new else None,
            "api_calls": later["api_calls"], "changed": new}
    return table


def figures_table(report: dict) -> list[dict]:
    """Each figure with its reference and their ratio (`goal`: whether the ratio meets the issue's goal)."""
    rows: list[dict] = []

    def add(name, value, unit, reference, reference_label, goal=None):
        ratio = round(value / reference, 3) if value is not None and reference else None
        rows.append({"figure": name, "value": value, "unit": unit, "reference": reference,
                     "reference_is": reference_label, "ratio": ratio,
                     "goal_met": None if goal is None or ratio is None else goal(ratio)})

    loader = report["loader"]
    add("1. extract+load records/s", loader["extract_load_records_per_second"], "records/s", GOAL_RECORDS_PER_SECOND,
        "goal 25,000 records/s", lambda r: r >= 1)
    add("1. extract+load against the sandbox read alone", loader["extract_load_records_per_second"], "records/s",
        loader["sandbox_read"]["records_per_second"], "sandbox read records/s")
    add("1. end-to-end records/s (with dbt build)", loader["end_to_end_records_per_second"], "records/s",
        GOAL_RECORDS_PER_SECOND, "goal 25,000 records/s")
    total = loader["sync_seconds"] + loader["phases_seconds"]["dbt"]
    for phase, seconds in loader["phases_seconds"].items():
        add(f"1. phase {phase}", seconds, "s", round(total, 1), "sync + dbt seconds")
    for path, run in report["rate_limits"].items():
        add(f"2. {path} share of ceiling", run["records_per_second"], "records/s",
            run["ceiling_records_per_second"], "ceiling records/s", lambda r: r >= 0.9)
        add(f"2. {path} 429 share", run["share_429"], "of requests", 0.01, "goal < 1%", lambda r: r < 1)
    for sync, groups in report["calls_per_1000"].items():
        least = FEWEST_CALLS_PER_1000.get(sync)
        for group, value in groups.items():
            if group in ("api_calls", "changed") or value is None:
                continue  # counts, or calls that fetched no records (owners, pipelines, properties)
            add(f"3. {sync}: {group}", value, "calls/1,000 records", least,
                "one call per full page" if least else "")
    large = report["large_portal"]
    full, changed, unchanged = large["large"], large["after_1_percent"], large["no_change"]
    n = f"{large['large']['engagements']:,} engagements"
    add(f"4. 1% changed: calls ({n})", changed["api_calls"], "calls", full["api_calls"], "first sync calls")
    add(f"4. 1% changed: seconds ({n})", changed["seconds"], "s", full["seconds"], "first sync seconds")
    add(f"4. no change: calls ({n})", unchanged["api_calls"], "calls", full["api_calls"], "first sync calls")
    add(f"4. no change: seconds ({n})", unchanged["seconds"], "s", full["seconds"], "first sync seconds")
    small = large["small"]
    add(f"5. peak RSS at {full['engagements']:,} against {small['engagements']:,} engagements", full["peak_rss_mib"],
        "MiB", small["peak_rss_mib"], f"peak RSS at {small['engagements']:,}", lambda r: r <= 1.2)
    full_refresh = large["dbt"]["full_refresh"]["seconds"]
    for key, label in dbt_builds.BUILDS:
        add(f"6. dbt {label} against full refresh ({n})", large["dbt"][key]["seconds"], "s", full_refresh,
            "full-refresh build seconds", lambda r: r <= 0.10)
    return rows


def previous_result(stem: str, sizes: dict) -> dict | None:
    """The newest earlier result of the same sizes (a quick run compares with quick runs)."""
    pattern = re.compile(r"^\d{4}-\d{2}-\d{2}-[0-9a-f]+(-quick)?\.json$")
    earlier = [json.loads(p.read_text()) for p in RESULTS.glob("*.json") if pattern.match(p.name) and p.stem != stem]
    same = sorted((r for r in earlier if r.get("sizes") == sizes), key=lambda r: r["date"])
    return same[-1] if same else None


def compare(rows: list[dict], previous: dict | None) -> None:
    before = {row["figure"]: row["value"] for row in (previous or {}).get("table", [])}
    for row in rows:
        old = before.get(row["figure"])
        row["previous"] = old
        row["change"] = round(row["value"] / old, 3) if old and row["value"] is not None else None


def markdown(report: dict) -> str:
    def number(value):
        if value is None:
            return "–"
        return f"{value:,.4g}" if isinstance(value, float) and abs(value) < 1 else f"{value:,}"

    lines = [f"# revsync bench, {report['date']} at {report['commit']}{' (quick)' if report['quick'] else ''}", "",
             f"Machine: {report['machine']['cpus']} CPUs, {report['machine']['memory_gib']} GiB, "
             f"Python {report['machine']['python']}; load average at start {report['machine']['load_average']}. "
             f"Previous result of the same sizes: {report['previous'] or 'none'}. "
             f"Sizes: {', '.join(f'{k} {v:,}' for k, v in report['sizes'].items())}.", "",
             "| figure | value | unit | reference | ratio | goal | previous | change |",
             "|---|---|---|---|---|---|---|---|"]
    for row in report["table"]:
        goal = {True: "met", False: "missed", None: ""}[row["goal_met"]]
        reference = f"{number(row['reference'])} ({row['reference_is']})" if row["reference"] else ""
        lines.append(f"| {row['figure']} | {number(row['value'])} | {row['unit']} | {reference} | "
                     f"{number(row['ratio'])} | {goal} | {number(row['previous'])} | {number(row['change'])} |")
    loader = report["loader"]
    builds = {"loader": loader.get("dbt_build", {"ok": True}), **report["large_portal"]["dbt"]}
    for name, build in builds.items():
        if not build["ok"]:
            lines += ["", f"**dbt build ({name}) had failures** (its seconds still count every node it ran): "
                      + "; ".join(build["failures"])]
    lines += ["", f"Slowest step of the loader: {loader['slowest_step']} (profile: {loader['profile']}); "
                  f"reading the API took {loader['read_seconds']} s of the {loader['sync_seconds']} s sync, "
                  "overlapping the steps."]
    return "\n".join(lines) + "\n"


def charts(report: dict, stem: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = report["rate_limits"]
    names = [*runs, "loader (limits off)"]
    achieved = [run["records_per_second"] for run in runs.values()] + [
        report["loader"]["extract_load_records_per_second"]]
    ceilings = [run["ceiling_records_per_second"] for run in runs.values()] + [GOAL_RECORDS_PER_SECOND]
    figure, axes = plt.subplots(figsize=(8, 4))
    positions = range(len(names))
    axes.bar([p - 0.2 for p in positions], ceilings, width=0.4, label="ceiling (loader: goal)", color="#bbb")
    axes.bar([p + 0.2 for p in positions], achieved, width=0.4, label="achieved", color="#2a6f97")
    axes.set_yscale("log")
    axes.set_xticks(list(positions), names, rotation=15)
    axes.set_ylabel("records/s (log)")
    axes.set_title(f"Throughput against the ceiling ({report['commit']})")
    axes.legend()
    figure.tight_layout()
    figure.savefig(RESULTS / f"{stem}-throughput.png", dpi=100)
    plt.close(figure)

    large = report["large_portal"]
    points = sorted((run["engagements"], run["peak_rss_mib"]) for run in (large["small"], large["large"]))
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot([p[0] for p in points], [p[1] for p in points], marker="o")
    axes.axhline(points[0][1] * 1.2, linestyle="--", color="#999", label="goal: within 20% of the smallest")
    axes.set_xscale("log")
    axes.set_xlabel("engagements in the portal")
    axes.set_ylabel("peak RSS of the sync process tree (MiB)")
    axes.set_ylim(bottom=0)
    axes.set_title(f"Memory against size ({report['commit']})")
    axes.legend()
    figure.tight_layout()
    figure.savefig(RESULTS / f"{stem}-memory.png", dpi=100)
    plt.close(figure)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--engagements", type=int, help="loader overhead portal (full: 200,000)")
    parser.add_argument("--large", type=int, help="incremental, memory and dbt portal (full: 1,000,000)")
    parser.add_argument("--small", type=int, help="memory reference portal (full: 100,000)")
    args = parser.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    sizes.update({k: v for k, v in (("engagements", args.engagements), ("large", args.large),
                                    ("small", args.small)) if v})
    commit_id = commit()
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{commit_id}{'-quick' if args.quick else ''}"
    RESULTS.mkdir(exist_ok=True)
    started = time.perf_counter()
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit_id, "quick": args.quick,
        "sizes": sizes,
        "machine": {"cpus": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30),
                    "python": platform.python_version(), "load_average": [round(x, 1) for x in os.getloadavg()]},
    }

    def step(name: str, function, *arguments):
        print(f"[{time.perf_counter() - started:6.0f} s] {name}", flush=True)
        report[name] = function(*arguments)

    step("loader", loader_overhead, sizes["engagements"], stem)
    step("large_portal", large_portal, sizes["large"], sizes["small"])
    step("rate_limits", rate_limits, sizes)
    report["calls_per_1000"] = calls_per_thousand(report["rate_limits"], report["large_portal"])
    report["seconds"] = round(time.perf_counter() - started)
    report["table"] = figures_table(report)
    previous = previous_result(stem, sizes)
    report["previous"] = f"{previous['date']} at {previous['commit']}" if previous else None
    compare(report["table"], previous)
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(report))
    charts(report, stem)
    print(markdown(report))
    print(f"wrote bench/results/{stem}.json, .md, -throughput.png, -memory.png, -profile.html "
          f"in {report['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
