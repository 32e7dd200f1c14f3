with source as (

    {{ source_columns(source('hubspot', 'notes'), {
        'account_id': 'text', 'id': 'text', 'hubspot_owner_id': 'text', 'hs_timestamp': 'timestamptz',
        'hs_note_body': 'text', 'hs_createdate': 'timestamptz', 'created_at': 'timestamptz',
        'hs_lastmodifieddate': 'timestamptz', 'updated_at': 'timestamptz', 'is_deleted': 'boolean',
        'archived': 'boolean', 'deleted_at': 'timestamptz', '_dlt_load_id': 'text'}) }}

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
