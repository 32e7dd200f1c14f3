with source as (

    select * from {{ source('app', 'api_connections') }}

),

-- Never the secrets: only what says how the connection is doing.
renamed as (

    select
        connection_id,
        account_id,
        provider,
        auth_type,
        status as connection_status,
        token_expires_at,
        auto_sync_enabled as is_auto_sync_enabled,
        last_error,
        created_at as connected_at,
        updated_at
    from source

)

select * from renamed
