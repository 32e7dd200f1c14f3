"""The dbt models over real synced data: the sandbox's portals synced over HTTP into PostgreSQL,
then `dbt build` for real. rep_activity_daily equals counts made here from the sandbox's own API;
an incremental build of synced_activities equals a full refresh after upstream changes; data tests
given a time check only the rows synced since it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg2
import pytest

from dlt_sources.sync import sync_accounts, sync_options
from provider_sandbox.launcher import SandboxProcess
from revsync.credentials import store_connection
from revsync.paths import PROJECT_ROOT
from tests.support import get_json

DBT_PROJECT = PROJECT_ROOT / "dbt_project"
TIME_ZONE = "America/New_York"
CONNECTED_OUTCOMES = {"connected", "meeting booked"}  # dbt_project.yml: connected_call_outcomes
REPS_PER_PORTAL = 4


def run_dbt(target: Path, *args: str) -> dict:
    """Run dbt on the project with revsync's connection; returns run_results.json."""
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), *args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
         "--target-path", str(target), "--log-path", str(target)],
        env=os.environ.copy(), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return json.loads((target / "run_results.json").read_text())


def query(url: str, sql: str, params=()) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


class Portals:
    """The sandbox's two portals, each connected to its own revsync account, with some owners as reps."""

    def __init__(self, sandbox: SandboxProcess, url: str, pipelines_dir: str, slug_prefix: str = "dbt"):
        self.sandbox, self.url, self.pipelines_dir = sandbox, url, pipelines_dir
        self.portals = {p["key"]: p for p in get_json(f"{sandbox.url}/_sandbox/accounts")}
        self.accounts: dict[str, str] = {}
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            for key, portal in self.portals.items():
                cur.execute(
                    "insert into app.accounts (name, slug, time_zone) values (%s, %s, %s) returning account_id",
                    (f"{slug_prefix} {portal['name']}", f"{slug_prefix}-{key}",
                     TIME_ZONE if key == "account-1" else "UTC"),
                )
                account_id = str(cur.fetchone()[0])
                store_connection(conn, account_id=account_id, provider="hubspot", auth_type="private_app",
                                 secrets={"access_token": portal["hubspot"]["private_app_token"]},
                                 api_base=sandbox.url)
                # Emails as people type them: reps match whatever the case and surrounding spaces.
                for n, owner in enumerate(portal["hubspot"]["owners"][:REPS_PER_PORTAL]):
                    email = f"  {owner['email'].upper()} " if n % 2 else owner["email"]
                    self.add_rep(cur, account_id, email)
                self.accounts[key] = account_id

    @staticmethod
    def add_rep(cur, account_id: str, email: str) -> None:
        cur.execute("insert into app.users (account_id, email, role) values (%s, %s, 'rep')", (account_id, email))

    def sync(self) -> None:
        outcomes = sync_accounts("hubspot", self.url, list(self.accounts.values()), sync_options("hubspot"),
                                 pipelines_dir=self.pipelines_dir)
        assert all(o.status == "success" for o in outcomes), [o.line() for o in outcomes]

    def api(self, key: str, path: str, **params) -> dict:
        token = self.portals[key]["hubspot"]["private_app_token"]
        response = httpx.get(f"{self.sandbox.url}{path}", params=params, timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        return response.json()

    def records(self, key: str, object_type: str, properties: str) -> list[dict]:
        records, after = [], None
        while True:
            page = self.api(key, f"/crm/v3/objects/{object_type}", limit=100, properties=properties,
                            **({"after": after} if after else {}))
            records.extend(page["results"])
            after = (page.get("paging") or {}).get("next", {}).get("after")
            if not after:
                return records


@pytest.fixture(scope="module")
def portals(environment, tmp_path_factory):
    sandbox = SandboxProcess.start(tmp_path_factory.mktemp("sandbox"), "--accounts", "2", "--engagements", "600",
                                   "--seed", "29", "--anchor", "2026-11-01T00:00:00Z",
                                   "--search-index-delay-ms", "0", "--no-rate-limits")
    try:
        portals = Portals(sandbox, environment.database_url, str(tmp_path_factory.mktemp("dlt")))
        portals.sync()
        yield portals
    finally:
        sandbox.stop()


@pytest.fixture(scope="module")
def built(portals, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("dbt_target")
    run_dbt(target, "build")
    return target


def sandbox_daily_counts(portals: Portals, key: str) -> dict[tuple[str, str], Counter]:
    """Per (rep email, local day): dials, connects, meetings booked and held, from the sandbox's API."""
    zone = ZoneInfo(TIME_ZONE)
    reps = {o["email"].strip().lower() for o in portals.portals[key]["hubspot"]["owners"][:REPS_PER_PORTAL]}
    owners = {o["id"]: o["email"].strip().lower() for o in portals.api(key, "/crm/v3/owners", limit=500)["results"]}
    options = portals.api(key, "/crm/v3/properties/calls/hs_call_disposition")["options"]
    labels = {option["value"]: option["label"] for option in options}

    def day(iso: str) -> str:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(zone).date().isoformat()

    counts: dict[tuple[str, str], Counter] = {}

    def count(owner_id, when, what):
        email = owners.get(owner_id)
        if email in reps and when:
            counts.setdefault((email, day(when)), Counter())[what] += 1

    for call in portals.records(key, "calls", "hs_timestamp,hubspot_owner_id,hs_call_direction,hs_call_disposition"):
        p = call["properties"]
        if p["hs_call_direction"] == "OUTBOUND":
            count(p["hubspot_owner_id"], p["hs_timestamp"], "dials")
            if labels.get(p["hs_call_disposition"], "").lower() in CONNECTED_OUTCOMES:
                count(p["hubspot_owner_id"], p["hs_timestamp"], "connects")
    for meeting in portals.records(key, "meetings", "hs_timestamp,hs_meeting_start_time,hubspot_owner_id,"
                                   "hs_meeting_outcome,hs_createdate"):
        p = meeting["properties"]
        count(p["hubspot_owner_id"], p["hs_createdate"], "meetings_booked")
        if p["hs_meeting_outcome"] == "COMPLETED":
            count(p["hubspot_owner_id"], p["hs_meeting_start_time"] or p["hs_timestamp"], "meetings_held")
    return counts


def test_rep_activity_daily_equals_counts_from_the_sandbox(environment, portals, built):
    expected = sandbox_daily_counts(portals, "account-1")
    rows = query(
        environment.database_url,
        """
        select lower(trim(u.email)), d.activity_date::text, d.dials, d.connects, d.meetings_booked, d.meetings_held
        from analytics.rep_activity_daily d join app.users u on u.user_id = d.rep_id
        where d.account_id = %s
        """,
        (portals.accounts["account-1"],),
    )
    actual = {(email, day): Counter({k: v for k, v in zip(("dials", "connects", "meetings_booked", "meetings_held"),
                                                           values, strict=True) if v})
              for email, day, *values in rows}
    actual = {k: v for k, v in actual.items() if v}
    assert sum(c["dials"] for c in expected.values()) > 20 and sum(c["connects"] for c in expected.values()) > 5
    assert sum(c["meetings_booked"] for c in expected.values()) > 0
    assert actual == expected
    # One rep and day, spelled out: the busiest day of dials.
    (email, day), busiest = max(expected.items(), key=lambda item: item[1]["dials"])
    assert actual[(email, day)] == busiest


def snapshot(url: str) -> list[tuple]:
    """Every row of synced_activities, less when a build wrote it (merged_at)."""
    return query(url, "select (to_jsonb(a) - 'merged_at')::text from analytics.synced_activities a "
                 "order by activity_id")


def test_an_incremental_build_equals_a_full_refresh(environment, portals, built, tmp_path):
    url = environment.database_url
    before = dict(query(url, "select activity_id, rep_id::text from analytics.synced_activities"))
    (built_until,) = query(url, "select max(synced_at) from analytics.synced_activities")[0]
    # Upstream moves on: new, changed and archived engagements, re-associations.
    advanced = httpx.post(f"{portals.sandbox.url}/_sandbox/advance", json={"fraction": 0.05, "seconds": 3600},
                          timeout=60)
    assert advanced.status_code == 200, advanced.text
    portals.sync()
    account_id = portals.accounts["account-2"]
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        # A rep is added for an owner seen before: their older activities gain the rep.
        cur.execute("select rep_email from analytics.unmatched_rep_emails where account_id = %s "
                    "order by activity_count desc limit 1", (account_id,))
        new_rep_email = cur.fetchone()[0]
        portals.add_rep(cur, account_id, new_rep_email.title())
        # The portal renames an outcome (as the next sync would load it).
        cur.execute("update raw_hubspot.call_dispositions set label = 'Voicemail left' "
                    "where account_id = %s and label = 'Left voicemail'", (account_id,))
        assert cur.rowcount == 1

    # With the default lookback: loads within it that the last build saw are not merged again.
    results = run_dbt(tmp_path / "incremental", "build")
    merged = next(r for r in results["results"] if r["unique_id"] == "model.revsync.synced_activities")
    incremental = snapshot(url)
    # Only what changed was merged: activities loaded since, and those of the new rep or the renamed outcome.
    (changed,) = query(
        url,
        "select count(*) from analytics.synced_activities where synced_at > %s "
        "or (account_id = %s and (rep_email = %s or outcome = 'Voicemail left'))",
        (built_until, account_id, new_rep_email),
    )[0]
    assert merged["adapter_response"]["rows_affected"] == changed < len(incremental) / 2

    run_dbt(tmp_path / "full", "run", "--full-refresh", "--select", "synced_activities")
    assert snapshot(url) == incremental

    after = query(url, "select activity_id, rep_id::text, outcome, rep_email from analytics.synced_activities "
                  "where account_id = %s", (account_id,))
    gained = [row for row in after if row[3] == new_rep_email and before.get(row[0], "absent") is None]
    assert gained and all(row[1] is not None for row in gained)
    assert any(row[2] == "Voicemail left" for row in after)
    assert not any(row[2] == "Left voicemail" for row in after)


def test_source_freshness_reports_a_raw_table_never_loaded_without_failing(environment, built, tmp_path):
    # Unless another test of the session synced Aircall transcriptions, that raw table does not exist.
    with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass('raw_aircall.call_transcriptions')")
        loaded = cur.fetchone()[0] is not None
    conn.close()
    target = tmp_path / "freshness"
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "source", "freshness", "--select", "source:hubspot.calls", "source:aircall.call_transcriptions",
         "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT), "--target-path", str(target),
         "--log-path", str(target)],
        env=os.environ.copy(), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    statuses = {r["unique_id"].split(".", 2)[-1]: (r["status"], r["max_loaded_at"])
                for r in json.loads((target / "sources.json").read_text())["results"]}
    assert statuses["hubspot.calls"][0] == "pass"
    if loaded:
        assert statuses["aircall.call_transcriptions"][0] == "pass"
    else:  # never loaded: no load time, and a warning (the add-on may never be bought), not an error
        assert statuses["aircall.call_transcriptions"][0] == "warn"
        assert statuses["aircall.call_transcriptions"][1].startswith("0001-01-01")


def test_data_tests_on_new_rows_only_check_the_rows_written_since_they_last_passed(environment, built, tmp_path):
    url = environment.database_url
    (activity_id, activity_type, merged_at) = query(
        url, "select activity_id, activity_type, merged_at from analytics.synced_activities "
        "order by activity_id limit 1")[0]
    runs = iter(range(100))

    def dbt_test(select: str, new_rows_only: bool) -> tuple[int, Path]:
        dbt = Path(sys.executable).parent / "dbt"
        target = tmp_path / f"run-{next(runs)}"
        result = subprocess.run(
            [str(dbt), "test", "--select", select, "--project-dir", str(DBT_PROJECT), "--profiles-dir",
             str(DBT_PROJECT), "--target-path", str(target), "--log-path", str(target)],
            env={**os.environ, "REVSYNC_DATA_TESTS_NEW_ROWS_ONLY": str(new_rows_only).lower()},
            capture_output=True, text=True, timeout=600,
        )
        assert "synced_activities" in result.stdout, result.stdout[-3000:]
        return result.returncode, target / "compiled" / "revsync" / "models" / "marts" / "synced_activities.yml"

    def accepted_values(new_rows_only: bool) -> int:
        return dbt_test("synced_activities,test_name:accepted_values", new_rows_only)[0]

    def last_passed() -> datetime:
        return query(url, "select passed_test_started_at from intermediate.dbt_test_passes where test_id like %s",
                     ("test.revsync.accepted_values_synced_activities_activity_type%",))[0][0]

    def write(activity_type: str, merged: datetime) -> None:
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("update analytics.synced_activities set activity_type = %s, merged_at = %s "
                        "where activity_id = %s", (activity_type, merged, activity_id))
        conn.close()

    try:
        assert accepted_values(new_rows_only=False) == 0  # every row, and it passed: recorded
        passed = last_passed()
        old = merged_at - timedelta(days=1)
        write("fax", old)  # a bad value in a row written before that build
        assert accepted_values(new_rows_only=True) == 0
        assert last_passed() > passed
        assert accepted_values(new_rows_only=False) != 0
        (now,) = query(url, "select now()")[0]
        write("fax", now)  # the same value in a row written since
        passed = last_passed()
        assert accepted_values(new_rows_only=True) != 0
        assert accepted_values(new_rows_only=True) != 0  # a failure keeps the bad row in scope
        assert last_passed() == passed
        write("fax", old)
        assert accepted_values(new_rows_only=True) == 0
        # Recorded under another project (a model or macro changed since): every row again.
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("update intermediate.dbt_test_passes set project_fingerprint = 'before a change' "
                        "where test_id like %s", ("test.revsync.accepted_values_synced_activities_activity_type%",))
        conn.close()
        assert accepted_values(new_rows_only=True) != 0
    finally:
        write(activity_type, merged_at)
    def compiled(test_name: str, file: str) -> str:
        code, folder = dbt_test(f"synced_activities,test_name:{test_name}", new_rows_only=True)
        assert code == 0
        texts = [path.read_text() for path in folder.glob(f"{file}*.sql")]
        assert texts, list(folder.iterdir())
        return "\n".join(texts)

    # Judged row by row: the new rows. A key: every row sharing a key with a new one (a new
    # duplicate of an old key is found). A relationship: every row (an old row's parent may be gone).
    assert "merged_at >=" in compiled("not_null", "not_null_synced_activities_activity_id")
    unique = compiled("unique", "unique_synced_activities_activity_id")
    assert "(activity_id) in (select activity_id from" in unique and "merged_at >=" in unique
    assert "merged_at" not in compiled("relationships", "relationships_")


def test_views_are_rebuilt_only_when_missing_or_changed(environment, built, tmp_path):
    url = environment.database_url
    view = '"revsync"."analytics"."recent_synced_activities"'
    runs = iter(range(100))

    def run(fingerprint: str | None) -> datetime:
        dbt = Path(sys.executable).parent / "dbt"
        target = tmp_path / f"run-{next(runs)}"
        env = {**os.environ, "REVSYNC_DBT_PROJECT_FINGERPRINT": fingerprint or ""}
        result = subprocess.run(
            [str(dbt), "run", "--select", "recent_synced_activities", "--project-dir", str(DBT_PROJECT),
             "--profiles-dir", str(DBT_PROJECT), "--target-path", str(target), "--log-path", str(target)],
            env=env, capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:]
        assert query(url, "select count(*) from analytics.recent_synced_activities")[0][0] >= 0
        return query(url, "select built_at from intermediate.dbt_view_builds where view_name = %s", (view,))[0][0]

    first = run("project-a")
    assert run("project-a") == first  # nothing changed: kept
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("drop view analytics.recent_synced_activities")  # as a replaced table drops it
    conn.close()
    rebuilt = run("project-a")
    assert rebuilt > first
    assert run("project-b") > rebuilt  # another project: built again
    assert run(None) > rebuilt  # without a fingerprint: dbt's own, every time


def test_syncs_index_every_raw_table_on_its_load_id_and_key(environment, built):
    indexes = dict(query(environment.database_url, "select indexname, indexdef from pg_indexes "
                                                   "where schemaname = 'raw_hubspot' and tablename = 'calls'"))
    assert indexes["calls__dlt_load_id"].endswith("(_dlt_load_id)")
    assert indexes["calls__key"].endswith("(id, account_id)")
    (associations,) = query(environment.database_url, "select indexdef from pg_indexes where schemaname = "
                                                      "'raw_hubspot' and indexname = 'associations__key'")[0]
    assert associations.endswith("(from_type, from_id, to_type, account_id)")
