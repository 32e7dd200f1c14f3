"""One `app.integration_sync_log` row per account per sync attempt."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg2
from psycopg2 import sql


class SyncLog:
    def __init__(self, conn, sync_ids: dict[str, int], started_at):
        self._conn = conn
        self.started_at = started_at
        self._sync_ids = sync_ids
        self.counts: dict[str, int] = dict.fromkeys(sync_ids, 0)

    def count_loaded_rows(self, dataset: str) -> None:
        """Count, per account, the rows (new or changed) that loads finished during this sync wrote.

        Read from the destination itself: dlt's `_dlt_loads` for the loads, and every table of the
        dataset that carries `account_id`.
        """
        with self._conn.cursor() as cur:
            cur.execute(
                "select table_name from information_schema.columns where table_schema = %s "
                "and column_name = 'account_id' and table_name not like '\\_dlt%%'",
                (dataset,),
            )
            tables = [row[0] for row in cur.fetchall()]
            for table in tables:
                cur.execute(
                    sql.SQL(
                        "select account_id, count(*) from {data} where _dlt_load_id in "
                        "(select load_id from {loads} where inserted_at >= %s) group by 1"
                    ).format(data=sql.Identifier(dataset, table), loads=sql.Identifier(dataset, "_dlt_loads")),
                    (self.started_at,),
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
            cur.execute("select now()")
            started_at = cur.fetchone()[0]
            for account_id in account_ids:
                cur.execute(
                    "insert into app.integration_sync_log (account_id, provider, run_id) values (%s, %s, %s) "
                    "returning sync_id",
                    (account_id, provider, run_id),
                )
                sync_ids[account_id] = cur.fetchone()[0]
        log = SyncLog(conn, sync_ids, started_at)
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
