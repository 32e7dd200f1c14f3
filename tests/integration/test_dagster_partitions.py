"""Connections as Dagster partitions, materialized for real: sandbox over HTTP → dlt → PostgreSQL,
run by Dagster against the dagster-postgres instance revsync set up."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import dagster as dg
import httpx
import psycopg2
import pytest

from dlt_sources.hubspot.objects import ENGAGEMENTS, OBJECTS
from dlt_sources.loading import one_sync_per_account
from orchestration.defs.ingest import connection_partitions
from orchestration.defs.schedules import INCREMENTAL, last_complete_day
from revsync.accounts import add_account
from revsync.credentials import store_connection
from revsync.settings import get_settings
from tests.support import get_json

PARTITIONS = connection_partitions("hubspot").name
PROVIDER_KEYS = ("hubspot", "aircall", "fathom")  # raw assets' first key part; the rest are dbt's
SYNCED_ACTIVITIES = dg.AssetKey(["analytics", "synced_activities"])


def query(url: str, sql: str, params=()):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def connect(url: str, name: str, token: str, api_base: str, *, auto_sync: bool = True) -> tuple[str, str]:
    """A new revsync account whose HubSpot connection uses `token`; returns (account id, slug)."""
    with psycopg2.connect(url) as conn:
        account, _ = add_account(conn, f"{name} {uuid.uuid4().hex[:6]}")
        store_connection(conn, account_id=account.account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": token}, api_base=api_base)
        with conn.cursor() as cur:
            cur.execute("update app.api_connections set auto_sync_enabled = %s where account_id = %s",
                        (auto_sync, account.account_id))
    return account.account_id, account.slug


@pytest.fixture(scope="module")
def definitions(environment):
    from orchestration.definitions import defs

    return defs()


@pytest.fixture(scope="module")
def instance(environment):
    with dg.DagsterInstance.get() as instance:  # dagster-postgres, from the dagster.yaml setup wrote
        yield instance


@pytest.fixture(scope="module")
def portals(sandbox_url):
    return get_json(f"{sandbox_url}/_sandbox/accounts")


def run_sync(definitions, instance, slug: str, *, day: str | None = None, days: tuple[str, str] | None = None):
    """One run of hubspot_sync_job: incremental for `day`, or the window over `days` (inclusive)."""
    instance.add_dynamic_partitions(PARTITIONS, [slug])
    job = definitions.resolve_job_def("hubspot_sync_job")
    if days is not None:
        first, last = (dg.MultiPartitionKey({"connection": slug, "day": d}) for d in days)
        return job.execute_in_process(instance=instance, raise_on_error=False, tags={
            "dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last})
    return job.execute_in_process(
        instance=instance, raise_on_error=False, run_config={"ops": {"hubspot": {"config": INCREMENTAL}}},
        partition_key=dg.MultiPartitionKey({"connection": slug, "day": day}))


def failures(result) -> list[str]:
    """What each failed step raised."""
    return [event.step_failure_data.error.message for event in result.all_events if event.is_step_failure]


def test_definitions_load_and_every_raw_asset_key_is_a_dbt_source_key(definitions):
    graph = definitions.resolve_asset_graph()
    raw = {key for key in graph.materializable_asset_keys if key.path[0] == "hubspot"}
    dbt_sources = {dep for key in graph.materializable_asset_keys if key.path[0] != "hubspot"
                   for dep in graph.get(key).parent_keys if dep.path[0] == "hubspot"}
    assert dbt_sources and dbt_sources <= raw
    assert {"hubspot_sync_job", "dbt_build_job"} <= {job.name for job in definitions.resolve_all_job_defs()}


def freshness(definitions, key: dg.AssetKey, synced_hours_ago: float | None):
    """What Dagster's freshness evaluator (the daemon's) says of `key` when its last successful sync
    (a materialization, in a fresh instance) was that many hours ago, or never."""
    from dagster._core.definitions.freshness_evaluator import TimeWindowFreshnessPolicyEvaluator
    from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
    from dagster._core.loader import LoadingContextForTest

    node = definitions.resolve_asset_graph().get(key)
    with dg.DagsterInstance.ephemeral() as instance:
        if synced_hours_ago is not None:
            instance.report_dagster_event(
                DagsterEvent(event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value, job_name=PARTITIONS,
                             event_specific_data=StepMaterializationData(dg.AssetMaterialization(key))),
                run_id=uuid.uuid4().hex, timestamp=time.time() - synced_hours_ago * 3600)
        return asyncio.run(TimeWindowFreshnessPolicyEvaluator().evaluate_freshness(
            LoadingContextForTest(instance), node)).value


def test_every_raw_table_and_mart_fails_its_freshness_26_hours_after_its_last_sync(definitions):
    graph = definitions.resolve_asset_graph()
    fresh_within = {key.to_user_string(): graph.get(key).freshness_policy for key in graph.materializable_asset_keys}
    watched = {key for key, policy in fresh_within.items() if policy is not None}
    assert {"hubspot/calls", "hubspot/loads", "aircall/calls", "fathom/meetings", "analytics/synced_activities",
            "analytics/rep_activity_daily"} <= watched
    assert not {key for key in watched if key.startswith(("staging/", "intermediate/"))}
    assert {fresh_within[key] for key in watched} == {dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26))}
    for key in (dg.AssetKey(["hubspot", "calls"]), SYNCED_ACTIVITIES):
        assert [freshness(definitions, key, hours) for hours in (None, 1, 25.9, 26.1, 72)] == [
            "UNKNOWN", "PASS", "PASS", "FAIL", "FAIL"], key


def test_a_partition_syncs_only_its_connection_and_logs_the_run(environment, definitions, instance, portals,
                                                                 sandbox_url):
    url = environment.database_url
    token = portals[0]["hubspot"]["private_app_token"]
    account_id, slug = connect(url, "Partition", token, sandbox_url)
    other_id, _ = connect(url, "Untouched", token, sandbox_url)
    day = last_complete_day(datetime.now(UTC))

    result = run_sync(definitions, instance, slug, day=day)

    assert result.success, failures(result)
    materialized = result.get_asset_materialization_events()
    assert {e.asset_key.to_user_string() for e in materialized} >= {"hubspot/calls", "hubspot/contacts"}
    assert {e.partition for e in materialized} == {f"{slug}|{day}"}
    calls = next(e for e in materialized if e.asset_key.to_user_string() == "hubspot/calls")
    metadata = calls.materialization.metadata
    assert metadata["rows_written"].value > 0 and metadata["api_calls"].value > 0
    assert {"rate_limited", "seconds", "accounts"} <= set(metadata)
    log = query(url, "select account_id::text, run_id, trigger, status, api_calls from app.integration_sync_log "
                     "where account_id = any(%s::uuid[])", ([account_id, other_id],))
    assert log == [(account_id, result.run_id, "manual", "success", metadata["api_calls"].value)]
    assert query(url, "select count(*) from raw_hubspot.calls where account_id = %s", (other_id,)) == [(0,)]


def test_a_failing_account_fails_only_its_partition_and_says_what_to_do(environment, definitions, instance, portals,
                                                                         sandbox_url):
    url = environment.database_url
    healthy_id, healthy = connect(url, "Healthy", portals[1]["hubspot"]["private_app_token"], sandbox_url)
    revoked_id, revoked = connect(url, "Revoked", "pat-na1-00000000-0000-0000-0000-000000000000", sandbox_url)
    day = last_complete_day(datetime.now(UTC))

    bad = run_sync(definitions, instance, revoked, day=day)
    good = run_sync(definitions, instance, healthy, day=day)

    assert good.success, failures(good)
    assert not bad.success
    message = "\n".join(failures(bad))
    assert f"HubSpot access for account {revoked} was revoked: reconnect it on the integrations page" in message
    assert not bad.get_asset_materialization_events()
    # A permanent failure is not retried: one attempt, one log row.
    assert not [event for event in bad.all_events if event.is_step_up_for_retry]
    log = query(url, "select account_id::text, status, run_id from app.integration_sync_log "
                     "where account_id = any(%s::uuid[]) order by sync_id", ([healthy_id, revoked_id],))
    assert log == [(revoked_id, "failed", bad.run_id), (healthy_id, "success", good.run_id)]
    health = dict(query(url, "select account_id::text, status from app.api_connections "
                             "where account_id = any(%s::uuid[])", ([healthy_id, revoked_id],)))
    assert health == {healthy_id: "connected", revoked_id: "needs_reauth"}
    assert instance.get_run_by_id(bad.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(good.run_id).status == dg.DagsterRunStatus.SUCCESS


def sandbox_records(sandbox_url: str, token: str, object_type: str) -> list[dict]:
    """Every record of the type the portal holds, live and archived, read from the sandbox's own API."""
    records = []
    for archived in ("false", "true"):
        after = None
        while True:
            page = httpx.get(f"{sandbox_url}/crm/v3/objects/{object_type}", timeout=30,
                             headers={"Authorization": f"Bearer {token}"},
                             params={"limit": 100, "archived": archived, **({"after": after} if after else {})})
            page.raise_for_status()
            records += page.json()["results"]
            after = ((page.json().get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
    return records


def epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def test_a_transient_failure_is_retried_with_backoff_and_every_attempt_is_logged(environment, instance, portals,
                                                                                  sandbox_url):
    from orchestration.definitions import build

    url = environment.database_url
    delay = 2.0  # the first retry waits 0-4 s (2 s, plus or minus 2 s of jitter)
    definitions = build(get_settings().model_copy(update={"sync_retry_delay_seconds": delay}))
    account_id, slug = connect(url, "Retried", portals[1]["hubspot"]["private_app_token"], sandbox_url,
                               auto_sync=False)
    locked, done = threading.Event(), threading.Event()

    def another_sync():
        """Holds the account's sync lock, as a sync still running would, until an attempt failed on it."""
        with one_sync_per_account(url, "hubspot", account_id):
            locked.set()
            failed = "select count(*) from app.integration_sync_log where account_id = %s and status = 'failed'"
            while not done.is_set() and query(url, failed, (account_id,)) == [(0,)]:
                time.sleep(0.05)

    holder = threading.Thread(target=another_sync)
    holder.start()
    try:
        assert locked.wait(30)
        result = run_sync(definitions, instance, slug, day=last_complete_day(datetime.now(UTC)))
    finally:
        done.set()
        holder.join()

    assert result.success, failures(result)
    retries = [event for event in result.all_events if event.is_step_up_for_retry]
    log = query(url, "select status, run_id, error_message from app.integration_sync_log where account_id = %s "
                     "order by sync_id", (account_id,))
    # Each attempt its own row, in the same run: the failed ones (the lock is let go right after the
    # first, but a retry may come sooner), then the success.
    assert 1 <= len(retries) <= 3 and len(log) == len(retries) + 1, (retries, log)
    assert [status for status, _, _ in log] == ["failed"] * len(retries) + ["success"]
    assert {run_id for _, run_id, _ in log} == {result.run_id}
    assert all("another sync of this account is running" in error for _, _, error in log[:-1])
    assert log[-1][2] is None
    # Backoff from the configured delay: about 1, 3, 7 times it, plus or minus it.
    waits = [event.event_specific_data.seconds_to_wait for event in retries]
    assert all(0 <= wait <= (2**n - 1) * delay + delay for n, wait in enumerate(waits, start=1)), waits
    health = query(url, "select status from app.api_connections where account_id = %s", (account_id,))
    assert health == [("connected",)]


def busiest_days(records: list[dict], count: int) -> tuple[str, str]:
    """The `count` consecutive UTC days on which the most of `records` were created."""
    per_day = Counter(datetime.fromisoformat(r["createdAt"].replace("Z", "+00:00")).date() for r in records)
    best = max(per_day, key=lambda d: sum(per_day.get(d + timedelta(days=i), 0) for i in range(count)))
    return best.isoformat(), (best + timedelta(days=count - 1)).isoformat()


def created_in(records: list[dict], days: tuple[str, str]) -> set[tuple[str, int, bool]]:
    """(id, last modified in epoch ms, archived) of the records created on the days (UTC, inclusive)."""
    first, last = (datetime.fromisoformat(d).date() for d in days)
    return {(r["id"], epoch_ms(r["updatedAt"]), r["archived"]) for r in records
            if first <= datetime.fromisoformat(r["createdAt"].replace("Z", "+00:00")).date() <= last}


def raw_rows(url: str, account_id: str, object_type: str) -> set[tuple[str, int, bool]]:
    """(id, last modified in epoch ms, deleted) of every row the account has in the raw table (none
    when no load has created the table yet: dlt creates it with its first row)."""
    if query(url, "select to_regclass(%s)", (f"raw_hubspot.{object_type}",)) == [(None,)]:
        return set()
    found = query(url, f"select id, (extract(epoch from updated_at) * 1000)::bigint, is_deleted "  # noqa: S608
                       f"from raw_hubspot.{object_type} where account_id = %s", (account_id,))
    assert len({row[0] for row in found}) == len(found), f"a {object_type} record loaded twice"
    return set(found)


def mart_rows(url: str, account_id: str) -> set[tuple[str, str, int, bool]]:
    """(activity type, HubSpot id, last modified in epoch ms, deleted) of the account's synced activities."""
    return set(query(url, "select activity_type, source_record_id, "
                          "(extract(epoch from source_updated_at) * 1000)::bigint, is_deleted "
                          "from analytics.synced_activities where account_id = %s", (account_id,)))


def build_synced_activities(definitions, instance) -> dg.ExecuteInProcessResult:
    """dbt builds analytics.synced_activities and the models it reads, through Dagster's dbt assets."""
    graph = definitions.resolve_asset_graph()
    dbt_models = {key for key in graph.materializable_asset_keys if key.path[0] not in PROVIDER_KEYS}
    selected = dg.AssetSelection.assets(SYNCED_ACTIVITIES).upstream().resolve(graph) & dbt_models
    return definitions.resolve_job_def("dbt_build_job").execute_in_process(
        instance=instance, raise_on_error=False, asset_selection=sorted(selected, key=str))


def test_a_three_day_backfill_run_twice_equals_the_sandbox_truth_for_those_days(
        environment, definitions, instance, portals, sandbox_url):
    url = environment.database_url
    token = portals[0]["hubspot"]["private_app_token"]
    portal = {object_type: sandbox_records(sandbox_url, token, object_type) for object_type in OBJECTS}
    days = busiest_days(portal["calls"], 3)
    truth = {object_type: created_in(records, days) for object_type, records in portal.items()}
    assert truth["calls"] and sum(map(len, truth.values())) < sum(map(len, portal.values())), \
        "the days hold some of the portal's records, not all"
    account_id, slug = connect(url, "Backfill", token, sandbox_url, auto_sync=False)

    for attempt in (1, 2):
        result = run_sync(definitions, instance, slug, days=days)
        assert result.success, failures(result)
        start = datetime.fromisoformat(days[0]).date()
        assert {e.partition for e in result.get_asset_materialization_events()} == {
            f"{slug}|{start + timedelta(days=i)}" for i in range(3)}
        # Exactly the records created on those days: nothing from before or after.
        for object_type in OBJECTS:
            assert raw_rows(url, account_id, object_type) == truth[object_type], (attempt, object_type)

    dbt = build_synced_activities(definitions, instance)
    assert dbt.success, failures(dbt)
    assert SYNCED_ACTIVITIES in {e.asset_key for e in dbt.get_asset_materialization_events()}
    assert mart_rows(url, account_id) == {
        (object_type.removesuffix("s"), record_id, modified, archived)
        for object_type in ENGAGEMENTS for record_id, modified, archived in truth[object_type]}
    triggers = query(url, "select trigger, status, details->>'mode' from app.integration_sync_log "
                          "where account_id = %s", (account_id,))
    assert triggers == [("manual", "success", "window")] * 2
