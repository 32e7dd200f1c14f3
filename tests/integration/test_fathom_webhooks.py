"""Fathom webhooks end to end: `revsync connect fathom --webhook-url` registers the receiver at the
sandbox; the sandbox's signed deliveries land in app.webhook_events exactly once; replayed, tampered,
stale and unknown deliveries are rejected with nothing stored; the next sync loads what was stored
without another call and a poll of the same meeting gives one row; hostile payloads load or are
quarantined with a reason. The receiver is the real router in a FastAPI app served by uvicorn."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import psycopg2
import pytest
import uvicorn
from fastapi import FastAPI
from standardwebhooks.webhooks import Webhook

from dlt_sources.sync import sync_accounts
from oauth_service.webhooks import webhook_router
from provider_sandbox.launcher import SandboxProcess
from revsync.credentials import load_connection
from tests.integration.fathom_truth import assert_equals_truth, deliver, duplicate_keys, fetch

REVSYNC = str(Path(sys.executable).parent / "revsync")


@pytest.fixture(scope="module")
def sandbox(environment, tmp_path_factory):
    process = SandboxProcess.start(tmp_path_factory.mktemp("fathom-hooks"), "--accounts", "2", "--engagements", "40",
                                   "--seed", "23", "--anchor", "2026-11-01T00:00:00Z", "--fathom-meetings", "25",
                                   "--fathom-rate-limit", "100000")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def receiver(environment):
    """The web app's webhook router, served over a real socket."""
    app = FastAPI()
    app.include_router(webhook_router(environment.database_url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def revsync(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([REVSYNC, *args], input=stdin, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ))


def connect(environment, sandbox, receiver, index: int) -> tuple[str, str, str]:
    """A new account connected to sandbox workspace `index` with a webhook: (account id, connection id, secret)."""
    added = revsync("accounts", "add", f"Fathom hooks {uuid.uuid4().hex[:6]}")
    account_id, slug = added.stdout.split()[:2]
    result = revsync("connect", "fathom", "--account", slug, "--api-key", "-", "--api-base", sandbox.url,
                     "--webhook-url", receiver, stdin=sandbox.accounts[index]["fathom"]["api_key"] + "\n")
    assert result.returncode == 0, result.stderr
    conn = psycopg2.connect(environment.database_url)
    try:
        connection = load_connection(conn, account_id, "fathom")
    finally:
        conn.close()
    secret = connection.secrets["webhook_secret"]
    assert secret not in result.stdout + result.stderr
    assert f"{receiver}/webhooks/fathom/{connection.connection_id}" in result.stdout
    return account_id, connection.connection_id, secret


def events(environment, account_id: str) -> list[tuple]:
    return fetch(environment.database_url, "select delivery_id, loaded_at from app.webhook_events "
                 "where account_id = %s order by event_id", (account_id,))


def signed(secret: str, payload: object, *, message_id: str | None = None, at: datetime | None = None
           ) -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps(payload)
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    signature = Webhook(secret).sign(message_id, at, body.decode())
    return body, {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
                  "webhook-signature": signature, "content-type": "application/json"}


def post(receiver: str, connection_id: str, body: bytes, headers: dict) -> httpx.Response:
    return httpx.post(f"{receiver}/webhooks/fathom/{connection_id}", content=body, headers=headers, timeout=30)


def test_a_sandbox_delivery_lands_once_and_the_next_sync_loads_it_with_the_poll_as_one_row(
        environment, sandbox, receiver):
    account_id, _, _ = connect(environment, sandbox, receiver, 0)
    delivered = deliver(sandbox.url, "account-1", count=2)
    assert [d["status_code"] for d in delivered["deliveries"]] == [200, 200], delivered
    stored = events(environment, account_id)
    assert [d for d, _ in stored] == [d["webhook_id"] for d in delivered["deliveries"]]
    assert all(loaded is None for _, loaded in stored)

    [outcome] = sync_accounts("fathom", environment.database_url, [account_id])
    assert outcome.status == "success", outcome.error
    assert outcome.result.extra["meetings_from_webhooks"] == 2
    assert all(loaded is not None for _, loaded in events(environment, account_id))
    assert_equals_truth(environment.database_url, account_id, sandbox.url, "account-1")
    for meeting in delivered["meetings"]:
        rows = fetch(environment.database_url, "select count(*) from raw_fathom.meetings "
                     "where account_id = %s and recording_id = %s", (account_id, meeting["recording_id"]))
        assert rows == [(1,)]
    assert duplicate_keys(environment.database_url) == 0

    # Stored deliveries are loaded once: the next sync finds none pending.
    [again] = sync_accounts("fathom", environment.database_url, [account_id])
    assert again.result.extra["meetings_from_webhooks"] == 0


def test_reconnecting_replaces_the_webhook_or_keeps_its_secret(environment, sandbox, receiver):
    account_id, connection_id, secret = connect(environment, sandbox, receiver, 1)
    slug = fetch(environment.database_url, "select slug from app.accounts where account_id = %s", (account_id,))[0][0]
    key = sandbox.accounts[1]["fathom"]["api_key"]

    def ours(delivered: dict) -> list[dict]:
        return [d for d in delivered["deliveries"] if d["url"].endswith(connection_id)]

    again = revsync("connect", "fathom", "--account", slug, "--api-key", "-", "--api-base", sandbox.url,
                    "--webhook-url", receiver, stdin=key + "\n")
    assert again.returncode == 0, again.stderr
    # The earlier webhook was removed at Fathom: one delivery per meeting, signed with the new secret.
    assert [d["status_code"] for d in ours(deliver(sandbox.url, "account-2"))] == [200]
    conn = psycopg2.connect(environment.database_url)
    try:
        renewed = load_connection(conn, account_id, "fathom").secrets["webhook_secret"]
    finally:
        conn.close()
    assert renewed != secret

    kept = revsync("connect", "fathom", "--account", slug, "--api-key", "-", "--api-base", sandbox.url,
                   stdin=key + "\n")
    assert kept.returncode == 0, kept.stderr
    assert [d["status_code"] for d in ours(deliver(sandbox.url, "account-2"))] == [200]
    assert len(events(environment, account_id)) == 2


def test_replayed_tampered_stale_and_unknown_deliveries_store_nothing(environment, sandbox, receiver):
    account_id, connection_id, secret = connect(environment, sandbox, receiver, 1)
    meeting = {"recording_id": 1, "created_at": "2026-11-01T00:00:00Z", "title": "Replay me"}
    body, headers = signed(secret, meeting)
    assert post(receiver, connection_id, body, headers).status_code == 200
    replay = post(receiver, connection_id, body, headers)
    assert replay.status_code == 400 and "already received" in replay.json()["error"]

    body, headers = signed(secret, meeting)
    tampered = post(receiver, connection_id, body.replace(b"Replay me", b"Replay m3"), headers)
    assert tampered.status_code == 401
    _, wrong_key = signed("whsec_" + "QUJD" * 8, meeting)
    assert post(receiver, connection_id, body, wrong_key).status_code == 401
    stale_body, stale = signed(secret, meeting, at=datetime.now(UTC) - timedelta(minutes=6))
    assert post(receiver, connection_id, stale_body, stale).status_code == 400
    future_body, future = signed(secret, meeting, at=datetime.now(UTC) + timedelta(minutes=6))
    assert post(receiver, connection_id, future_body, future).status_code == 400
    unsigned = {k: v for k, v in headers.items() if k != "webhook-signature"}
    assert post(receiver, connection_id, body, unsigned).status_code == 400
    garbled = {**headers, "webhook-signature": "v1,@@not-base64@@"}
    assert post(receiver, connection_id, body, garbled).status_code == 401
    assert post(receiver, str(uuid.uuid4()), body, headers).status_code == 404
    assert post(receiver, "not-a-uuid", body, headers).status_code == 404

    assert len(events(environment, account_id)) == 1


def test_hostile_payloads_load_or_are_quarantined_with_a_reason(environment, sandbox, receiver):
    account_id, connection_id, secret = connect(environment, sandbox, receiver, 1)
    long_line = "ok " * 700_000  # one segment of ~2 MB
    hostile = [
        {"recording_id": 900_000_001, "created_at": "2026-10-30T10:00:00Z", "title": "مراجعة الصفقة 🤝 Deal review",
         "recorded_by": None, "calendar_invitees": [], "transcript": [
             {"speaker": {"display_name": "ليلى", "matched_calendar_invitee_email": None},
              "text": "مرحبا 👋 שלום", "timestamp": "1:02:03"},
             {"speaker": {"display_name": "Zoë", "matched_calendar_invitee_email": None}, "text": long_line,
              "timestamp": "00:61:00"},
             {"speaker": {"display_name": "?"}, "text": "cannot place this", "timestamp": "soon"}],
         "default_summary": None, "action_items": [{"description": "Follow up", "assignee": None,
                                                    "recording_timestamp": "00:10:45"}]},
        {"recording_id": 900_000_002, "created_at": "2026-10-30T11:00:00Z", "title": "No transcript",
         "recorded_by": {"name": "Ann", "email": None}, "transcript": None,
         "calendar_invitees": [{"name": None, "email": None, "is_external": True}]},
        {"title": "no recording id", "created_at": "2026-10-30T12:00:00Z"},
    ]
    for payload in hostile:
        body, headers = signed(secret, payload)
        response = post(receiver, connection_id, body, headers)
        assert response.status_code == 200, response.text

    [outcome] = sync_accounts("fathom", environment.database_url, [account_id])
    assert outcome.status == "success", outcome.error
    result = outcome.result
    assert result.quarantined == {"transcript_segments": 1, "meetings": 1}
    url = environment.database_url
    segments = fetch(url, "select position, offset_seconds, length(text), speaker_display_name "
                     "from raw_fathom.transcript_segments where account_id = %s and recording_id = 900000001 "
                     "order by position", (account_id,))
    assert segments == [(0, 3723.0, len("مرحبا 👋 שלום"), "ليلى"), (1, 3660.0, len(long_line), "Zoë")]
    meetings = dict(fetch(url, "select recording_id, recorded_by_email from raw_fathom.meetings "
                          "where account_id = %s and recording_id > 900000000", (account_id,)))
    assert meetings == {900000001: None, 900000002: None}
    title = fetch(url, "select title from raw_fathom.meetings where account_id = %s and recording_id = 900000001",
                  (account_id,))[0][0]
    assert title == "مراجعة الصفقة 🤝 Deal review"
    invitees = fetch(url, "select email, name, is_external from raw_fathom.meeting_invitees "
                     "where account_id = %s and recording_id = 900000002", (account_id,))
    assert invitees == [(None, None, True)]
    reasons = fetch(url, "select table_name, reason from raw_fathom.quarantine where account_id = %s "
                    "order by table_name", (account_id,))
    assert reasons == [("meetings", "no recording_id"), ("transcript_segments", "unreadable timestamp 'soon'")]
    assert duplicate_keys(url) == 0
