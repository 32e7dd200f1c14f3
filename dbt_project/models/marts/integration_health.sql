{{ config(materialized='view') }}
{#- Connection state and sync history per account and provider; lags measured when queried. -#}
with connections as (

    select * from {{ ref('integration_connections') }}

),

attempts as (

    select * from {{ ref('integration_sync_attempts') }}

),

last_attempt as (

    select distinct on (account_id, provider)
        account_id,
        provider,
        coalesce(finished_at, started_at) as last_sync_at,
        sync_status as last_sync_status,
        records_synced as last_sync_items
    from attempts
    order by account_id, provider, started_at desc, sync_id desc

),

summary as (

    select
        account_id,
        provider,
        max(finished_at) filter (where sync_status = 'success') as last_success_at,
        count(*) filter (
            where sync_status in ('failed', 'partial') and started_at >= now() - interval '7 days'
        ) as failures_last_7_days
    from attempts
    group by account_id, provider

)

select
    connections.account_id,
    connections.provider,
    connections.connection_status,
    connections.is_auto_sync_enabled,
    connections.token_expires_at,
    last_attempt.last_sync_at,
    last_attempt.last_sync_status,
    last_attempt.last_sync_items,
    coalesce(summary.failures_last_7_days, 0) as failures_last_7_days,
    summary.last_success_at,
    now() - summary.last_success_at as freshness_lag,
    connections.raw_rows
from connections
left join last_attempt
    on last_attempt.account_id = connections.account_id
    and last_attempt.provider = connections.provider
left join summary
    on summary.account_id = connections.account_id
    and summary.provider = connections.provider
