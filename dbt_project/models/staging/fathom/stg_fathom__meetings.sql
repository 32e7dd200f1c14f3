with source as (

    {{ source_columns(source('fathom', 'meetings'), {
        'account_id': 'text', 'recording_id': 'bigint', 'title': 'text', 'meeting_url': 'text', 'url': 'text',
        'created_at': 'timestamptz', 'scheduled_start_time': 'timestamptz', 'scheduled_end_time': 'timestamptz',
        'recording_start_time': 'timestamptz', 'recording_end_time': 'timestamptz',
        'recorded_by_email': 'text', 'recorded_by_name': 'text', 'transcript_language': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        recording_id::text as recording_id,
        title,
        meeting_url,
        url as fathom_url,
        created_at,
        scheduled_start_time as scheduled_start_at,
        scheduled_end_time as scheduled_end_at,
        recording_start_time as recording_started_at,
        recording_end_time as recording_ended_at,
        recorded_by_email,
        recorded_by_name,
        transcript_language
    from source

)

select * from renamed
