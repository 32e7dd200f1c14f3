{{
    config(
        materialized='incremental',
        unique_key='activity_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
    )
}}
-- depends_on: {{ ref('int_source_users_matched') }}
-- depends_on: {{ ref('stg_hubspot__call_dispositions') }}
{#- One row per sales activity from any source. Incremental: each build merges the activities
    whose rows or links were loaded since the last build, and those whose rep or outcome label
    changed in between (a rep added, an owner's email or a disposition's label edited). #}
with activities as (

    select * from {{ ref('int_activities_unioned') }}

)

{% if is_incremental() %}
,

-- Loads commit in any order across accounts: look back a while past the newest one seen.
watermark as (

    select coalesce(max(synced_at), '-infinity') - interval '{{ var("incremental_lookback") }}' as synced_since from {{ this }}

),

current_reps as (

    select account_id, source, source_user_id, rep_id, user_email
    from {{ ref('int_source_users_matched') }}

),

stale_reps as (

    select built.account_id, built.source, built.source_owner_id
    from (
        select distinct account_id, source, source_owner_id, rep_id, rep_email
        from {{ this }}
        where source_owner_id is not null
    ) as built
    left join current_reps
        on current_reps.account_id = built.account_id
        and current_reps.source = built.source
        and current_reps.source_user_id = built.source_owner_id
    where built.rep_id is distinct from current_reps.rep_id
        or built.rep_email is distinct from current_reps.user_email

),

stale_outcomes as (

    select built.account_id, built.source, built.source_outcome
    from (
        select distinct account_id, source, source_outcome, outcome
        from {{ this }}
        where source = 'hubspot' and activity_type = 'call' and source_outcome is not null
    ) as built
    left join {{ ref('stg_hubspot__call_dispositions') }} as dispositions
        on dispositions.account_id = built.account_id
        and dispositions.disposition_id = built.source_outcome
    where built.outcome is distinct from dispositions.disposition_label

)

select activities.*
from activities
where activities.synced_at is null
    or activities.synced_at > (select synced_since from watermark)
    or (activities.account_id, activities.source, activities.source_owner_id) in (select * from stale_reps)
    or (activities.account_id, activities.source, activities.source_outcome) in (select * from stale_outcomes)

{% else %}

select * from activities

{% endif %}
