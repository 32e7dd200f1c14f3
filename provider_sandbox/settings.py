"""Every knob of the sandbox in one frozen dataclass.

The CLI builds it from flags; tests and benchmarks may build it directly. Anything that changes
the generated data (seed, counts, anchor, fractions) lives here too, so a settings value plus the
code version fully determines what the sandbox serves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

# HubSpot usage guidelines (provider-apis.md A3): (requests per 10 s, requests per day).
# The burst limit depends on the kind of app, the daily one on the account's subscription.
HUBSPOT_TIERS: dict[str, tuple[int, int]] = {
    "public-app": (110, 250_000),  # marketplace OAuth app on a Free/Starter account (the default)
    "starter": (100, 250_000),  # private app, Free/Starter
    "professional": (190, 625_000),
    "enterprise": (190, 1_000_000),
    "api-pack": (250, 2_000_000),  # Enterprise + one API limit increase pack
}
DEFAULT_HUBSPOT_TIER = "public-app"
# Groups of legacy HubSpot paths `hubspot_legacy_off` can turn off (hubspot/versions.py).
HUBSPOT_LEGACY_GROUPS = ("oauth-v1", "engagements-v1", "v1-v4")



def wall_clock_anchor_ms() -> int:
    """The default anchor: the wall clock when the settings are made (the sandbox's start),
    truncated to the second, so the generated history ends where a client's "now" begins."""
    return int(time.time()) * 1000


# Callback URLs a local revsync (or a test) may use; `--oauth-redirect-uri` replaces them.
DEFAULT_OAUTH_REDIRECT_URIS = (
    "http://localhost:8000/oauth/hubspot/callback",
    "http://localhost:8000/oauth/fathom/callback",
    "http://localhost:8000/oauth/callback",
    "http://localhost:3000/oauth/callback",
)


@dataclass(frozen=True)
class SandboxSettings:
    # --- server ---
    host: str = "127.0.0.1"
    port: int = 8765
    ready_file: str | None = None
    access_log: bool = False

    # --- generated data ---
    seed: int = 7
    accounts: int = 3
    engagements_per_account: int = 1000
    owners_per_account: int = 8
    # Share of engagements per HubSpot object type (calls and logged emails dominate real portals).
    engagement_mix: dict[str, float] = field(default_factory=lambda: {
        "calls": 0.32, "emails": 0.33, "notes": 0.15, "tasks": 0.12, "meetings": 0.08,
    })
    # CRM records per account; None scales with the engagements (see crm_record_counts).
    contacts_per_account: int | None = None
    companies_per_account: int | None = None
    deals_per_account: int | None = None
    history_days: int = 365
    # Where the generated history ends. By default the wall clock at start (unpinned: "now" is
    # the wall clock too); `pinned_at()` / `--anchor ISO` fix it for reproducible data.
    anchor_ms: int = field(default_factory=wall_clock_anchor_ms)
    anchor_pinned: bool = False
    archived_fraction: float = 0.03
    null_owner_fraction: float = 0.06

    # --- HubSpot behaviour ---
    hubspot_burst_limit: int = HUBSPOT_TIERS[DEFAULT_HUBSPOT_TIER][0]
    hubspot_daily_limit: int = HUBSPOT_TIERS[DEFAULT_HUBSPOT_TIER][1]
    hubspot_window_seconds: float = 10.0
    # HubSpot documents no Retry-After on REST 429s; some clients see one, so it is opt-in.
    hubspot_retry_after: bool = False
    # Docs and connectors say limit max is 100; answer 400 ("error") or silently cap ("clamp").
    hubspot_limit_over_max: str = "error"
    # Requested properties without a value: HubSpot sends null ("null"), while its OpenAPI spec
    # types property values as plain strings; "omit" leaves them out for strict schema checks.
    hubspot_null_properties: str = "null"
    rate_limits_enabled: bool = True
    # POST /crm/v4/associations/{from}/{to}/batch/read: associations per input before its own
    # `paging.next.after` (undocumented; v3 association endpoints stopped at 500).
    hubspot_association_page_size: int = 500
    # CRM search (provider-apis.md A2/A3): its own per-portal bucket, outside the burst window.
    hubspot_search_rate_limit: int = 5  # requests per second
    # Aug-2024 changelog: 5 groups, 10 filters per group, 25 in total; the spec text says 6 groups.
    hubspot_search_max_filter_groups: int = 5
    hubspot_search_max_filters_per_group: int = 10
    hubspot_search_max_filters_total: int = 25
    # "It may take a few moments" before changes reach search and v1 modified/after: rows
    # modified less than this long before the sandbox clock (store.now_ms) stay hidden there.
    # Tests pass 0 (conftest) so fresh sandboxes answer completely at once.
    hubspot_search_index_delay_ms: int = 2000
    # Re-associating a record (advance's `reassociate`) leaves its hs_lastmodifieddate alone, as
    # HubSpot does (association changes do not update the record's last-modified date); True
    # bumps it, for clients that want association changes to look like edits.
    hubspot_reassociate_bumps_modified: bool = False
    # Scopes of every portal's private-app token; None = every scope the sandbox knows. A smaller
    # set lets a client meet HubSpot's 403 MISSING_SCOPES (OAuth tokens carry their granted ones).
    hubspot_private_app_scopes: tuple[str, ...] | None = None

    # --- Aircall behaviour (provider-apis.md B2) ---
    aircall_calls_per_account: int = 500
    # 60/min per company per the help centre; one write-up quotes 120/min, so it is a knob.
    aircall_rate_limit: int = 60
    aircall_window_seconds: float = 60.0
    # per_page > 50: Aircall caps it ("clamp"); "error" answers 400 for strict clients' tests.
    aircall_per_page_over_max: str = "clamp"
    # A page starting past the 10,000-record cap: 400 ("error") or an empty page ("empty").
    aircall_page_cap: str = "error"
    # Companies (the first N accounts) with Aircall's AI add-on: GET /v1/calls/{id}/transcription
    # answers for their recorded calls and voicemails; the others get 403 (provider-apis.md B2).
    aircall_ai_addon_accounts: int = 1

    # --- OAuth (HubSpot A1, Fathom B1): each account's app at both providers ---
    # Exact-match allow list (HubSpot allows http://localhost for testing, not IP addresses).
    oauth_redirect_uris: tuple[str, ...] = DEFAULT_OAUTH_REDIRECT_URIS
    # Scopes the HubSpot app marks required: all must be in the authorize request's `scope`.
    hubspot_oauth_required_scopes: tuple[str, ...] = ("oauth", "crm.objects.contacts.read")
    # Access token lifetime; HubSpot's is 30 minutes. Tests pass a few seconds.
    hubspot_token_ttl_seconds: int = 1800
    # Undocumented (A1): "same" returns the same refresh token; "rotate" a new one and kills the old.
    hubspot_refresh_rotation: str = "same"
    # Deny on the consent page: redirect with error=access_denied (True), or, as the quickstart
    # guide says ("no request is made to the redirect URI"), stay on the page (False).
    hubspot_deny_redirect: bool = True
    # Legacy path groups answered as removed endpoints (404), as HubSpot's timeline will:
    # "oauth-v1", "engagements-v1", "v1-v4" (hubspot/versions.py). Empty: every legacy path works.
    hubspot_legacy_off: tuple[str, ...] = ()

    # --- Fathom behaviour (provider-apis.md B1) ---
    fathom_meetings_per_account: int = 150
    fathom_rate_limit: int = 60
    fathom_window_seconds: float = 60.0
    fathom_token_ttl_seconds: int = 86400  # one client observed expires_in=86400
    # include_transcript/include_summary are "unavailable for OAuth connected apps" (SDK docs);
    # what happens is undocumented: leave them out ("omit") or answer 400 ("error").
    fathom_oauth_includes: str = "omit"
    # Seconds after a meeting's created_at before its transcript is ready: until then the list's
    # `transcript` is null and /recordings/{id}/transcript answers an empty list. 0: always ready.
    fathom_transcript_delay_seconds: float = 0.0

    # --- fault injection (POST /_sandbox/faults); None = derive from `seed` ---
    fault_seed: int | None = None

    # --- latency model (on in benchmarks, off in unit tests) ---
    latency_enabled: bool = False
    latency_fixed_ms: float = 40.0
    latency_jitter_ms: float = 30.0

    def crm_record_counts(self) -> dict[str, int]:
        """Contacts, companies and deals per account: explicit counts, or about one contact per
        five engagements, four contacts per company and one deal per two companies."""
        contacts = self.contacts_per_account
        if contacts is None:
            contacts = -(-self.engagements_per_account // 5)
        companies = self.companies_per_account
        if companies is None:
            companies = -(-contacts // 4)
        deals = self.deals_per_account
        if deals is None:
            deals = -(-companies // 2)
        # HubSpot's other standard types (tickets, products, ...) exist in every portal, empty.
        from provider_sandbox.hubspot.objects import EMPTY_RECORD_TYPES

        return {"companies": companies, "contacts": contacts, "deals": deals, **dict.fromkeys(EMPTY_RECORD_TYPES, 0)}

    def pinned_at(self, anchor_ms: int) -> SandboxSettings:
        """These settings with the history ending at a fixed time (tests, benchmarks)."""
        return replace(self, anchor_ms=int(anchor_ms), anchor_pinned=True)

    def with_tier(self, tier: str) -> SandboxSettings:
        burst, daily = HUBSPOT_TIERS[tier]
        return replace(self, hubspot_burst_limit=burst, hubspot_daily_limit=daily)

    def validate(self) -> None:
        """Raise ValueError with a readable message for impossible combinations."""
        if self.accounts < 1:
            raise ValueError("accounts must be at least 1")
        if self.engagements_per_account < 0:
            raise ValueError("engagements must be >= 0")
        if self.owners_per_account < 1:
            raise ValueError("owners must be at least 1")
        if not 0 <= self.archived_fraction < 1 or not 0 <= self.null_owner_fraction < 1:
            raise ValueError("fractions must be in [0, 1)")
        if self.hubspot_burst_limit < 1 or self.hubspot_daily_limit < 1:
            raise ValueError("rate limits must be positive")
        if self.hubspot_limit_over_max not in ("error", "clamp"):
            raise ValueError("hubspot_limit_over_max must be 'error' or 'clamp'")
        if self.hubspot_null_properties not in ("null", "omit"):
            raise ValueError("hubspot_null_properties must be 'null' or 'omit'")
        if abs(sum(self.engagement_mix.values()) - 1.0) > 1e-9:
            raise ValueError("engagement_mix shares must add up to 1")
        if any(n is not None and n < 0 for n in (self.contacts_per_account, self.companies_per_account,
                                                 self.deals_per_account)):
            raise ValueError("contacts, companies and deals must be >= 0")
        if self.hubspot_association_page_size < 1:
            raise ValueError("the association page size must be positive")
        if self.hubspot_search_rate_limit < 1:
            raise ValueError("the search rate limit must be positive")
        if min(self.hubspot_search_max_filter_groups, self.hubspot_search_max_filters_per_group,
               self.hubspot_search_max_filters_total) < 1:
            raise ValueError("search filter limits must be positive")
        if self.hubspot_search_index_delay_ms < 0:
            raise ValueError("the search indexing delay must be >= 0")
        if self.aircall_calls_per_account < 0:
            raise ValueError("aircall calls must be >= 0")
        if self.aircall_rate_limit < 1 or self.aircall_window_seconds <= 0:
            raise ValueError("the Aircall rate limit and window must be positive")
        if self.aircall_per_page_over_max not in ("clamp", "error"):
            raise ValueError("aircall_per_page_over_max must be 'clamp' or 'error'")
        if self.aircall_page_cap not in ("error", "empty"):
            raise ValueError("aircall_page_cap must be 'error' or 'empty'")
        if self.aircall_ai_addon_accounts < 0:
            raise ValueError("aircall AI add-on accounts must be >= 0")
        if not self.oauth_redirect_uris or any(
                not uri.startswith(("http://", "https://")) for uri in self.oauth_redirect_uris):
            raise ValueError("OAuth redirect URIs must be http(s) URLs")
        if self.hubspot_token_ttl_seconds < 1 or self.fathom_token_ttl_seconds < 1:
            raise ValueError("token lifetimes must be at least 1 second")
        if self.hubspot_refresh_rotation not in ("same", "rotate"):
            raise ValueError("hubspot_refresh_rotation must be 'same' or 'rotate'")
        if self.fathom_meetings_per_account < 0:
            raise ValueError("fathom meetings must be >= 0")
        if self.fathom_rate_limit < 1 or self.fathom_window_seconds <= 0:
            raise ValueError("the Fathom rate limit and window must be positive")
        if self.fathom_transcript_delay_seconds < 0:
            raise ValueError("the Fathom transcript delay must be >= 0")
        if self.fathom_oauth_includes not in ("omit", "error"):
            raise ValueError("fathom_oauth_includes must be 'omit' or 'error'")
        unknown_groups = sorted(set(self.hubspot_legacy_off) - set(HUBSPOT_LEGACY_GROUPS))
        if unknown_groups:
            raise ValueError(f"unknown legacy path group(s) {', '.join(unknown_groups)}; "
                             f"choose from {', '.join(HUBSPOT_LEGACY_GROUPS)}")
