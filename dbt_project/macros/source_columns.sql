{#- The given columns of a raw table, typed; null for a column the table lacks (dlt adds a column
    only once a value arrives), and no rows at all when the table does not exist yet (its provider
    never synced). So the models build on a database where only some providers were synced. -#}
{% macro source_columns(relation, columns) %}
    {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema,
                                         identifier=relation.identifier) if execute else none -%}
    {%- set present = [] -%}
    {%- if found is not none -%}
        {%- for column in adapter.get_columns_in_relation(found) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif %}
    select
    {%- for name, type in columns.items() %}
        {% if name in present %}{{ adapter.quote(name) }}::{{ type }}{% else %}null::{{ type }}{% endif %} as {{ adapter.quote(name) }}{{ ',' if not loop.last }}
    {%- endfor %}
    {% if found is not none -%}
    from {{ relation }}
    {%- else -%}
    where false
    {%- endif %}
{% endmacro %}
