"""Run the HubSpot sync on its own: `python -m dlt_sources.hubspot [--account ID ...] [--full|--reconcile]`."""

import sys

from dlt_sources.sync import standalone_main

if __name__ == "__main__":
    sys.exit(standalone_main("hubspot", {"full": "re-read everything",
                                         "reconcile": "re-read ids and associations; mark purged records deleted"}))
