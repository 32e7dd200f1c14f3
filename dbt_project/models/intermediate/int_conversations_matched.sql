{#- Each recorded conversation with the HubSpot activity it is: a meeting (Fathom) or call
    (Aircall) of the same rep whose time overlaps it and that shares an invitee's email or the
    other party's number. When several qualify, the longest overlap wins. -#}
with conversations as (

    select * from {{ ref('int_conversations_unioned') }}

),

identities as (

    select * from {{ ref('int_hubspot_activity_identities') }}

),

candidates as (

    select
        conversations.conversation_id,
        identities.activity_id,
        upper(identities.span * tstzrange(conversations.started_at, conversations.ended_at, '[]'))
            - lower(identities.span * tstzrange(conversations.started_at, conversations.ended_at, '[]')) as overlap
    from conversations
    inner join identities
        on identities.account_id = conversations.account_id
        and identities.rep_email = conversations.rep_email
        and identities.span && tstzrange(conversations.started_at, conversations.ended_at, '[]')
        and (
            (conversations.source = 'fathom' and identities.activity_type = 'meeting'
                and identities.identity = any(conversations.external_emails))
            or (conversations.source = 'aircall' and identities.activity_type = 'call'
                and identities.identity = any(conversations.external_numbers))
        )
    where conversations.hubspot_activity_id is null

),

best as (

    select distinct on (conversation_id)
        conversation_id,
        activity_id
    from candidates
    order by conversation_id, overlap desc, activity_id

)

select
    conversations.conversation_id,
    conversations.account_id,
    conversations.source,
    conversations.source_record_id,
    conversations.channel,
    conversations.title,
    conversations.rep_id,
    conversations.rep_email,
    conversations.started_at,
    conversations.ended_at,
    conversations.internal_participants,
    conversations.external_participants,
    conversations.has_transcript,
    conversations.transcript_word_count,
    conversations.analysis_status,
    coalesce(conversations.hubspot_activity_id, best.activity_id) as hubspot_activity_id
from conversations
left join best
    on best.conversation_id = conversations.conversation_id
