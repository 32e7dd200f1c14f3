"""The Aircall source against the sandbox over HTTP, into the real PostgreSQL: full and
incremental syncs equal the truth, archived calls are marked, windows load exactly their calls,
two companies stay apart, and a window of 25,000 calls passes the 10,000-per-query cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import psycopg2
import pytest

from dlt_sources.aircall.pipeline import AircallSyncOptions, sync_account
from provider_sandbox.launcher import SandboxProcess
from tests.integration.aircall_truth import (
    assert_calls_equal_truth,
    connect_company,
    duplicate_keys,
    loaded_calls,
    loaded_transcriptions,
)
from tests.support import get_json

ANCHOR = "2026-11-01T00:00:00Z"
ANCHOR_AT = datetime(2026, 11, 1, tzinfo=UTC)


class Companies:
    """The sandbox's Aircall companies, each connected to its own revsync account."""

    def __init__(self, sandbox: SandboxProcess, database_url: str, pipelines_dir: str):
        self.sandbox, self.url, self.pipelines_dir = sandbox, database_url, pipelines_dir
        self.credentials = {company["key"]: connect_company(database_url, sandbox.url, company["aircall"])
                            for company in get_json(f"{sandbox.url}/_sandbox/accounts")}

    def account_id(self, key: str) -> str:
        return self.credentials[key].account_id

    def sync(self, key: str, **options):
        return sync_account(self.url, self.credentials[key], AircallSyncOptions(**options),
                            pipelines_dir=self.pipelines_dir)

    def truth(self, key: str) -> dict:
        return get_json(f"{self.sandbox.url}/_sandbox/truth")["accounts"][key]["aircall"]

    def assert_equal(self, key: str) -> None:
        assert_calls_equal_truth(self.url, self.account_id(key), self.truth(key))

    def advance(self, **body) -> dict:
        response = httpx.post(f"{self.sandbox.url}/_sandbox/advance", json={"providers": ["aircall"], **body},
                              timeout=60)
        assert response.status_code == 200, response.text
        return response.json()["changes"]

    def close(self) -> None:
        for credentials in self.credentials.values():
            credentials.close()


@pytest.fixture(scope="module")
def companies(environment, tmp_path_factory):
    sandbox = SandboxProcess.start(tmp_path_factory.mktemp("aircall"), "--accounts", "2", "--engagements", "20",
                                   "--aircall-calls", "700", "--seed", "11", "--anchor", ANCHOR,
                                   "--aircall-rate-limit", "100000")
    try:
        companies = Companies(sandbox, environment.database_url, str(tmp_path_factory.mktemp("dlt")))
        yield companies
        companies.close()
    finally:
        sandbox.stop()


def test_first_sync_equals_truth_and_marks_archived_calls(companies):
    result = companies.sync("account-1")
    assert result.provider == "aircall" and result.mode == "incremental"
    assert result.rows["calls"] == result.changed["calls"] == 700
    assert result.quarantined == {}
    companies.assert_equal("account-1")
    truth = companies.truth("account-1")
    assert truth["calls"]["archived_count"] > 0  # the check above compared them
    with psycopg2.connect(companies.url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) filter (where user_id is null), count(*) filter (where answered_at is null), "
                    "count(*) filter (where direction = 'inbound'), count(*) filter (where has_recording) "
                    "from raw_aircall.calls where account_id = %s", (companies.account_id("account-1"),))
        no_user, missed, inbound, recorded = cur.fetchone()
        cur.execute("select count(*), count(distinct lower(email)) from raw_aircall.users where account_id = %s",
                    (companies.account_id("account-1"),))
        users, emails = cur.fetchone()
    conn.close()
    assert no_user > 0 and missed >= no_user and inbound > 0 and recorded > 0
    assert users == emails == truth["users"]
    assert loaded_transcriptions(companies.url, companies.account_id("account-1")) == truth["transcriptions"]
    assert result.skipped == {} and truth["transcriptions"]["count"] > 0
    assert duplicate_keys(companies.url) == 0


