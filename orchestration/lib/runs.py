"""What a Dagster run is, in the terms revsync's sync log uses."""

from collections.abc import Mapping


def sync_trigger(tags: Mapping[str, str]) -> str:
    """`schedule`, `backfill`, `sensor` or `manual`, from the run's Dagster tags."""
    if "dagster/backfill" in tags:
        return "backfill"
    if "dagster/schedule_name" in tags:
        return "schedule"
    if "dagster/sensor_name" in tags:
        return "sensor"
    return "manual"
