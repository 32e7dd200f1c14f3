{#- Every provider's users matched to revsync reps: same account, email trimmed and lowercased.
    HubSpot owners and Aircall users by their ids; Fathom recorders and speakers by their email. Unmatched
    users keep a null rep_id. -#}
with owners as (

    select
        account_id,
        'hubspot' as source,
        owner_id as source_user_id,
        {{ normalized_email('owner_email') }} as user_email
    from {{ ref('stg_hubspot__owners') }}

    union all

    select
        account_id,
        'aircall' as source,
        user_id as source_user_id,
        {{ normalized_email('user_email') }} as user_email
    from {{ ref('stg_aircall__users') }}

    union all

    -- Fathom knows people by email: who recorded, and who spoke.
    select distinct
        account_id,
        'fathom' as source,
        email as source_user_id,
        email as user_email
    from (
        select account_id, {{ normalized_email('recorded_by_email') }} as email from {{ ref('stg_fathom__meetings') }}
        union
        select account_id, {{ normalized_email('speaker_email') }} from {{ ref('stg_fathom__transcript_segments') }}
    ) as fathom_people
    where email is not null

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
