"""HubSpot's standard property definitions beyond what records render: the rest of a portal's
property list, so `GET /crm/v3/properties/{type}` returns hundreds of properties per object as a
real portal does, in HubSpot's own groups (`contactinformation`, `analyticsinformation`,
`deal_activity`, `call`, ...).

These are definitions only: records render the properties their kind renders (objects/*.py) and
have no value for the others, which a request by name answers with null, as HubSpot does for a
requested property without a value (crm_objects.py). The names and groups are
HubSpot's standard ones (developers.hubspot.com "default properties" pages and the property lists
third-party connectors record, e.g. airbytehq/airbyte source-hubspot's discovered catalog); labels
and descriptions are the sandbox's own.

Format: one table per object type. `[group]` starts a property group; each following line is
`code name label`, where the code gives type and field type (`s` text, `t` textarea, `h` html,
`n` number, `d` datetime, `D` date, `e` select, `r` radio, `c` checkbox, `b` boolean, `p` phone);
a trailing `*` on the code marks a value HubSpot calculates (read-only).
"""

from __future__ import annotations

from functools import lru_cache

from provider_sandbox.hubspot.objects.schema import PropertyDef

_CODES = {
    "s": ("string", "text"), "t": ("string", "textarea"), "h": ("string", "html"), "n": ("number", "number"),
    "d": ("datetime", "date"), "D": ("date", "date"), "e": ("enumeration", "select"),
    "r": ("enumeration", "radio"), "c": ("enumeration", "checkbox"), "b": ("bool", "booleancheckbox"),
    "p": ("string", "phonenumber"),
}
_BOOL_OPTIONS = (("true", "Yes"), ("false", "No"))

# Analytics and source tracking, shared by contacts and companies.
_ANALYTICS = """
[analyticsinformation]
e* hs_analytics_source Original Traffic Source
s* hs_analytics_source_data_1 Original Traffic Source Drill-Down 1
s* hs_analytics_source_data_2 Original Traffic Source Drill-Down 2
e* hs_latest_source Latest Traffic Source
s* hs_latest_source_data_1 Latest Traffic Source Drill-Down 1
s* hs_latest_source_data_2 Latest Traffic Source Drill-Down 2
d* hs_latest_source_timestamp Latest Traffic Source Date
d* hs_analytics_first_timestamp Time First Seen
d* hs_analytics_last_timestamp Time Last Seen
d* hs_analytics_first_visit_timestamp Time of First Session
d* hs_analytics_last_visit_timestamp Time of Last Session
n* hs_analytics_num_page_views Number of Pageviews
n* hs_analytics_num_visits Number of Sessions
s* hs_analytics_first_touch_converting_campaign First Touch Converting Campaign
s* hs_analytics_last_touch_converting_campaign Last Touch Converting Campaign
s* hs_analytics_first_url First Page Seen
s* hs_analytics_last_url Last Page Seen
s* hs_analytics_first_referrer First Referring Site
s* hs_analytics_last_referrer Last Referring Site
n* hs_analytics_average_page_views Average Pageviews
n* hs_analytics_num_event_completions Number of event completions
d* first_conversion_date First Conversion Date
s* first_conversion_event_name First Conversion
d* recent_conversion_date Recent Conversion Date
s* recent_conversion_event_name Recent Conversion
n* num_conversion_events Number of Form Submissions
n* num_unique_conversion_events Number of Unique Forms Submitted
"""

# Activity roll-ups every CRM record object carries.
_ACTIVITY = """
d* notes_last_contacted Last Contacted
d* notes_last_updated Last Activity Date
d* notes_next_activity_date Next Activity Date
n* num_contacted_notes Number of times contacted
n* num_notes Number of Sales Activities
d* hs_last_sales_activity_timestamp Last Engagement Date
d* hs_last_sales_activity_date Last Activity Date (sales)
e* hs_last_sales_activity_type Last Engagement Type
d* hs_last_booked_meeting_date Last Booked Meeting Date
d* hs_last_logged_call_date Last Logged Call Date
d* hs_last_open_task_date Last Open Task Date
d* hs_latest_meeting_activity Latest meeting activity
d* hs_next_activity_date Next activity date
e* hs_next_activity_type Next activity type
d* engagements_last_meeting_booked Date of last meeting booked in meetings tool
s* engagements_last_meeting_booked_campaign Campaign of last booking in meetings tool
s* engagements_last_meeting_booked_medium Medium of last booking in meetings tool
s* engagements_last_meeting_booked_source Source of last booking in meetings tool
"""

# System properties of every object type.
_SYSTEM = """
s* hs_all_owner_ids All owner IDs
s* hs_all_team_ids All team IDs
s* hs_all_accessible_team_ids All teams
s* hs_all_assigned_business_unit_ids Business units
n* hs_created_by_user_id Created by user ID
n* hs_updated_by_user_id Updated by user ID
s* hs_merged_object_ids Merged record IDs
s* hs_object_source Record source
s* hs_object_source_id Record source ID
s* hs_object_source_label Record creation source
s* hs_object_source_detail_1 Record source detail 1
s* hs_object_source_detail_2 Record source detail 2
s* hs_object_source_detail_3 Record source detail 3
n* hs_object_source_user_id Record creation source user ID
s* hs_unique_creation_key Unique creation key
s* hs_user_ids_of_all_owners User IDs of all owners
s* hs_user_ids_of_all_notification_followers User IDs of all notification followers
s* hs_user_ids_of_all_notification_unfollowers User IDs of all notification unfollowers
b* hs_was_imported Imported
s* hs_read_only Read only object
s* hs_shared_team_ids Shared teams
s* hs_shared_user_ids Shared users
n* hs_pipeline_stage_position Stage position
"""

