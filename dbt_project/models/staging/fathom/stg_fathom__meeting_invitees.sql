with source as (

    {{ source_columns(source('fathom', 'meeting_invitees'), {
        'account_id': 'text', 'recording_id': 'bigint', 'position': 'bigint', 'email': 'text', 'name': 'text',
        'is_external': 'boolean', 'matched_speaker_display_name': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        recording_id::text as recording_id,
        position as invitee_position,
        email,
        name,
        is_external,
        matched_speaker_display_name as speaker_display_name
    from source

)

select * from renamed
