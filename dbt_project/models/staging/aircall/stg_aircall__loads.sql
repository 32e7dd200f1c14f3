with source as (

    {{ source_columns(source('aircall', 'loads'), {'load_id': 'text', 'status': 'bigint', 'inserted_at': 'timestamptz'}) }}

)

select
    load_id,
    inserted_at as loaded_at
from source
where status = 0  -- 0: the load committed
