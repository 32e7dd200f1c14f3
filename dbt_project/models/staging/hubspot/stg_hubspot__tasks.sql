with source as (

    {{ source_columns(source('hubspot', 'tasks'), {
        'account_id': 'text', 'id': 'text', 'hubspot_owner_id': 'text', 'hs_timestamp': 'timestamptz',
        'hs_task_subject': 'text', 'hs_task_body': 'text', 'hs_task_status': 'text',
        'hs_task_priority': 'text', 'hs_task_type': 'text', 'hs_createdate': 'timestamptz',
        'created_at': 'timestamptz', 'hs_lastmodifieddate': 'timestamptz', 'updated_at': 'timestamptz',
        'is_deleted': 'boolean', 'archived': 'boolean', 'deleted_at': 'timestamptz', '_dlt_load_id': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        id as task_id,
        hubspot_owner_id as owner_id,
        hs_timestamp as due_at,
        hs_task_subject as subject,
        hs_task_body as body,
        lower(hs_task_status) as task_status,
        lower(hs_task_priority) as priority,
        lower(hs_task_type) as task_type,
        coalesce(hs_createdate, created_at) as created_at,
        coalesce(hs_lastmodifieddate, updated_at) as updated_at,
        coalesce(is_deleted, archived, false) as is_deleted,
        deleted_at,
        _dlt_load_id as load_id
    from source

)

select * from renamed
