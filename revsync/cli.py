"""The `revsync` command line. Errors the user can act on print one message and exit non-zero."""

from __future__ import annotations

import argparse
import os
import sys

from revsync.errors import RevsyncError


def _db(args) -> int:
    from revsync.db import check_connection, database_url, redact, uses_embedded

    if args.action == "migrate":
        from revsync.db.migrate import migrate

        url = database_url(start=True)
        check_connection(url)
        print(f"app schema at revision {migrate(url)}")
        return 0
    if not uses_embedded():
        url = database_url()
        if args.action == "url":
            print(url)
        elif args.action == "status":
            check_connection(url)
            print(f"using DATABASE_URL {redact(url)}: reachable (revsync starts no server of its own)")
        else:
            print(f"DATABASE_URL is set ({redact(url)}); revsync does not start or stop that server.")
        return 0

    from revsync.db.embedded import EmbeddedPostgres

    server = EmbeddedPostgres()
    if args.action == "start":
        info = server.start()
        print(f"embedded PostgreSQL running on 127.0.0.1:{info.port} (data in {server.data})")
    elif args.action == "stop":
        print("embedded PostgreSQL stopped" if server.stop() else "embedded PostgreSQL was not running")
    elif args.action == "status":
        pid = server.running_pid()
        if not server.is_initialized():
            print(f"embedded PostgreSQL: not set up yet ({server.root}); `revsync db start` creates it")
            return 3
        info = server.info()
        state = f"running (pid {pid})" if pid else "stopped"
        print(f"embedded PostgreSQL: {state}, 127.0.0.1:{info.port}, data in {server.data}")
        return 0 if pid else 3
    elif args.action == "url":
        print(database_url(start=False))
    elif args.action == "set-port":
        print(f"embedded PostgreSQL will listen on 127.0.0.1:{server.set_port(args.port)}")
    return 0


def _setup(args) -> int:
    from revsync.setup import setup

    setup()
    print("ready. `revsync bi grant --account NAME` makes a BI login that reads one account's analytics.")
    return 0


def _bi(args) -> int:
    from revsync.db import check_connection, database_url
    from revsync.db.roles import grant_bi_login, revoke_bi_login

    url = database_url(start=True)
    check_connection(url)
    if args.action == "grant":
        login = grant_bi_login(url, args.account, args.rep)
        whose = f"rep {login.rep_email} of {login.account.name}" if login.rep_email else login.account.name
        print(f"BI login for {whose}: reads analytics.* rows of this account only (a rep's: only their own "
              "coaching rows); the password is shown once (grant again to rotate it):", file=sys.stderr)
        print(login.url)
        return 0
    role = revoke_bi_login(url, args.account, args.rep)
    print(f"dropped BI login {role}" if role else f"{args.account} has no such BI login")
    return 0


def _demo(args) -> int:
    from revsync.demo import run_demo

    return run_demo(dagster_port=args.port, seed=args.seed, engagements=args.engagements, serve=not args.no_serve)


def _exec(args) -> int:
    """Run a command with the environment revsync's parts share (database, Dagster home)."""
    from revsync.db import check_connection, database_url
    from revsync.setup import process_env

    if not args.command:
        raise RevsyncError("Give a command to run, e.g. `revsync exec -- dagster dev`.")
    url = database_url(start=True)
    check_connection(url)
    env = {**os.environ, **process_env(url)}
    command = args.command[1:] if args.command[0] == "--" else args.command
    os.execvpe(command[0], command, env)
    return 127  # not reached


def _secret_key(args) -> int:
    from revsync.credentials import generate_key

    print(generate_key())
    return 0


def _keys(args) -> int:
    from revsync.credentials import rotate_secrets

    conn = _database()
    try:
        with conn:
            rewritten = rotate_secrets(conn)
    finally:
        conn.close()
    print(f"re-encrypted {rewritten} stored secret{'s' if rewritten != 1 else ''} under the first key of "
          "REVSYNC_SECRET_KEY; the other keys can now be removed from it")
    return 0