_OWNERSHIP = """
d* hubspot_owner_assigneddate Owner Assigned Date
e hubspot_team_id HubSpot Team
"""

_CONTACTS = """
[contactinformation]
s salutation Salutation
p mobilephone Mobile Phone Number
p fax Fax Number
s address Street Address
s state State/Region
s zip Postal Code
s website Website URL
s industry Industry
s annualrevenue Annual Revenue
n numemployees Number of Employees
s job_function Job function
s seniority Seniority
e hs_persona Persona
e hs_language Preferred language
e hs_timezone Time Zone
s hs_additional_emails Additional email addresses
s* hs_email_domain_calculated Email domain (calculated)
s twitterhandle Twitter Username
s linkedinbio LinkedIn Bio
s hs_linkedin_url LinkedIn URL
s hs_facebook_click_id Facebook click id
s hs_google_click_id Google ad click id
t message Message
e gender Gender
D date_of_birth Date of birth
s degree Degree
s field_of_study Field of study
s school School
D graduation_date Graduation date
s marital_status Marital Status
s military_status Military status
s relationship_status Relationship Status
s work_email Work email
s hs_whatsapp_phone_number WhatsApp Phone Number
s* hs_calculated_phone_number Calculated Phone Number
s* hs_calculated_mobile_number Calculated Mobile Number
s* hs_calculated_phone_number_country_code Calculated Phone Number Country Code
s* hs_calculated_phone_number_area_code Calculated Phone Number Area Code
s* hs_searchable_calculated_phone_number Phone Number (searchable)
s* hs_searchable_calculated_mobile_number Mobile Phone Number (searchable)
s* hs_searchable_calculated_international_phone_number International Phone Number (searchable)
s hs_country_region_code Country/Region Code
s hs_state_code State/Region Code
s ip_city IP City
s ip_state IP State/Region
s ip_state_code IP State Code/Region Code
s ip_country IP Country
s ip_country_code IP Country Code
s ip_zipcode IP Zipcode
n* hs_associated_target_accounts Associated target accounts
e hs_buying_role Buying Role
s* associatedcompanylastupdated Associated Company Last Updated
n* num_associated_deals Number of Associated Deals
d* first_deal_created_date First Deal Created Date
d* closedate Close Date
n* days_to_close Days To Close
n* total_revenue Total Revenue
d* recent_deal_close_date Recent Deal Close Date
n* recent_deal_amount Recent Deal Amount
b hs_is_contact Is a contact
b* hs_is_unworked Contact unworked
d* hs_lifecyclestage_lead_date Became a Lead Date
d* hs_lifecyclestage_subscriber_date Became a Subscriber Date
d* hs_lifecyclestage_marketingqualifiedlead_date Became a Marketing Qualified Lead Date
d* hs_lifecyclestage_salesqualifiedlead_date Became a Sales Qualified Lead Date
d* hs_lifecyclestage_opportunity_date Became an Opportunity Date
d* hs_lifecyclestage_customer_date Became a Customer Date
d* hs_lifecyclestage_evangelist_date Became an Evangelist Date
d* hs_lifecyclestage_other_date Became an Other Lifecycle Date
d* hs_lead_status_change_date Lead status change date
[emailinformation]
d* hs_email_first_send_date First marketing email send date
d* hs_email_last_send_date Last marketing email send date
d* hs_email_first_open_date First marketing email open date
d* hs_email_last_open_date Last marketing email open date
d* hs_email_first_click_date First marketing email click date
d* hs_email_last_click_date Last marketing email click date
d* hs_email_first_reply_date First marketing email reply date
d* hs_email_last_reply_date Last marketing email reply date
n* hs_email_delivered Marketing emails delivered
n* hs_email_open Marketing emails opened
n* hs_email_click Marketing emails clicked
n* hs_email_bounce Marketing emails bounced
n* hs_email_replied Marketing emails replied
b* hs_email_optout Unsubscribed from all email
s* hs_email_hard_bounce_reason Email hard bounce reason
s* hs_email_last_email_name Last marketing email name
b* hs_email_bad_address Invalid email address
b* hs_email_is_ineligible Is globally ineligible
e* hs_email_quarantined_reason Email address quarantine reason
n* hs_email_sends_since_last_engagement Sends Since Last Engagement
d* hs_sales_email_last_opened Recent Sales Email Opened Date
d* hs_sales_email_last_clicked Recent Sales Email Clicked Date
d* hs_sales_email_last_replied Recent Sales Email Replied Date
s* hs_emailconfirmationstatus Email Confirmation Status
e hs_marketable_status Marketing contact status
e* hs_marketable_reason_type Marketing contact status source type
s* hs_marketable_reason_id Marketing contact status source name
d* hs_marketable_until_renewal Marketing contact until next update
[sales_properties]
b* hs_sequences_is_enrolled Currently in Sequence
n* hs_sequences_enrolled_count Number of sequences enrolled
n* hs_sequences_actively_enrolled_count Number of active sequences
d* hs_latest_sequence_enrolled_date Last sequence enrolled date
d* hs_latest_sequence_ended_date Last sequence ended date
d* hs_latest_sequence_finished_date Last sequence finished date
d* hs_latest_sequence_unenrolled_date Last sequence unenrolled date
s* hs_latest_sequence_enrolled Last sequence enrolled
d* hs_first_outreach_date First outreach date
n* hs_first_engagement_object_id First engagement
d* hs_latest_open_lead_date Latest open lead date
d* hs_latest_qualified_lead_date Latest qualified lead date
d* hs_latest_disqualified_lead_date Latest disqualified lead date
n* hs_predictivescoringtier Likelihood to close tier
n* hs_predictivecontactscore_v2 Likelihood to close
n* hubspotscore HubSpot Score
n* hs_lead_score Lead Score (legacy)
e hs_content_membership_status Status
[conversioninformation]
s* ip_latlon IP Timezone
s* hs_ip_timezone IP Timezone (hs)
s* hs_social_last_engagement Last social engagement
n* hs_social_twitter_clicks Twitter Clicks
n* hs_social_linkedin_clicks LinkedIn Clicks
n* hs_social_facebook_clicks Facebook Clicks
n* hs_social_num_broadcast_clicks Broadcast Clicks
d* hs_document_last_revisited Recent Document Revisit Date
d* hs_last_metered_enrichment_timestamp Last Metered Enrichment Timestamp
[contact_activity]
d* hs_time_to_first_engagement Time to first engagement
n* hs_time_to_move_from_lead_to_customer Time to move from lead to customer
n* hs_time_to_move_from_marketingqualifiedlead_to_customer Time to move from MQL to customer
n* hs_time_to_move_from_opportunity_to_customer Time to move from opportunity to customer
n* hs_time_to_move_from_salesqualifiedlead_to_customer Time to move from SQL to customer
n* hs_time_to_move_from_subscriber_to_customer Time to move from subscriber to customer
"""

