{#- Data tests on new rows only. In a build run with REVSYNC_DATA_TESTS_NEW_ROWS_ONLY=true in its
    environment (Dagster's builds after a sync), a data test on a model with merged_at checks the
    rows a build wrote since the test last started and passed (less the incremental lookback), and on a staging view over raw rows (load_id) the rows of loads
    completed since:
    - tests that judge each row by itself (not_null, accepted_values) check those rows;
    - key tests (unique, unique_combination_of_columns) check every row that shares a key with
      one of them, so a new duplicate of an old key is still found;
    - other tests (relationships: an old row whose parent was removed is in no new row) check
      every row.
    So do a test that has not passed under the project as it is now (project_fingerprint), a full
    refresh, and a build without the setting. A failing test keeps its old start, so its bad rows
    stay in scope until they are fixed.

    An environment variable, read only as the tests run, not a var: dbt re-parses the whole
    project whenever its vars change, which costs seconds. When each test last passed is
    recorded at the end of every build (record_passed_data_tests) in intermediate.dbt_test_passes
    and read by each test as it runs. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append(where) -%}
    {%- endif -%}
    {%- set test = model.test_metadata or {} -%}
    {%- set keys = {'unique': [(test.get('kwargs') or {}).get('column_name')],
                    'unique_combination_of_columns': (test.get('kwargs') or {}).get('combination_of_columns')
                   }.get(test.get('name')) -%}
    {%- if execute and not flags.FULL_REFRESH and (test.get('name') in ('not_null', 'accepted_values') or keys)
           and env_var('REVSYNC_DATA_TESTS_NEW_ROWS_ONLY', 'false') | lower == 'true' -%}
        {#- The tested model's documented columns: no query per test. -#}
        {%- set tested = graph.nodes.get(model.attached_node) or {} -%}
        {%- set columns = tested.get('columns') or {} -%}
        {%- set loads = graph.nodes.get('model.' ~ project_name ~ '.' ~ tested.get('name', '').split('__')[0] ~ '__loads') -%}
        {%- set by_load = 'merged_at' not in columns and 'load_id' in columns and loads -%}
        {#- Read now, as a literal: PostgreSQL then plans the row filter on its index statistics. -#}
        {%- set since = data_test_last_passed(model.unique_id) if 'merged_at' in columns or by_load else none -%}
        {%- set since_sql = "'" ~ since ~ "'::timestamptz - interval '" ~ var('incremental_lookback') ~ "'" -%}
        {%- if since is none -%}
            {#- Other models, and a test that never passed under the current project: every row. -#}
        {%- else -%}
            {%- if not by_load -%}
                {%- set new_rows = 'merged_at >= ' ~ since_sql -%}
            {%- else -%}
                {%- set loads_relation = api.Relation.create(database=loads.database, schema=loads.schema,
                                                             identifier=loads.alias) -%}
                {#- "= any(array(...))": PostgreSQL filters the raw rows on it before the view's work. -#}
                {%- set new_rows = 'load_id = any(array(select load_id from ' ~ loads_relation
                                   ~ ' where loaded_at >= ' ~ since_sql ~ '))' -%}
            {%- endif -%}
            {%- if keys -%}
                {%- do conditions.append('(' ~ keys | join(', ') ~ ') in (select ' ~ keys | join(', ') ~ ' from '
                                         ~ relation ~ ' where ' ~ new_rows ~ ')') -%}
            {%- else -%}
                {%- do conditions.append(new_rows) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- if conditions -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- Where the last passing build of each data test is kept: dbt's own bookkeeping, not for BI. -#}
{% macro data_test_passes_relation() -%}
    {{ return(adapter.quote('intermediate') ~ '.' ~ adapter.quote('dbt_test_passes')) }}
{%- endmacro %}

{#- When the data test last passed in a build, under the project as it is now; none if never. -#}
{% macro data_test_last_passed(test_id) -%}
    {%- set found = adapter.get_relation(database=target.database, schema='intermediate',
                                         identifier='dbt_test_passes') -%}
    {%- if found is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set passed = run_query("select passed_test_started_at::text from " ~ data_test_passes_relation()
                               ~ " where test_id = '" ~ test_id ~ "' and project_fingerprint = '"
                               ~ project_fingerprint() ~ "'") -%}
    {{ return(passed.columns[0].values()[0] if passed.rows | length else none) }}
{%- endmacro %}

{#- The project as this build runs it: REVSYNC_DBT_PROJECT_FINGERPRINT, a hash of every file of
    the dbt project (orchestration/lib/dbt.py; Dagster's builds set it), or without it a hash of
    the models' SQL alone. A recorded pass, or a kept view, holds only under the same one. -#}
{% macro project_fingerprint() -%}
    {%- set given = env_var('REVSYNC_DBT_PROJECT_FINGERPRINT', '') -%}
    {%- if given -%}
        {{ return(given) }}
    {%- endif -%}
    {%- set checksums = [] -%}
    {%- for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') -%}
        {%- do checksums.append(node.unique_id ~ '=' ~ node.checksum.checksum) -%}
    {%- endfor -%}
    {{ return('models:' ~ local_md5(checksums | sort | join(','))) }}
{%- endmacro %}

{#- on-run-end: record when each data test that passed in this build started. -#}
{% macro record_passed_data_tests(results) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set passed = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'test' and result.status == 'pass' and result.timing -%}
            {#- When the test started: it saw every row committed before. -#}
            {%- set started = result.timing[0].started_at -%}
            {%- do passed.append((result.node.unique_id, started.isoformat() ~ ('' if started.tzinfo else '+00:00'))) -%}
        {%- endif -%}
    {%- endfor -%}
    create schema if not exists {{ adapter.quote('intermediate') }};
    create table if not exists {{ data_test_passes_relation() }} (
        test_id text primary key,
        project_fingerprint text not null,
        passed_test_started_at timestamptz not null
    );
    {%- if passed %}
    {%- set fingerprint = project_fingerprint() %}
    insert into {{ data_test_passes_relation() }} (test_id, project_fingerprint, passed_test_started_at)
    values
    {%- for test_id, started in passed %}
        ('{{ test_id }}', '{{ fingerprint }}', '{{ started }}'){{ ',' if not loop.last }}
    {%- endfor %}
    on conflict (test_id) do update
        set project_fingerprint = excluded.project_fingerprint,
            passed_test_started_at = excluded.passed_test_started_at;
    {%- endif %}
{% endmacro %}
