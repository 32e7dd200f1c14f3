{{
    config(
        materialized='incremental',
        unique_key='activity_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['activity_id'], 'unique': True},
            {'columns': ['synced_at']},
            {'columns': ['merged_at']},
        ],
    )
}}
{#- One row per sales activity from any source: every HubSpot engagement and Aircall call, with
    its rep, outcome label, associated records, and when revsync last loaded it.

    Incremental: each build reads only the source rows it must rebuild, before any join or
    aggregation, and merges them: the records and links written by a load completed since the
    last build (a load still being written is merged once it completes), and the activities whose rep or
    outcome label changed in between (a rep added, an owner's email or a disposition's label
    edited). Every other activity is built from rows already merged and unchanged since. -#}
with users as (

    select * from {{ ref('int_source_users_matched') }}

),

dispositions as (

    select * from {{ ref('stg_hubspot__call_dispositions') }}

),

{% if is_incremental() %}
-- Loads commit in any order across accounts: look back a while past the newest one seen.
watermark as (

    select coalesce(max(synced_at), '-infinity') - interval '{{ var("incremental_lookback") }}' as synced_since
    from {{ this }}

),

-- Sync times within the lookback that this table holds: their loads were seen by a build.
recent_synced as (

    select distinct synced_at from {{ this }} where synced_at > (select synced_since from watermark)

),

-- Loads whose rows this table does not hold yet: completed after the lookback began, and not seen
-- by a build (a load committed after a build with an earlier time than the newest it saw is).
new_loads as (

    select load_id from {{ ref('stg_hubspot__loads') }}
    where loaded_at > (select synced_since from watermark) and loaded_at not in (select synced_at from recent_synced)
    union all
    select load_id from {{ ref('stg_aircall__loads') }}
    where loaded_at > (select synced_since from watermark) and loaded_at not in (select synced_at from recent_synced)

),

changed_links as (

    select distinct account_id, from_type, from_id
    from {{ ref('stg_hubspot__associations') }}
    -- "= any(array(...))", not "in (...)": PostgreSQL then filters the raw rows on it in the scan.
    where load_id = any(array(select load_id from new_loads))

),

stale_reps as (

    select built.account_id, built.source, built.source_owner_id
    from (
        select distinct account_id, source, source_owner_id, rep_id, rep_email
        from {{ this }}
        where source_owner_id is not null
    ) as built
    left join users
        on users.account_id = built.account_id
        and users.source = built.source
        and users.source_user_id = built.source_owner_id
    where built.rep_id is distinct from users.rep_id
        or built.rep_email is distinct from users.user_email

),

stale_outcomes as (

    select built.account_id, built.source_outcome
    from (
        select distinct account_id, source_outcome, outcome
        from {{ this }}
        where source = 'hubspot' and activity_type = 'call' and source_outcome is not null
    ) as built
    left join dispositions
        on dispositions.account_id = built.account_id
        and dispositions.disposition_id = built.source_outcome
    where built.outcome is distinct from dispositions.disposition_label

),
{% endif %}

calls as (

    select
        account_id,
        'call' as activity_type,
        call_id as source_record_id,
        'phone' as channel,
        called_at as occurred_at,
        owner_id,
        direction,
        (duration_ms / 1000.0)::numeric(12, 3) as duration_seconds,
        disposition_id as source_outcome,
        title as subject,
        created_at,
        updated_at,
        is_deleted,
        load_id
    from {{ ref('stg_hubspot__calls') }}
    {{ rebuilt_activities_only('calls', 'call_id', 'disposition_id') }}

),

emails as (

    select
        account_id,
        'email' as activity_type,
        email_id as source_record_id,
        'email' as channel,
        sent_at as occurred_at,
        owner_id,
        case when direction in ('inbound', 'outbound') then direction end as direction,
        null::numeric(12, 3) as duration_seconds,
        email_status as source_outcome,
        subject,
        created_at,
        updated_at,
        is_deleted,
        load_id
    from {{ ref('stg_hubspot__emails') }}
    {{ rebuilt_activities_only('emails', 'email_id') }}

),

meetings as (

    select
        account_id,
        'meeting' as activity_type,
        meeting_id as source_record_id,
        {{ meeting_channel('location', 'external_url') }} as channel,
        started_at as occurred_at,
        owner_id,
        null as direction,
        extract(epoch from ended_at - started_at)::numeric(12, 3) as duration_seconds,
        meeting_outcome as source_outcome,
        title as subject,
        created_at,
        updated_at,
        is_deleted,
        load_id
    from {{ ref('stg_hubspot__meetings') }}
    {{ rebuilt_activities_only('meetings', 'meeting_id') }}

),

notes as (

    select
        account_id,
        'note' as activity_type,
        note_id as source_record_id,
        null as channel,
        noted_at as occurred_at,
        owner_id,
        null as direction,
        null::numeric(12, 3) as duration_seconds,
        null as source_outcome,
        null as subject,
        created_at,
        updated_at,
        is_deleted,
        load_id
    from {{ ref('stg_hubspot__notes') }}
    {{ rebuilt_activities_only('notes', 'note_id') }}

),

tasks as (

    select
        account_id,
        'task' as activity_type,
        task_id as source_record_id,
        case task_type when 'call' then 'phone' when 'email' then 'email' end as channel,
        due_at as occurred_at,
        owner_id,
        null as direction,
        null::numeric(12, 3) as duration_seconds,
        task_status as source_outcome,
        subject,
        created_at,
        updated_at,
        is_deleted,
        load_id
    from {{ ref('stg_hubspot__tasks') }}
    {{ rebuilt_activities_only('tasks', 'task_id') }}

),

engagements as (

    select * from calls
    union all select * from emails
    union all select * from meetings
    union all select * from notes
    union all select * from tasks

),

-- The contacts, companies and deals each engagement is associated with, as sorted id arrays.
-- The engagements' association rows; in an incremental build only the rebuilt ones', each looked
-- up by its key before its id lists are expanded (materialized, so that PostgreSQL does not expand
-- every list first).
link_lists as {% if is_incremental() %}materialized {% endif %}(

    {%- if is_incremental() %}
    select linked.*
    from (select distinct account_id, activity_type || 's' as from_type, source_record_id from engagements) as rebuilt
    cross join lateral (
        select account_id, from_type, from_id, to_type, to_ids, load_id
        from {{ ref('stg_hubspot__associations') }} as associations
        where associations.from_type = rebuilt.from_type
            and associations.from_id = rebuilt.source_record_id
            and associations.account_id = rebuilt.account_id
        -- Kept a lookup per rebuilt engagement on the raw table's key index (dlt_sources/loading.py):
        -- joined as a whole, PostgreSQL would hash every association row of the portal.
        offset 0
    ) as linked
    {%- else %}
    select account_id, from_type, from_id, to_type, to_ids, load_id
    from {{ ref('stg_hubspot__associations') }}
    where from_type in ('calls', 'emails', 'meetings', 'notes', 'tasks')
    {%- endif %}

),

links as (

    select
        link_lists.account_id,
        link_lists.from_type,
        link_lists.from_id,
        array_agg(ids.to_id order by ids.to_id::bigint) filter (where link_lists.to_type = 'contacts') as contact_ids,
        array_agg(ids.to_id order by ids.to_id::bigint) filter (where link_lists.to_type = 'companies') as company_ids,
        array_agg(ids.to_id order by ids.to_id::bigint) filter (where link_lists.to_type = 'deals') as deal_ids,
        max(link_lists.load_id) as load_id
    from link_lists
    -- A record with an empty list of a type has no link of it.
    cross join lateral jsonb_array_elements_text(link_lists.to_ids) as ids (to_id)
    group by link_lists.account_id, link_lists.from_type, link_lists.from_id

),

loads as (

    select * from {{ ref('stg_hubspot__loads') }}

),

hubspot_activities as (

    select
        'hubspot:' || md5(engagements.account_id::text || ':' || engagements.activity_type || ':'
            || engagements.source_record_id) as activity_id,
        engagements.account_id,
        'hubspot' as source,
        engagements.activity_type,
        engagements.channel,
        engagements.occurred_at,
        users.rep_id,
        users.user_email as rep_email,
        engagements.owner_id as source_owner_id,
        engagements.direction,
        engagements.duration_seconds,
        -- Calls: the portal's own label for the disposition id (custom outcomes included).
        case
            when engagements.activity_type = 'call' then dispositions.disposition_label
            else engagements.source_outcome
        end as outcome,
        engagements.source_outcome,
        case
            when engagements.activity_type = 'call'
                then coalesce(lower(dispositions.disposition_label) in (
                    {%- for label in var('connected_call_outcomes') %}
                    lower('{{ label }}'){{ ',' if not loop.last }}
                    {%- endfor %}
                ), false)
        end as is_connected,
        engagements.subject,
        coalesce(links.contact_ids, '{}') as contact_ids,
        coalesce(links.company_ids, '{}') as company_ids,
        coalesce(links.deal_ids, '{}') as deal_ids,
        engagements.source_record_id,
        engagements.created_at as source_created_at,
        engagements.updated_at as source_updated_at,
        greatest(record_load.loaded_at, links_load.loaded_at) as synced_at,
        engagements.is_deleted,
        now() as merged_at
    from engagements
    -- A row whose load is still being written has no loaded_at yet: synced_at stays null.
    left join loads as record_load
        on record_load.load_id = engagements.load_id
    left join links
        on links.account_id = engagements.account_id
        and links.from_type = engagements.activity_type || 's'
        and links.from_id = engagements.source_record_id
    left join loads as links_load
        on links_load.load_id = links.load_id
    left join dispositions
        on engagements.activity_type = 'call'
        and dispositions.account_id = engagements.account_id
        and dispositions.disposition_id = engagements.source_outcome
    left join users
        on users.source = 'hubspot'
        and users.account_id = engagements.account_id
        and users.source_user_id = engagements.owner_id

),

aircall_activities as (

    select
        'aircall:' || md5(calls.account_id::text || ':call:' || calls.call_id) as activity_id,
        calls.account_id,
        'aircall' as source,
        'call' as activity_type,
        'phone' as channel,
        calls.started_at as occurred_at,
        users.rep_id,
        users.user_email as rep_email,
        calls.user_id as source_owner_id,
        calls.direction,
        calls.duration_seconds::numeric(12, 3) as duration_seconds,
        -- Aircall has no outcome field: answered, voicemail, or why the call was missed.
        case
            when calls.is_answered then 'answered'
            when calls.has_voicemail then 'voicemail'
            else coalesce(calls.missed_call_reason, 'not_answered')
        end as outcome,
        null as source_outcome,
        calls.is_answered as is_connected,
        null as subject,
        case when calls.contact_id is not null then array[calls.contact_id] else '{}' end as contact_ids,
        '{}'::text[] as company_ids,
        '{}'::text[] as deal_ids,
        calls.call_id as source_record_id,
        calls.started_at as source_created_at,
        null::timestamptz as source_updated_at,
        loads.loaded_at as synced_at,
        false as is_deleted,
        now() as merged_at
    from {{ ref('stg_aircall__calls') }} as calls
    left join {{ ref('stg_aircall__loads') }} as loads
        on loads.load_id = calls.load_id
    left join users
        on users.source = 'aircall'
        and users.account_id = calls.account_id
        and users.source_user_id = calls.user_id
    {%- if is_incremental() %}
    where calls.load_id = any(array(select load_id from new_loads))
        or (calls.account_id, 'aircall', calls.user_id) in (select * from stale_reps)
    {%- endif %}

)

select * from hubspot_activities
union all
select * from aircall_activities
