{#- Score changes after coaching, with the rep they concern. -#}
{{ config(meta={'rep_scoped': true}) }}
select
    outcomes.outcome_id,
    outcomes.message_id,
    outcomes.account_id,
    messages.rep_id,
    outcomes.methodology,
    outcomes.score_before,
    outcomes.score_after,
    outcomes.score_after - outcomes.score_before as score_change,
    outcomes.measured_at
from {{ ref('stg_app__coaching_outcomes') }} as outcomes
inner join {{ ref('stg_app__coaching_messages') }} as messages
    on messages.message_id = outcomes.message_id
