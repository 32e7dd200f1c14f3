{#- Provider users whose activity or recorded conversations match no rep: add them as reps (or fix
    their email) to count it. -#}
with unmatched as (

    select account_id, source, rep_email, occurred_at
    from {{ ref('synced_activities') }}
    where rep_id is null
        and rep_email is not null
        and not is_deleted

    union all

    -- Fathom's recorders have no activity row: their conversations count here.
    select account_id, source, rep_email, started_at as occurred_at
    from {{ ref('synced_conversations') }}
    where source = 'fathom'
        and rep_id is null
        and rep_email is not null

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
