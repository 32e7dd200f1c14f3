with source as (

    {{ source_columns(source('fathom', 'transcript_segments'), {
        'account_id': 'text', 'recording_id': 'bigint', 'position': 'bigint', 'speaker_display_name': 'text',
        'speaker_email': 'text', 'offset_seconds': 'double precision', 'text': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        recording_id::text as recording_id,
        position as segment_position,
        speaker_display_name,
        speaker_email,
        offset_seconds::numeric(12, 3) as offset_seconds,
        text as segment_text
    from source

)

select * from renamed
