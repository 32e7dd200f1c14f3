"""Run the Aircall sync on its own: `python -m dlt_sources.aircall [--account ID ...] [--full]`."""

import sys

from dlt_sources.sync import standalone_main

if __name__ == "__main__":
    sys.exit(standalone_main("aircall", {"full": "re-read every call"}))
