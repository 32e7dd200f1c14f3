with source as (

    {{ source_columns(source('hubspot', 'owners'), {
        'account_id': 'text', 'id': 'text', 'email': 'text', 'first_name': 'text', 'last_name': 'text',
        'type': 'text', 'archived': 'boolean'}) }}

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
