{#- One row per CRM activity per account, every engagement type in one table.
    Calls only for now; emails, meetings, notes and tasks union in here as they are synced. -#}
with calls as (

    select * from {{ ref('stg_hubspot__calls') }}
    where not is_deleted

),

activities as (

    select
        md5(account_id::text || '|hubspot|call|' || call_id) as activity_id,
        account_id,
        'hubspot' as source,
        'call' as activity_type,
        call_id as source_record_id,
        owner_id,
        called_at as occurred_at,
        duration_ms,
        direction,
        disposition_id,
        disposition_id = 'f240bbac-87c9-4f6e-bf70-924b57d47db7' as is_connected,
        title,
        created_at,
        updated_at
    from calls

)

select * from activities
