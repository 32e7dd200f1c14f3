{#- Post-hook on every mart table: fresh planner statistics right after the build. A table dbt
    just created has none until autovacuum comes by, and the models and tests that read it next
    (a join of a new 200,000-row table planned as if it were empty) then take minutes, not seconds.
    An incremental build is analyzed only when the table grew by a fifth since its last analyze
    (its pages against those the statistics counted): a merge of a few percent leaves them
    good, and analyzing a table of a million rows costs most of a second. -#}
{% macro analyzed() %}
    {%- if model.config.materialized == 'view' -%}
    {%- elif is_incremental() -%}
        do $$
        begin
            if (select pg_relation_size(oid) / current_setting('block_size')::int > 1.2 * relpages + 10
                from pg_class where oid = '{{ this }}'::regclass) then
                analyze {{ this }};
            end if;
        end
        $$
    {%- else -%}
        analyze {{ this }}
    {%- endif -%}
{% endmacro %}
