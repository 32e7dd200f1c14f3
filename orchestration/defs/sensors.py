"""Sensors: connections become partitions (and new ones get their initial backfill), a failed run
updates its connections' health, and stored webhook payloads are loaded within minutes."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg

from orchestration.defs import ingest
from orchestration.defs.resources import RevsyncDatabase
from orchestration.defs.schedules import last_complete_day, provider_of, sync_job_name, sync_jobs, sync_run_request
from orchestration.lib.connections import close_stopped_run, connection_days, list_connections, pending_webhooks


def connections_sensor(assets: dg.AssetsDefinition, job, initial_backfill_days: int) -> dg.SensorDefinition:
    provider = provider_of(assets)
    partitions = ingest.connection_partitions(provider).name

    @dg.sensor(name=f"{provider}_connections_sensor", jobs=[job], minimum_interval_seconds=30,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description=f"Each stored {provider} connection is a partition; a new one with auto-sync on loads "
                           f"its last {initial_backfill_days} days.")
    def sensor(context: dg.SensorEvaluationContext, database: RevsyncDatabase):
        connections = list_connections(database.url, provider)
        known = set(context.instance.get_dynamic_partitions(partitions))
        new = [c for c in connections if c.slug not in known]
        gone = sorted(known - {c.slug for c in connections})  # the account was deleted
        last = date.fromisoformat(last_complete_day(datetime.now(UTC)))
        first = last - timedelta(days=initial_backfill_days - 1)
        requests = [sync_run_request(c, days=(first.isoformat(), last.isoformat()),
                                     run_key=f"initial|{c.slug}|{c.created_at.isoformat()}")
                    for c in new if c.scheduled]
        partition_changes = []
        if new:
            partition_changes.append(dg.AddDynamicPartitionsRequest(partitions, [c.slug for c in new]))
        if gone:
            partition_changes.append(dg.DeleteDynamicPartitionsRequest(partitions, gone))
        return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=partition_changes,
                               skip_reason=None if new or gone else f"No {provider} connection added or removed.")

    return sensor


def webhook_sensor(jobs) -> dg.SensorDefinition:
    """A connection with webhook payloads no sync has loaded gets an incremental run, which loads them."""

    @dg.sensor(name="webhook_sensor", jobs=jobs, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Loads stored webhook payloads (app.webhook_events) within minutes of their arrival.")
    def sensor(context: dg.SensorEvaluationContext, database: RevsyncDatabase):
        synced = {job.name for job in jobs}
        day = last_complete_day(datetime.now(UTC))
        requests = []
        for provider, slug, newest in pending_webhooks(database.url):
            if sync_job_name(provider) not in synced:
                continue
            if slug not in context.instance.get_dynamic_partitions(ingest.connection_partitions(provider).name):
                continue  # its connections sensor adds it first
            connection = list_connections(database.url, provider, [slug])[0]
            # One run per batch of deliveries: a later delivery makes a new key.
            requests.append(sync_run_request(connection, day=day, run_key=f"webhooks|{provider}|{slug}|{newest}"))
        return requests or dg.SkipReason("No webhook payload waits to be loaded.")

    return sensor


def failed_run_connections(run: dg.DagsterRun) -> tuple[str | None, list[str]]:
    """The provider and account slugs a sync run was for, from its assets and partition tags."""
    providers = ({key.path[0] for key in run.asset_selection or ()}
                 or {provider for provider in sync_jobs if sync_job_name(provider) == run.job_name}) & set(sync_jobs)
    keys = [run.tags[t] for t in ("dagster/partition", "dagster/asset_partition_range_start",
                                  "dagster/asset_partition_range_end") if t in run.tags]
    if len(providers) != 1 or not keys:
        return None, []
    return providers.pop(), sorted(connection_days(keys))


@dg.run_failure_sensor(name="connection_health_sensor", default_status=dg.DefaultSensorStatus.RUNNING,
                       description="A sync run that failed sets its connections' health (error) when the "
                                   "sync itself could not, e.g. the run was killed.")
def connection_health_sensor(context: dg.RunFailureSensorContext, database: RevsyncDatabase):
    run = context.dagster_run
    provider, slugs = failed_run_connections(run)
    if provider is None or not slugs:
        return
    reason = f"Dagster run {run.run_id} failed: {context.failure_event.message or 'see the run in the Dagster UI'}"
    accounts = [c.account_id for c in list_connections(database.url, provider, slugs)]
    changed = close_stopped_run(database.url, provider, accounts, run.run_id, reason)
    context.log.info("%d %s connection(s) marked error after run %s", changed, provider, run.run_id)


def build(initial_backfill_days: int) -> dg.Definitions:
    sensors = [connections_sensor(assets, sync_jobs[provider_of(assets)], initial_backfill_days)
               for assets in ingest.defs.assets]
    return dg.Definitions(sensors=[*sensors, webhook_sensor(list(sync_jobs.values())), connection_health_sensor])
