with source as (

    select * from {{ source('hubspot', 'call_dispositions') }}

),

renamed as (

    select
        account_id::uuid as account_id,
        id as disposition_id,
        label as disposition_label,
        coalesce(is_hidden, false) as is_hidden
    from source

)

select * from renamed