def _users(args) -> int:
    from oauth_service.users import add_user, create_password_link
    from revsync.accounts import find_account
    from revsync.settings import get_settings

    password = _read_password(args.password) if args.password is not None else None
    conn = _database()
    try:
        with conn:
            account = find_account(conn, args.account)
            user, created = add_user(conn, account_id=account.account_id, email=args.email, role=args.role,
                                     display_name=args.name, password=password)
            link = None if password is not None else create_password_link(conn, user.user_id)
    finally:
        conn.close()
    print(f"{'added' if created else 'updated'} {user.role} {user.email} in {account.name} ({account.slug})")
    if link:
        print(f"one-time link to set the password (valid 72 hours, works once):\n  "
              f"{get_settings().web_url}/set-password/{link}")
    return 0


def _read_password(option: str) -> str:
    """`--password -` reads one line of stdin; `--password ask` prompts twice without echo."""
    if option == "-":
        return sys.stdin.readline().rstrip("\n")
    if option == "ask":
        import getpass

        first = getpass.getpass("Password (not shown): ")
        if getpass.getpass("The same password again: ") != first:
            raise RevsyncError("The two passwords differ.")
        return first
    raise RevsyncError("--password takes - (read stdin) or ask (prompt); a password on the command line "
                       "would be visible to other users of the machine.")


def _web(args) -> int:
    from oauth_service.config import WebConfig
    from oauth_service.server import default_workers, serve
    from revsync.db.migrate import migrate

    if args.workers is not None and args.workers < 1:
        raise RevsyncError(f"--workers must be 1 or more (got {args.workers}).")
    url = _database_url()
    migrate(url)
    overrides = {"public_url": args.public_url} if args.public_url else {}
    config = WebConfig.from_settings(url, **overrides)
    workers = args.workers or default_workers()
    print(f"revsync web app at {config.public_url} (listening on {args.host}:{args.port}, {workers} worker "
          f"process{'es' if workers > 1 else ''}); Ctrl-C stops it", flush=True)
    serve(config, args.host, args.port, workers=workers)
    return 0


def _database_url() -> str:
    from revsync.db import check_connection, database_url

    url = database_url(start=True)
    check_connection(url)
    return url


def _database():
    """A psycopg2 connection to revsync's database (the embedded server is started if needed)."""
    import psycopg2

    from revsync.db import check_connection, database_url

    url = database_url(start=True)
    check_connection(url)
    return psycopg2.connect(url)


def _accounts(args) -> int:
    from revsync.accounts import add_account, list_accounts

    conn = _database()
    try:
        with conn:
            if args.action == "add":
                account, created = add_account(conn, args.name)
                note = "" if created else " (already there)"
                print(f"{account.account_id}  {account.slug}  {account.name}{note}")
                return 0
            accounts = list_accounts(conn)
    finally:
        conn.close()
    if not accounts:
        print("no accounts yet; `revsync accounts add NAME` adds one")
        return 0
    rows = [("NAME", "SLUG", "ID", "CONNECTIONS")]
    for account in accounts:
        connections = ", ".join(f"{c.provider} ({c.auth_type}): {c.status}" for c in account.connections)
        rows.append((account.name, account.slug, account.account_id, connections or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=False)) + "  " + row[3])
    return 0


def _read_token(option: str | None, what: str = "HubSpot private app token",
                flag: str = "--private-app-token") -> str:
    """A secret from its option: the value itself, `-` for one line of stdin, or a prompt that
    does not echo when the option is omitted."""
    if option == "-":
        token = sys.stdin.readline()
    elif option is None:
        import getpass

        token = getpass.getpass(f"{what} (not shown): ")
    else:
        token = option
    token = token.strip()
    if not token:
        raise RevsyncError(f"No token given: pass the {what} as {flag} VALUE, or - to read it from stdin.")
    return token


