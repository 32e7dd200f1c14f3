{#- One row per account, rep and day (in the account's time zone) with any activity. The manager
    dashboard and BI logins read it by account and day. -#}
{{ config(indexes=[{'columns': ['account_id', 'activity_date']}]) }}
with activities as (

    select
        activities.*,
        accounts.time_zone
    from {{ ref('synced_activities') }} as activities
    inner join {{ ref('stg_app__accounts') }} as accounts
        on accounts.account_id = activities.account_id
    where not activities.is_deleted
        and activities.rep_id is not null

),

conversations as (

    select
        conversations.account_id,
        conversations.rep_id,
        conversations.started_at,
        accounts.time_zone
    from {{ ref('synced_conversations') }} as conversations
    inner join {{ ref('stg_app__accounts') }} as accounts
        on accounts.account_id = conversations.account_id
    where conversations.rep_id is not null
        and conversations.started_at is not null

),

-- Each activity counts on the day it happened; a meeting also counts as booked on the day it was created.
events as (

    select
        account_id,
        rep_id,
        (occurred_at at time zone time_zone)::date as activity_date,
        (activity_type = 'call' and direction = 'outbound')::int as dials,
        (activity_type = 'call' and direction = 'outbound' and is_connected)::int as connects,
        0 as conversations,
        0 as meetings_booked,
        (activity_type = 'meeting' and outcome = 'completed')::int as meetings_held,
        (activity_type = 'email' and direction = 'outbound' and outcome in ('sent', 'bounced'))::int as emails_sent,
        case when activity_type = 'call' and is_connected then duration_seconds else 0 end as talk_time_seconds,
        occurred_at
    from activities
    where occurred_at is not null

    union all

    select
        account_id,
        rep_id,
        (source_created_at at time zone time_zone)::date as activity_date,
        0 as dials,
        0 as connects,
        0 as conversations,
        1 as meetings_booked,
        0 as meetings_held,
        0 as emails_sent,
        0 as talk_time_seconds,
        source_created_at as occurred_at
    from activities
    where activity_type = 'meeting' and source_created_at is not null

    union all

    select
        account_id,
        rep_id,
        (started_at at time zone time_zone)::date as activity_date,
        0 as dials,
        0 as connects,
        1 as conversations,
        0 as meetings_booked,
        0 as meetings_held,
        0 as emails_sent,
        0 as talk_time_seconds,
        started_at as occurred_at
    from conversations

),

daily as (

    select
        account_id,
        rep_id,
        activity_date,
        sum(dials) as dials,
        sum(connects) as connects,
        sum(conversations) as conversations,
        sum(meetings_booked) as meetings_booked,
        sum(meetings_held) as meetings_held,
        sum(emails_sent) as emails_sent,
        sum(talk_time_seconds) as talk_time_seconds,
        max(occurred_at) as last_activity_at
    from events
    group by account_id, rep_id, activity_date

),

rates as (

    select
        account_id,
        rep_id,
        activity_date,
        dials,
        connects,
        conversations,
        meetings_booked,
        meetings_held,
        emails_sent,
        talk_time_seconds,
        round(connects::numeric / nullif(dials, 0), 4) as dial_to_connect_rate,
        round(meetings_booked::numeric / nullif(connects, 0), 4) as connect_to_meeting_rate,
        round(meetings_booked::numeric / nullif(dials, 0), 4) as dial_to_meeting_rate,
        last_activity_at
    from daily

)

select * from rates
