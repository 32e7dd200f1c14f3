"""The daily sync: at 06:00 in the configured time zone, one incremental run per connection with
auto-sync on, each its own partition so one account's failure fails only its run. dbt then builds
the models downstream of what changed once the batch's runs are done (see transform.py)."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from orchestration.defs import ingest
from orchestration.defs.resources import RevsyncDatabase
from orchestration.lib.connections import Connection, list_connections

CONNECTION_TAG = "revsync/connection"  # `<provider>:<slug>`: the instance runs one per value at a time
INCREMENTAL = {"incremental": True}


def provider_of(assets: dg.AssetsDefinition) -> str:
    return assets.node_def.name  # `provider_assets` names each multi-asset after its provider


def sync_job_name(provider: str) -> str:
    return f"{provider}_sync_job"


def sync_job(assets: dg.AssetsDefinition):
    provider = provider_of(assets)
    return dg.define_asset_job(sync_job_name(provider), selection=dg.AssetSelection.assets(assets).without_checks(),
                               partitions_def=assets.partitions_def,
                               description=f"Sync {provider} connections (pick a connection and days to backfill).")


def last_complete_day(now: datetime) -> str:
    """The day an incremental run stands for: the last UTC day over at `now`."""
    return (now.astimezone(UTC).date() - timedelta(days=1)).isoformat()


def sync_run_request(connection: Connection, *, day: str | None = None, days: tuple[str, str] | None = None,
                     run_key: str | None = None) -> dg.RunRequest:
    """An incremental run standing for `day`, or a window run over `days` (first, last: inclusive)."""
    provider = connection.provider
    tags = {CONNECTION_TAG: f"{provider}:{connection.slug}"}
    if days is not None:
        first, last = (dg.MultiPartitionKey({"connection": connection.slug, "day": d}) for d in days)
        return dg.RunRequest(run_key=run_key, job_name=sync_job_name(provider),
                             tags={**tags, "dagster/asset_partition_range_start": first,
                                   "dagster/asset_partition_range_end": last})
    return dg.RunRequest(
        run_key=run_key, job_name=sync_job_name(provider), tags=tags,
        partition_key=dg.MultiPartitionKey({"connection": connection.slug, "day": day}),
        run_config={"ops": {provider: {"config": INCREMENTAL}}},
    )


def daily_sync_schedule(assets: dg.AssetsDefinition, job, timezone: str) -> dg.ScheduleDefinition:
    provider = provider_of(assets)
    partitions = ingest.connection_partitions(provider).name

    @dg.schedule(name=f"{provider}_daily_sync_schedule", cron_schedule="0 6 * * *", execution_timezone=timezone,
                 job=job, default_status=dg.DefaultScheduleStatus.RUNNING,
                 description=f"Every {provider} connection with auto-sync on, incrementally, at 06:00 {timezone}.")
    def schedule(context: dg.ScheduleEvaluationContext, database: RevsyncDatabase):
        known = set(context.instance.get_dynamic_partitions(partitions))
        day = last_complete_day(context.scheduled_execution_time)
        requests = [sync_run_request(c, day=day, run_key=f"{c.slug}|{day}")
                    for c in list_connections(database.url, provider) if c.scheduled and c.slug in known]
        return requests or dg.SkipReason(f"No {provider} connection has auto-sync on.")

    return schedule


# One job per provider: what the Dagster UI launches partitions and backfills of.
sync_jobs = {provider_of(assets): sync_job(assets) for assets in ingest.defs.assets}


def build(timezone: str) -> dg.Definitions:
    schedules = [daily_sync_schedule(assets, sync_jobs[provider_of(assets)], timezone) for assets in ingest.defs.assets]
    return dg.Definitions(jobs=list(sync_jobs.values()), schedules=schedules)