_COMPANIES = """
[companyinformation]
s address Street Address
s address2 Street Address 2
s state State/Region
s zip Postal Code
s timezone Time Zone
s about_us About Us
s founded_year Year Founded
b is_public Is Public
s hs_additional_domains Additional Domains
s linkedin_company_page LinkedIn Company Page
s linkedinbio LinkedIn Bio
s twitterhandle Twitter Handle
s twitterbio Twitter Bio
n twitterfollowers Twitter Followers
s facebook_company_page Facebook Company Page
n facebookfans Facebook Fans
s googleplus_page Google Plus Page
s web_technologies Web Technologies
n total_money_raised Total Money Raised
e type Type
s hs_country_code Country/Region Code
s hs_state_code State/Region Code
e hs_ideal_customer_profile Ideal Customer Profile Tier
b hs_is_target_account Target Account
e hs_target_account Target account (legacy)
n hs_target_account_probability Target Account Probability
d* hs_target_account_recommendation_snooze_time Target Account Recommendation Snooze Time
e hs_target_account_recommendation_state Target Account Recommendation State
s hs_logo_url Logo URL
n hs_num_child_companies Number of child companies
n* hs_num_blockers Number of blockers
n* hs_num_contacts_with_buying_roles Number of contacts with a buying role
n* hs_num_decision_makers Number of decision makers
n* hs_num_open_deals Number of open deals
s hs_parent_company_id Parent Company
n* num_associated_contacts Number of Associated Contacts
n* num_associated_deals Number of Associated Deals
n* hs_total_deal_value Total open deal value
d* first_deal_created_date First Deal Created Date
d* first_contact_createdate First Contact Create Date
d* closedate Close Date
n* days_to_close Days to Close
n* total_revenue Total Revenue
d* recent_deal_close_date Recent Deal Close Date
n* recent_deal_amount Recent Deal Amount
s* hs_annual_revenue_currency_code Annual Revenue Currency
d* hs_lastmodifieddate_calculated Last Modified Date (calculated)
d* hs_lifecyclestage_lead_date Became a Lead Date
d* hs_lifecyclestage_customer_date Became a Customer Date
d* hs_lifecyclestage_opportunity_date Became an Opportunity Date
d* hs_lifecyclestage_salesqualifiedlead_date Became a Sales Qualified Lead Date
d* hs_lifecyclestage_marketingqualifiedlead_date Became a Marketing Qualified Lead Date
d* hs_lifecyclestage_subscriber_date Became a Subscriber Date
d* hs_lifecyclestage_evangelist_date Became an Evangelist Date
d* hs_lifecyclestage_other_date Became an Other Lifecycle Date
n* hs_predictivecontactscore_v2 Likelihood to close
e* hs_pipeline Pipeline
[company_activity]
d* hs_last_open_task_date Last open task date
d* hs_analytics_latest_source_timestamp Latest Traffic Source Timestamp
e* hs_analytics_latest_source Latest Traffic Source (company)
s* hs_analytics_latest_source_data_1 Latest Traffic Source Data 1 (company)
s* hs_analytics_latest_source_data_2 Latest Traffic Source Data 2 (company)
n* hs_num_associated_target_accounts Associated target accounts
[socialmediainformation]
s* hs_social_last_engagement Last social engagement
n* hs_social_twitter_clicks Twitter Clicks
n* hs_social_linkedin_clicks LinkedIn Clicks
n* hs_social_facebook_clicks Facebook Clicks
n* hs_social_num_broadcast_clicks Broadcast Clicks
[target_accounts]
d* hs_latest_createdate_of_active_subscriptions Latest create date of active subscriptions
n* hs_quick_context Quick context
"""