def _connect(args) -> int:
    connect = {"fathom": _connect_fathom, "aircall": _connect_aircall}.get(args.provider, _connect_hubspot)
    return connect(args)


def _connect_aircall(args) -> int:
    from dlt_sources.aircall.api import verify_credentials
    from dlt_sources.http import SourceError
    from revsync.accounts import find_account
    from revsync.credentials import default_api_base, normalize_api_base, store_connection

    api_base = normalize_api_base(args.api_base) if args.api_base else default_api_base("aircall")
    api_id = args.api_id.strip()
    if not api_id:
        raise RevsyncError("No Aircall API ID given. Pass --api-id ID.")
    conn = _database()
    try:
        account = find_account(conn, args.account)
        token = _read_token(args.api_token, "Aircall API token", "--api-token")
        try:
            verify_credentials(api_base, api_id, token)
        except SourceError as exc:
            raise RevsyncError(str(exc)) from None
        with conn:
            store_connection(conn, account_id=account.account_id, provider="aircall", auth_type="basic",
                             secrets={"api_id": api_id, "api_token": token}, api_base=api_base)
    finally:
        conn.close()
    print(f"connected Aircall to {account.name} ({account.slug}) through {api_base}; the API token is in the vault")
    return 0


def _connect_hubspot(args) -> int:
    from revsync.accounts import find_account
    from revsync.credentials import default_api_base, normalize_api_base, store_connection, verify_hubspot_token

    api_base = normalize_api_base(args.api_base) if args.api_base else default_api_base("hubspot")
    conn = _database()
    try:
        account = find_account(conn, args.account)
        token = _read_token(args.private_app_token)
        check = verify_hubspot_token(token, api_base)
        with conn:
            store_connection(
                conn, account_id=account.account_id, provider="hubspot", auth_type="private_app",
                secrets={"access_token": token}, api_base=api_base,
            )
    finally:
        conn.close()
    print(f"connected HubSpot to {account.name} ({account.slug}) through {api_base}; the token is in the vault")
    if check.missing_scopes:
        print(f"warning: the token lacks {', '.join(check.missing_scopes)}; object types that need it are "
              "skipped until the private app is given those scopes", file=sys.stderr)
    return 0


def _connect_fathom(args) -> int:
    from dlt_sources.fathom.api import check_api_key, delete_webhook, register_webhook
    from dlt_sources.http import SourceError, Unauthorized
    from revsync.accounts import find_account
    from revsync.credentials import default_api_base, load_connection, normalize_api_base, store_connection

    api_base = normalize_api_base(args.api_base) if args.api_base else default_api_base("fathom")
    webhook_base = _webhook_base(args.webhook_url) if args.webhook_url else None
    conn = _database()
    try:
        account = find_account(conn, args.account)
        key = _read_token(args.api_key, "Fathom API key", "--api-key")
        try:
            check_api_key(api_base, key)
        except Unauthorized:
            raise RevsyncError("Fathom rejected the API key (401). Copy the whole key from Fathom's Settings > "
                               "API Access and try again.") from None
        except SourceError as exc:
            raise RevsyncError(f"Could not check the Fathom API key at {api_base}: {exc}") from None
        try:
            previous = load_connection(conn, account.account_id, "fathom").secrets
        except RevsyncError:
            previous = {}
        secrets = {"api_key": key}
        # Without --webhook-url, a webhook registered earlier keeps delivering: keep its secret.
        secrets.update({k: previous[k] for k in ("webhook_secret", "webhook_id") if k in previous and not webhook_base})
        with conn:
            connection_id = store_connection(conn, account_id=account.account_id, provider="fathom",
                                             auth_type="api_key", secrets=secrets, api_base=api_base)
            if webhook_base:
                destination = f"{webhook_base}/webhooks/fathom/{connection_id}"
                try:
                    if previous.get("webhook_id"):
                        try:
                            delete_webhook(api_base, key, previous["webhook_id"])
                        except SourceError as exc:  # gone already, or another user's: not ours to fix
                            print(f"note: the earlier webhook could not be removed ({exc})", file=sys.stderr)
                    webhook = register_webhook(api_base, key, destination)
                except SourceError as exc:
                    raise RevsyncError(f"Fathom did not register the webhook: {exc}") from None
                secrets.update(webhook_secret=webhook["secret"], webhook_id=str(webhook["id"]))
                store_connection(conn, account_id=account.account_id, provider="fathom", auth_type="api_key",
                                 secrets=secrets, api_base=api_base)
    finally:
        conn.close()
    print(f"connected Fathom to {account.name} ({account.slug}) through {api_base}; the key is in the vault")
    if webhook_base:
        print(f"Fathom sends new meetings to {destination}")
    return 0


