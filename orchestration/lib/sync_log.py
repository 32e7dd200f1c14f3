"""One `app.integration_sync_log` row per account per sync attempt."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg2
from psycopg2 import sql


class SyncLog:
    def __init__(self, conn, sync_ids: dict[str, int]):
        self._conn = conn
        self._sync_ids = sync_ids
        self.counts: dict[str, int] = dict.fromkeys(sync_ids, 0)

    def set_counts(self, pipeline) -> None:
        """Count, per account, the rows this load wrote (new or changed) across all tables."""
        load_info = pipeline.last_trace.last_load_info if pipeline.last_trace else None
        load_ids = list(load_info.loads_ids) if load_info else []
        if not load_ids:
            return
        dataset = pipeline.dataset_name
        with self._conn.cursor() as cur:
            for table in pipeline.default_schema.data_table_names():
                cur.execute(
                    sql.SQL("select account_id, count(*) from {}.{} where _dlt_load_id = any(%s) group by 1").format(
                        sql.Identifier(dataset), sql.Identifier(table)
                    ),
                    (load_ids,),
                )
                for account_id, count in cur.fetchall():
                    if account_id in self.counts:
                        self.counts[account_id] += count


@contextmanager
def record_syncs(url: str, provider: str, account_ids: Sequence[str], run_id: str | None) -> Iterator[SyncLog]:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        sync_ids = {}
        with conn.cursor() as cur:
            for account_id in account_ids:
                cur.execute(
                    "insert into app.integration_sync_log (account_id, provider, run_id) values (%s, %s, %s) "
                    "returning sync_id",
                    (account_id, provider, run_id),
                )
                sync_ids[account_id] = cur.fetchone()[0]
        log = SyncLog(conn, sync_ids)
        try:
            yield log
        except BaseException as exc:
            _finish(conn, sync_ids, "failed", {}, f"{type(exc).__name__}: {exc}"[:2000])
            raise
        _finish(conn, sync_ids, "success", log.counts, None)
    finally:
        conn.close()


def _finish(conn, sync_ids: dict[str, int], status: str, counts: dict[str, int], error: str | None) -> None:
    with conn.cursor() as cur:
        for account_id, sync_id in sync_ids.items():
            cur.execute(
                "update app.integration_sync_log set finished_at = now(), status = %s, records_synced = %s, "
                "error_message = %s where sync_id = %s",
                (status, counts.get(account_id), error, sync_id),
            )
