with source as (

    {{ source_columns(source('hubspot', 'emails'), {
        'account_id': 'text', 'id': 'text', 'hubspot_owner_id': 'text', 'hs_timestamp': 'timestamptz',
        'hs_email_direction': 'text', 'hs_email_status': 'text', 'hs_email_subject': 'text',
        'hs_email_text': 'text', 'hs_email_from_email': 'text', 'hs_email_to_email': 'text',
        'hs_createdate': 'timestamptz', 'created_at': 'timestamptz', 'hs_lastmodifieddate': 'timestamptz',
        'updated_at': 'timestamptz', 'is_deleted': 'boolean', 'archived': 'boolean',
        'deleted_at': 'timestamptz', '_dlt_load_id': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        id as email_id,
        hubspot_owner_id as owner_id,
        hs_timestamp as sent_at,
        -- EMAIL: sent by the rep; INCOMING_EMAIL: a reply logged; FORWARDED_EMAIL: forwarded in to be logged.
        case upper(hs_email_direction)
            when 'EMAIL' then 'outbound'
            when 'INCOMING_EMAIL' then 'inbound'
            when 'FORWARDED_EMAIL' then 'forwarded'
        end as direction,
        lower(hs_email_status) as email_status,
        hs_email_subject as subject,
        hs_email_text as body,
        hs_email_from_email as from_email,
        hs_email_to_email as to_emails,
        coalesce(hs_createdate, created_at) as created_at,
        coalesce(hs_lastmodifieddate, updated_at) as updated_at,
        coalesce(is_deleted, archived, false) as is_deleted,
        deleted_at,
        _dlt_load_id as load_id
    from source

)

select * from renamed
