"""Every knob of the sandbox in one frozen dataclass.

The CLI builds it from flags; tests and benchmarks may build it directly. Anything that changes
the generated data (seed, counts, anchor, fractions) lives here too, so a settings value plus the
code version fully determines what the sandbox serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from provider_sandbox.timefmt import parse_iso_to_ms

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

# Fixed "now" of the generated world: a wall-clock anchor would break determinism across days.
DEFAULT_ANCHOR = "2026-11-01T00:00:00Z"


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
    # Share of engagements per HubSpot object type. Add a type here when its generator exists.
    engagement_mix: dict[str, float] = field(default_factory=lambda: {"calls": 1.0})
    history_days: int = 365
    anchor_ms: int = field(default_factory=lambda: parse_iso_to_ms(DEFAULT_ANCHOR))
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

    # --- latency model (on in benchmarks, off in unit tests) ---
    latency_enabled: bool = False
    latency_fixed_ms: float = 40.0
    latency_jitter_ms: float = 30.0

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
