{#- The association rows as loaded: a record's related ids of one type as a JSON array. Models
    that need only some records' links filter these before expanding them. -#}
with source as (

    {{ source_columns(source('hubspot', 'associations'), {
        'account_id': 'text', 'from_type': 'text', 'from_id': 'text', 'to_type': 'text', 'to_ids': 'jsonb',
        '_dlt_load_id': 'text'}) }}

),

renamed as (

    select
        account_id::uuid as account_id,
        from_type,
        from_id,
        to_type,
        coalesce(to_ids, '[]'::jsonb) as to_ids,
        _dlt_load_id as load_id
    from source

)

select * from renamed
