"""The Fathom source against the sandbox over HTTP, into the real PostgreSQL: the CLI connects and
syncs; full and incremental syncs equal the truth; a transcript processed after its meeting was
loaded is picked up by the next sync; a window loads exactly its meetings; two accounts stay apart."""

from __future__ import annotations

import email.utils
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from dlt_sources.fathom import FathomSyncOptions, sync_workspace
from dlt_sources.http import StaticToken
from provider_sandbox.launcher import SandboxProcess
from tests.integration.fathom_truth import assert_equals_truth, deliver, duplicate_keys, fetch, raw_summary, truth
from tests.integration.hubspot_truth import new_account_id

REVSYNC = str(Path(sys.executable).parent / "revsync")
TRANSCRIPT_DELAY = 6  # seconds until a new meeting's transcript is ready at the sandbox


@pytest.fixture(scope="module")
def sandbox(environment, tmp_path_factory):
    process = SandboxProcess.start(tmp_path_factory.mktemp("fathom"), "--accounts", "2", "--engagements", "40",
                                   "--seed", "19", "--anchor", "2026-11-01T00:00:00Z", "--fathom-meetings", "64",
                                   "--fathom-rate-limit", "100000",
                                   "--fathom-transcript-delay-seconds", str(TRANSCRIPT_DELAY))
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def pipelines_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("dlt"))


def api_key(sandbox, index: int) -> str:
    return sandbox.accounts[index]["fathom"]["api_key"]


def sandbox_now(url: str) -> float:
    """The sandbox's clock (its `Date` header), in epoch seconds."""
    date = httpx.get(f"{url}/_sandbox/accounts", timeout=10).headers["date"]
    return email.utils.parsedate_to_datetime(date).timestamp()


def sync(environment, sandbox, pipelines_dir, account_id: str, index: int, **options):
    source = StaticToken(account_id, "fathom", api_key(sandbox, index))
    return sync_workspace(environment.database_url, sandbox.url, source, FathomSyncOptions(**options),
                          pipelines_dir=pipelines_dir)


def revsync(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([REVSYNC, *args], input=stdin, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ))


def test_cli_connects_with_an_api_key_and_syncs_everything(environment, sandbox):
    name = f"Fathom CLI {uuid.uuid4().hex[:6]}"
    added = revsync("accounts", "add", name)
    assert added.returncode == 0, added.stderr
    account_id, slug = added.stdout.split()[:2]
    key = api_key(sandbox, 0)
    rejected = revsync("connect", "fathom", "--account", slug, "--api-key", "-", "--api-base", sandbox.url,
                       stdin="not-a-key\n")
    assert rejected.returncode != 0 and "rejected the API key" in rejected.stderr
    connected = revsync("connect", "fathom", "--account", slug, "--api-key", "-", "--api-base", sandbox.url,
                        stdin=key + "\n")
    assert connected.returncode == 0, connected.stderr
    assert key not in connected.stdout + connected.stderr
    synced = revsync("sync", "fathom", "--account", slug)
    assert synced.returncode == 0, synced.stderr
    assert "full sync" not in synced.stdout and "incremental sync: " in synced.stdout
    assert_equals_truth(environment.database_url, account_id, sandbox.url, "account-1")
    users = fetch(environment.database_url, "select email, settings_access from raw_fathom.users "
                  "where account_id = %s order by email", (account_id,))
    expected = sandbox.accounts[0]["fathom"]["users"]
    assert sorted(u for u, _ in users) == sorted(u["email"] for u in expected)
    assert ("account_admin" in {access for _, access in users})
    logged = fetch(environment.database_url, "select status, api_calls from app.integration_sync_log "
                   "where account_id = %s and provider = 'fathom'", (account_id,))
    assert logged and logged[-1][0] == "success" and logged[-1][1] > 0


def test_full_then_incremental_equal_truth_and_a_late_transcript_is_picked_up(environment, sandbox, pipelines_dir):
    url = environment.database_url
    account_id = new_account_id(url, "Fathom incremental")
    first = sync(environment, sandbox, pipelines_dir, account_id, 1, mode="full")
    assert first.rows["meetings"] == truth(sandbox.url, "account-2")["count"]
    assert_equals_truth(url, account_id, sandbox.url, "account-2")
    for table in ("meeting_invitees", "transcript_segments", "summaries", "action_items", "users"):
        assert first.rows.get(table, 0) > 0, table

    # Three meetings finish now; their transcripts are not processed yet.
    delivered = deliver(sandbox.url, "account-2", count=3)["meetings"]
    second = sync(environment, sandbox, pipelines_dir, account_id, 1)
    assert second.changed["meetings"] == 3 and second.extra["meetings_waiting_for_transcript"] == 3
    raw, expected = raw_summary(url, account_id), truth(sandbox.url, "account-2")
    assert raw["count"] == expected["count"] and raw["checksum"] == expected["checksum"]
    assert raw["transcript_items"] < expected["transcript_items"]

    # Each new meeting is created a second after the one before it (and after every older one), so
    # the last transcript is due some seconds after "now": wait for it on the sandbox's clock.
    due = max(datetime.fromisoformat(m["created_at"].replace("Z", "+00:00")) for m in delivered).timestamp()
    deadline = time.monotonic() + 60
    while sandbox_now(sandbox.url) < due + TRANSCRIPT_DELAY + 1:
        assert time.monotonic() < deadline, "the sandbox's clock stopped"
        time.sleep(0.5)
    third = sync(environment, sandbox, pipelines_dir, account_id, 1)
    assert third.extra["late_transcripts"] == 3 and third.extra["meetings_waiting_for_transcript"] == 0
    assert_equals_truth(url, account_id, sandbox.url, "account-2")
    # A fourth sync reads one page (the lookback) and changes nothing.
    fourth = sync(environment, sandbox, pipelines_dir, account_id, 1)
    assert sum(fourth.changed.values()) == 0 and fourth.rows["users"] > 0
    assert_equals_truth(url, account_id, sandbox.url, "account-2")
    assert duplicate_keys(url) == 0


