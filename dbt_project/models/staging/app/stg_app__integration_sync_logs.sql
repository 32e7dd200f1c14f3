with source as (

    select * from {{ source('app', 'integration_sync_log') }}

),

renamed as (

    select
        sync_id,
        account_id,
        provider,
        run_id,
        trigger,
        started_at,
        finished_at,
        status as sync_status,
        records_synced,
        api_calls,
        rate_limited,
        error_message
    from source

)

select * from renamed
