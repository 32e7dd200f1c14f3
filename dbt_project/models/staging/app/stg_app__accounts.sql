with source as (

    select * from {{ source('app', 'accounts') }}

),

renamed as (

    select
        account_id,
        name as account_name,
        slug as account_slug,
        time_zone,
        created_at
    from source

)

select * from renamed
