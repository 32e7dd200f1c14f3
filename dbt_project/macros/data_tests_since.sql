{#- Data tests in a build given the var data_tests_synced_since (a UTC time: when the previous
    build started) check only the rows that arrived since then (less the incremental lookback, as
    the models read loads), which the previous build could not test: in tables that carry
    synced_at, the rows synced since; in staging views that carry load_id, the rows of loads
    completed since (their source's stg_<source>__loads). Rows re-merged because a rep or outcome
    label changed keep their synced_at, and rows of a load still being written wait for it: a
    build without the var tests those. Other models, a full refresh and a build without the var
    test every row. Keys stay unique across the whole of synced_activities all the same: a unique
    index on activity_id enforces it. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append(where) -%}
    {%- endif -%}
    {%- set since = var('data_tests_synced_since', none) -%}
    {%- if since and execute and not flags.FULL_REFRESH -%}
        {%- set since_sql = "'" ~ since ~ "'::timestamptz - interval '" ~ var('incremental_lookback') ~ "'" -%}
        {#- The tested model's documented columns: no query per test. -#}
        {%- set tested = graph.nodes.get(model.attached_node) or {} -%}
        {%- set columns = tested.get('columns') or {} -%}
        {%- set loads = graph.nodes.get('model.' ~ project_name ~ '.' ~ tested.get('name', '').split('__')[0] ~ '__loads') -%}
        {%- if 'synced_at' in columns -%}
            {#- A row whose load is still being written has no synced_at yet: tested too. -#}
            {%- do conditions.append('(synced_at is null or synced_at >= ' ~ since_sql ~ ')') -%}
        {%- elif 'load_id' in columns and loads -%}
            {%- set loads_relation = api.Relation.create(database=loads.database, schema=loads.schema,
                                                         identifier=loads.alias) -%}
            {#- "= any(array(...))": PostgreSQL filters the raw rows on it before the view's work. -#}
            {%- do conditions.append('load_id = any(array(select load_id from ' ~ loads_relation
                                     ~ ' where loaded_at >= ' ~ since_sql ~ '))') -%}
        {%- endif -%}
    {%- endif -%}
    {%- if conditions -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
