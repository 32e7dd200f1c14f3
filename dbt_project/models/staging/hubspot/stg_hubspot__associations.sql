with source as (

    {{ source_columns(source('hubspot', 'associations'), {
        'account_id': 'text', 'from_type': 'text', 'from_id': 'text', 'to_type': 'text', 'to_ids': 'jsonb',
        '_dlt_load_id': 'text'}) }}

),

links as (

    select
        source.account_id::uuid as account_id,
        source.from_type,
        source.from_id,
        source.to_type,
        to_ids.to_id,
        source._dlt_load_id as load_id
    from source
    cross join lateral jsonb_array_elements_text(coalesce(source.to_ids, '[]'::jsonb)) as to_ids (to_id)

)

select * from links
