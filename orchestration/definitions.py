"""revsync's Dagster code location: the definitions in defs/, merged, with global policy."""

import dagster as dg

from orchestration.defs import ingest, resources, schedules, transform
from orchestration.lib.dbt import dbt_project

dbt_project.prepare_if_dev()  # `dagster dev` re-parses the dbt project so edits show up

defs = dg.Definitions.merge(resources.defs, ingest.defs, transform.defs, schedules.defs)
