{#- Post-hook on every mart: BI logins (revsync bi grant) read only their account's rows, and a
    rep's login, on marts marked meta.rep_scoped (the coaching marts), only that rep's rows.
    Tables get row-level security; views run with the reader's rights, so the policies of the
    tables under them apply. The table's owner (dbt's login) is not bound. -#}
{% macro bi_row_security() %}
    {%- if model.config.materialized == 'view' -%}
        alter view {{ this }} set (security_invoker = true)
    {%- else -%}
        alter table {{ this }} enable row level security;
        drop policy if exists account_rows on {{ this }};
        create policy account_rows on {{ this }} for select to revsync_bi_reader
            using (
                account_id = app.bi_login_account_id()
                {%- if (model.config.get('meta') or {}).get('rep_scoped') %}
                and (app.bi_login_rep_id() is null or rep_id = app.bi_login_rep_id())
                {%- endif %}
            )
    {%- endif -%}
{% endmacro %}
