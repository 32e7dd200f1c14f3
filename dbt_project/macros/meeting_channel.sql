{#- Where a meeting took place, from its link and its location text:
    zoom, teams or meet for those video tools, phone, in_person for any other place named,
    null when nothing says. -#}
{% macro meeting_channel(location, url) -%}
    case
        when concat_ws(' ', {{ url }}, {{ location }}) ~* 'zoom' then 'zoom'
        when concat_ws(' ', {{ url }}, {{ location }}) ~* 'teams\.microsoft|microsoft teams|\mteams\M' then 'teams'
        when concat_ws(' ', {{ url }}, {{ location }}) ~* 'meet\.google|google meet' then 'meet'
        when {{ location }} ~* '^\s*(phone|call|tel)' then 'phone'
        when nullif(trim({{ location }}), '') is not null then 'in_person'
    end
{%- endmacro %}
