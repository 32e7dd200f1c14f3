"""Freshness: each raw table and mart fails its check when its last successful sync (a
materialization) is older than 26 hours, a day's schedule plus slack. dbt tests are asset checks
too (see transform.py)."""

from datetime import timedelta

import dagster as dg

from orchestration.defs import ingest, transform

FRESHNESS = timedelta(hours=26)

marts = [spec.key for spec in transform.dbt_models.specs if spec.group_name == "marts"]

freshness_checks = dg.build_last_update_freshness_checks(
    assets=[*ingest.defs.assets, *marts], lower_bound_delta=FRESHNESS)

freshness_checks_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=freshness_checks, minimum_interval_seconds=600, default_status=dg.DefaultSensorStatus.RUNNING)

defs = dg.Definitions(asset_checks=freshness_checks, sensors=[freshness_checks_sensor])
