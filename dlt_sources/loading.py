"""What every source's sync shares: its dlt pipeline per account, the locks that keep syncs from
colliding, the result it reports, and turning dlt's wrapped errors back into ours.

Each (provider, account) syncs through its own dlt pipeline (`<provider>_<account>`), so each
account's incremental state is its own and two accounts syncing at once never share a working
folder or state. Loads into a dataset take a PostgreSQL advisory lock, because dlt's merge stages
rows in staging tables every account of the dataset shares.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import dlt
import psycopg2
from dlt.pipeline.exceptions import PipelineStepFailed
from psycopg2 import sql

from dlt_sources.http import SourceError
from revsync.errors import RevsyncError

log = logging.getLogger("revsync.sources")


class SyncAlreadyRunning(SourceError):
    pass


@dataclass
class SyncResult:
    """What one account's sync did; `revsync sync`, the sync log and Dagster's metadata read it."""

    provider: str
    account_id: str
    mode: str  # incremental | full | reconcile | window
    rows: dict[str, int]  # rows written per raw table
    changed: dict[str, int]  # of those, records new or changed since the last sync
    api_calls: int
    rate_limited: int  # 429 answers
    seconds: float
    retries: int = 0
    refreshes: int = 0  # tokens refreshed after a 401
    marked_deleted: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # table -> why it was not loaded
    quarantined: dict[str, int] = field(default_factory=dict)  # table -> records set aside, with reasons logged
    calls_by_endpoint: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # provider-specific figures for the log's details

    def summary(self) -> str:
        parts = [f"{table} {count:,}" for table, count in sorted(self.changed.items()) if count]
        changed = ", ".join(parts) or "nothing new"
        deleted = sum(self.marked_deleted.values())
        quarantined = sum(self.quarantined.values())
        return (f"{self.mode} sync: {changed}"
                + (f"; {deleted:,} marked deleted" if deleted else "")
                + (f"; {quarantined:,} quarantined" if quarantined else "")
                + f"; {self.api_calls:,} API calls, {self.rate_limited} rate-limited, {self.seconds:.1f} s")

    def details(self) -> dict[str, Any]:
        return {"mode": self.mode, "rows": self.rows, "changed": self.changed,
                "marked_deleted": self.marked_deleted, "skipped": self.skipped, "quarantined": self.quarantined,
                "retries": self.retries, "refreshes": self.refreshes, "seconds": round(self.seconds, 1),
                "calls_by_endpoint": self.calls_by_endpoint, **self.extra}


def pipeline_for(provider: str, account_id: str, database_url: str, dataset: str,
                 pipelines_dir: str | None = None) -> dlt.Pipeline:
    name = f"{provider}_{account_id.replace('-', '')}"
    # dlt gzips every file it hands from one step to the next, then reads it back: CPU spent on
    # files that never leave this machine and live only until loaded (bench/README.md, "Faster
    # loading"). Set for this pipeline's name alone, in dlt's in-process config.
    dlt.config[f"{name}.data_writer.disable_compression"] = True
    # Rows handed over as Arrow tables get the `_dlt_id` and `_dlt_load_id` every other row gets
    # (dlt adds them to Arrow tables only when asked); the raw tables require both.
    dlt.config[f"{name}.normalize.parquet_normalizer.add_dlt_id"] = True
    dlt.config[f"{name}.normalize.parquet_normalizer.add_dlt_load_id"] = True
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.postgres(credentials=database_url),
        dataset_name=dataset,
        pipelines_dir=pipelines_dir,
    )


@contextmanager
def load_lock(database_url: str, dataset: str):
    """One load into `dataset` at a time, across processes (a session-level advisory lock)."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_advisory_lock(%s)", (zlib.crc32(dataset.encode()),))
        yield
    finally:
        conn.close()  # ends the session, which releases the lock


