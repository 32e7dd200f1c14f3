"""Run the HubSpot source on its own: `python -m dlt_sources.hubspot [--account ID ...]`.

Reads the connected portals' tokens from revsync's credentials vault and loads into the database
revsync is configured for (DATABASE_URL, or the embedded PostgreSQL).
"""

import argparse
import sys

import dlt

from dlt_sources.hubspot import hubspot_source
from dlt_sources.portals import connected_hubspot_portals
from revsync.db import check_connection, database_url
from revsync.errors import RevsyncError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlt_sources.hubspot", description=__doc__.splitlines()[0])
    parser.add_argument("--account", action="append", help="revsync account id (default: every connected one)")
    args = parser.parse_args(argv)
    try:
        url = database_url(start=True)
        check_connection(url)
        portals = connected_hubspot_portals(url, args.account)
        pipeline = dlt.pipeline(
            pipeline_name="hubspot", destination=dlt.destinations.postgres(url), dataset_name="raw_hubspot"
        )
        info = pipeline.run(hubspot_source(portals))
    except RevsyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
