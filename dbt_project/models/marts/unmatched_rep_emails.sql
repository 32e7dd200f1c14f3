{#- Provider users whose activity matches no rep: add them as reps (or fix their email) to count it. -#}
with unmatched as (

    select * from {{ ref('synced_activities') }}
    where rep_id is null
        and rep_email is not null
        and not is_deleted

),

by_email as (

    select
        account_id,
        source,
        rep_email,
        count(*) as activity_count,
        min(occurred_at) as first_activity_at,
        max(occurred_at) as last_activity_at
    from unmatched
    group by account_id, source, rep_email

)

select * from by_email
