{#- Post-hook on every mart: BI logins (revsync bi grant) read only their account's rows.
    Tables get row-level security keyed by account_id; views run with the reader's rights, so
    the policies of the tables under them apply. The table's owner (dbt's login) is not bound. -#}
{% macro bi_row_security() %}
    {%- if model.config.materialized == 'view' -%}
        alter view {{ this }} set (security_invoker = true)
    {%- else -%}
        alter table {{ this }} enable row level security;
        drop policy if exists account_rows on {{ this }};
        create policy account_rows on {{ this }} for select to revsync_bi_reader
            using (account_id = app.bi_login_account_id())
    {%- endif -%}
{% endmacro %}
