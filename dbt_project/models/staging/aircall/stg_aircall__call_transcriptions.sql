with source as (

    {{ source_columns(source('aircall', 'call_transcriptions'), {
        'account_id': 'text', 'call_id': 'bigint', 'utterances': 'jsonb', 'text': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        call_id::text as call_id,
        coalesce(utterances, '[]'::jsonb) as utterances,
        text as transcript_text
    from source

)

select * from renamed
