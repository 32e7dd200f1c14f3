"""Compare `raw_aircall` with the sandbox's ground truth (`GET /_sandbox/truth`), the way the
truth defines its call checksum (provider_sandbox/aircall/truth.py)."""

from __future__ import annotations

import hashlib
import uuid

import psycopg2

from revsync.accounts import add_account
from revsync.credentials import ConnectionCredentials, store_connection


def loaded_calls(url: str, account_id: str) -> dict:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select id, extract(epoch from started_at)::bigint, archived, answered_at is null, duration "
                    "from raw_aircall.calls where account_id = %s order by id", (account_id,))
        rows = cur.fetchall()
    conn.close()
    return {
        "count": len(rows),
        "archived_count": sum(1 for r in rows if r[2]),
        "checksum": hashlib.sha256("".join(f"{r[0]}:{r[1]}\n" for r in rows).encode()).hexdigest(),
        "missed_count": sum(1 for r in rows if r[3]),
        "duration_sum": sum(r[4] or 0 for r in rows),  # none yet for a call still going
    }


def loaded_transcriptions(url: str, account_id: str) -> dict:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select count(*), coalesce(sum(utterance_count), 0) from raw_aircall.call_transcriptions "
                    "where account_id = %s", (account_id,))
        count, utterances = cur.fetchone()
    conn.close()
    return {"count": count, "utterances": int(utterances)}


def assert_calls_equal_truth(url: str, account_id: str, truth: dict) -> None:
    expected = {k: truth["calls"][k] for k in ("count", "archived_count", "checksum", "missed_count",
                                                "duration_sum")}
    assert loaded_calls(url, account_id) == expected


def duplicate_keys(url: str) -> int:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from (select 1 from raw_aircall.calls group by account_id, id "
                    "having count(*) > 1) d")
        calls = cur.fetchone()[0]
        cur.execute("select to_regclass('raw_aircall.call_transcriptions')")
        transcriptions = 0
        if cur.fetchone()[0] is not None:
            cur.execute("select count(*) from (select 1 from raw_aircall.call_transcriptions "
                        "group by account_id, call_id having count(*) > 1) d")
            transcriptions = cur.fetchone()[0]
    conn.close()
    return calls + transcriptions


def connect_company(url: str, api_base: str, company: dict) -> ConnectionCredentials:
    """A new revsync account with the sandbox company's api_id/api_token in the vault."""
    with psycopg2.connect(url) as conn:
        account, _ = add_account(conn, f"Aircall {uuid.uuid4().hex[:8]}")
        store_connection(conn, account_id=account.account_id, provider="aircall", auth_type="basic",
                         secrets={"api_id": company["api_id"], "api_token": company["api_token"]},
                         api_base=api_base)
    conn.close()
    return ConnectionCredentials(url, account.account_id, "aircall")
