{#- Coaching messages as BI reads them: a manager's login sees the account's, a rep's only their own. -#}
{{ config(meta={'rep_scoped': true}) }}
select
    message_id,
    account_id,
    rep_id,
    conversation_id,
    message_status,
    body,
    created_by,
    approved_by,
    created_at,
    approved_at,
    sent_at,
    read_at,
    acknowledged_at,
    rep_response,
    responded_at
from {{ ref('stg_app__coaching_messages') }}
