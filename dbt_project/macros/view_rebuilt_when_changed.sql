{#- Views are rebuilt only when what they are made of changed. A view shows its tables' rows as
    they are now, so a build after new data has nothing to do for it, yet dbt's own view
    materialization drops and recreates every view on every build (several queries each, and a
    lock on its dependents). In a build given REVSYNC_DBT_PROJECT_FINGERPRINT (a hash of every
    file of the dbt project; Dagster's builds set it), this one keeps a view that is still there,
    still a view, and was last built from the same SQL, grants and rendered hooks under the same
    project fingerprint (a changed model or macro may change the columns a `select *` view lists).
    A build without it, a full refresh, and a view that is missing (a table it reads was replaced,
    which drops it) run dbt's own. What each view was last built from is kept in
    intermediate.dbt_view_builds. -#}
{% materialization view, adapter='postgres' %}
    {%- set hooks = [] -%}
    {%- for hook in post_hooks -%}
        {%- do hooks.append(render(hook.get('sql'))) -%}
    {%- endfor -%}
    {%- set fingerprint = env_var('REVSYNC_DBT_PROJECT_FINGERPRINT', '') -%}
    {%- set built_from = local_md5(sql ~ '|' ~ tojson(config.get('grants')) ~ '|' ~ hooks | join(';') ~ '|'
                                   ~ fingerprint) -%}
    {%- if fingerprint and not should_full_refresh() and view_built_from(this) == built_from -%}
        {#- dbt reports a node by its "main" statement: this one says the view was kept. -#}
        {%- call statement('main') -%}
            select 'view unchanged, kept'
        {%- endcall -%}
        {{ return({'relations': [this.incorporate(type='view')]}) }}
    {%- endif -%}
    {%- set built = dbt.materialization_view_default() -%}
    {%- call statement('record_view_build') -%}
        create schema if not exists {{ adapter.quote('intermediate') }};
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

{#- What the view `relation` was last built from, if it is still there as a view; none otherwise. -#}
{% macro view_built_from(relation) -%}
    {%- if adapter.get_relation(database=target.database, schema='intermediate', identifier='dbt_view_builds') is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query("select built_from from " ~ view_builds_relation()
                              ~ " where view_name = '" ~ relation ~ "' and exists (select from pg_class where oid = "
                              ~ "to_regclass('" ~ relation ~ "') and relkind = 'v')") -%}
    {{ return(found.columns[0].values()[0] if found.rows | length else none) }}
{%- endmacro %}
