"""Compare `raw_fathom` with the sandbox's ground truth (`GET /_sandbox/truth`), the way the truth
defines its checksum (provider_sandbox/README.md, "Ground truth"), and connect sandbox workspaces."""

from __future__ import annotations

import hashlib

import httpx
import psycopg2

from tests.support import get_json

KEYS = {"meetings": ("account_id", "recording_id"), "meeting_invitees": ("account_id", "recording_id", "position"),
        "transcript_segments": ("account_id", "recording_id", "position"), "summaries": ("account_id", "recording_id"),
        "action_items": ("account_id", "recording_id", "position"), "users": ("account_id", "email")}


def fetch(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        rows = cur.fetchall()
    conn.close()
    return rows


def raw_summary(url: str, account_id: str) -> dict:
    meetings = fetch(url, "select recording_id, (extract(epoch from created_at) * 1000)::bigint "
                     "from raw_fathom.meetings where account_id = %s order by recording_id", (account_id,))
    segments = fetch(url, "select count(*) from raw_fathom.transcript_segments where account_id = %s",
                     (account_id,))[0][0]
    lines = "".join(f"{i}:{ms}\n" for i, ms in meetings)
    return {"count": len(meetings), "checksum": hashlib.sha256(lines.encode()).hexdigest(),
            "transcript_items": segments}


def truth(sandbox_url: str, key: str) -> dict:
    meetings = get_json(f"{sandbox_url}/_sandbox/truth")["accounts"][key]["fathom"]["meetings"]
    return {name: meetings[name] for name in ("count", "checksum", "transcript_items")}


def assert_equals_truth(url: str, account_id: str, sandbox_url: str, key: str) -> None:
    assert raw_summary(url, account_id) == truth(sandbox_url, key)


def duplicate_keys(url: str) -> int:
    total = 0
    for table, key in KEYS.items():
        if fetch(url, "select to_regclass(%s)", (f"raw_fathom.{table}",))[0][0] is None:
            continue
        columns = ", ".join(key)
        total += fetch(url, f"select count(*) - count(distinct ({columns})) from raw_fathom.{table}")[0][0]  # noqa: S608
    return total


def deliver(sandbox_url: str, key: str, count: int = 1) -> dict:
    """New meetings that finished now at the sandbox (and their webhook deliveries, if any)."""
    response = httpx.post(f"{sandbox_url}/_sandbox/fathom/deliver", json={"account": key, "count": count}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()
