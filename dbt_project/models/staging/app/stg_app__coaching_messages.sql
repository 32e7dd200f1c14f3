with source as (

    select * from {{ source('app', 'coaching_messages') }}

),

renamed as (

    select
        message_id,
        account_id,
        rep_id,
        conversation_id,
        body,
        status as message_status,
        created_by,
        approved_by,
        created_at,
        approved_at,
        sent_at,
        read_at,
        acknowledged_at,
        rep_response,
        responded_at
    from source

)

select * from renamed
