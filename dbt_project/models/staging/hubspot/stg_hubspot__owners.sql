with source as (

    select * from {{ source('hubspot', 'owners') }}

),

renamed as (

    select
        account_id::uuid as account_id,
        id as owner_id,
        email as owner_email,
        nullif(trim(concat_ws(' ', first_name, last_name)), '') as owner_name,
        lower(type) as owner_type,
        coalesce(archived, false) as is_archived
    from source

)

select * from renamed