_DEALS = """
[dealinformation]
e hs_priority Priority
t hs_next_step Next step
t closed_lost_reason Closed Lost Reason
t closed_won_reason Closed Won Reason
n* amount_in_home_currency Amount in company currency
e deal_currency_code Currency
n hs_acv Annual contract value
n hs_arr Annual recurring revenue
n hs_mrr Monthly recurring revenue
n hs_tcv Total contract value
n* hs_closed_amount Closed amount
n* hs_closed_amount_in_home_currency Closed amount in home currency
n* hs_forecast_amount Forecast amount
n hs_forecast_probability Forecast probability
e hs_manual_forecast_category Forecast category
n* hs_projected_amount Weighted amount
n* hs_projected_amount_in_home_currency Weighted amount in company currency
n* hs_predicted_amount Predicted amount
n* hs_predicted_amount_in_home_currency Predicted amount in home currency
n* hs_likelihood_to_close Likelihood to close by the close date
b* hs_is_closed Is Deal Closed?
b* hs_is_closed_lost Is closed lost
n* hs_is_open_count Is Open (numeric)
n* hs_is_closed_count Is closed (numeric)
n* hs_is_closed_won_count Is closed won (numeric)
n* hs_is_deal_split Deal has splits
n* hs_deal_stage_probability_shadow Deal stage probability (shadow)
e hs_deal_amount_calculation_preference Deal amount calculation preference
n* days_to_close Days to close
d* hs_closed_won_date Closed won date
n* hs_days_to_close_raw Days to close (without rounding)
n* hs_num_target_accounts Number of target accounts
n* hs_num_associated_active_deal_registrations Number of active deal registrations
n* hs_num_associated_deal_registrations Number of deal registrations
n* hs_num_associated_deal_splits Number of deal splits
n* hs_num_of_associated_line_items Number of associated line items
n* num_associated_contacts Number of Contacts
n* hs_number_of_call_engagements Number of call engagements
n* hs_number_of_inbound_calls Number of inbound calls
n* hs_number_of_outbound_calls Number of outbound calls
n* hs_number_of_overdue_tasks Number of overdue tasks
n* hs_number_of_scheduled_meetings Number of scheduled meetings
s* hs_primary_associated_company Primary associated company
s hs_campaign HubSpot campaign
b hs_is_stalled Is stalled
d* hs_is_stalled_after_timestamp Is stalled after
s hs_deal_registration_mrr Deal registration MRR
e* hs_deal_score Deal score
e hs_line_item_global_term_hs_recurring_billing_period Global term: line item term
b hs_line_item_global_term_hs_recurring_billing_period_enabled Global term: line item term enabled
D hs_line_item_global_term_hs_recurring_billing_start_date Global term: billing start date
b hs_line_item_global_term_hs_recurring_billing_start_date_enabled Global term: billing start date enabled
e hs_line_item_global_term_recurringbillingfrequency Global term: billing frequency
b hs_line_item_global_term_recurringbillingfrequency_enabled Global term: billing frequency enabled
n hs_line_item_global_term_hs_discount_percentage Global term: discount percentage
b hs_line_item_global_term_hs_discount_percentage_enabled Global term: discount percentage enabled
[deal_activity]
d* hs_sales_email_last_replied Recent sales email replied date
d* hs_v2_date_entered_current_stage Date entered current stage
n* hs_v2_time_in_current_stage Time in current stage
d* hs_lastmodifieddate_calculated Last modified (calculated)
[analyticsinformation]
e* hs_analytics_source Original Source Type
s* hs_analytics_source_data_1 Original Source Data 1
s* hs_analytics_source_data_2 Original Source Data 2
e* hs_analytics_latest_source Latest Source
s* hs_analytics_latest_source_data_1 Latest Source Data 1
s* hs_analytics_latest_source_data_2 Latest Source Data 2
d* hs_analytics_latest_source_timestamp Latest Source Timestamp
s* hs_analytics_latest_source_company Latest Source Company
s* hs_analytics_latest_source_contact Latest Source Contact
s* hs_analytics_source_data_1_company Original Source Data 1 Company
"""

# Engagement objects share these.
_ENGAGEMENT = """
[engagement]
s* hs_activity_type Activity type
s* hs_at_mentioned_owner_ids At-mentioned owners
s* hs_body_preview Body preview
s* hs_body_preview_html Body preview HTML
b* hs_body_preview_is_truncated Body preview is truncated
s hs_engagement_source Engagement source
s hs_engagement_source_id Engagement source ID
s* hs_gdpr_deleted GDPR deleted
s* hs_modified_by Modified by
s* hs_created_by Created by
s* hs_follow_up_action Follow up action
s* hs_product_name Product name
s hs_queue_membership_ids Queue membership IDs
n* hs_associated_contact_count Associated contact count
n* hs_associated_company_count Associated company count
n* hs_associated_deal_count Associated deal count
n* hs_associated_ticket_count Associated ticket count
s* hs_associated_contact_labels Associated contact labels
s hs_unique_id Unique ID
s* hs_object_coordinates Object coordinates
e hs_activity_association_type Association type
d* hs_engagements_last_contacted Last contacted
"""

