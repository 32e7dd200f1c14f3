with source as (

    select * from {{ source('hubspot', 'notes') }}

),

renamed as (

    select
        account_id::uuid as account_id,
        id as note_id,
        hubspot_owner_id as owner_id,
        hs_timestamp as noted_at,
        hs_note_body as body,
        coalesce(hs_createdate, created_at) as created_at,
        coalesce(hs_lastmodifieddate, updated_at) as updated_at,
        coalesce(is_deleted, archived, false) as is_deleted,
        deleted_at,
        _dlt_load_id as load_id
    from source

)

select * from renamed