def test_a_window_loads_exactly_the_meetings_created_in_it(environment, sandbox, pipelines_dir):
    url = environment.database_url
    listed = []
    cursor = None
    while True:
        page = httpx.get(f"{sandbox.url}/external/v1/meetings", headers={"X-Api-Key": api_key(sandbox, 0)},
                         params={"cursor": cursor} if cursor else {}, timeout=30).json()
        listed += [(m["recording_id"], m["created_at"]) for m in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    created = sorted(listed, key=lambda item: item[1])
    # From one meeting's exact created_at (included) to another's (excluded).
    start_at, end_at = created[10][1], created[30][1]
    start = datetime.fromisoformat(start_at.replace("Z", "+00:00"))
    end = datetime.fromisoformat(end_at.replace("Z", "+00:00"))
    account_id = new_account_id(url, "Fathom window")
    result = sync(environment, sandbox, pipelines_dir, account_id, 0, window=(start, end))
    assert result.mode == "window"
    loaded = {row[0] for row in fetch(url, "select recording_id from raw_fathom.meetings where account_id = %s",
                                      (account_id,))}
    assert loaded == {rid for rid, at in listed if start_at <= at < end_at} and len(loaded) >= 20
    with pytest.raises(ValueError, match="before its end"):
        FathomSyncOptions(window=(end, start))
    with pytest.raises(ValueError, match="cannot be combined"):
        FathomSyncOptions(mode="full", window=(start, end))
    assert start.tzinfo == UTC


def test_two_accounts_are_isolated(environment, sandbox, pipelines_dir):
    url = environment.database_url
    first, second = new_account_id(url, "Fathom one"), new_account_id(url, "Fathom two")
    sync(environment, sandbox, pipelines_dir, first, 0, mode="full")
    sync(environment, sandbox, pipelines_dir, second, 1, mode="full")
    assert_equals_truth(url, first, sandbox.url, "account-1")
    assert_equals_truth(url, second, sandbox.url, "account-2")
    shared = fetch(url, "select count(*) from raw_fathom.meetings a join raw_fathom.meetings b "
                   "on a.recording_id = b.recording_id where a.account_id = %s and b.account_id = %s",
                   (first, second))[0][0]
    assert shared == 0
    assert duplicate_keys(url) == 0


def test_requests_another_client_spent_count_and_no_429_is_met(environment, tmp_path_factory, pipelines_dir):
    """A window of 10 requests per 5 s at the sandbox, 8 of them spent by someone else: the sync
    reads the RateLimit-* headers and waits for room instead of meeting a 429."""
    limited = SandboxProcess.start(tmp_path_factory.mktemp("fathom-limited"), "--accounts", "1", "--engagements",
                                   "20", "--seed", "31", "--anchor", "2026-11-01T00:00:00Z", "--fathom-meetings", "40",
                                   "--fathom-rate-limit", "10", "--fathom-window-seconds", "5")
    try:
        key = limited.accounts[0]["fathom"]["api_key"]
        for _ in range(8):
            assert httpx.get(f"{limited.url}/external/v1/meetings", headers={"X-Api-Key": key}).status_code == 200
        account_id = new_account_id(environment.database_url, "Fathom limited")
        started = time.monotonic()
        result = sync_workspace(environment.database_url, limited.url, StaticToken(account_id, "fathom", key),
                                FathomSyncOptions(rate=(60, 5.0)), pipelines_dir=pipelines_dir)
        assert result.rate_limited == 0 and result.api_calls == 5  # 4 pages and the users
        assert time.monotonic() - started >= 3  # it waited for the window to free up
        stats = httpx.get(f"{limited.url}/_sandbox/stats", timeout=10).json()
        assert stats["rate_limited"]["total"] == 0, stats["rate_limited"]
        assert_equals_truth(environment.database_url, account_id, limited.url, "account-1")
    finally:
        limited.stop()


def test_connect_help_names_every_provider(environment):
    helped = revsync("connect", "--help")
    assert helped.returncode == 0 and "hubspot" in helped.stdout and "fathom" in helped.stdout
    fathom = revsync("connect", "fathom", "--help")
    for flag in ("--account", "--api-key", "--api-base", "--webhook-url"):
        assert flag in fathom.stdout