_CALLS = """
[call]
s hs_call_app_id Call app ID
s hs_call_authed_url_provider Authenticated URL provider
n* hs_call_callee_object_type_id Callee object type ID
n* hs_call_caller_object_id Caller object ID
n* hs_call_caller_object_type_id Caller object type ID
s hs_call_deal_stage_during_call Deal stage during call
s hs_call_external_account_id External account ID
s hs_call_external_id External ID
b hs_call_has_transcript Has transcript
b hs_call_has_voicemail Has voicemail
s hs_call_from_number_name From number name
s hs_call_to_number_name To number name
s hs_call_transcription_id Transcription ID
s hs_call_video_recording_url Video recording URL
s hs_call_zoom_meeting_uuid Zoom meeting UUID
s hs_call_ms_teams_payload MS Teams payload
s hs_call_primary_deal Primary deal
e hs_call_recording_status Recording status
b hs_call_summary_enabled Summary enabled
t hs_call_summary Call summary
n hs_call_authed_url_expires_at Authenticated URL expiry
s hs_call_disposition_label Call outcome label
s hs_call_title_html Call title HTML
s hs_call_external_account Calling provider account
e hs_call_calling_provider Calling provider
b hs_call_is_outgoing Outgoing
s hs_call_voicemail_drop_id Voicemail drop ID
n* hs_call_duration_in_seconds Duration in seconds
n* hs_call_ringing_duration Ringing duration
s hs_call_direction_label Call direction label
s hs_call_conference_id Conference ID
s hs_call_unique_external_id Unique external ID
b hs_call_with_transcript Transcript available
s hs_call_sentiment Call sentiment
s* hs_call_has_summary Has summary
n hs_call_count Call count
e hs_call_type Call type
"""

_EMAILS = """
[email]
s hs_email_bcc_email BCC email
s hs_email_bcc_firstname BCC first name
s hs_email_bcc_lastname BCC last name
s hs_email_bcc_raw BCC raw
s hs_email_cc_email CC email
s hs_email_cc_firstname CC first name
s hs_email_cc_lastname CC last name
s hs_email_cc_raw CC raw
s hs_email_from_raw From raw
s hs_email_to_raw To raw
s hs_email_sender_email Sender email
s hs_email_sender_firstname Sender first name
s hs_email_sender_lastname Sender last name
s hs_email_sender_raw Sender raw
s hs_email_attached_video_id Attached video ID
s hs_email_attached_video_name Attached video name
s hs_email_attached_video_opened Attached video opened
s hs_email_attached_video_watched Attached video watched
n* hs_email_click_count Click count
n* hs_email_open_count Open count
n* hs_email_reply_count Reply count
b* hs_email_replied Replied
b* hs_email_opened Opened
b* hs_email_clicked Clicked
d* hs_email_first_open_date First open date
d* hs_email_last_open_date Last open date
d* hs_email_first_click_date First click date
d* hs_email_last_click_date Last click date
d* hs_email_first_reply_date First reply date
d* hs_email_last_reply_date Last reply date
s hs_email_error_message Error message
s hs_email_facsimile_send_id Facsimile send ID
s hs_email_member_of_forwarded_subthread Member of forwarded subthread
s hs_email_message_id Message ID
s hs_email_migrated_via_portal_data_migration Migrated via portal data migration
s hs_email_pending_inline_image_ids Pending inline image IDs
s hs_email_post_send_status Post-send status
s hs_email_recipient_drop_reasons Recipient drop reasons
s hs_email_send_event_id Send event ID
s hs_email_send_event_id_created Send event created
s hs_email_thread_id Thread ID
s hs_email_thread_summary Thread summary
s hs_email_tracker_key Tracker key
s hs_email_validation_skipped Validation skipped
s hs_email_logged_from Logged from
s hs_email_media_processing_status Media processing status
s hs_email_ms_teams_payload MS Teams payload
s hs_email_encoded_email_associations_request Encoded associations request
s hs_email_headers_raw Headers raw
e hs_email_thread_status Thread status
s hs_email_sent_via Sent via
s* hs_email_stream_id Stream ID
"""

