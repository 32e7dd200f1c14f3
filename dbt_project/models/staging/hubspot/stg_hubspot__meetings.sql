with source as (

    {{ source_columns(source('hubspot', 'meetings'), {
        'account_id': 'text', 'id': 'text', 'hubspot_owner_id': 'text', 'hs_timestamp': 'timestamptz',
        'hs_meeting_start_time': 'timestamptz', 'hs_meeting_end_time': 'timestamptz',
        'hs_meeting_outcome': 'text', 'hs_meeting_title': 'text', 'hs_meeting_body': 'text',
        'hs_meeting_location': 'text', 'hs_meeting_external_url': 'text', 'hs_activity_type': 'text',
        'hs_createdate': 'timestamptz', 'created_at': 'timestamptz', 'hs_lastmodifieddate': 'timestamptz',
        'updated_at': 'timestamptz', 'is_deleted': 'boolean', 'archived': 'boolean',
        'deleted_at': 'timestamptz', '_dlt_load_id': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        id as meeting_id,
        hubspot_owner_id as owner_id,
        coalesce(hs_meeting_start_time, hs_timestamp) as started_at,
        hs_meeting_end_time as ended_at,
        lower(hs_meeting_outcome) as meeting_outcome,
        hs_meeting_title as title,
        hs_meeting_body as body,
        hs_meeting_location as location,
        hs_meeting_external_url as external_url,
        hs_activity_type as meeting_type,
        coalesce(hs_createdate, created_at) as created_at,
        coalesce(hs_lastmodifieddate, updated_at) as updated_at,
        coalesce(is_deleted, archived, false) as is_deleted,
        deleted_at,
        _dlt_load_id as load_id
    from source

)

select * from renamed
