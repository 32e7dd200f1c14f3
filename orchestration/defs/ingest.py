"""Extraction assets: every raw table a provider's sync writes, keyed `[provider, table]` so they
equal dbt's source keys and the lineage joins by itself. One multi-asset per provider, all built
by `provider_assets` from the provider's table list."""

from collections.abc import Iterator, Sequence

import dagster as dg

from dlt_sources.hubspot import TABLES as HUBSPOT_TABLES
from dlt_sources.sync import connected_accounts, sync_accounts
from orchestration.defs.resources import RevsyncDatabase
from orchestration.lib.runs import sync_trigger
from revsync.credentials import PROVIDER_NAMES


def provider_assets(provider: str, tables: Sequence[str]) -> dg.AssetsDefinition:
    name = PROVIDER_NAMES[provider]

    @dg.multi_asset(
        name=provider,
        specs=[dg.AssetSpec([provider, table], group_name=f"ingest_{provider}", kinds={"dlt", "postgres"})
               for table in tables],
        description=f"Every connected {name} account with auto-sync on, each isolated (see dlt_sources.sync).",
    )
    def assets(context: dg.AssetExecutionContext, database: RevsyncDatabase) -> Iterator[dg.MaterializeResult]:
        accounts = connected_accounts(database.url, provider)
        context.log.info("Syncing %d %s account(s)", len(accounts), name)
        outcomes = sync_accounts(provider, database.url, accounts, trigger=sync_trigger(context.run.tags),
                                 run_id=context.run_id, pipelines_dir=database.pipelines_dir(),
                                 progress=context.log.info)
        for outcome in outcomes:
            (context.log.error if outcome.status == "failed" else context.log.info)(outcome.line())
        results = [o.result for o in outcomes if o.result is not None]
        for table in tables:
            yield dg.MaterializeResult(
                asset_key=[provider, table],
                metadata={
                    "rows_written": sum(r.rows.get(table, 0) for r in results),
                    "rows_new_or_changed": sum(r.changed.get(table, 0) for r in results),
                    "accounts": len(results),
                    "api_calls": sum(r.api_calls for r in results),
                    "rate_limited": sum(r.rate_limited for r in results),
                    "seconds": round(sum(r.seconds for r in results), 1),
                },
            )
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            # The other accounts' rows are loaded; the run fails so the failures are seen.
            raise dg.Failure(description="\n".join(o.line() for o in failed))

    return assets


hubspot_assets = provider_assets("hubspot", HUBSPOT_TABLES)

defs = dg.Definitions(assets=[hubspot_assets])
