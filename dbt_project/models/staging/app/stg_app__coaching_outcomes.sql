with source as (

    select * from {{ source('app', 'coaching_outcomes') }}

),

renamed as (

    select
        outcome_id,
        message_id,
        account_id,
        methodology,
        score_before,
        score_after,
        measured_at
    from source

)

select * from renamed
