"""Command line: `python -m provider_sandbox --port 8765 --accounts 3 --engagements 1000 --seed 7`.

`main(argv)` returns an exit code, so a `revsync sandbox` wrapper can delegate to it.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from provider_sandbox.app import build_app
from provider_sandbox.clock import SandboxDateHeader
from provider_sandbox.generator import build_store
from provider_sandbox.server import bind_socket, remove_ready_file, serve, socket_url, write_ready_file
from provider_sandbox.settings import DEFAULT_HUBSPOT_TIER, HUBSPOT_TIERS, SandboxSettings
from provider_sandbox.store import SandboxStore
from provider_sandbox.timefmt import parse_iso_to_ms


def build_parser() -> argparse.ArgumentParser:
    defaults = SandboxSettings()
    parser = argparse.ArgumentParser(
        prog="provider_sandbox",
        description="Local HubSpot/Fathom/Aircall API simulator with deterministic data.",
    )
    server = parser.add_argument_group("server")
    server.add_argument("--host", default=defaults.host, help="bind address (default %(default)s)")
    server.add_argument("--port", type=int, default=defaults.port,
                        help="0 picks a free port (default %(default)s)")
    server.add_argument("--ready-file", help="write {url, pid} JSON here once listening")
    server.add_argument("--access-log", action="store_true", help="log every request (slower)")

    data = parser.add_argument_group("generated data")
    data.add_argument("--seed", type=int, default=defaults.seed)
    data.add_argument("--accounts", type=int, default=defaults.accounts, help="portals to generate")
    data.add_argument("--engagements", type=int, default=defaults.engagements_per_account,
                      help="engagements per account, split over calls/emails/notes/tasks/meetings "
                           "(default %(default)s)")
    data.add_argument("--contacts", type=int, help="contacts per account (default: engagements / 5)")
    data.add_argument("--companies", type=int, help="companies per account (default: contacts / 4)")
    data.add_argument("--deals", type=int, help="deals per account (default: companies / 2)")
    data.add_argument("--owners", type=int, default=defaults.owners_per_account, help="reps per account")
    data.add_argument("--history-days", type=int, default=defaults.history_days)
    data.add_argument("--anchor", metavar="ISO|now",
                      help="time the generated history ends at, pinned: the clock starts there and the same "
                           "seed and anchor give the same data (default: now, the wall clock at start, "
                           "and the sandbox clock is the wall clock)")
    data.add_argument("--archived-fraction", type=float, default=defaults.archived_fraction)

    hubspot = parser.add_argument_group("HubSpot behaviour")
    hubspot.add_argument("--hubspot-tier", choices=sorted(HUBSPOT_TIERS), default=DEFAULT_HUBSPOT_TIER,
                         help="preset burst/daily limits (default %(default)s: 110 per 10 s, 250,000/day)")
    hubspot.add_argument("--hubspot-rate-limit", type=int, help="requests per window; overrides the tier")
    hubspot.add_argument("--hubspot-daily-limit", type=int, help="requests per day; overrides the tier")
    hubspot.add_argument("--hubspot-window-seconds", type=float, default=defaults.hubspot_window_seconds)
    hubspot.add_argument("--retry-after", action="store_true", help="send Retry-After on 429")
    hubspot.add_argument("--limit-over-max", choices=("error", "clamp"),
                         default=defaults.hubspot_limit_over_max,
                         help="limit>100: 400 VALIDATION_ERROR or silently cap (default %(default)s)")
    hubspot.add_argument("--null-properties", choices=("null", "omit"),
                         default=defaults.hubspot_null_properties,
                         help="requested properties without a value: send null or leave out")
    hubspot.add_argument("--no-rate-limits", action="store_true", help="disable every rate limit")
    hubspot.add_argument("--association-page-size", type=int, default=defaults.hubspot_association_page_size,
                         help="v4 associations batch read: associations per input before paging "
                              "(default %(default)s)")
    hubspot.add_argument("--search-rate-limit", type=int, default=defaults.hubspot_search_rate_limit,
                         help="CRM search requests per second per portal (default %(default)s)")
    hubspot.add_argument("--search-filter-groups", type=int, default=defaults.hubspot_search_max_filter_groups,
                         help="max search filterGroups (default %(default)s per the changelog; the spec says 6)")
    hubspot.add_argument("--hubspot-legacy-off", default="", metavar="GROUPS",
                         help="comma-separated legacy path groups answered as removed endpoints (404): "
                              "oauth-v1, engagements-v1, v1-v4 (default: none, every legacy path works)")
    hubspot.add_argument("--search-index-delay-ms", type=int, default=defaults.hubspot_search_index_delay_ms,
                         help="ms before a change shows in search and v1 modified/after (default %(default)s)")
    hubspot.add_argument("--reassociate-bumps-modified", action="store_true",
                         help="advance's reassociate also bumps hs_lastmodifieddate (HubSpot does not)")
    hubspot.add_argument("--hubspot-private-app-scopes", default=None, metavar="SCOPES",
                         help="space- or comma-separated scopes of the private-app tokens "
                              "(default: every scope the sandbox knows)")

    aircall = parser.add_argument_group("Aircall behaviour")
    aircall.add_argument("--aircall-calls", type=int, default=defaults.aircall_calls_per_account,
                         help="Aircall calls per account (default %(default)s)")
    aircall.add_argument("--aircall-rate-limit", type=int, default=defaults.aircall_rate_limit,
                         help="requests per window per company (default %(default)s; some sources say 120)")
    aircall.add_argument("--aircall-window-seconds", type=float, default=defaults.aircall_window_seconds)
    aircall.add_argument("--aircall-per-page-over-max", choices=("clamp", "error"),
                         default=defaults.aircall_per_page_over_max,
                         help="per_page>50: cap it or answer 400 (default %(default)s)")
    aircall.add_argument("--aircall-page-cap", choices=("error", "empty"), default=defaults.aircall_page_cap,
                         help="a page past the 10,000-record cap: 400 or an empty page (default %(default)s)")
    aircall.add_argument("--aircall-ai-addon-accounts", type=int, default=defaults.aircall_ai_addon_accounts,
                         help="the first N companies have the AI add-on (call transcriptions); the others get "
                              "403 (default %(default)s)")

    oauth = parser.add_argument_group("OAuth (HubSpot and Fathom apps of every account)")
    oauth.add_argument("--oauth-redirect-uri", action="append", metavar="URI",
                       help="allowed redirect URI, exact match; repeat for several (replaces the localhost "
                            f"defaults: {', '.join(defaults.oauth_redirect_uris)})")
    oauth.add_argument("--hubspot-required-scopes", default=" ".join(defaults.hubspot_oauth_required_scopes),
                       help="scopes the HubSpot app requires, space-separated (default %(default)r)")
    oauth.add_argument("--hubspot-token-ttl", type=int, default=defaults.hubspot_token_ttl_seconds,
                       help="HubSpot OAuth access token lifetime in seconds (default %(default)s)")
    oauth.add_argument("--hubspot-refresh-rotation", choices=("same", "rotate"),
                       default=defaults.hubspot_refresh_rotation,
                       help="refresh grant returns the same refresh token or a new one that replaces it")
    oauth.add_argument("--hubspot-deny-no-redirect", action="store_true",
                       help="Deny on the consent page stays there instead of redirecting with access_denied")

    fathom = parser.add_argument_group("Fathom behaviour")
    fathom.add_argument("--fathom-meetings", type=int, default=defaults.fathom_meetings_per_account,
                        help="Fathom meetings per account (default %(default)s)")
    fathom.add_argument("--fathom-rate-limit", type=int, default=defaults.fathom_rate_limit,
                        help="requests per window per user (default %(default)s)")
    fathom.add_argument("--fathom-window-seconds", type=float, default=defaults.fathom_window_seconds)
    fathom.add_argument("--fathom-token-ttl", type=int, default=defaults.fathom_token_ttl_seconds,
                        help="Fathom OAuth access token lifetime in seconds (default %(default)s)")
    fathom.add_argument("--fathom-oauth-includes", choices=("omit", "error"), default=defaults.fathom_oauth_includes,
                        help="include_transcript/summary with an OAuth token: leave out or 400")
    fathom.add_argument("--fathom-transcript-delay-seconds", type=float,
                        default=defaults.fathom_transcript_delay_seconds,
                        help="a meeting's transcript is ready this long after its created_at (default %(default)s)")

    faults = parser.add_argument_group("faults")
    faults.add_argument("--fault-seed", type=int, help="seed of injected faults (default: --seed)")

    latency = parser.add_argument_group("latency model")
    latency.add_argument("--latency", action=argparse.BooleanOptionalAction, default=defaults.latency_enabled,
                         help="add fixed + jitter delay to provider responses (default off)")
    latency.add_argument("--latency-fixed-ms", type=float, default=defaults.latency_fixed_ms)
    latency.add_argument("--latency-jitter-ms", type=float, default=defaults.latency_jitter_ms)
    return parser


def settings_from_args(args: argparse.Namespace) -> SandboxSettings:
    settings = SandboxSettings(
        host=args.host,
        port=args.port,
        ready_file=args.ready_file,
        access_log=args.access_log,
        seed=args.seed,
        accounts=args.accounts,
        engagements_per_account=args.engagements,
        contacts_per_account=args.contacts,
        companies_per_account=args.companies,
        deals_per_account=args.deals,
        owners_per_account=args.owners,
        history_days=args.history_days,
        archived_fraction=args.archived_fraction,
        hubspot_window_seconds=args.hubspot_window_seconds,
        hubspot_retry_after=args.retry_after,
        hubspot_limit_over_max=args.limit_over_max,
        hubspot_null_properties=args.null_properties,
        rate_limits_enabled=not args.no_rate_limits,
        hubspot_association_page_size=args.association_page_size,
        hubspot_search_rate_limit=args.search_rate_limit,
        hubspot_search_max_filter_groups=args.search_filter_groups,
        hubspot_search_index_delay_ms=args.search_index_delay_ms,
        hubspot_reassociate_bumps_modified=args.reassociate_bumps_modified,
        hubspot_private_app_scopes=(None if args.hubspot_private_app_scopes is None
                                    else tuple(args.hubspot_private_app_scopes.replace(",", " ").split())),
        aircall_calls_per_account=args.aircall_calls,
        aircall_rate_limit=args.aircall_rate_limit,
        aircall_window_seconds=args.aircall_window_seconds,
        aircall_per_page_over_max=args.aircall_per_page_over_max,
        aircall_page_cap=args.aircall_page_cap,
        aircall_ai_addon_accounts=args.aircall_ai_addon_accounts,
        fault_seed=args.fault_seed,
        hubspot_oauth_required_scopes=tuple(args.hubspot_required_scopes.replace(",", " ").split()),
        hubspot_token_ttl_seconds=args.hubspot_token_ttl,
        hubspot_refresh_rotation=args.hubspot_refresh_rotation,
        hubspot_deny_redirect=not args.hubspot_deny_no_redirect,
        hubspot_legacy_off=tuple(g for g in args.hubspot_legacy_off.replace(" ", ",").split(",") if g),
        fathom_meetings_per_account=args.fathom_meetings,
        fathom_rate_limit=args.fathom_rate_limit,
        fathom_window_seconds=args.fathom_window_seconds,
        fathom_token_ttl_seconds=args.fathom_token_ttl,
        fathom_oauth_includes=args.fathom_oauth_includes,
        fathom_transcript_delay_seconds=args.fathom_transcript_delay_seconds,
        latency_enabled=args.latency,
        latency_fixed_ms=args.latency_fixed_ms,
        latency_jitter_ms=args.latency_jitter_ms,
    ).with_tier(args.hubspot_tier)
    if args.anchor and args.anchor != "now":
        settings = settings.pinned_at(parse_iso_to_ms(args.anchor))
    if args.hubspot_rate_limit is not None:
        settings = replace(settings, hubspot_burst_limit=args.hubspot_rate_limit)
    if args.hubspot_daily_limit is not None:
        settings = replace(settings, hubspot_daily_limit=args.hubspot_daily_limit)
    if args.oauth_redirect_uri:
        settings = replace(settings, oauth_redirect_uris=tuple(args.oauth_redirect_uri))
    return settings


def print_credentials(store: SandboxStore) -> None:
    for account in store.accounts:
        portal = account.hubspot
        print(f"  {account.key} ({account.name}): hubspot hub_id={portal.hub_id} "
              f"private_app_token={portal.private_app_token}")
        if account.aircall is not None:
            print(f"    aircall api_id={account.aircall.api_id} api_token={account.aircall.api_token}")
        if portal.oauth_app is not None:
            print(f"    hubspot oauth client_id={portal.oauth_app.client_id} "
                  f"client_secret={portal.oauth_app.client_secret}")
        if account.fathom is not None:
            print(f"    fathom api_key={account.fathom.api_key} "
                  f"oauth client_id={account.fathom.oauth_app.client_id} "
                  f"client_secret={account.fathom.oauth_app.client_secret}")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
        settings.validate()
    except ValueError as error:
        parser.error(str(error))  # exits with code 2 and usage, no traceback

    try:
        sock = bind_socket(settings.host, settings.port)
    except OSError as error:
        reason = error.strerror or error
        where = f"{settings.host}:{settings.port}"
        print(f"provider_sandbox: cannot listen on {where}: {reason}", file=sys.stderr)
        return 1

    started = time.perf_counter()
    store = build_store(settings)
    records = sum(len(t) for a in store.accounts for t in a.hubspot.objects.values())
    print(f"provider_sandbox generated {records:,} records for {len(store.accounts)} account(s) "
          f"in {time.perf_counter() - started:.2f}s (seed {settings.seed})", flush=True)

    url = socket_url(sock)

    def announce() -> None:
        print(f"provider_sandbox listening on {url}")
        print_credentials(store)
        print("  admin: /_sandbox/health /_sandbox/accounts /_sandbox/stats /_sandbox/truth "
              "/_sandbox/faults /_sandbox/advance", flush=True)
        if settings.ready_file:
            write_ready_file(settings.ready_file, url)

    try:
        serve(SandboxDateHeader(build_app(settings, store), store.now_ms), sock, announce, settings.access_log)
    finally:
        if settings.ready_file:
            remove_ready_file(settings.ready_file)
    print("provider_sandbox stopped", flush=True)
    return 0
