"""Extraction assets: every raw table a provider's sync writes, keyed `[provider, table]` so they
equal dbt's source keys and the lineage joins by itself."""

from collections.abc import Iterator

import dagster as dg

from dlt_sources.hubspot import TABLES as HUBSPOT_TABLES
from dlt_sources.sync import connected_accounts, sync_hubspot
from orchestration.defs.resources import RevsyncDatabase
from orchestration.lib.runs import sync_trigger


@dg.multi_asset(
    name="hubspot",
    specs=[dg.AssetSpec(["hubspot", table], group_name="ingest_hubspot", kinds={"dlt", "postgres"})
           for table in HUBSPOT_TABLES],
)
def hubspot_assets(context: dg.AssetExecutionContext, database: RevsyncDatabase) -> Iterator[dg.MaterializeResult]:
    """Every connected HubSpot portal with auto-sync on, each account isolated (see dlt_sources.sync)."""
    accounts = connected_accounts(database.url, "hubspot")
    context.log.info("Syncing %d HubSpot portal(s)", len(accounts))
    outcomes = sync_hubspot(database.url, accounts, trigger=sync_trigger(context.run.tags), run_id=context.run_id,
                            pipelines_dir=database.pipelines_dir(), progress=context.log.info)
    for outcome in outcomes:
        (context.log.error if outcome.status == "failed" else context.log.info)(outcome.line())
    results = [o.result for o in outcomes if o.result is not None]
    for table in HUBSPOT_TABLES:
        yield dg.MaterializeResult(
            asset_key=["hubspot", table],
            metadata={
                "rows_written": sum(r.rows.get(table, 0) for r in results),
                "rows_new_or_changed": sum(r.changed.get(table, 0) for r in results),
                "accounts": len(results),
                "api_calls": sum(r.api_calls for r in results),
                "rate_limited": sum(r.rate_limited for r in results),
            },
        )
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        # The other accounts' rows are loaded; the run fails so the failures are seen.
        raise dg.Failure(description="\n".join(o.line() for o in failed))


defs = dg.Definitions(assets=[hubspot_assets])
