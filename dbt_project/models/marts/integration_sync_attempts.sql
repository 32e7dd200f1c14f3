{#- Every sync attempt, as BI may read it (errors included, never credentials). -#}
select
    sync_id,
    account_id,
    provider,
    trigger,
    started_at,
    finished_at,
    sync_status,
    records_synced,
    api_calls,
    rate_limited,
    error_message
from {{ ref('stg_app__integration_sync_logs') }}