_MEETINGS = """
[meeting]
s hs_meeting_external_url External URL
s hs_meeting_location Location
e hs_meeting_location_type Location type
s hs_meeting_source_id Source ID
s hs_meeting_created_from_link_id Created from link ID
s hs_meeting_change_id Change ID
s hs_meeting_ms_teams_payload MS Teams payload
s hs_meeting_payments_session_id Payments session ID
b hs_meeting_pre_meeting_prospect_reminders Prospect reminders
s hs_meeting_web_conference_meeting_id Web conference meeting ID
s hs_internal_meeting_notes Internal meeting notes
s hs_attendee_owner_ids Attendee owner IDs
s hs_booking_instance_id Booking instance ID
s hs_guest_emails Guest emails
s hs_i_cal_uid iCal UID
b hs_include_description_in_reminder Include description in reminder
b hs_is_recurring Recurring
s hs_meeting_calendar_event_hash Calendar event hash
e hs_meeting_type Meeting type
s hs_scheduled_tasks Scheduled tasks
s hs_unknown_visitor_conversation Unknown visitor conversation
s hs_roster_object_coordinates Roster object coordinates
s hs_contact_first_outreach_date Contact first outreach date
s hs_time_to_book_meeting_from_first_contact Time to book meeting from first contact
b hs_was_rescheduled Was rescheduled
s hs_video_conference_url Video conference URL
n* hs_meeting_duration Meeting duration
s hs_meeting_title_html Meeting title HTML
"""

_NOTES = """
[note]
s hs_note_ms_teams_payload MS Teams payload
s hs_note_sub_type Note sub type
s hs_note_summary Note summary
b hs_note_has_attachment Has attachment
s hs_note_external_id External ID
s hs_note_source Note source
s hs_note_thread_id Thread ID
"""

_TASKS = """
[task]
s hs_task_body_html Task body HTML
s hs_task_completion_count Completion count
d hs_task_completion_date Completion date
d hs_task_last_contact_outreach Last contact outreach
d hs_task_last_sales_activity_timestamp Last sales activity
s hs_task_contact_timezone Contact timezone
s hs_task_family Task family
e hs_task_for_object_type Task for object type
b hs_task_is_all_day All day
b hs_task_is_completed Completed
b hs_task_is_completed_call Completed call
b hs_task_is_completed_email Completed email
b hs_task_is_completed_linked_in Completed LinkedIn
b hs_task_is_completed_sequence Completed sequence
b hs_task_is_overdue Overdue
b hs_task_is_past_due_date Past due date
s hs_task_missed_due_date Missed due date
n hs_task_missed_due_date_count Missed due date count
s hs_task_ms_teams_payload MS Teams payload
e hs_task_probability_to_complete Probability to complete
e hs_task_relative_reminders Relative reminders
d hs_task_reminders Reminders
s hs_task_repeat_interval Repeat interval
s hs_task_send_default_reminder Send default reminder
s hs_task_sequence_enrollment_active Sequence enrollment active
n hs_task_sequence_step Sequence step
s hs_task_sequence_step_enrollment_id Sequence step enrollment
s hs_task_template_id Template ID
s hs_task_campaign_guid Campaign
s hs_task_ticket_id Ticket ID
s hs_task_is_recurring Recurring task
b hs_task_completed_on_time Completed on time
s hs_task_subject_html Subject HTML
s hs_task_associated_record_count Associated record count
s hs_task_mentioned_user_ids Mentioned users
s hs_scheduled_tasks Scheduled tasks
"""

_TICKETS = """
[ticketinformation]
s subject Ticket name
t content Ticket description
e hs_pipeline Pipeline
e hs_pipeline_stage Ticket status
e hs_ticket_priority Priority
e hs_ticket_category Category
e source_type Source
e hs_resolution Resolution
s hs_ticket_id Ticket ID
d closed_date Close date
d first_agent_reply_date First agent email reply date
d last_reply_date Last customer reply date
d last_engagement_date Last activity date
d hs_lastcontacted Last contacted
d hs_last_message_received_at Last message received date
d hs_last_message_sent_at Last message sent date
n time_to_close Time to close
n time_to_first_agent_reply Time to first agent reply
n hs_time_to_first_response_sla_status Time to first response SLA status
n hs_time_to_close_sla_status Time to close SLA status
d hs_time_to_close_sla_at Time to close SLA due date
d hs_time_to_first_response_sla_at Time to first response SLA due date
n hs_num_times_contacted Number of times contacted
n hs_num_associated_companies Number of associated companies
n num_notes Number of sales activities
d notes_last_contacted Last contacted
d notes_last_updated Last activity date
d notes_next_activity_date Next activity date
e hs_feedback_last_ces_rating Last CES survey rating
e hs_feedback_last_ces_follow_up Last CES survey comment
s hs_feedback_last_survey_date Last CES survey date
s hs_inbox_id Inbox ID
s hs_thread_ids_to_restore Thread IDs to restore
s hs_originating_channel_instance_id Originating channel account
s hs_originating_email_engagement_id Originating email engagement
s hs_originating_generic_channel_id Originating channel
s hs_conversations_originating_message_id Originating message ID
s hs_most_relevant_sla_status Most relevant SLA status
e hs_most_relevant_sla_type Most relevant SLA type
s hs_primary_company Primary company
s hs_primary_company_id Primary company ID
s hs_primary_company_name Primary company name
s hs_ticket_language_ai_tag Ticket language
e hs_custom_inbox Inbox
s hs_helpdesk_sort_timestamp Help desk sort timestamp
b hs_is_closed Is closed
n* hs_is_visible_in_help_desk Visible in help desk
n* hs_num_associated_conversations Number of conversations
s tags Tags
s hs_tag_ids Tag IDs
"""

