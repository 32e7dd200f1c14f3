{#- Every account with every provider, connected or not, with its raw row counts. -#}
with accounts as (

    select account_id from {{ ref('stg_app__accounts') }}

),

providers as (

    select provider from (values ('hubspot'), ('fathom'), ('aircall')) as providers (provider)

),

connections as (

    select * from {{ ref('stg_app__api_connections') }}

),

raw_rows as (

    select
        account_id,
        provider,
        jsonb_object_agg(raw_table, row_count order by raw_table) as raw_rows
    from {{ ref('int_raw_rows_counted') }}
    group by account_id, provider

),

joined as (

    select
        accounts.account_id,
        providers.provider,
        coalesce(connections.connection_status, 'not_connected') as connection_status,
        connections.auth_type,
        connections.is_auto_sync_enabled,
        connections.token_expires_at,
        connections.last_error,
        connections.connected_at,
        coalesce(raw_rows.raw_rows, '{}'::jsonb) as raw_rows
    from accounts
    cross join providers
    left join connections
        on connections.account_id = accounts.account_id
        and connections.provider = providers.provider
    left join raw_rows
        on raw_rows.account_id = accounts.account_id
        and raw_rows.provider = providers.provider

)

select * from joined
