with source as (

    {{ source_columns(source('aircall', 'calls'), {
        'account_id': 'text', 'id': 'bigint', 'direction': 'text', 'status': 'text',
        'missed_call_reason': 'text', 'started_at': 'timestamptz', 'answered_at': 'timestamptz',
        'ended_at': 'timestamptz', 'duration': 'bigint', 'raw_digits': 'text', 'has_recording': 'boolean',
        'has_voicemail': 'boolean', 'user_id': 'bigint', 'user_email': 'text', 'number_digits': 'text',
        'contact_id': 'bigint', 'archived': 'boolean', '_dlt_load_id': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        id::text as call_id,
        user_id::text as user_id,
        user_email,
        lower(direction) as direction,
        started_at,
        answered_at,
        ended_at,
        duration as duration_seconds,
        answered_at is not null as is_answered,
        missed_call_reason,
        coalesce(has_recording, false) as has_recording,
        coalesce(has_voicemail, false) as has_voicemail,
        raw_digits as external_number,
        number_digits as aircall_number,
        contact_id::text as contact_id,
        _dlt_load_id as load_id
    from source

)

select * from renamed