def test_the_other_company_is_isolated(companies):
    result = companies.sync("account-2", mode="full")
    # Its company lacks the AI add-on: calls load, transcriptions are skipped with the reason.
    assert "AI add-on" in result.skipped["call_transcriptions"]
    assert result.calls_by_endpoint["GET /v1/calls/{id}/transcription"] == 1
    companies.assert_equal("account-2")
    companies.assert_equal("account-1")
    assert duplicate_keys(companies.url) == 0


def test_incremental_reads_new_calls_and_the_lookback_only(companies):
    changes = companies.advance(account="account-1", seconds=3600, fraction=0, create=0.1)
    created = changes["account-1"]["aircall"]["calls"]["created"]
    assert created > 0
    result = companies.sync("account-1")
    assert result.changed["calls"] == created
    # The new calls plus the day of lookback, not the company's whole history.
    assert result.rows["calls"] < 700 / 4, result.rows
    account_id = companies.account_id("account-1")
    loaded, truth = loaded_calls(companies.url, account_id), companies.truth("account-1")["calls"]
    assert {k: loaded[k] for k in ("count", "checksum", "archived_count")} == \
        {k: truth[k] for k in ("count", "checksum", "archived_count")}
    # Calls created at the end of the advanced hour are still going: loaded without an end yet.
    with psycopg2.connect(companies.url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from raw_aircall.calls where account_id = %s and ended_at is null "
                    "and status <> 'done'", (account_id,))
        going = cur.fetchone()[0]
    conn.close()
    assert going > 0, "no call was still going: the lookback was not tested"

    # Two hours later they have ended; the lookback reads them again, with their transcriptions.
    companies.advance(account="account-1", seconds=7200, fraction=0)
    result = companies.sync("account-1")
    assert result.changed["calls"] == going <= result.rows["calls"]  # they ended; the rest is unchanged
    companies.assert_equal("account-1")
    assert companies.truth("account-1")["calls"]["in_progress_count"] == 0
    # Transcriptions of calls that ended since only: those already loaded are not asked for again.
    asked = result.calls_by_endpoint.get("GET /v1/calls/{id}/transcription", 0)
    assert asked == result.rows.get("call_transcriptions", 0) <= going
    assert loaded_transcriptions(companies.url, account_id) == companies.truth("account-1")["transcriptions"]


def test_archiving_older_calls_needs_a_full_sync(companies):
    changes = companies.advance(account="account-2", seconds=600, fraction=0, archive=0.1)
    archived = changes["account-2"]["aircall"]["calls"]["archived"]
    companies.sync("account-2")  # archives of calls older than the lookback stay unseen here
    result = companies.sync("account-2", mode="full")
    assert result.rows["calls"] == companies.truth("account-2")["calls"]["count"]
    assert 0 < result.changed["calls"] <= archived  # a full read counts what changed, not what it read
    companies.assert_equal("account-2")
    assert duplicate_keys(companies.url) == 0


def test_a_window_loads_exactly_the_calls_started_in_it(companies, environment):
    # A fresh account: only the window's calls may land.
    fresh = connect_company(companies.url, companies.sandbox.url, companies.sandbox.accounts[0]["aircall"])
    start, end = ANCHOR_AT - timedelta(days=90), ANCHOR_AT - timedelta(days=30)
    try:
        result = sync_account(companies.url, fresh, AircallSyncOptions(window=(start, end)),
                              pipelines_dir=companies.pipelines_dir)
    finally:
        fresh.close()
    assert result.mode == "window"
    with psycopg2.connect(companies.url) as conn, conn.cursor() as cur:
        cur.execute("select min(started_at), max(started_at), count(*) from raw_aircall.calls "
                    "where account_id = %s", (fresh.account_id,))
        low, high, count = cur.fetchone()
        cur.execute("select count(*) from raw_aircall.calls where account_id = %s and started_at >= %s "
                    "and started_at < %s", (companies.account_id("account-1"), start, end))
        expected = cur.fetchone()[0]
    conn.close()
    assert start <= low and high < end and count == expected > 0


