"""`revsync connect aircall` and `revsync sync aircall`, run as a user runs them, against the test
database and the session's sandbox. The API token never shows in what the CLI prints."""

from __future__ import annotations

import uuid

import psycopg2

from revsync.credentials import load_connection
from tests.integration.aircall_truth import assert_calls_equal_truth
from tests.integration.test_cli_accounts_connect import account_named, revsync
from tests.support import get_json


def test_connect_then_sync_equals_truth(environment, sandbox_url):
    company = get_json(f"{sandbox_url}/_sandbox/accounts")[1]
    account_id, slug = account_named(f"Aircall CLI {uuid.uuid4().hex[:6]}")
    connected = revsync("connect", "aircall", "--account", slug, "--api-id", company["aircall"]["api_id"],
                        "--api-token", "-", "--api-base", sandbox_url, stdin=company["aircall"]["api_token"] + "\n")
    assert connected.returncode == 0, connected.stderr
    assert company["aircall"]["api_token"] not in connected.stdout + connected.stderr
    conn = psycopg2.connect(environment.database_url)
    try:
        stored = load_connection(conn, account_id, "aircall")
    finally:
        conn.close()
    assert stored.auth_type == "basic" and stored.secrets["api_id"] == company["aircall"]["api_id"]

    synced = revsync("sync", "aircall", "--account", slug)
    assert synced.returncode == 0, synced.stderr
    assert "aircall account" in synced.stdout and "calls" in synced.stdout
    truth = get_json(f"{sandbox_url}/_sandbox/truth")["accounts"][company["key"]]["aircall"]
    assert_calls_equal_truth(environment.database_url, account_id, truth)
    assert company["aircall"]["api_token"] not in synced.stdout + synced.stderr


def test_connect_with_a_rejected_token_stores_nothing(environment, sandbox_url):
    company = get_json(f"{sandbox_url}/_sandbox/accounts")[0]
    account_id, slug = account_named(f"Aircall bad {uuid.uuid4().hex[:6]}")
    result = revsync("connect", "aircall", "--account", slug, "--api-id", company["aircall"]["api_id"],
                     "--api-token", "not-the-token", "--api-base", sandbox_url)
    assert result.returncode != 0
    assert "rejected this api_id and api_token" in result.stderr and "not-the-token" not in result.stderr
    conn = psycopg2.connect(environment.database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from app.api_connections where account_id = %s", (account_id,))
            assert cur.fetchone()[0] == 0
    finally:
        conn.close()


def test_a_bad_window_is_a_clear_error(environment):
    result = revsync("sync", "aircall", "--full", "--start", "2026-01-01", "--end", "2026-02-01")
    assert result.returncode != 0 and "cannot be combined with full" in result.stderr
