with source as (

    {{ source_columns(source('aircall', 'users'), {'account_id': 'text', 'id': 'bigint', 'email': 'text', 'name': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        id::text as user_id,
        email as user_email,
        name as user_name
    from source

)

select * from renamed
