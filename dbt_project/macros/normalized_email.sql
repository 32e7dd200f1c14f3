{#- An email as reps are matched on: trimmed and lowercased; blank becomes null. -#}
{% macro normalized_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}
