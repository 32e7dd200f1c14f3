{#- One row per transcript segment, its speaker resolved to a rep, a colleague or the other
    party, with each speaker's share of the conversation's talk time. -#}
with conversations as (

    select * from {{ ref('int_conversations_matched') }}
    where source in ('fathom', 'aircall')

),

people as (

    select * from {{ ref('int_source_users_matched') }}

),

invitees as (

    select
        account_id,
        recording_id,
        {{ normalized_email('email') }} as email,
        speaker_display_name,
        is_external
    from {{ ref('stg_fathom__meeting_invitees') }}

),

invitees_by_email as (

    select distinct on (account_id, recording_id, email) account_id, recording_id, email, is_external
    from invitees
    where email is not null
    order by account_id, recording_id, email, is_external

),

invitees_by_speaker as (

    select distinct on (account_id, recording_id, speaker_display_name)
        account_id, recording_id, speaker_display_name, email, is_external
    from invitees
    where speaker_display_name is not null
    order by account_id, recording_id, speaker_display_name, email

),

fathom as (

    select
        conversations.conversation_id,
        conversations.account_id,
        segments.segment_position,
        segments.offset_seconds as started_offset_seconds,
        coalesce(
            lead(segments.offset_seconds) over (
                partition by conversations.conversation_id order by segments.segment_position),
            extract(epoch from conversations.ended_at - conversations.started_at)::numeric(12, 3)
        ) as ended_offset_seconds,
        segments.speaker_display_name as speaker_name,
        coalesce({{ normalized_email('segments.speaker_email') }}, by_speaker.email) as speaker_email,
        coalesce(by_email.is_external, by_speaker.is_external) as is_external,
        segments.segment_text
    from {{ ref('stg_fathom__transcript_segments') }} as segments
    inner join conversations
        on conversations.source = 'fathom'
        and conversations.account_id = segments.account_id
        and conversations.source_record_id = segments.recording_id
    -- The speaker's invitee: by email, or for a speaker without one, the invitee Fathom matched to the name.
    left join invitees_by_email as by_email
        on by_email.account_id = segments.account_id
        and by_email.recording_id = segments.recording_id
        and by_email.email = {{ normalized_email('segments.speaker_email') }}
    left join invitees_by_speaker as by_speaker
        on segments.speaker_email is null
        and by_speaker.account_id = segments.account_id
        and by_speaker.recording_id = segments.recording_id
        and by_speaker.speaker_display_name = segments.speaker_display_name

),

fathom_resolved as (

    select
        fathom.*,
        people.rep_id
    from fathom
    left join people
        on people.source = 'fathom'
        and people.account_id = fathom.account_id
        and people.source_user_id = fathom.speaker_email

),

aircall as (

    select
        conversations.conversation_id,
        conversations.account_id,
        utterances.ordinality - 1 as segment_position,
        (utterances.value ->> 'start_time')::numeric(12, 3) as started_offset_seconds,
        (utterances.value ->> 'end_time')::numeric(12, 3) as ended_offset_seconds,
        null as speaker_name,
        case when utterances.value ->> 'participant_type' = 'internal' then conversations.rep_email end
            as speaker_email,
        utterances.value ->> 'participant_type' = 'external' as is_external,
        utterances.value ->> 'text' as segment_text,
        case when utterances.value ->> 'participant_type' = 'internal' then conversations.rep_id end as rep_id
    from {{ ref('stg_aircall__call_transcriptions') }} as transcripts
    inner join conversations
        on conversations.source = 'aircall'
        and conversations.account_id = transcripts.account_id
        and conversations.source_record_id = transcripts.call_id
    cross join lateral jsonb_array_elements(transcripts.utterances) with ordinality as utterances (value, ordinality)

),

segments as (

    select
        conversation_id,
        account_id,
        segment_position,
        started_offset_seconds,
        ended_offset_seconds,
        speaker_name,
        speaker_email,
        is_external,
        segment_text,
        rep_id
    from fathom_resolved
    union all
    select
        conversation_id,
        account_id,
        segment_position,
        started_offset_seconds,
        ended_offset_seconds,
        speaker_name,
        speaker_email,
        is_external,
        segment_text,
        rep_id
    from aircall

),

timed as (

    select
        *,
        greatest(coalesce(ended_offset_seconds - started_offset_seconds, 0), 0) as talk_seconds,
        coalesce(speaker_email, speaker_name, case when is_external then 'external' else 'internal' end)
            as speaker_key
    from segments

)

select
    conversation_id || ':' || segment_position as segment_id,
    conversation_id,
    account_id,
    segment_position,
    started_offset_seconds,
    ended_offset_seconds,
    talk_seconds,
    speaker_name,
    speaker_email,
    case
        when rep_id is not null then 'rep'
        when is_external then 'external'
        when is_external is not null then 'internal'
        else 'unknown'
    end as speaker_type,
    rep_id,
    segment_text,
    coalesce(array_length(regexp_split_to_array(nullif(trim(segment_text), ''), '\s+'), 1), 0) as word_count,
    round(
        sum(talk_seconds) over (partition by conversation_id, speaker_key)
        / nullif(sum(talk_seconds) over (partition by conversation_id), 0),
        4
    ) as speaker_talk_share
from timed
