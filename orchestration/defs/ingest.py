"""Extraction assets: one dlt source per provider, loaded into raw_<provider>."""

from collections.abc import Iterator

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, dlt_assets

from dlt_sources.hubspot import hubspot_source
from dlt_sources.portals import connected_hubspot_portals
from orchestration.defs.resources import RevsyncDatabase
from orchestration.lib.dlt import RevsyncDltTranslator
from orchestration.lib.sync_log import record_syncs


def hubspot_pipeline(destination=None, pipelines_dir: str | None = None) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="hubspot",
        destination=destination or "postgres",
        dataset_name="raw_hubspot",
        pipelines_dir=pipelines_dir,
    )


@dlt_assets(
    dlt_source=hubspot_source(),
    dlt_pipeline=hubspot_pipeline(),
    name="hubspot",
    dagster_dlt_translator=RevsyncDltTranslator(),
)
def hubspot_assets(
    context: dg.AssetExecutionContext, dlt: DagsterDltResource, database: RevsyncDatabase
) -> Iterator:
    """Every connected HubSpot portal's CRM data, merged on (account_id, id)."""
    portals = connected_hubspot_portals(database.url)
    context.log.info("Syncing %d HubSpot portal(s)", len(portals))
    pipeline = hubspot_pipeline(
        destination=dlt_destination(database.url), pipelines_dir=database.pipelines_dir()
    )
    with record_syncs(database.url, "hubspot", [p.account_id for p in portals], context.run_id) as log:
        yield from dlt.run(context=context, dlt_source=hubspot_source(portals), dlt_pipeline=pipeline)
        log.count_loaded_rows("raw_hubspot")


def dlt_destination(url: str):
    import dlt as dlt_lib

    return dlt_lib.destinations.postgres(credentials=url)


defs = dg.Definitions(assets=[hubspot_assets])
