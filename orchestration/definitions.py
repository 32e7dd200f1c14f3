"""revsync's Dagster code location: the definitions in defs/, merged, with global policy.

Loaded when Dagster asks for them, not at import: the schedule's time zone, a new connection's
initial backfill and the sync retry delay come from revsync's settings then."""

import dagster as dg

from orchestration.defs import ingest, resources, schedules, sensors, transform
from orchestration.lib.dbt import dbt_project
from revsync.settings import Settings, get_settings


@dg.definitions
def defs() -> dg.Definitions:
    dbt_project.prepare_if_dev()  # `dagster dev` re-parses the dbt project so edits show up
    return build(get_settings())


def build(settings: Settings) -> dg.Definitions:
    """The definitions with `settings`' schedule time zone, initial backfill and sync retry delay."""
    return dg.Definitions.merge(
        resources.defs, ingest.build(settings.sync_retry_delay_seconds), transform.defs,
        schedules.build(settings.sync_timezone), sensors.build(settings.initial_backfill_days),
    )
