with source as (

    select * from {{ source('app', 'users') }}

),

renamed as (

    select
        user_id,
        account_id,
        email,
        display_name,
        role
    from source

)

select * from renamed
