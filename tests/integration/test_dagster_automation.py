"""The schedule and sensors evaluated against the real instance and database: what they request,
and what a failed run does to its connections' health; dbt builds once a batch of syncs is done."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import psycopg2
import pytest

from orchestration.defs.ingest import connection_partitions
from orchestration.defs.resources import RevsyncDatabase
from orchestration.defs.schedules import CONNECTION_TAG, INCREMENTAL, last_complete_day
from revsync.accounts import add_account
from revsync.credentials import store_connection
from revsync.settings import get_settings
from revsync.sync_log import start_sync
from tests.support import get_json

PARTITIONS = connection_partitions("hubspot").name


def query(url: str, sql: str, params=()):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else None


def connect(url: str, name: str, token: str, api_base: str, *, auto_sync: bool = True,
            status: str = "connected") -> tuple[str, str]:
    with psycopg2.connect(url) as conn:
        account, _ = add_account(conn, f"{name} {uuid.uuid4().hex[:6]}")
        store_connection(conn, account_id=account.account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": token}, api_base=api_base)
        with conn.cursor() as cur:
            cur.execute("update app.api_connections set auto_sync_enabled = %s, status = %s where account_id = %s",
                        (auto_sync, status, account.account_id))
    return account.account_id, account.slug


@pytest.fixture(scope="module")
def definitions(environment):
    from orchestration.definitions import defs

    return defs()


@pytest.fixture(scope="module")
def instance(environment):
    with dg.DagsterInstance.get() as instance:
        yield instance


@pytest.fixture(scope="module")
def database(environment):
    return RevsyncDatabase(url=environment.database_url)


@pytest.fixture(scope="module")
def accounts(environment, sandbox_url):
    """Connections in every state that matters to the schedule: slug by role."""
    token = get_json(f"{sandbox_url}/_sandbox/accounts")[0]["hubspot"]["private_app_token"]
    url = environment.database_url
    return {
        "on": connect(url, "Auto", token, sandbox_url),
        "erring": connect(url, "Erring", token, sandbox_url, status="error"),
        "off": connect(url, "Manual", token, sandbox_url, auto_sync=False),
        "reauth": connect(url, "Reauth", token, sandbox_url, status="needs_reauth"),
        "gone": connect(url, "Gone", token, sandbox_url, status="disconnected"),
    }


def scheduled_slugs(url: str) -> set[str]:
    rows = query(url, "select a.slug from app.api_connections c join app.accounts a using (account_id) "
                      "where c.provider = 'hubspot' and c.auto_sync_enabled and c.status in ('connected', 'error')")
    return {slug for (slug,) in rows}


def test_the_connections_sensor_adds_every_connection_once_and_backfills_the_new_scheduled_ones(
        definitions, instance, database, accounts):
    sensor = definitions.get_repository_def().get_sensor_def("hubspot_connections_sensor")
    slugs = {role: slug for role, (_, slug) in accounts.items()}

    first = sensor(dg.build_sensor_context(instance=instance, resources={"database": database}))

    added = {key for request in first.dynamic_partitions_requests
             if isinstance(request, dg.AddDynamicPartitionsRequest) for key in request.partition_keys}
    assert set(slugs.values()) <= added  # every stored connection is a partition
    backfilled = {r.tags[CONNECTION_TAG]: r for r in first.run_requests}
    assert {f"hubspot:{slugs[role]}" for role in ("on", "erring")} <= set(backfilled)
    assert not {f"hubspot:{slugs[role]}" for role in ("off", "reauth", "gone")} & set(backfilled)
    request = backfilled[f"hubspot:{slugs['on']}"]
    last = date.fromisoformat(last_complete_day(datetime.now(UTC)))
    first_day = last - timedelta(days=get_settings().initial_backfill_days - 1)
    assert request.job_name == "hubspot_sync_job"
    assert request.tags["dagster/asset_partition_range_start"] == f"{slugs['on']}|{first_day}"
    assert request.tags["dagster/asset_partition_range_end"] == f"{slugs['on']}|{last}"

    instance.add_dynamic_partitions(PARTITIONS, sorted(added))  # what the daemon does with the result
    second = sensor(dg.build_sensor_context(instance=instance, resources={"database": database}))
    assert not second.run_requests and not second.dynamic_partitions_requests


def test_the_daily_schedule_requests_one_incremental_run_per_auto_sync_connection(
        environment, definitions, instance, database, accounts):
    instance.add_dynamic_partitions(PARTITIONS, [slug for _, slug in accounts.values()])
    schedule = definitions.get_repository_def().get_schedule_def("hubspot_daily_sync_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "UTC")
    tick = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)

    requests = schedule(dg.build_schedule_context(instance=instance, scheduled_execution_time=tick,
                                                  resources={"database": database}))

    known = set(instance.get_dynamic_partitions(PARTITIONS))
    assert {r.partition_key.keys_by_dimension["connection"] for r in requests} == scheduled_slugs(
        environment.database_url) & known
    mine = {r.partition_key.keys_by_dimension["connection"] for r in requests} & {s for _, s in accounts.values()}
    assert mine == {accounts["on"][1], accounts["erring"][1]}
    for request in requests:
        assert request.partition_key.keys_by_dimension["day"] == "2026-11-29"
        assert request.run_config == {"ops": {"hubspot": {"config": INCREMENTAL}}}
        assert request.tags[CONNECTION_TAG] == f"hubspot:{request.partition_key.keys_by_dimension['connection']}"


def test_the_schedule_runs_in_the_configured_time_zone(environment, monkeypatch):
    from orchestration.definitions import defs

    monkeypatch.setenv("REVSYNC_SYNC_TIMEZONE", "America/New_York")
    get_settings.cache_clear()
    try:
        schedule = defs().get_repository_def().get_schedule_def("hubspot_daily_sync_schedule")
    finally:
        monkeypatch.delenv("REVSYNC_SYNC_TIMEZONE")
        get_settings.cache_clear()
    assert schedule.execution_timezone == "America/New_York"
    # 06:00 in New York is 11:00 UTC in winter: the day before is over in UTC too.
    assert last_complete_day(datetime(2026, 11, 30, 6, 0, tzinfo=ZoneInfo("America/New_York"))) == "2026-11-29"


def test_stored_webhook_payloads_request_one_incremental_run_per_batch(environment, definitions, instance,
                                                                       database, accounts):
    url = environment.database_url
    account_id, slug = accounts["on"]
    instance.add_dynamic_partitions(PARTITIONS, [slug])
    sensor = definitions.get_repository_def().get_sensor_def("webhook_sensor")
    (connection_id,) = query(url, "select connection_id from app.api_connections where account_id = %s",
                             (account_id,))[0]
    (event_id,) = query(url, "insert into app.webhook_events (connection_id, account_id, provider, delivery_id, "
                             "payload) values (%s, %s, 'hubspot', %s, '{}') returning event_id",
                        (connection_id, account_id, uuid.uuid4().hex))[0]
    try:
        requests = sensor(dg.build_sensor_context(instance=instance, resources={"database": database}))
        mine = [r for r in requests if r.tags[CONNECTION_TAG] == f"hubspot:{slug}"]
        assert [r.run_key for r in mine] == [f"webhooks|hubspot|{slug}|{event_id}"]
        assert mine[0].run_config == {"ops": {"hubspot": {"config": INCREMENTAL}}}
        query(url, "update app.webhook_events set loaded_at = now() where event_id = %s", (event_id,))
        later = sensor(dg.build_sensor_context(instance=instance, resources={"database": database}))
        assert not [r for r in later if isinstance(r, dg.RunRequest) and r.tags[CONNECTION_TAG] == f"hubspot:{slug}"]
    finally:
        query(url, "delete from app.webhook_events where event_id = %s", (event_id,))


def test_a_run_that_died_mid_sync_marks_its_connection_error(environment, definitions, instance, database, accounts):
    url = environment.database_url
    account_id, slug = accounts["on"]
    instance.add_dynamic_partitions(PARTITIONS, [slug])
    job = definitions.resolve_job_def("hubspot_sync_job")
    key = dg.MultiPartitionKey({"connection": slug, "day": "2026-11-29"})
    run = instance.create_run_for_job(job, tags={"dagster/partition": key})
    sync_id = start_sync(url, account_id, "hubspot", "manual", run.run_id)  # the sync started, then the run died
    instance.report_run_failed(run)
    failure = next(record.event_log_entry.dagster_event for record in instance.get_records_for_run(run.run_id).records
                   if record.event_log_entry.dagster_event and record.event_log_entry.dagster_event.is_run_failure)
    sensor = definitions.get_repository_def().get_sensor_def("connection_health_sensor")
    context = dg.build_run_status_sensor_context(
        sensor_name="connection_health_sensor", dagster_event=failure, dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run.run_id), resources={"database": database}).for_run_failure()

    sensor(context)

    status, error = query(url, "select status, last_error from app.api_connections where account_id = %s",
                          (account_id,))[0]
    assert status == "error" and run.run_id in error
    assert query(url, "select status from app.integration_sync_log where sync_id = %s", (sync_id,)) == [("failed",)]
    query(url, "update app.api_connections set status = 'connected', last_error = null where account_id = %s",
          (account_id,))


def test_dbt_builds_once_after_a_batch_of_syncs_not_while_one_runs(environment, definitions, instance, accounts):
    from orchestration.defs.transform import dbt_models

    dbt = dg.AssetSelection.assets(dbt_models)
    _, slug = accounts["on"]
    instance.add_dynamic_partitions(PARTITIONS, [slug])
    baseline = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=dbt)

    job = definitions.resolve_job_def("hubspot_sync_job")
    key = dg.MultiPartitionKey({"connection": slug, "day": last_complete_day(datetime.now(UTC))})
    synced = job.execute_in_process(instance=instance, partition_key=key, raise_on_error=False,
                                    run_config={"ops": {"hubspot": {"config": INCREMENTAL}}})
    assert synced.success
    # Another sync of the batch is still queued: dbt waits for it.
    queued = instance.create_run_for_job(job, tags={"dagster/partition": key},
                                         asset_selection=frozenset(job.asset_layer.executable_asset_keys))
    waiting = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=dbt,
                                                cursor=baseline.cursor)
    assert waiting.total_requested == 0
    instance.report_run_canceled(queued)

    after = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=dbt,
                                              cursor=waiting.cursor)
    for model in (["staging", "stg_hubspot__calls"], ["analytics", "synced_activities"]):
        assert after.get_num_requested(dg.AssetKey(model)) == 1, model
    again = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=dbt,
                                              cursor=after.cursor)
    assert again.total_requested == 0  # once per batch


def test_after_sync_builds_test_only_new_rows_and_builds_by_hand_every_row(environment, definitions, instance,
                                                                             accounts):
    """The dbt asset scopes its data tests by how the run was launched: a run the after-sync
    sensor launched (Dagster's automation tag) checks the rows written since each test last passed;
    a build by hand checks every row."""
    from orchestration.defs.transform import AUTOMATION_RUN_TAG, dbt_models

    url = environment.database_url
    account_id, slug = accounts["on"]
    instance.add_dynamic_partitions(PARTITIONS, [slug])
    key = dg.MultiPartitionKey({"connection": slug, "day": last_complete_day(datetime.now(UTC))})
    synced = definitions.resolve_job_def("hubspot_sync_job").execute_in_process(
        instance=instance, partition_key=key, raise_on_error=False,
        run_config={"ops": {"hubspot": {"config": INCREMENTAL}}})
    assert synced.success
    dbt_job = definitions.resolve_job_def("dbt_build_job")
    activities = dg.AssetKey(["analytics", "synced_activities"])
    with_upstream = list((dg.AssetSelection.assets(activities).upstream() & dg.AssetSelection.assets(dbt_models))
                         .resolve(definitions.resolve_asset_graph()))

    def build(after_sync: bool, selection: list[dg.AssetKey] = [activities]) -> dict[str, bool]:  # noqa: B006
        tags = {AUTOMATION_RUN_TAG: "true"} if after_sync else {}
        result = dbt_job.execute_in_process(instance=instance, asset_selection=selection, tags=tags,
                                            raise_on_error=False)
        checks = {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()
                  if evaluation.asset_key == activities}
        assert checks, "no data test of synced_activities ran"
        return checks

    def accepted_types(checks: dict[str, bool]) -> bool:
        (passed,) = [passed for name, passed in checks.items()
                     if name.startswith("accepted_values_synced_activities_activity_type")]
        return passed

    # Every row, all passing: each test's start is recorded. The builds after it need not build upstream again.
    assert all(build(after_sync=False, selection=with_upstream).values())
    (activity_id, activity_type, merged_at) = query(
        url, "select activity_id, activity_type, merged_at from analytics.synced_activities where account_id = %s "
        "order by activity_id limit 1", (account_id,))[0]
    try:
        # A bad value in a row written before those builds: out of an after-sync build's scope.
        query(url, "update analytics.synced_activities set activity_type = 'fax', merged_at = %s "
              "where activity_id = %s", (merged_at - timedelta(days=1), activity_id))
        assert accepted_types(build(after_sync=True))
        assert not accepted_types(build(after_sync=False))
    finally:
        query(url, "update analytics.synced_activities set activity_type = %s, merged_at = %s where activity_id = %s",
              (activity_type, merged_at, activity_id))
