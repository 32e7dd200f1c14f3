{#- Source freshness on PostgreSQL, for a raw table that may not exist yet: dlt creates a table
    only when its first row arrives (Aircall transcriptions, a provider never synced). Such a
    table reports no load at all (dbt reads a null as loaded infinitely long ago, so its
    warn_after/error_after decide) instead of failing the whole check on a missing relation. -#}
{% macro postgres__collect_freshness(source, loaded_at_field, filter) %}
    {%- set found = adapter.get_relation(database=source.database, schema=source.schema,
                                         identifier=source.identifier) -%}
    {%- if found is not none -%}
        {{ return(dbt.default__collect_freshness(source, loaded_at_field, filter)) }}
    {%- endif -%}
    {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
        select null::timestamptz as max_loaded_at, {{ current_timestamp() }} as snapshotted_at
    {%- endcall %}
    {{ return(load_result('collect_freshness')) }}
{% endmacro %}
