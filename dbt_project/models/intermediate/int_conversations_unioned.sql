{#- Every recorded conversation: Fathom meetings, Aircall calls with a recording or a transcript,
    and HubSpot meetings held in person. What identifies its other party (emails, numbers) is
    kept for matching it to a HubSpot activity. -#}
with reps as (

    select * from {{ ref('int_source_users_matched') }}

),

fathom_invitees as (

    select
        account_id,
        recording_id,
        count(*) filter (where not coalesce(is_external, false)) as internal_participants,
        count(*) filter (where is_external) as external_participants,
        array_agg(distinct {{ normalized_email('email') }}) filter (
            where is_external and {{ normalized_email('email') }} is not null
        ) as external_emails
    from {{ ref('stg_fathom__meeting_invitees') }}
    group by account_id, recording_id

),

fathom_transcripts as (

    select
        account_id,
        recording_id,
        sum(coalesce(array_length(regexp_split_to_array(nullif(trim(segment_text), ''), '\s+'), 1), 0))
            as transcript_word_count
    from {{ ref('stg_fathom__transcript_segments') }}
    group by account_id, recording_id

),

fathom as (

    select
        'fathom:' || md5(meetings.account_id::text || ':' || meetings.recording_id) as conversation_id,
        meetings.account_id,
        'fathom' as source,
        meetings.recording_id as source_record_id,
        {{ meeting_channel('null', 'meetings.meeting_url') }} as channel,
        meetings.title,
        reps.rep_id,
        {{ normalized_email('meetings.recorded_by_email') }} as rep_email,
        coalesce(meetings.recording_started_at, meetings.scheduled_start_at) as started_at,
        coalesce(meetings.recording_ended_at, meetings.scheduled_end_at) as ended_at,
        coalesce(invitees.internal_participants, 0) as internal_participants,
        coalesce(invitees.external_participants, 0) as external_participants,
        coalesce(invitees.external_emails, '{}') as external_emails,
        '{}'::text[] as external_numbers,
        transcripts.recording_id is not null as has_transcript,
        coalesce(transcripts.transcript_word_count, 0) as transcript_word_count,
        case
            when summaries.recording_id is not null then 'summarized'
            when transcripts.recording_id is not null then 'transcribed'
            else 'pending'
        end as analysis_status,
        null as hubspot_activity_id
    from {{ ref('stg_fathom__meetings') }} as meetings
    left join reps
        on reps.source = 'fathom'
        and reps.account_id = meetings.account_id
        and reps.source_user_id = {{ normalized_email('meetings.recorded_by_email') }}
    left join fathom_invitees as invitees
        on invitees.account_id = meetings.account_id
        and invitees.recording_id = meetings.recording_id
    left join fathom_transcripts as transcripts
        on transcripts.account_id = meetings.account_id
        and transcripts.recording_id = meetings.recording_id
    left join {{ ref('stg_fathom__summaries') }} as summaries
        on summaries.account_id = meetings.account_id
        and summaries.recording_id = meetings.recording_id

),

aircall_transcripts as (

    select * from {{ ref('stg_aircall__call_transcriptions') }}
    where jsonb_array_length(utterances) > 0

),

aircall as (

    select
        'aircall:' || md5(calls.account_id::text || ':call:' || calls.call_id) as conversation_id,
        calls.account_id,
        'aircall' as source,
        calls.call_id as source_record_id,
        'phone' as channel,
        null as title,
        reps.rep_id,
        reps.user_email as rep_email,
        coalesce(calls.answered_at, calls.started_at) as started_at,
        calls.ended_at,
        (calls.user_id is not null)::int as internal_participants,
        1 as external_participants,
        '{}'::text[] as external_emails,
        array_remove(array[nullif(regexp_replace(calls.external_number, '\D', '', 'g'), '')], null)
            as external_numbers,
        transcripts.call_id is not null as has_transcript,
        coalesce(array_length(regexp_split_to_array(nullif(trim(transcripts.transcript_text), ''), '\s+'), 1), 0)
            as transcript_word_count,
        case when transcripts.call_id is not null then 'transcribed' else 'pending' end as analysis_status,
        null as hubspot_activity_id
    from {{ ref('stg_aircall__calls') }} as calls
    left join reps
        on reps.source = 'aircall'
        and reps.account_id = calls.account_id
        and reps.source_user_id = calls.user_id
    left join aircall_transcripts as transcripts
        on transcripts.account_id = calls.account_id
        and transcripts.call_id = calls.call_id
    where calls.has_recording or transcripts.call_id is not null

),

-- In-person meetings are conversations too, with nothing recorded: the HubSpot meeting is the record.
in_person as (

    select
        activity_id as conversation_id,
        account_id,
        source,
        source_record_id,
        channel,
        subject as title,
        rep_id,
        rep_email,
        occurred_at as started_at,
        occurred_at + make_interval(secs => coalesce(duration_seconds, 0)) as ended_at,
        1 as internal_participants,
        cardinality(contact_ids) as external_participants,
        '{}'::text[] as external_emails,
        '{}'::text[] as external_numbers,
        false as has_transcript,
        0 as transcript_word_count,
        'not_recorded' as analysis_status,
        activity_id as hubspot_activity_id
    from {{ ref('synced_activities') }}
    where source = 'hubspot'
        and activity_type = 'meeting'
        and channel = 'in_person'
        and not is_deleted

)

select * from fathom
union all
select * from aircall
union all
select * from in_person
