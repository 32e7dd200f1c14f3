{{ config(materialized='view') }}
{#- The last 30 days of recorded conversations, newest first. -#}
select *
from {{ ref('synced_conversations') }}
where started_at >= now() - interval '30 days'
order by started_at desc
