"""Extraction assets: every raw table a provider's sync writes, keyed `[provider, table]` so they
equal dbt's source keys and the lineage joins by itself. One multi-asset per provider, all built
by `provider_assets` from the provider's table list (`build`).

Each provider's assets are partitioned by connection (a dynamic partition per connected account,
see sensors.py) crossed with the day records were created. A run for some days loads exactly the
records created in them, through the source's `[start, end)` windows, so a backfill is idempotent;
a run with `incremental: true` (the daily schedule, webhooks) loads every change since the last
sync and stands for the last complete day.
"""

from collections.abc import Iterator, Sequence

import dagster as dg
from pydantic import Field

from dlt_sources.aircall import TABLES as AIRCALL_TABLES
from dlt_sources.fathom import TABLES as FATHOM_TABLES
from dlt_sources.hubspot import TABLES as HUBSPOT_TABLES
from dlt_sources.sync import AccountSync, sync_accounts, sync_options
from orchestration.defs.freshness import with_freshness
from orchestration.defs.resources import RevsyncDatabase
from orchestration.lib.connections import connection_days, list_connections, windows
from orchestration.lib.runs import sync_trigger
from revsync.credentials import PROVIDER_NAMES

HISTORY_START = "2015-01-01"  # the first day a backfill can load
# dlt's own load log (`_dlt_loads`), which every sync appends to; dbt reads it as `<provider>.loads`.
DLT_TABLES = ("loads",)
SYNC_POOL = "sync"  # accounts syncing at once: its limit is the instance's pool default (dagster.yaml)

SYNC_RETRY_DELAY_SECONDS = 60.0  # the default first wait before a retry (REVSYNC_SYNC_RETRY_DELAY_SECONDS)


class SyncConfig(dg.Config):
    incremental: bool = Field(
        False, description="Load every change since the last sync instead of the records created on the chosen days.")


def connection_partitions(provider: str) -> dg.DynamicPartitionsDefinition:
    return dg.DynamicPartitionsDefinition(name=f"{provider}_connections")


def sync_partitions(provider: str) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition({
        "connection": connection_partitions(provider),
        "day": dg.DailyPartitionsDefinition(start_date=HISTORY_START),
    })


def sync_retry_policy(delay_seconds: float) -> dg.RetryPolicy:
    """Transient failures (the provider kept failing after the source's own retries, another sync
    of the account was running) retry 3 times, waiting about 1, 3 and 7 times `delay_seconds`; the
    run's other failures do not retry."""
    return dg.RetryPolicy(max_retries=3, delay=delay_seconds, backoff=dg.Backoff.EXPONENTIAL,
                          jitter=dg.Jitter.PLUS_MINUS)


def provider_assets(provider: str, tables: Sequence[str], retry_policy: dg.RetryPolicy) -> dg.AssetsDefinition:
    name = PROVIDER_NAMES[provider]
    tables = [*tables, *DLT_TABLES]

    @dg.multi_asset(
        name=provider,
        specs=[dg.AssetSpec([provider, table], group_name=f"ingest_{provider}", kinds={"dlt", "postgres"})
               for table in tables],
        partitions_def=sync_partitions(provider),
        backfill_policy=dg.BackfillPolicy.single_run(),  # a date range is one window, not a run per day
        pool=SYNC_POOL,
        retry_policy=retry_policy,
        description=f"{name} connections, each isolated (see dlt_sources.sync): the records created on the "
                    "partition's days, or every change since the last sync with `incremental: true`.",
    )
    def assets(context: dg.AssetExecutionContext, database: RevsyncDatabase,
               config: SyncConfig) -> Iterator[dg.MaterializeResult]:
        days = connection_days(context.partition_keys)
        connections = {c.slug: c for c in list_connections(database.url, provider, list(days))}
        refused = [_not_syncable(name, slug, connections.get(slug)) for slug in days
                   if slug not in connections or not connections[slug].syncable]
        outcomes: list[AccountSync] = []
        for slug in days:
            if slug not in connections or not connections[slug].syncable:
                continue
            runs = [None] if config.incremental else windows(days[slug])
            for window in runs:
                context.log.info("Syncing %s account %s: %s", name, slug,
                                 "incremental" if window is None else f"created in [{window[0]}, {window[1]})")
                options = sync_options(provider) if window is None else sync_options(provider, window=window)
                outcomes += sync_accounts(provider, database.url, [connections[slug].account_id], options,
                                          trigger=sync_trigger(context.run.tags), run_id=context.run_id,
                                          pipelines_dir=database.pipelines_dir(), progress=context.log.info)
        for outcome in outcomes:
            (context.log.error if outcome.status == "failed" else context.log.info)(outcome.line())
        results = [o.result for o in outcomes if o.result is not None]
        if results:  # a table is materialized only by a sync that loaded it
            for table in tables:
                yield dg.MaterializeResult(asset_key=[provider, table], metadata=_metadata(table, results))
        failed = [o for o in outcomes if o.status == "failed"]
        if failed or refused:
            after = {c.slug: c for c in list_connections(database.url, provider, list(days))}
            slug_of = {c.account_id: c.slug for c in after.values()}
            lines = refused + [_failure_line(name, slug_of[o.account_id], after[slug_of[o.account_id]], o)
                               for o in failed]
            # Retry only when every failure may pass with time; a revoked token will not.
            transient = not refused and all(o.transient for o in failed)
            raise dg.Failure(description="\n".join(lines), allow_retries=transient)

    return assets


def _metadata(table: str, results) -> dict:
    return {
        "rows_written": sum(r.rows.get(table, 0) for r in results),
        "rows_new_or_changed": sum(r.changed.get(table, 0) for r in results),
        "accounts": len({r.account_id for r in results}),
        "api_calls": sum(r.api_calls for r in results),
        "rate_limited": sum(r.rate_limited for r in results),
        "seconds": round(sum(r.seconds for r in results), 1),
    }


def _not_syncable(name: str, slug: str, connection) -> str:
    if connection is None:
        return f"No {name} connection for account {slug}: connect it on the integrations page."
    if connection.status == "needs_reauth":
        return f"{name} access for account {slug} was revoked: reconnect it on the integrations page."
    return f"{name} is {connection.status} for account {slug}: connect it again on the integrations page to sync it."


def _failure_line(name: str, slug: str, connection, outcome: AccountSync) -> str:
    if connection.status == "needs_reauth":
        return (f"{name} access for account {slug} was revoked: reconnect it on the integrations page. "
                f"({outcome.error})")
    retry = " It is retried with backoff." if outcome.transient else ""
    return f"{name} sync of account {slug} failed: {outcome.error}{retry}"


PROVIDER_TABLES = {"hubspot": HUBSPOT_TABLES, "aircall": AIRCALL_TABLES, "fathom": FATHOM_TABLES}


def build(retry_delay_seconds: float) -> dg.Definitions:
    """Every provider's assets, their transient failures retried from `retry_delay_seconds`."""
    policy = sync_retry_policy(retry_delay_seconds)
    assets = [provider_assets(provider, tables, policy) for provider, tables in PROVIDER_TABLES.items()]
    return dg.Definitions(assets=dg.map_asset_specs(with_freshness, assets))


# With the default delay: the asset keys, partitions and pools the other modules build on (the
# code location builds its own with the configured delay, see orchestration/definitions.py).
defs = build(SYNC_RETRY_DELAY_SECONDS)
