"""One HubSpot sync in a process of its own, so the benchmark can sample its whole process tree's
memory. Reads its settings as JSON on stdin (the token stays out of the process list):

    {"database_url", "api_base", "account_id", "token", "mode", "pipelines_dir", "unlimited"}

and prints the sync's result as one JSON line. `unlimited` lifts the source's own request budget,
for a sandbox whose rate limits are off.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict


def main() -> int:
    from dlt_sources.http import StaticToken
    from dlt_sources.hubspot.pipeline import HubSpotSyncOptions, sync_portal

    spec = json.load(sys.stdin)
    budget = {"burst": (1_000_000, 1.0), "search": (1_000_000, 1.0)} if spec["unlimited"] else {}
    result = sync_portal(spec["database_url"], spec["api_base"],
                         StaticToken(spec["account_id"], "hubspot", spec["token"]),
                         HubSpotSyncOptions(mode=spec["mode"], **budget), pipelines_dir=spec["pipelines_dir"],
                         progress=lambda message: None)
    print(json.dumps(asdict(result), default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
