with source as (

    {{ source_columns(source('hubspot', 'calls'), {
        'account_id': 'text', 'id': 'text', 'hubspot_owner_id': 'text', 'hs_timestamp': 'timestamptz',
        'hs_call_duration': 'bigint', 'hs_call_direction': 'text', 'hs_call_disposition': 'text',
        'hs_call_status': 'text', 'hs_call_title': 'text', 'hs_call_body': 'text',
        'hs_call_from_number': 'text', 'hs_call_to_number': 'text', 'hs_call_recording_url': 'text',
        'hs_createdate': 'timestamptz', 'created_at': 'timestamptz', 'hs_lastmodifieddate': 'timestamptz',
        'updated_at': 'timestamptz', 'is_deleted': 'boolean', 'archived': 'boolean',
        'deleted_at': 'timestamptz', '_dlt_load_id': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        id as call_id,
        hubspot_owner_id as owner_id,
        hs_timestamp as called_at,
        hs_call_duration as duration_ms,
        lower(hs_call_direction) as direction,
        hs_call_disposition as disposition_id,
        lower(hs_call_status) as call_status,
        hs_call_title as title,
        hs_call_body as body,
        hs_call_from_number as from_number,
        hs_call_to_number as to_number,
        hs_call_recording_url as recording_url,
        coalesce(hs_createdate, created_at) as created_at,
        coalesce(hs_lastmodifieddate, updated_at) as updated_at,
        coalesce(is_deleted, archived, false) as is_deleted,
        deleted_at,
        _dlt_load_id as load_id
    from source

)

select * from renamed
