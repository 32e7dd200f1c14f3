{{ config(materialized='view') }}
{#- The last 30 days of live activities, newest first. -#}
select *
from {{ ref('synced_activities') }}
where not is_deleted
    and occurred_at >= now() - interval '30 days'
order by occurred_at desc
