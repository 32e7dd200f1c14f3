"""Run the Fathom sync on its own: `python -m dlt_sources.fathom [--account ID ...] [--full]`.

The same code as `revsync sync fathom` (which has the friendlier options); this entry point
exists so the source runs without the rest of revsync's commands.
"""

import argparse
import sys

from dlt_sources.fathom.pipeline import FathomSyncOptions
from dlt_sources.sync import connected_accounts, sync_accounts
from revsync.db import check_connection, database_url
from revsync.errors import RevsyncError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlt_sources.fathom", description=__doc__.splitlines()[0])
    parser.add_argument("--account", action="append", help="revsync account id (default: every connected one)")
    parser.add_argument("--full", action="store_const", const="full", dest="mode", help="re-read every meeting")
    args = parser.parse_args(argv)
    try:
        url = database_url(start=True)
        check_connection(url)
        accounts = connected_accounts(url, "fathom", args.account)
        outcomes = sync_accounts("fathom", url, accounts, FathomSyncOptions(mode=args.mode or "incremental"),
                                 progress=lambda message: print(message, file=sys.stderr))
    except RevsyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for outcome in outcomes:
        print(outcome.line())
    return 1 if any(o.status == "failed" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
