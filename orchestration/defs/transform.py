"""dbt models as assets; dbt tests run as asset checks. Models build after the syncs they read
(see `AFTER_SYNCS`), through the automation sensor here."""

import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.freshness import with_freshness
from orchestration.defs.resources import RevsyncDatabase
from orchestration.lib.dbt import RevsyncDbtTranslator, dbt_project
from revsync.db import connection_env


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=RevsyncDbtTranslator())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, database: RevsyncDatabase):
    # profiles.yml reads the connection through env_var(); dbt runs as a child of this process.
    os.environ.update(connection_env(database.url))
    yield from dbt.cli(["build"], context=context).stream()


dbt_after_sync_sensor = dg.AutomationConditionSensorDefinition(
    "dbt_after_sync_sensor", target=dg.AssetSelection.assets(dbt_models), minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Builds the dbt models downstream of finished syncs, once per batch.",
)

# Everything dbt builds in one job, for a manual full rebuild.
dbt_build_job = dg.define_asset_job("dbt_build_job", selection=dg.AssetSelection.assets(dbt_models))

defs = dg.Definitions(assets=[dbt_models.map_asset_specs(with_freshness)], sensors=[dbt_after_sync_sensor],
                      jobs=[dbt_build_job])
