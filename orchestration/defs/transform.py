"""dbt models as assets; dbt tests run as asset checks."""

import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.resources import RevsyncDatabase
from orchestration.lib.dbt import RevsyncDbtTranslator, dbt_project
from revsync.db import connection_env


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=RevsyncDbtTranslator())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, database: RevsyncDatabase):
    # profiles.yml reads the connection through env_var(); dbt runs as a child of this process.
    os.environ.update(connection_env(database.url))
    yield from dbt.cli(["build"], context=context).stream()


defs = dg.Definitions(assets=[dbt_models])
