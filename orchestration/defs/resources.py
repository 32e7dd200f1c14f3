"""Resources shared by every asset. Values come from the environment when a run starts."""

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.lib.dbt import dbt_project


class RevsyncDatabase(dg.ConfigurableResource):
    """The PostgreSQL revsync uses (see revsync.db); `revsync demo` and `revsync exec` export its URL."""

    url: str

    def pipelines_dir(self) -> str:
        from revsync.paths import pipelines_dir

        return str(pipelines_dir())


def _dbt_executable() -> str:
    # The venv's dbt, whether or not the venv is on PATH.
    import sys

    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


defs = dg.Definitions(
    resources={
        "database": RevsyncDatabase(url=dg.EnvVar("REVSYNC_DATABASE_URL")),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=_dbt_executable()),
    }
)