@contextmanager
def one_sync_per_account(database_url: str, provider: str, account_id: str):
    """At most one sync of a (provider, account) at a time, across processes and machines (a
    session-level advisory lock): two would share the account's bookmarks, and the one that read
    earlier could load last over newer rows."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s, %s)",
                        (zlib.crc32(provider.encode()) - 2**31, zlib.crc32(account_id.encode()) - 2**31))
            if not cur.fetchone()[0]:
                raise SyncAlreadyRunning(
                    f"{provider} account {account_id}: another sync of this account is running; "
                    "this one did nothing. Wait for it to finish, then sync again if needed.")
        yield
    finally:
        conn.close()  # ends the session, which releases the lock


class ReadInLoads:
    """One read of an account, loaded in parts of about `rows_per_load` rows.

    `reader.batches()` yields `(table, rows)`; a reader that reads ahead (HubSpot's threads) keeps
    reading while a part is normalized and loaded, so loading overlaps the API instead of waiting
    for the whole read. The source decides what a part saves: HubSpot saves its bookmarks only
    with the last part; Aircall, reading oldest first, saves how far each part read.
    """

    def __init__(self, reader: Any, rows_per_load: int):
        self.reader, self.rows_per_load = reader, rows_per_load
        self.finished = False
        self._batches: Iterator | None = None

    @property
    def started(self) -> bool:
        return self._batches is not None

    def part(self) -> Iterator:
        if self._batches is None:
            self._batches = self.reader.batches()  # starts reading on the first pull
        rows = 0
        for item in self._batches:
            yield item
            rows += len(item[1])
            if rows >= self.rows_per_load:
                return  # the reader stays open for the next part
        self.finished = True

    def close(self) -> None:
        if self._batches is not None:
            self._batches.close()


def run_pipeline(pipeline: dlt.Pipeline, parts: Iterable[Any], database_url: str, dataset: str) -> None:
    """Extract, normalize and load each of `parts` (dlt sources or resources) in turn, after
    finishing any load a crash interrupted.

    A pending load is finished first. One that cannot be finished (a kill between a job's commit
    and its bookkeeping makes dlt insert that job's rows twice) is dropped with this machine's
    working folder: its bookmarks were never committed, because dlt restores only the state of
    completed loads, so this run reads those rows again. Then the state the destination holds
    (bookmarks) wins over whatever the working folder remembers. After each load, every raw table
    of the dataset has an index on its load id and key (`index_raw_tables`).
    """
    with load_lock(database_url, dataset):
        if pipeline.has_pending_data:
            try:
                pipeline.normalize()
                pipeline.load()
            except PipelineStepFailed as exc:
                log.warning("%s: the load a crash interrupted cannot be finished (%s); it is dropped and its "
                            "rows are read again", pipeline.pipeline_name, _first_line(exc))
                pipeline.drop()
        pipeline.sync_destination()
    for data in parts:
        pipeline.extract(data)
        pipeline.normalize()
        with load_lock(database_url, dataset):
            pipeline.load()
            index_raw_tables(pipeline, database_url, dataset)


def index_raw_tables(pipeline: dlt.Pipeline, database_url: str, dataset: str) -> None:
    """Indexes dlt does not create: on every raw table's `_dlt_load_id`, and on its primary key.

    dbt's incremental models and its data tests on new rows pick a raw table's rows by the loads
    they came in (`= any(array(...))` on the load ids) and look up a changed record's rows by its
    key, and dlt's merge deletes the rows a load replaces by key: without these indexes each of
    them reads the whole table. dlt creates a table with its first rows, so the indexes follow the
    load that created it, while it is small. Not unique: the key is dlt's to keep. An index that
    cannot be created (a lock held too long, say) is logged and tried again after the next load.
    """
    wanted = {}
    for table in pipeline.default_schema.data_tables():
        # The account last: staging views cast it to uuid, so lookups come by the record's own id.
        key = sorted((name for name, column in table["columns"].items() if column.get("primary_key")),
                     key=lambda name: name == "account_id")
        wanted[table["name"]] = [("dlt_load_id", ["_dlt_load_id"]), *([("key", key)] if key else [])]
    conn = psycopg2.connect(database_url)
    try:
        _create_missing_indexes(conn, dataset, wanted)
    except psycopg2.Error as exc:  # the load itself is committed: the next one tries again
        log.warning("%s: could not index the raw tables (%s); the next load tries again",
                    dataset, str(exc).strip().splitlines()[0][:200])
    finally:
        conn.close()


def _create_missing_indexes(conn, dataset: str, wanted: dict[str, list[tuple[str, list[str]]]]) -> None:
    with conn, conn.cursor() as cur:
        cur.execute("select tablename, indexname from pg_indexes where schemaname = %s", (dataset,))
        existing = set(cur.fetchall())
        cur.execute("select tablename from pg_tables where schemaname = %s", (dataset,))
        tables = {name for (name,) in cur.fetchall()}
        for table, indexes in wanted.items():
            for suffix, columns in indexes:
                name = f"{table}__{suffix}"[:63]
                if table in tables and (table, name) not in existing:
                    cur.execute(sql.SQL("create index if not exists {} on {}.{} ({})").format(
                        sql.Identifier(name), sql.Identifier(dataset), sql.Identifier(table),
                        sql.SQL(", ").join(map(sql.Identifier, columns))))


def _first_line(exc: BaseException) -> str:
    return str(our_error(exc)).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def our_error(exc: BaseException) -> BaseException:
    """dlt wraps what a resource raised; the sync reports the error that says what to do."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, SourceError | RevsyncError):
            return current
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return exc
