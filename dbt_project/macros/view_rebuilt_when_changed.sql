{#- Views are rebuilt only when what they are made of changed. A view shows its tables' rows as
    they are now, so a build after new data has nothing to do for it, yet dbt's own view
    materialization drops and recreates every view on every build (several queries each, and a
    lock on its dependents). This one skips a view that exists and was last built from the same
    SQL, grants and hooks, under the same SQL of every model in the project (a changed model may
    change the columns a `select *` view would list). A full refresh rebuilds every view. When
    each view was last built, and from what, is kept in intermediate.dbt_view_builds. -#}
{% materialization view, adapter='postgres' %}
    {%- set built_from = local_md5(sql ~ '|' ~ tojson(config.get('grants')) ~ '|'
                                   ~ tojson(model.config.get('post-hook')) ~ '|' ~ models_fingerprint()) -%}
    {%- if not should_full_refresh() and view_built_from(this) == built_from -%}
        {#- dbt reports a node by its "main" statement: this one says the view was kept. -#}
        {%- call statement('main') -%}
            select 'view unchanged, kept'
        {%- endcall -%}
        {{ return({'relations': [this.incorporate(type='view')]}) }}
    {%- endif -%}
    {%- set built = dbt.materialization_view_default() -%}
    {%- call statement('record_view_build') -%}
        create table if not exists {{ view_builds_relation() }} (
            view_name text primary key,
            built_from text not null,
            built_at timestamptz not null
        );
        insert into {{ view_builds_relation() }} (view_name, built_from, built_at)
        values ('{{ this }}', '{{ built_from }}', now())
        on conflict (view_name) do update set built_from = excluded.built_from, built_at = excluded.built_at
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {{ return(built) }}
{% endmaterialization %}

{% macro view_builds_relation() -%}
    {{ return(adapter.quote('intermediate') ~ '.' ~ adapter.quote('dbt_view_builds')) }}
{%- endmacro %}

{#- What the view `relation` was last built from, if it still exists; none otherwise (a table it
    reads was replaced, which drops it, or it was never built). -#}
{% macro view_built_from(relation) -%}
    {%- if adapter.get_relation(database=target.database, schema='intermediate', identifier='dbt_view_builds') is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query("select built_from from " ~ view_builds_relation()
                              ~ " where view_name = '" ~ relation ~ "' and to_regclass('" ~ relation ~ "') is not null") -%}
    {{ return(found.columns[0].values()[0] if found.rows | length else none) }}
{%- endmacro %}
