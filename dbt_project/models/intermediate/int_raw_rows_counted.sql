{#- Rows per account in each raw table (live and deleted alike), through its staging model. -#}
{%- set tables = [
    ('hubspot', 'calls', 'stg_hubspot__calls'),
    ('hubspot', 'emails', 'stg_hubspot__emails'),
    ('hubspot', 'meetings', 'stg_hubspot__meetings'),
    ('hubspot', 'notes', 'stg_hubspot__notes'),
    ('hubspot', 'tasks', 'stg_hubspot__tasks'),
    ('hubspot', 'owners', 'stg_hubspot__owners'),
    ('hubspot', 'call_dispositions', 'stg_hubspot__call_dispositions'),
    ('aircall', 'calls', 'stg_aircall__calls'),
    ('aircall', 'users', 'stg_aircall__users'),
    ('aircall', 'call_transcriptions', 'stg_aircall__call_transcriptions'),
    ('fathom', 'meetings', 'stg_fathom__meetings'),
    ('fathom', 'meeting_invitees', 'stg_fathom__meeting_invitees'),
    ('fathom', 'transcript_segments', 'stg_fathom__transcript_segments'),
    ('fathom', 'summaries', 'stg_fathom__summaries'),
] %}
{%- for provider, table, model in tables %}
select
    account_id,
    '{{ provider }}' as provider,
    '{{ table }}' as raw_table,
    count(*) as row_count
from {{ ref(model) }}
group by account_id
{{ 'union all' if not loop.last }}
{%- endfor %}
