with source as (

    {{ source_columns(source('hubspot', 'contacts'), {
        'account_id': 'text', 'id': 'text', 'email': 'text', 'phone': 'text', 'is_deleted': 'boolean',
        'archived': 'boolean'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        id as contact_id,
        email,
        phone,
        coalesce(is_deleted, archived, false) as is_deleted
    from source

)

select * from renamed
