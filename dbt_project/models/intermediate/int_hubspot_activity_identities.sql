{#- What a recorded conversation can be matched on, per HubSpot meeting and call: its rep, its
    time span, and each email of its contacts (meetings) or phone number dialled (calls); and when
    the activity was last written, so that data tests on new rows only check the activities written since. -#}
-- Inlined into both branches below, so that a filter on the view (say, on merged_at) reaches the
-- index of synced_activities instead of a scan of every activity.
with activities as not materialized (

    select
        activity_id,
        account_id,
        activity_type,
        source_record_id,
        rep_email,
        contact_ids,
        tstzrange(occurred_at, occurred_at + make_interval(secs => coalesce(duration_seconds, 0)), '[]') as span,
        merged_at
    from {{ ref('synced_activities') }}
    where source = 'hubspot'
        and activity_type in ('meeting', 'call')
        and not is_deleted
        and occurred_at is not null
        and rep_email is not null

),

meeting_emails as (

    select
        activities.activity_id,
        activities.account_id,
        activities.activity_type,
        activities.rep_email,
        activities.span,
        {{ normalized_email('contacts.email') }} as identity,
        activities.merged_at
    from activities
    cross join lateral unnest(activities.contact_ids) as linked (contact_id)
    inner join {{ ref('stg_hubspot__contacts') }} as contacts
        on contacts.account_id = activities.account_id
        and contacts.contact_id = linked.contact_id
    where activities.activity_type = 'meeting'

),

call_numbers as (

    select
        activities.activity_id,
        activities.account_id,
        activities.activity_type,
        activities.rep_email,
        activities.span,
        nullif(regexp_replace(numbers.number, '\D', '', 'g'), '') as identity,
        activities.merged_at
    from activities
    inner join {{ ref('stg_hubspot__calls') }} as calls
        on calls.account_id = activities.account_id
        and calls.call_id = activities.source_record_id
    cross join lateral (values (calls.to_number), (calls.from_number)) as numbers (number)
    where activities.activity_type = 'call'

)

select * from meeting_emails where identity is not null
union
select * from call_numbers where identity is not null