_PRODUCTS = """
[productinformation]
s name Name
t description Description
n price Unit price
s hs_sku SKU
n hs_cost_of_goods_sold Unit cost
e hs_product_type Product type
e hs_recurring_billing_period Term
e recurringbillingfrequency Billing frequency
s hs_url URL
s hs_images Images
s hs_folder_id Folder
n hs_discount_percentage Discount percentage
n* hs_avatar_filemanager_key Avatar
e hs_product_classification Product classification
s hs_bundle_ids Bundles
s hs_product_paid_seats Paid seats
s hs_tax_category Tax category
e hs_pricing_model Pricing model
n tax Tax
"""

_LINE_ITEMS = """
[lineiteminformation]
s name Name
t description Description
n quantity Quantity
n price Unit price
n amount Net price
n discount Unit discount
n hs_discount_percentage Discount percentage
n hs_total_discount Total discount
n hs_pre_discount_amount Pre-discount amount
n hs_acv Annual contract value
n hs_arr Annual recurring revenue
n hs_mrr Monthly recurring revenue
n hs_tcv Total contract value
n hs_cost_of_goods_sold Unit cost
n hs_margin Margin
n hs_margin_acv Margin ACV
n hs_margin_arr Margin ARR
n hs_margin_mrr Margin MRR
n hs_margin_tcv Margin TCV
s hs_product_id Product ID
s hs_sku SKU
e hs_recurring_billing_period Term
e recurringbillingfrequency Billing frequency
D hs_recurring_billing_start_date Billing start date
D hs_recurring_billing_end_date Billing end date
n hs_recurring_billing_number_of_payments Number of payments
e hs_recurring_billing_terms Billing terms
n hs_position_on_quote Position on quote
s hs_line_item_currency_code Currency
n hs_term_in_months Term in months
s hs_url URL
s hs_images Images
e hs_product_type Product type
s hs_tax_rate_group_id Tax rate group
n hs_tax_amount Tax amount
n hs_tax_rate Tax rate
D hs_billing_period_start_date Billing period start
s hs_variable_pricing Variable pricing
b hs_allow_buyer_selected_quantity Buyer selected quantity
"""

_QUOTES = """
[quoteinformation]
s hs_title Quote name
d hs_expiration_date Expiration date
e hs_status Quote status
e hs_approval_status Approval status
n hs_quote_amount Quote amount
s hs_currency Currency
s hs_quote_link Quote link
s hs_public_url_key Public URL key
s hs_pdf_download_link PDF download link
s hs_sender_firstname Sender first name
s hs_sender_lastname Sender last name
s hs_sender_email Sender email
s hs_sender_company_name Sender company name
s hs_sender_company_address Sender company address
s hs_sender_company_city Sender company city
s hs_sender_company_state Sender company state
s hs_sender_company_zip Sender company zip
s hs_sender_company_country Sender company country
s hs_sender_phone Sender phone
s hs_sender_jobtitle Sender job title
s hs_domain Domain
s hs_slug Slug
s hs_template Template
e hs_template_type Template type
s hs_language Language
s hs_locale Locale
t hs_comments Comments
t hs_terms Terms
b hs_esign_enabled E-signature enabled
n hs_esign_num_signers_required Signers required
n hs_esign_num_signers_completed Signers completed
d hs_esign_date E-signature date
b hs_payment_enabled Payments enabled
e hs_payment_status Payment status
d hs_payment_date Payment date
s hs_collect_billing_address Collect billing address
s hs_collect_shipping_address Collect shipping address
s hs_quote_number Quote number
n hs_quote_total_preference Total preference
s hs_proposal_slug Proposal slug
s hs_quote_associated_deal Associated deal
s hs_quote_associated_deal_stage Associated deal stage
n hs_quote_total_discount Total discount
n hs_quote_subtotal Subtotal
"""

_LEADS = """
[lead_information]
s hs_lead_name Lead name
e hs_pipeline Lead pipeline
e hs_pipeline_stage Lead stage
e hs_lead_type Lead type
e hs_lead_label Lead label
b hs_lead_is_open Is open
b hs_lead_is_open_v2 Is open (v2)
s hs_primary_contact_id Primary contact ID
s hs_primary_company_id Primary company ID
s hs_primary_associated_object_name Primary associated object name
e hs_lead_disqualification_reason Disqualification reason
t hs_lead_disqualification_note Disqualification note
d hs_date_entered_current_stage Date entered current stage
d hs_lead_first_outreach_date First outreach date
d hs_lead_last_activity_date Last activity date
n hs_lead_num_engagements Number of engagements
s hs_lead_source Lead source
s hs_lead_source_detail Lead source detail
d hs_lead_qualified_date Qualified date
d hs_lead_disqualified_date Disqualified date
b hs_lead_is_stalled Is stalled
"""

_GOAL_TARGETS = """
[goal_target_information]
s hs_goal_name Goal name
e hs_goal_type Goal type
n hs_target_amount Target amount
n hs_target_amount_in_home_currency Target amount in home currency
d hs_start_datetime Start date
d hs_end_datetime End date
s hs_assignee_user_id Assignee user
s hs_assignee_team_id Assignee team
e hs_goal_status Goal status
n hs_kpi_value KPI value
n hs_kpi_progress_percent KPI progress percent
s hs_kpi_display_type KPI display type
s hs_kpi_metric_type KPI metric type
d hs_kpi_value_last_calculated_at KPI value last calculated
b hs_is_forecastable Forecastable
s hs_pipelines Pipelines
s hs_group_correlation_uuid Group correlation
s hs_template_id Template ID
s hs_outcome Outcome
b hs_should_notify_on_achieved Notify on achieved
b hs_should_notify_on_exceeded Notify on exceeded
b hs_should_notify_on_lag_by_one_pacing Notify when lagging one period
"""

