"""Benchmark dbt's incremental builds against a full refresh (figure 6 of `python -m bench`).

    python -m bench.dbt_builds [--engagements 1000000] [--quick]

One HubSpot portal synced (limits off) into a throwaway embedded PostgreSQL, then, on one warm
partial parse (`dbt parse` first, not timed):

1. `dbt build --full-refresh`: every model rebuilt, every data test on every row;
2. a 1% change in the sandbox (0.4% created, 0.4% modified, 0.1% archived, 0.1% re-associated),
   a sync, and `dbt build` as Dagster's after-sync builds run it: data tests on the rows that
   arrived since each last passed (REVSYNC_DATA_TESTS_NEW_ROWS_ONLY);
3. the same build again with nothing new: what a build costs whatever the data;
4. another 1% change and sync, then the build Dagster's after-sync sensor selects after a HubSpot
   sync: the models downstream of HubSpot's raw tables and their tests (`--select source:hubspot+`).

For each build: wall-clock seconds, and from dbt's run_results.json the seconds of its models,
data tests and unit tests, dbt's start-up (wall clock less the nodes' elapsed time) and its
slowest nodes. Writes bench/results/dbt-<date>-<commit>.json and .md (and prints the table).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.common import RESULTS, add_account, advance, commit, run_dbt, start_sandbox, throwaway_database

CHANGE = {"create": 0.004, "modify": 0.004, "archive": 0.001, "reassociate": 0.001}


def measure(env: dict[str, str], target: Path, sandbox_url: str, sync: Callable[[], dict]) -> dict:
    """The four builds above ("builds"), the first change ("changes") and the syncs after the
    changes, on a database that holds one synced portal; `sync` syncs it again."""
    from orchestration.defs.transform import NEW_ROWS_ONLY, PROJECT_FINGERPRINT
    from orchestration.lib.dbt import project_fingerprint

    # As Dagster's dbt asset runs the builds its after-sync sensor launches.
    after_sync = {**env, NEW_ROWS_ONLY: "true", PROJECT_FINGERPRINT: project_fingerprint()}
    run_dbt(after_sync, target, "parse")
    full = run_dbt(after_sync, target, "build", "--full-refresh")
    changes = advance(sandbox_url, "hubspot", **CHANGE)["changes"]["account-1"]["hubspot"]
    changed_sync = sync()
    incremental = run_dbt(after_sync, target, "build")
    no_change = run_dbt(after_sync, target, "build")
    advance(sandbox_url, "hubspot", **CHANGE)
    second_sync = sync()
    after_hubspot = run_dbt(after_sync, target, "build", "--select", "source:hubspot+")
    return {"builds": {"full_refresh": full, "incremental": incremental, "no_change": no_change,
                       "after_hubspot_sync": after_hubspot},
            "changes": changes, "changed_sync": changed_sync, "second_changed_sync": second_sync}


BUILDS = (("incremental", "incremental build after 1% changed"),
          ("no_change", "incremental build after no change"),
          ("after_hubspot_sync", "after a HubSpot sync, as Dagster selects it (source:hubspot+)"))


def table(builds: dict, engagements: int) -> list[str]:
    full = builds["full_refresh"]
    lines = [f"At {engagements:,} engagements. Ratio: the build's seconds against the full refresh's (goal ≤ 0.10).",
             "", "| build | seconds | ratio | start-up s | models (n, s) | data tests (n, s) | slowest nodes |",
             "|---|---:|---:|---:|---|---|---|"]
    for key, label in (("full_refresh", "full refresh"), *BUILDS):
        build = builds[key]
        kinds = build.get("nodes", {})
        model, test = kinds.get("model", [0, 0]), kinds.get("test", [0, 0])
        slowest = ", ".join(f"{name} {seconds:.1f}" for name, seconds in build.get("slowest", [])[:3])
        lines.append(f"| {label} | {build['seconds']:.1f} | {build['seconds'] / full['seconds']:.2f} | "
                     f"{build.get('start_up_seconds', 0):.1f} | {model[0]}, {model[1]:.1f} | {test[0]}, {test[1]:.1f} "
                     f"| {slowest} |")
    return lines


def main(argv=None) -> int:
    from bench.__main__ import child_sync

    parser = argparse.ArgumentParser(prog="python -m bench.dbt_builds", description=__doc__.splitlines()[0])
    parser.add_argument("--engagements", type=int, default=1_000_000, help="portal size (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="20,000 engagements, a few minutes")
    args = parser.parse_args(argv)
    engagements = 20_000 if args.quick else args.engagements
    started = time.perf_counter()
    with throwaway_database() as (environment, home):
        url = environment.database_url
        with start_sandbox(home / "sb", engagements, "--no-rate-limits") as sandbox:
            account_id = add_account(url, sandbox, "large")
            print(f"first sync of {engagements:,} engagements", flush=True)
            first = child_sync(url, sandbox, account_id, home / "sync")
            print(f"synced in {first['seconds']} s; dbt builds", flush=True)
            measured = measure(environment.env, home / "dbt", sandbox.url,
                             lambda: child_sync(url, sandbox, account_id, home / "sync"))
    name = f"dbt-{datetime.now(UTC):%Y-%m-%d}-{commit()}{'-quick' if args.quick else ''}"
    report = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit(), "engagements": engagements,
              "load_average": [round(x, 1) for x in os.getloadavg()], "first_sync": first, **measured,
              "seconds": round(time.perf_counter() - started)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"# dbt builds, {report['date']} at {report['commit']}", "", *table(measured["builds"], engagements), "",
             f"Load average at the end: {report['load_average']}."]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