def test_bad_window_is_refused_with_a_message():
    with pytest.raises(ValueError, match="start must be before its end"):
        AircallSyncOptions(window=(ANCHOR_AT, ANCHOR_AT))
    with pytest.raises(ValueError, match="cannot be combined with full"):
        AircallSyncOptions(mode="full", window=(ANCHOR_AT - timedelta(days=1), ANCHOR_AT))


def test_a_window_of_25000_calls_passes_the_10k_cap(environment, tmp_path_factory):
    sandbox = SandboxProcess.start(tmp_path_factory.mktemp("aircall-25k"), "--accounts", "1", "--engagements", "20",
                                   "--aircall-calls", "25000", "--seed", "3", "--anchor", ANCHOR,
                                   "--aircall-rate-limit", "100000")
    try:
        credentials = connect_company(environment.database_url, sandbox.url, sandbox.accounts[0]["aircall"])
        window = (ANCHOR_AT - timedelta(days=400), ANCHOR_AT + timedelta(days=1))
        try:
            result = sync_account(environment.database_url, credentials,
                                  AircallSyncOptions(window=window, transcriptions=False),
                                  pipelines_dir=str(tmp_path_factory.mktemp("dlt")))
        finally:
            credentials.close()
        assert result.extra["windows_split"] >= 1
        truth = get_json(f"{sandbox.url}/_sandbox/truth")["accounts"]["account-1"]["aircall"]
        assert truth["calls"]["count"] == 25_000
        assert_calls_equal_truth(environment.database_url, credentials.account_id, truth)
        # Every page was a full 50 but the last of each part: few requests beyond 25,000 / 50.
        assert result.calls_by_endpoint["GET /v1/calls"] <= 500 + 2 * 8, result.calls_by_endpoint
        assert loaded_calls(environment.database_url, credentials.account_id)["count"] == 25_000
    finally:
        sandbox.stop()


def test_a_read_in_parts_resumes_after_the_last_loaded_part(companies):
    """A big read loads in parts, each saving how far it read: a sync that fails after some parts
    loaded is resumed by the rerun, which does not read those calls again, and ends equal to the truth."""
    from dlt_sources.http import RetryPolicy, SourceError

    quick = RetryPolicy(first_backoff_seconds=0.05, max_backoff_seconds=0.5, give_up_after_seconds=3)
    fresh = connect_company(companies.url, companies.sandbox.url, companies.sandbox.accounts[0]["aircall"])
    options = AircallSyncOptions(rows_per_load=100, policy=quick)
    # The transcription of one recorded call on the 7th page of 50 keeps failing.
    company = companies.sandbox.accounts[0]["aircall"]
    page = httpx.get(f"{companies.sandbox.url}/v1/calls", params={"page": 7, "per_page": 50}, timeout=10,
                     auth=(company["api_id"], company["api_token"])).json()["calls"]
    broken = next(call["id"] for call in page if call["recording"])
    httpx.post(f"{companies.sandbox.url}/_sandbox/faults", json={"rules": [
        {"provider": "aircall", "endpoint": f"/v1/calls/{broken}/transcription", "status": {"500": 1.0}}]},
        timeout=10).raise_for_status()
    try:
        with pytest.raises(SourceError):
            sync_account(companies.url, fresh, options, pipelines_dir=companies.pipelines_dir)
    finally:
        httpx.delete(f"{companies.sandbox.url}/_sandbox/faults", timeout=10).raise_for_status()
    loaded = loaded_calls(companies.url, fresh.account_id)["count"]
    assert loaded > 0, "no part was loaded before the failure: nothing was tested"
    try:
        result = sync_account(companies.url, fresh, options, pipelines_dir=companies.pipelines_dir)
    finally:
        fresh.close()
    total = companies.truth("account-1")["calls"]["count"]
    assert loaded >= 250 and result.rows["calls"] < total - 200, (loaded, result.rows, total)  # resumed
    assert_calls_equal_truth(companies.url, fresh.account_id, companies.truth("account-1"))
    assert loaded_transcriptions(companies.url, fresh.account_id) == companies.truth("account-1")["transcriptions"]
    assert duplicate_keys(companies.url) == 0
