"""The dbt project as Dagster sees it, and the translator that places its assets."""

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A hash of every file dbt reads from the project (dbt_project.yml, models, macros, tests):
    a recorded data-test pass and a kept view hold only under the same one
    (dbt_project/macros/data_tests_new_rows.sql, view_rebuilt_when_changed.sql)."""
    digest = hashlib.sha256()
    files = [project_dir / "dbt_project.yml",
             *sorted(path for folder in ("models", "macros", "tests") for path in (project_dir / folder).rglob("*")
                     if path.is_file())]
    for path in files:
        digest.update(f"{path.relative_to(project_dir)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


class RevsyncDbtTranslator(DagsterDbtTranslator):
    """Groups dbt models by their folder (staging, intermediate, marts); sources keep dbt's
    `[source, table]` keys, which equal the dlt assets' keys so the lineage joins."""

    def __init__(self):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] in ("model", "seed", "snapshot") and len(props["fqn"]) > 2:
            spec = spec.replace_attributes(group_name=props["fqn"][1])
        if props["resource_type"] == "model":
            spec = spec.replace_attributes(automation_condition=AFTER_SYNCS)
        return spec


# A model is built once something it reads changed and no run still syncs or builds what it
# reads: a batch of account syncs (in parallel, queued) builds each affected model once.
AFTER_SYNCS = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("after_syncs")
