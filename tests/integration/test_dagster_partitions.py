"""Connections as Dagster partitions, materialized for real: sandbox over HTTP → dlt → PostgreSQL,
run by Dagster against the dagster-postgres instance revsync set up."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import dagster as dg
import psycopg2
import pytest

from orchestration.defs.ingest import connection_partitions
from orchestration.defs.schedules import INCREMENTAL, last_complete_day
from revsync.accounts import add_account
from revsync.credentials import store_connection
from tests.support import get_json

PARTITIONS = connection_partitions("hubspot").name


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
    log = query(url, "select account_id::text, status, run_id from app.integration_sync_log "
                     "where account_id = any(%s::uuid[]) order by sync_id", ([healthy_id, revoked_id],))
    assert log == [(revoked_id, "failed", bad.run_id), (healthy_id, "success", good.run_id)]
    health = dict(query(url, "select account_id::text, status from app.api_connections "
                             "where account_id = any(%s::uuid[])", ([healthy_id, revoked_id],)))
    assert health == {healthy_id: "connected", revoked_id: "needs_reauth"}
    assert instance.get_run_by_id(bad.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(good.run_id).status == dg.DagsterRunStatus.SUCCESS


def busiest_days(url: str, account_id: str, count: int) -> tuple[str, str]:
    """The `count` consecutive UTC days holding the most calls the account has (by creation)."""
    per_day = dict(query(url, "select (created_at at time zone 'UTC')::date, count(*) from raw_hubspot.calls "
                              "where account_id = %s group by 1", (account_id,)))
    best = max(per_day, key=lambda d: sum(per_day.get(d + timedelta(days=i), 0) for i in range(count)))
    return best.isoformat(), (best + timedelta(days=count - 1)).isoformat()


def rows(url: str, account_id: str, table: str, window: tuple[str, str] | None = None):
    """(id, created, updated, archived) of the account's rows, those created in [first, last] if given."""
    sql = (f"select id, created_at, updated_at, archived from raw_hubspot.{table} where account_id = %s "  # noqa: S608
           "and (%s::date is null or ((created_at at time zone 'UTC')::date between %s::date and %s::date)) "
           "order by id")
    first, last = window or (None, None)
    return query(url, sql, (account_id, first, first, last))


def test_a_three_day_backfill_loads_exactly_those_days_and_twice_changes_nothing(
        environment, definitions, instance, portals, sandbox_url):
    url = environment.database_url
    token = portals[0]["hubspot"]["private_app_token"]
    # What the portal holds, read in full through a second connection to it.
    reference_id, reference = connect(url, "Reference", token, sandbox_url, auto_sync=False)
    full = run_sync(definitions, instance, reference, day=last_complete_day(datetime.now(UTC)))
    assert full.success, failures(full)
    days = busiest_days(url, reference_id, 3)
    account_id, slug = connect(url, "Backfill", token, sandbox_url, auto_sync=False)

    first = run_sync(definitions, instance, slug, days=days)
    assert first.success, failures(first)
    start = datetime.fromisoformat(days[0]).date()
    assert {e.partition for e in first.get_asset_materialization_events()} == {
        f"{slug}|{start + timedelta(days=i)}" for i in range(3)}
    loaded = {table: rows(url, account_id, table) for table in ("calls", "meetings", "notes", "contacts")}
    assert loaded["calls"], "the busiest days hold calls"
    for table, found in loaded.items():
        assert found == rows(url, reference_id, table, days), table

    second = run_sync(definitions, instance, slug, days=days)
    assert second.success, failures(second)
    for table, found in loaded.items():
        assert rows(url, account_id, table) == found, table
    assert query(url, "select count(*), count(distinct id) from raw_hubspot.calls where account_id = %s",
                 (account_id,))[0] == (len(loaded["calls"]),) * 2
    triggers = query(url, "select trigger, status, details->>'mode' from app.integration_sync_log "
                          "where account_id = %s", (account_id,))
    assert triggers == [("manual", "success", "window")] * 2
