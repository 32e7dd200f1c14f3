"""Command line: `python -m provider_sandbox --port 8765 --accounts 3 --engagements 1000 --seed 7`.

`main(argv)` returns an exit code, so a `revsync sandbox` wrapper can delegate to it.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from provider_sandbox.app import build_app
from provider_sandbox.generator import build_store
from provider_sandbox.server import bind_socket, remove_ready_file, serve, socket_url, write_ready_file
from provider_sandbox.settings import DEFAULT_ANCHOR, DEFAULT_HUBSPOT_TIER, HUBSPOT_TIERS, SandboxSettings
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
                      help="engagements per account (default %(default)s)")
    data.add_argument("--owners", type=int, default=defaults.owners_per_account, help="reps per account")
    data.add_argument("--history-days", type=int, default=defaults.history_days)
    data.add_argument("--anchor", help=f"ISO time the generated history ends at (default {DEFAULT_ANCHOR})")
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
        owners_per_account=args.owners,
        history_days=args.history_days,
        archived_fraction=args.archived_fraction,
        hubspot_window_seconds=args.hubspot_window_seconds,
        hubspot_retry_after=args.retry_after,
        hubspot_limit_over_max=args.limit_over_max,
        hubspot_null_properties=args.null_properties,
        rate_limits_enabled=not args.no_rate_limits,
        latency_enabled=args.latency,
        latency_fixed_ms=args.latency_fixed_ms,
        latency_jitter_ms=args.latency_jitter_ms,
    ).with_tier(args.hubspot_tier)
    if args.anchor:
        settings = replace(settings, anchor_ms=parse_iso_to_ms(args.anchor))
    if args.hubspot_rate_limit is not None:
        settings = replace(settings, hubspot_burst_limit=args.hubspot_rate_limit)
    if args.hubspot_daily_limit is not None:
        settings = replace(settings, hubspot_daily_limit=args.hubspot_daily_limit)
    return settings


def print_credentials(store: SandboxStore) -> None:
    for account in store.accounts:
        portal = account.hubspot
        print(f"  {account.key} ({account.name}): hubspot hub_id={portal.hub_id} "
              f"private_app_token={portal.private_app_token}")


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
        print("  admin: /_sandbox/health /_sandbox/accounts /_sandbox/stats /_sandbox/truth", flush=True)
        if settings.ready_file:
            write_ready_file(settings.ready_file, url)

    try:
        serve(build_app(settings, store), sock, announce, settings.access_log)
    finally:
        if settings.ready_file:
            remove_ready_file(settings.ready_file)
    print("provider_sandbox stopped", flush=True)
    return 0
