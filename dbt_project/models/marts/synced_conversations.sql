{#- One row per recorded conversation, with its coaching state and the HubSpot activity it is. -#}
with conversations as (

    select * from {{ ref('int_conversations_matched') }}

),

-- The newest message about a conversation says where its coaching stands.
coaching as (

    select distinct on (conversation_id)
        conversation_id,
        message_status
    from {{ ref('stg_app__coaching_messages') }}
    where conversation_id is not null
    order by conversation_id, created_at desc, message_id

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
    extract(epoch from conversations.ended_at - conversations.started_at)::numeric(12, 3) as duration_seconds,
    conversations.internal_participants + conversations.external_participants as participants,
    conversations.internal_participants,
    conversations.external_participants,
    conversations.has_transcript,
    conversations.transcript_word_count,
    conversations.analysis_status,
    coalesce(coaching.message_status, 'none') as coaching_status,
    conversations.hubspot_activity_id
from conversations
left join coaching
    on coaching.conversation_id = conversations.conversation_id
