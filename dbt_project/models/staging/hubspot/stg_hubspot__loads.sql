with source as (

    select * from {{ source('hubspot', 'loads') }}

),

renamed as (

    select
        load_id,
        inserted_at as loaded_at
    from source
    where status = 0  -- 0: the load committed

)

select * from renamed
