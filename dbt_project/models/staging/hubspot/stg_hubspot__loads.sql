with source as (

    {{ source_columns(source('hubspot', 'loads'), {
        'load_id': 'text', 'status': 'bigint', 'inserted_at': 'timestamptz'}) }}

),

renamed as (

    select
        load_id,
        inserted_at as loaded_at
    from source
    where status = 0  -- 0: the load committed

)

select * from renamed
