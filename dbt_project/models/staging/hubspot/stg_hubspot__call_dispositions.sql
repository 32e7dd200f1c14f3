with source as (

    {{ source_columns(source('hubspot', 'call_dispositions'), {
        'account_id': 'text', 'id': 'text', 'label': 'text', 'is_hidden': 'boolean'}) }}

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
