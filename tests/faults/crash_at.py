"""Run a revsync command and SIGKILL this process at the n-th occurrence of an event.

    python -m tests.faults.crash_at EVENT N -- revsync-arguments...

Events, by the phase they fall in:
- `response`: the n-th HTTP response a sync received (extract);
- `normalize`: the n-th chunk of extracted rows, or extracted Arrow file, dlt normalizes;
- `normalized`: right after the n-th load package is normalized, before it is loaded;
- `sql`: just before the n-th SQL statement dlt sends to PostgreSQL (restoring state, creating
  tables, inserting rows, merging, committing state);
- `copy`: just before the n-th COPY job (a table's rows loaded from a csv file) runs;
- `copied`: right after the n-th COPY job ran, before dlt notes it as done;
- `dbt`: right after the n-th dbt node (model or test) finishes, for `dbt build` (give the dbt
  arguments after `--` instead of revsync's and use the event `dbt`).

SIGKILL leaves no chance to clean up: what a crash at that point leaves behind is what the rerun
must cope with. Nothing else in the command's behaviour changes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading


def _killer(n: int):
    lock = threading.Lock()
    seen = [0]

    def hit() -> None:
        with lock:
            seen[0] += 1
            if seen[0] == n:
                os.kill(os.getpid(), signal.SIGKILL)

    return hit


def _after(owner, name: str, hit) -> None:
    original = getattr(owner, name)

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        hit()
        return result

    setattr(owner, name, wrapped)


def _before(owner, name: str, hit) -> None:
    original = getattr(owner, name)

    def wrapped(*args, **kwargs):
        hit()
        return original(*args, **kwargs)

    setattr(owner, name, wrapped)


def main(argv: list[str]) -> int:
    event, n, rest = argv[0], int(argv[1]), argv[argv.index("--") + 1:]
    hit = _killer(n)
    if event == "dbt":
        from dbt.cli.main import dbtRunner

        def on_event(message) -> None:
            if message.info.name == "NodeFinished":
                hit()

        result = dbtRunner(callbacks=[on_event]).invoke(rest)
        return 0 if result.success else 1
    if event == "response":
        import httpx

        _after(httpx.Client, "send", hit)
    elif event == "normalize":
        from dlt.normalize.items_normalizers.arrow import ArrowItemsNormalizer
        from dlt.normalize.items_normalizers.jsonl import JsonLItemsNormalizer

        _after(JsonLItemsNormalizer, "_normalize_chunk", hit)
        _after(ArrowItemsNormalizer, "__call__", hit)  # the tables the source hands over as Arrow
    elif event == "normalized":
        from dlt.normalize.normalize import Normalize

        _after(Normalize, "spool_schema_files", hit)
    elif event in ("copy", "copied"):
        from dlt.destinations.impl.postgres.postgres import PostgresCsvCopyJob

        (_before if event == "copy" else _after)(PostgresCsvCopyJob, "run", hit)
    elif event == "sql":
        from dlt.destinations.impl.postgres.sql_client import Psycopg2SqlClient

        _before(Psycopg2SqlClient, "execute_query", hit)
    else:
        raise SystemExit(f"unknown event {event!r}")
    from revsync.cli import main as revsync_main

    return revsync_main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
