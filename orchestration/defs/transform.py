"""dbt models as assets; dbt tests run as asset checks. Models build after the syncs they read
(see `AFTER_SYNCS`), through the automation sensor here."""

import os
from contextlib import contextmanager

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.freshness import with_freshness
from orchestration.defs.resources import RevsyncDatabase
from orchestration.lib.dbt import RevsyncDbtTranslator, dbt_project, project_fingerprint
from revsync.db import connection_env

# The tag Dagster puts on the runs that automation conditions (the after-sync sensor) launch.
AUTOMATION_RUN_TAG = "dagster/from_automation_condition"
# Read by dbt_project/macros/data_tests_new_rows.sql and view_rebuilt_when_changed.sql.
NEW_ROWS_ONLY = "REVSYNC_DATA_TESTS_NEW_ROWS_ONLY"
PROJECT_FINGERPRINT = "REVSYNC_DBT_PROJECT_FINGERPRINT"


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=RevsyncDbtTranslator())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, database: RevsyncDatabase):
    # profiles.yml reads the connection through env_var(); dbt runs as a child of this process.
    os.environ.update(connection_env(database.url))
    # A build the after-sync sensor launched tests only the rows written since each test last
    # passed (dbt_project/macros/data_tests_new_rows.sql); a build launched by hand tests every row.
    # Every build keeps the views its project fingerprint says are unchanged
    # (dbt_project/macros/view_rebuilt_when_changed.sql). dbt reads both from its environment,
    # which `cli` copies when it starts dbt.
    after_sync = context.run.tags.get(AUTOMATION_RUN_TAG) == "true"
    with environment({NEW_ROWS_ONLY: "true" if after_sync else "false",
                      PROJECT_FINGERPRINT: project_fingerprint()}):
        build = dbt.cli(["build"], context=context)
    yield from build.stream()


@contextmanager
def environment(values: dict[str, str]):
    """`values` in this process's environment for the block, then as they were (so they do not
    reach the next dbt another asset starts in the same process)."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


dbt_after_sync_sensor = dg.AutomationConditionSensorDefinition(
    "dbt_after_sync_sensor", target=dg.AssetSelection.assets(dbt_models), minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Builds the dbt models downstream of finished syncs, once per batch.",
)

# Everything dbt builds in one job, for a manual full rebuild.
dbt_build_job = dg.define_asset_job("dbt_build_job", selection=dg.AssetSelection.assets(dbt_models))

defs = dg.Definitions(assets=[dbt_models.map_asset_specs(with_freshness)], sensors=[dbt_after_sync_sensor],
                      jobs=[dbt_build_job])