_DEAL_SPLITS = """
[dealsplitinformation]
n hs_deal_split_percentage Split percentage
n hs_deal_split_amount Split amount
s hs_deal_id Deal ID
s hs_split_owner_id Split owner
"""

_FORMS = """
[forminformation]
s hs_form_name Form name
e hs_form_type Form type
s hs_form_id Form ID
b hs_form_is_published Published
n hs_form_submission_count Submissions
"""

_GENERIC = """
[{group}]
s hs_name Name
"""

_CATALOGUE = {
    "contacts": (_CONTACTS, _ANALYTICS, "[contact_activity]", _ACTIVITY, "[sales_properties]", _OWNERSHIP,
                 "[contactinformation]", _SYSTEM),
    "companies": (_COMPANIES, _ANALYTICS, "[company_activity]", _ACTIVITY, "[companyinformation]", _OWNERSHIP,
                  _SYSTEM),
    "deals": (_DEALS, "[deal_activity]", _ACTIVITY, "[dealinformation]", _OWNERSHIP, _SYSTEM),
    "calls": (_ENGAGEMENT, _CALLS, "[engagement]", _SYSTEM),
    "emails": (_ENGAGEMENT, _EMAILS, "[engagement]", _SYSTEM),
    "meetings": (_ENGAGEMENT, _MEETINGS, "[engagement]", _SYSTEM),
    "notes": (_ENGAGEMENT, _NOTES, "[engagement]", _SYSTEM),
    "tasks": (_ENGAGEMENT, _TASKS, "[engagement]", _SYSTEM),
    "tickets": (_TICKETS, "[ticketinformation]", _OWNERSHIP, _SYSTEM),
    "products": (_PRODUCTS, _SYSTEM),
    "line_items": (_LINE_ITEMS, _SYSTEM),
    "quotes": (_QUOTES, _SYSTEM),
    "leads": (_LEADS, "[lead_activity]", _ACTIVITY, "[lead_information]", _SYSTEM),
    "goal_targets": (_GOAL_TARGETS, _SYSTEM),
    "deal_split": (_DEAL_SPLITS, _SYSTEM),
    "forms": (_FORMS, _SYSTEM),
}


def _parse(blocks: tuple[str, ...], default_group: str) -> tuple[PropertyDef, ...]:
    group = default_group
    seen: dict[str, PropertyDef] = {}
    for line in "\n".join(blocks).format(group=default_group).splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("["):
            group = line.strip("[]")
            continue
        code, name, label = line.split(" ", 2)
        calculated = code.endswith("*")
        type_, field_type = _CODES[code.rstrip("*")]
        options = _BOOL_OPTIONS if type_ == "bool" else ()
        if name not in seen:  # shared blocks may repeat a name an object's own table has
            seen[name] = PropertyDef(name, label, type_, field_type, group, options=options,
                                     read_only=calculated, calculated=calculated)
    return tuple(seen.values())


@lru_cache(maxsize=64)
def standard_definitions(object_type: str, default_group: str) -> tuple[PropertyDef, ...]:
    """HubSpot's standard properties of one object type that its records do not render."""
    blocks = _CATALOGUE.get(object_type, (_GENERIC,))
    return _parse(tuple(blocks), default_group)


def stage_history_definitions(stages: tuple[tuple[str, str], ...], group: str) -> tuple[PropertyDef, ...]:
    """The per-stage properties HubSpot keeps for a pipeline (or the lifecycle stages): for each
    (stage id, "Stage label (Pipeline label)") the `hs_v2_date_entered_<id>`,
    `hs_v2_date_exited_<id>`, `hs_v2_latest_time_in_<id>` and `hs_v2_cumulative_time_in_<id>`
    properties, and the older `hs_date_entered_<id>`, `hs_date_exited_<id>`, `hs_time_in_<id>`."""
    definitions: list[PropertyDef] = []
    for stage_id, label in stages:
        for name, text, type_ in (
            (f"hs_v2_date_entered_{stage_id}", f'Date entered "{label}"', "datetime"),
            (f"hs_v2_date_exited_{stage_id}", f'Date exited "{label}"', "datetime"),
            (f"hs_v2_latest_time_in_{stage_id}", f'Latest time in "{label}"', "number"),
            (f"hs_v2_cumulative_time_in_{stage_id}", f'Cumulative time in "{label}"', "number"),
            (f"hs_date_entered_{stage_id}", f"Date entered '{label}'", "datetime"),
            (f"hs_date_exited_{stage_id}", f"Date exited '{label}'", "datetime"),
            (f"hs_time_in_{stage_id}", f"Time in '{label}'", "number"),
        ):
            field_type = "date" if type_ == "datetime" else "number"
            definitions.append(PropertyDef(
                name, text, type_, field_type, group, read_only=True, calculated=True,
                display_hint="duration" if type_ == "number" else None,
                description="Set by HubSpot when a record moves through this stage."))
    return tuple(definitions)
