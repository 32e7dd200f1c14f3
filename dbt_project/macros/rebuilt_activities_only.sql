{#- In an incremental build of synced_activities, the where clause that keeps only the rows of a
    HubSpot engagement table to rebuild: written by a load completed since the last build, with
    links written by one, or whose owner's rep or (calls) disposition's label changed. Nothing in a full build. -#}
{% macro rebuilt_activities_only(object_type, id_column, disposition_column=none) %}
    {%- if is_incremental() %}
    where load_id = any(array(select load_id from new_loads))
        or (account_id, {{ id_column }}) in (
            select account_id, from_id from changed_links where from_type = '{{ object_type }}'
        )
        or (account_id, 'hubspot', owner_id) in (select * from stale_reps)
        {%- if disposition_column %}
        or (account_id, {{ disposition_column }}) in (select * from stale_outcomes)
        {%- endif %}
    {%- endif %}
{%- endmacro %}
