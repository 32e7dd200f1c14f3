{#- Every provider's users (HubSpot owners; Aircall users as they sync) matched to revsync reps:
    same account, email trimmed and lowercased. Unmatched users keep a null rep_id. -#}
with owners as (

    select
        account_id,
        'hubspot' as source,
        owner_id as source_user_id,
        {{ normalized_email('owner_email') }} as user_email
    from {{ ref('stg_hubspot__owners') }}

),

reps as (

    select user_id as rep_id, account_id, {{ normalized_email('email') }} as email
    from {{ ref('stg_app__users') }}
    where role = 'rep'

),

matched as (

    select
        owners.account_id,
        owners.source,
        owners.source_user_id,
        owners.user_email,
        reps.rep_id
    from owners
    left join reps
        on reps.account_id = owners.account_id
        and reps.email = owners.user_email

)

select * from matched
