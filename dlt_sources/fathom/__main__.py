"""Run the Fathom sync on its own: `python -m dlt_sources.fathom [--account ID ...] [--full]`."""

import sys

from dlt_sources.sync import standalone_main

if __name__ == "__main__":
    sys.exit(standalone_main("fathom", {"full": "re-read every meeting"}))
