{#- Post-hook on every mart table: fresh planner statistics right after the build. A table dbt
    just created has none until autovacuum comes by, and the models and tests that read it next
    (a join of a new 200,000-row table planned as if it were empty) then take minutes, not seconds. -#}
{% macro analyzed() %}
    {%- if model.config.materialized != 'view' -%}
        analyze {{ this }}
    {%- endif -%}
{% endmacro %}
