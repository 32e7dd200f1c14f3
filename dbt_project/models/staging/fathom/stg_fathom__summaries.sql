with source as (

    {{ source_columns(source('fathom', 'summaries'), {'account_id': 'text', 'recording_id': 'bigint'}) }}

)

select
    account_id::uuid as account_id,
    recording_id::text as recording_id
from source