def _webhook_base(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RevsyncError(f"--webhook-url must be the web app's public http(s) base URL, e.g. "
                           f"https://revsync.example.com (got {url!r}).")
    return url.strip().rstrip("/")


def _parse_instant(value: str):
    from datetime import UTC, datetime

    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _sync(args) -> int:
    from dlt_sources.sync import connected_accounts, sync_accounts, sync_options
    from revsync.accounts import find_account
    from revsync.credentials import PROVIDER_NAMES
    from revsync.db import database_url

    provider, name = args.provider, PROVIDER_NAMES[args.provider]
    if (args.start is None) != (args.end is None):
        raise RevsyncError("Give both --start and --end for a window, or neither.")
    window = (args.start, args.end) if args.start else None
    try:
        options = sync_options(provider, mode=args.mode or "incremental", window=window, **args.provider_options(args))
    except ValueError as exc:
        raise RevsyncError(str(exc)) from None
    conn = _database()
    try:
        ids = [find_account(conn, account).account_id for account in args.account or []]
    finally:
        conn.close()
    url = database_url(start=True)
    accounts = connected_accounts(url, provider, ids or None)
    if not accounts:
        raise RevsyncError(f"No {name} connection to sync. Connect one with `revsync connect {provider} --account "
                           "NAME` (or turn auto-sync on for it).")
    outcomes = sync_accounts(provider, url, accounts, options, trigger="backfill" if window else "manual",
                             progress=lambda message: sys.stderr.write(message + "\n"))  # one write: threads
    for outcome in outcomes:
        print(outcome.line())
    failed = [o for o in outcomes if o.status == "failed"]
    return 1 if failed else 0


def _sync_parser(providers, provider: str, *, help: str, description: str, full: str | None = None,
                 reconcile: str | None = None) -> argparse.ArgumentParser:
    """`revsync sync PROVIDER` with the options every source takes; returns it for the provider's own."""
    parser = providers.add_parser(provider, help=help, description=description)
    parser.add_argument("--account", action="append", metavar="NAME",
                        help="account name, slug or id; repeat for several (default: every connected "
                        "account with auto-sync on)")
    modes = parser.add_mutually_exclusive_group()
    if full:
        modes.add_argument("--full", action="store_const", const="full", dest="mode", help=full)
    if reconcile:
        modes.add_argument("--reconcile", action="store_const", const="reconcile", dest="mode", help=reconcile)
    parser.add_argument("--start", type=_parse_instant, metavar="ISO",
                        help="with --end: load exactly the records created in [start, end), e.g. 2026-01-01")
    parser.add_argument("--end", type=_parse_instant, metavar="ISO", help="end of the window (exclusive)")
    parser.set_defaults(mode=None, provider_options=lambda args: {})
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="revsync",
        description="revsync: sync HubSpot, Fathom and Aircall into PostgreSQL, model with dbt, run on Dagster.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser(
        "db", help="the database: embedded PostgreSQL, or DATABASE_URL when set",
        description="Manage revsync's PostgreSQL. Without DATABASE_URL, revsync runs its own server under "
        ".revsync/pg/ (loopback only, password auth).",
    )
    db.add_argument("action", choices=["start", "stop", "status", "url", "migrate", "set-port"],
                    help="start/stop the embedded server, show its status or DSN, apply migrations, "
                    "or move it to another port")
    db.add_argument("--port", type=int, default=None, help="with set-port: the new port (default: a free one)")
    db.set_defaults(func=_db)

    setup = commands.add_parser("setup", help="start the database, migrate, write the Dagster home, parse dbt")
    setup.set_defaults(func=_setup)

    demo = commands.add_parser(
        "demo", help="run everything locally against the provider sandbox until Ctrl-C",
        description="Start the database, the provider sandbox and a demo account, sync once, then serve the "
        "Dagster UI. Ctrl-C stops everything this command started.",
    )
    demo.add_argument("--port", type=int, default=3000, help="Dagster UI port (a free one if taken; default 3000)")
    demo.add_argument("--seed", type=int, default=7, help="sandbox data seed (default 7)")
    demo.add_argument("--engagements", type=int, default=2000, help="engagements in the demo portal (default 2000)")
    demo.add_argument("--no-serve", action="store_true", help="stop after the first sync")
    demo.set_defaults(func=_demo)

    users = commands.add_parser(
        "users", help="add web app users (managers and reps) to an account",
        description="Users sign in to the web app. Managers connect and manage their account's integrations; "
        "reps see their own numbers. A rep is matched to provider activity by email.",
    )
    user_actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    user_add = user_actions.add_parser(
        "add", help="add a user, or update the role, name or password of an existing one",
        description="Add a user to an account. Without --password, print a one-time link (72 hours) where the "
        "user sets their own password.",
    )
    user_add.add_argument("--account", required=True, metavar="NAME_OR_SLUG", help="the account: name, slug or id")
    user_add.add_argument("--email", required=True, help="the user's email (their login, any letter case)")
    user_add.add_argument("--role", required=True, choices=["manager", "rep"], help="manager or rep")
    user_add.add_argument("--name", help="the name shown in the app (default: the email)")
    user_add.add_argument("--password", metavar="-|ask",
                          help="set the password now: - reads it from stdin, ask prompts for it (at least 10 "
                          "characters); omitted: print a one-time link instead")
    users.set_defaults(func=_users)

    web = commands.add_parser(
        "web", help="serve the web app (integrations page, dashboard, JSON API) in the foreground",
        description="Migrate the database, then serve the web app. OAuth redirect URIs are "
        "{REVSYNC_WEB_URL}/callback/<provider>; register them with each provider's OAuth app.",
    )
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    web.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    web.add_argument("--public-url", help="the address users reach the app at (default: REVSYNC_WEB_URL)")
    web.add_argument("--workers", type=int, help="worker processes serving requests (default: one per two CPUs, "
                     "at most 4)")
    web.set_defaults(func=_web)

    run = commands.add_parser(
        "exec", help="run a command with revsync's environment, e.g. `revsync exec -- dagster dev`",
        description="Run COMMAND with the database URL, dbt connection variables and DAGSTER_HOME set.",
    )
    run.add_argument("command", nargs=argparse.REMAINDER)
    run.set_defaults(func=_exec)

    # Listed for --help only: main() hands `revsync sandbox ...` to provider_sandbox's own parser.
    commands.add_parser("sandbox", help="serve the provider sandbox (HubSpot, Fathom, Aircall) in the foreground; "
                        "`revsync sandbox --help` lists its flags")

    accounts = commands.add_parser(
        "accounts", help="add or list accounts (the teams whose providers are connected)",
        description="Accounts are the teams revsync syncs for. Each has a name, a slug made from it, and an id.",
    )
    account_actions = accounts.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = account_actions.add_parser(
        "add", help="add an account and print its id (idempotent: the same slug gives the same account)",
        description="Add an account named NAME; its slug is NAME in lowercase ASCII with dashes. Prints "
        "its id, slug and name. Adding a name whose slug exists returns that account.",
    )
    add.add_argument("name", metavar="NAME", help='the account\'s name, e.g. "Acme Sales"')
    account_actions.add_parser("list", help="list accounts: name, slug, id, connected providers and their status")
    accounts.set_defaults(func=_accounts)

    connect = commands.add_parser(
        "connect", help="connect a provider to an account with its token or API key",
        description="Store a provider's credentials for an account, encrypted in the database. OAuth "
        "connections are made on the integrations page.",
    )
    connect_providers = connect.add_subparsers(dest="provider", required=True, metavar="PROVIDER")
    hubspot = connect_providers.add_parser(
        "hubspot", help="connect HubSpot with a private app's access token",
        description="Check a HubSpot private app token with one call to the owners API, then store it "
        "encrypted for the account. The token is never printed. Prefer `--private-app-token -` (stdin) or "
        "the prompt: a token on the command line is visible to other users of the machine.",
    )
    hubspot.add_argument("--account", required=True, metavar="NAME_OR_SLUG",
                         help="the account: its name, slug or id (see `revsync accounts list`)")
    hubspot.add_argument("--private-app-token", metavar="TOKEN",
                         help="the private app's access token; - reads it from stdin; omitted: asked for, not echoed")
    hubspot.add_argument("--api-base", metavar="URL",
                         help="HubSpot API base the token belongs to (default: HUBSPOT_API_BASE, "
                         "https://api.hubapi.com); stored with the connection, and the token is only sent there. "
                         "https, or http on this machine")
    fathom = connect_providers.add_parser(
        "fathom", help="connect Fathom with an API key, optionally registering its webhook",
        description="Check a Fathom API key with one call to the meetings API, then store it encrypted for the "
        "account. The key is never printed. With --webhook-url, Fathom is asked to send every new meeting to "
        "this deployment's receiver (WEBHOOK_URL/webhooks/fathom/CONNECTION), and the webhook's signing secret "
        "is stored with the key.",
    )
    fathom.add_argument("--account", required=True, metavar="NAME_OR_SLUG",
                        help="the account: its name, slug or id (see `revsync accounts list`)")
    fathom.add_argument("--api-key", metavar="KEY",
                        help="the Fathom API key; - reads it from stdin; omitted: asked for, not echoed")
    fathom.add_argument("--api-base", metavar="URL",
                        help="Fathom API base the key belongs to (default: FATHOM_API_BASE, https://api.fathom.ai); "
                        "https, or http on this machine")
    fathom.add_argument("--webhook-url", metavar="URL",
                        help="the web app's public base URL; register a webhook there for new meetings")
    aircall = connect_providers.add_parser(
        "aircall", help="connect Aircall with an API ID and API token",
        description="Check an Aircall API ID and token (HTTP Basic auth) with one call to the users API, then "
        "store them encrypted for the account. The token is never printed; prefer `--api-token -` (stdin) "
        "or the prompt.",
    )
    aircall.add_argument("--account", required=True, metavar="NAME_OR_SLUG",
                         help="the account: its name, slug or id (see `revsync accounts list`)")
    aircall.add_argument("--api-id", required=True, metavar="ID", help="the API ID (Aircall: Integrations > API Keys)")
    aircall.add_argument("--api-token", metavar="TOKEN",
                         help="the API token; - reads it from stdin; omitted: asked for, not echoed")
    aircall.add_argument("--api-base", metavar="URL",
                         help="Aircall API base (default: AIRCALL_API_BASE, https://api.aircall.io); "
                         "https, or http on this machine")
    connect.set_defaults(func=_connect)

    sync = commands.add_parser(
        "sync", help="sync a provider now: incremental by default, or --full, --reconcile, or a --start/--end window",
        description="Sync connected accounts now, each on its own (one account's failure does not stop the "
        "others). Progress goes to stderr, one summary line per account to stdout (rows new or changed, API "
        "calls, 429s, seconds), and every attempt to app.integration_sync_log. Exit code 1 if any account failed.",
    )
    sync_providers = sync.add_subparsers(dest="provider", required=True, metavar="PROVIDER")
    hubspot_sync = _sync_parser(
        sync_providers, "hubspot",
        help="HubSpot CRM objects, engagements, associations, owners, pipelines and call outcomes",
        description="Without options: what changed since the last sync (the first sync reads everything).",
        full="re-read every record, and mark records HubSpot no longer has as deleted",
        reconcile="re-read every id and association only (cheaper than --full): catches purged "
        "records and association changes HubSpot does not date; run it weekly",
    )
    hubspot_sync.add_argument("--v1-engagements", action="store_true",
                              help="read engagements through HubSpot's legacy v1 engagements API while it answers "
                              "(falls back to the date-based API by itself; see the README for its cost)")
    hubspot_sync.set_defaults(provider_options=lambda args: {"use_v1_engagements": args.v1_engagements})
    _sync_parser(
        sync_providers, "fathom",
        help="Fathom meetings, invitees, transcripts, summaries, action items and users",
        description="Without options: meetings created since the last sync (with a lookback, and back to any "
        "meeting still waiting for its transcript), plus webhook deliveries stored since; the first sync reads "
        "everything.",
        full="re-read every meeting",
    )
    aircall_sync = _sync_parser(
        sync_providers, "aircall",
        help="Aircall calls (archived ones marked), users and call transcriptions",
        description="Without options: calls started since the last sync, re-reading the last day for calls that "
        "ended, were tagged or were archived since; the first sync reads everything. --start/--end windows are "
        "on the call's start time.",
        full="re-read every call (catches calls archived or tagged after the lookback)",
    )
    aircall_sync.add_argument("--no-transcriptions", dest="transcriptions", action="store_false",
                              help="skip call transcriptions (each costs one request of the 60 a minute)")
    aircall_sync.set_defaults(provider_options=lambda args: {"transcriptions": args.transcriptions})
    sync.set_defaults(func=_sync)

    bi = commands.add_parser(
        "bi", help="BI tool logins: grant or revoke an account's read-only PostgreSQL login",
        description="Each account gets its own PostgreSQL login for BI tools (Metabase, Superset, Looker...). "
        "It reads the analytics schema only, and only that account's rows; it cannot write.",
    )
    bi_actions = bi.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (("grant", "create the account's BI login, or rotate its password; prints its URL once"),
                         ("revoke", "drop the account's BI login and end its open sessions")):
        bi_action = bi_actions.add_parser(action, help=text, description=text[0].upper() + text[1:] + ".")
        bi_action.add_argument("--account", required=True, metavar="NAME_OR_SLUG",
                               help="the account: its name, slug or id (see `revsync accounts list`)")
        bi_action.add_argument("--rep", metavar="EMAIL",
                               help="a rep of the account: that rep's own login, which sees only their coaching rows")
    bi.set_defaults(func=_bi)

    key = commands.add_parser("secret-key", help="print a new REVSYNC_SECRET_KEY (Fernet key)")
    key.set_defaults(func=_secret_key)

    keys = commands.add_parser(
        "keys", help="manage the keys that encrypt stored secrets",
        description="Rotate without downtime: `revsync secret-key` makes NEW; set REVSYNC_SECRET_KEY=NEW,OLD "
        "wherever revsync runs; `revsync keys rotate` re-encrypts every stored secret under NEW; then drop OLD.",
    )
    keys.add_argument("action", choices=["rotate"], help="re-encrypt every stored secret under the first key")
    keys.set_defaults(func=_keys)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sandbox"]:
        # Every flag after `sandbox`, --help included, belongs to the sandbox's own parser.
        from provider_sandbox.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RevsyncError as exc:
        print(f"revsync: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())


