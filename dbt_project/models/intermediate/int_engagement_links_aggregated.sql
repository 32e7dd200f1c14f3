{#- The contacts, companies and deals each HubSpot engagement is associated with, as sorted id arrays. -#}
with links as (

    select * from {{ ref('stg_hubspot__associations') }}
    where from_type in ('calls', 'emails', 'meetings', 'notes', 'tasks')

),

aggregated as (

    select
        account_id,
        from_type,
        from_id,
        array_agg(to_id order by to_id::bigint) filter (where to_type = 'contacts') as contact_ids,
        array_agg(to_id order by to_id::bigint) filter (where to_type = 'companies') as company_ids,
        array_agg(to_id order by to_id::bigint) filter (where to_type = 'deals') as deal_ids,
        max(load_id) as load_id
    from links
    group by account_id, from_type, from_id

)

select * from aggregated
