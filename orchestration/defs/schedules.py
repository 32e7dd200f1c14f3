"""Jobs and schedules: every asset, synced once a day."""

import dagster as dg

daily_sync_job = dg.define_asset_job("daily_sync_job", selection=dg.AssetSelection.all())

daily_sync_schedule = dg.ScheduleDefinition(
    name="daily_sync_schedule",
    job=daily_sync_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(jobs=[daily_sync_job], schedules=[daily_sync_schedule])
