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

    environment = setup()
    print(f"ready. BI login (read-only analytics.*): {environment.reader_url}")
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

    run = commands.add_parser(
        "exec", help="run a command with revsync's environment, e.g. `revsync exec -- dagster dev`",
        description="Run COMMAND with the database URL, dbt connection variables and DAGSTER_HOME set.",
    )
    run.add_argument("command", nargs=argparse.REMAINDER)
    run.set_defaults(func=_exec)

    # Listed for --help only: main() hands `revsync sandbox ...` to provider_sandbox's own parser.
    commands.add_parser("sandbox", help="serve the provider sandbox (HubSpot, Fathom, Aircall) in the foreground; "
                        "`revsync sandbox --help` lists its flags")

    key = commands.add_parser("secret-key", help="print a new REVSYNC_SECRET_KEY (Fernet key)")
    key.set_defaults(func=_secret_key)
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


