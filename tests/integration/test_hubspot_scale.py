"""The HubSpot source at the limits: past the 10,000-result search cap, with HubSpot's legacy paths
switched off, and at the default rate limit with realistic latency."""

from __future__ import annotations

import time

import httpx
import psycopg2
import pytest

from dlt_sources.http import StaticToken
from dlt_sources.hubspot.api import DEFAULT_SEARCH
from dlt_sources.hubspot.objects import OBJECTS
from dlt_sources.hubspot.pipeline import HubSpotSyncOptions, sync_portal
from provider_sandbox.launcher import SandboxProcess
from tests.integration.hubspot_truth import assert_equals_truth, duplicate_keys, new_account_id
from tests.support import get_json

ANCHOR = "2026-11-01T00:00:00Z"


# The sandboxes below lift search's 5/s for speed: the client must be told, since HubSpot's search
# answers carry no rate-limit headers to learn it from.
FAST_SEARCH = (1000, 1.0)


def sync(environment, sandbox, account_id: str, pipelines_dir, index: int = 0, **options):
    token = sandbox.accounts[index]["hubspot"]["private_app_token"]
    options.setdefault("search", FAST_SEARCH)
    return sync_portal(environment.database_url, sandbox.url, StaticToken(account_id, "hubspot", token),
                       HubSpotSyncOptions(**options), pipelines_dir=str(pipelines_dir))


def truth(sandbox, key: str = "account-1") -> dict:
    return get_json(f"{sandbox.url}/_sandbox/truth")["accounts"][key]["hubspot"]["objects"]


def test_more_than_10000_changes_in_one_window_are_all_synced(environment, tmp_path):
    """25,000 contacts and 25,000 calls (engagements through the date-based path), all changed in
    one window: each type crosses the 10,000-result cap of a search query twice."""
    sandbox = SandboxProcess.start(tmp_path / "sb", "--accounts", "1", "--engagements", "80000",
                                   "--contacts", "25500", "--seed", "5", "--anchor", ANCHOR,
                                   "--search-index-delay-ms", "0", "--hubspot-rate-limit", "100000",
                                   "--search-rate-limit", "100000")
    types = ("contacts", "companies", "deals", "calls")  # the other engagement types add time, not cover
    try:
        account_id = new_account_id(environment.database_url)
        sync(environment, sandbox, account_id, tmp_path / "dlt", object_types=types)
        # Nothing changed since: two calls per type (the change search and the count of live
        # records), however many archived records there are to list.
        assert truth(sandbox)["calls"]["archived_count"] > 100  # more than a page of them
        unchanged = sync(environment, sandbox, account_id, tmp_path / "dlt", object_types=types)
        assert sum(unchanged.changed.values()) == 0, unchanged.changed
        per_type = {t: sum(n for endpoint, n in unchanged.calls_by_endpoint.items()
                           if f"/objects/2026-09/{t}" in endpoint or f"/associations/2026-09/{t}/" in endpoint)
                    for t in types}
        assert all(n <= 2 for n in per_type.values()), (per_type, unchanged.calls_by_endpoint)
        # Every record changes inside one hour: one incremental window past the cap.
        response = httpx.post(f"{sandbox.url}/_sandbox/advance",
                              json={"seconds": 3600, "fraction": 0, "modify": 1.0}, timeout=120)
        assert response.status_code == 200, response.text
        result = sync(environment, sandbox, account_id, tmp_path / "dlt", object_types=types)
        expected = truth(sandbox)
        assert result.changed["contacts"] == expected["contacts"]["count"] > 24_000
        assert result.changed["calls"] == expected["calls"]["count"] > 24_000
        assert_equals_truth(environment.database_url, account_id, expected, object_types=types)
        assert duplicate_keys(environment.database_url) == 0
    finally:
        sandbox.stop()


@pytest.fixture(scope="module")
def legacy_off(environment, tmp_path_factory):
    process = SandboxProcess.start(tmp_path_factory.mktemp("legacy"), "--accounts", "1", "--engagements", "600",
                                   "--seed", "21", "--anchor", ANCHOR, "--search-index-delay-ms", "0",
                                   "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000",
                                   "--hubspot-legacy-off", "oauth-v1,engagements-v1,v1-v4")
    try:
        yield process
    finally:
        process.stop()


def test_with_every_legacy_path_off_syncs_still_equal_truth(environment, legacy_off, tmp_path):
    account_id = new_account_id(environment.database_url)
    first = sync(environment, legacy_off, account_id, tmp_path, use_v1_engagements=True)
    assert first.v1_used is False
    # One probe of the v1 engagements API (404: removed), then only the date-based API.
    legacy = {e: n for e, n in first.calls_by_endpoint.items() if any(v in e for v in ("/v1/", "/v3/", "/v4/"))}
    assert legacy == {"GET /engagements/v1/engagements/paged": 1}, first.calls_by_endpoint
    assert_equals_truth(environment.database_url, account_id, truth(legacy_off))
    httpx.post(f"{legacy_off.url}/_sandbox/advance", json={"seconds": 600, "fraction": 0.1, "purge": 0.02},
               timeout=60).raise_for_status()
    sync(environment, legacy_off, account_id, tmp_path, use_v1_engagements=True)
    sync(environment, legacy_off, account_id, tmp_path, mode="reconcile", use_v1_engagements=True)
    assert_equals_truth(environment.database_url, account_id, truth(legacy_off))
    assert duplicate_keys(environment.database_url) == 0


def _raw_rows(url: str, account_id: str, table: str) -> list[tuple]:
    columns = ("id", "created_at", "updated_at", "archived", "is_deleted", "deleted_at",
               *OBJECTS[table].all_properties())
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(f"select {', '.join(columns)} from raw_hubspot.{table} where account_id = %s "  # noqa: S608
                    "order by id::bigint", (account_id,))
        return cur.fetchall()


def test_the_v1_and_the_date_based_paths_load_equal_raw_tables(environment, tmp_path):
    sandbox = SandboxProcess.start(tmp_path / "sb", "--accounts", "1", "--engagements", "900", "--seed", "8",
                                   "--anchor", ANCHOR, "--search-index-delay-ms", "0",
                                   "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000")
    try:
        through_v1, date_based = new_account_id(environment.database_url), new_account_id(environment.database_url)
        assert sync(environment, sandbox, through_v1, tmp_path / "a", use_v1_engagements=True).v1_used is True
        assert sync(environment, sandbox, date_based, tmp_path / "b").v1_used is None
        for table in OBJECTS:
            assert _raw_rows(environment.database_url, through_v1, table) == \
                _raw_rows(environment.database_url, date_based, table), table
        with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
            cur.execute("select from_type, from_id, to_type, to_ids::text from raw_hubspot.associations "
                        "where account_id = %s order by 1, 2, 3", (through_v1,))
            links_v1 = cur.fetchall()
            cur.execute("select from_type, from_id, to_type, to_ids::text from raw_hubspot.associations "
                        "where account_id = %s order by 1, 2, 3", (date_based,))
            assert links_v1 == cur.fetchall()
    finally:
        sandbox.stop()


def test_the_default_rate_limit_is_used_without_tripping_it(environment, tmp_path):
    """50,000 engagements at HubSpot's default limits (110 per 10 s, search 5/s) with 150 ± 50 ms
    of latency: fewer than 1% of responses are 429."""
    sandbox = SandboxProcess.start(tmp_path / "sb", "--accounts", "1", "--engagements", "50000", "--seed", "9",
                                   "--anchor", ANCHOR, "--search-index-delay-ms", "0", "--latency",
                                   "--latency-fixed-ms", "100", "--latency-jitter-ms", "100")
    try:
        account_id = new_account_id(environment.database_url)
        result = sync(environment, sandbox, account_id, tmp_path / "dlt", search=DEFAULT_SEARCH)
        stats = get_json(f"{sandbox.url}/_sandbox/stats")
        responses = stats["total_requests"]
        assert stats["rate_limited"]["total"] < 0.01 * responses, (stats["rate_limited"], responses)
        assert result.rate_limited == stats["rate_limited"]["total"]
        # The budget was used, not idled: the busiest 10 s window came close to the limit.
        peak = max(entry["peak"] for entry in stats["peak_requests_per_window"]["hubspot"].values())
        assert 100 <= peak <= 110, stats["peak_requests_per_window"]
        assert_equals_truth(environment.database_url, result.account_id, truth(sandbox))
        # Calls per record: lists of 100 with associations inline, plus the archived lists and a
        # few calls for owners, pipelines and call outcomes.
        records = sum(n for table, n in result.rows.items() if table in OBJECTS)
        assert 1000 * result.api_calls / records <= 10.5, (result.api_calls, records)
    finally:
        sandbox.stop()


def test_changes_search_shows_late_are_caught_by_the_lookback(environment, tmp_path):
    """HubSpot's search index lags ("a few moments"): the sandbox hides rows modified in the last
    5 s. Changes made just before a sync are missed by it and read by the next one."""
    # The wall clock as anchor: an advance then stamps its changes from now on (a pinned anchor
    # stamps them from the anchor, long indexed by the time the sync runs).
    sandbox = SandboxProcess.start(tmp_path / "sb", "--accounts", "1", "--engagements", "600", "--seed", "4",
                                   "--anchor", "now", "--search-index-delay-ms", "5000",
                                   "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000")
    try:
        account_id = new_account_id(environment.database_url)
        sync(environment, sandbox, account_id, tmp_path / "dlt")
        time.sleep(5.5)  # everything the first sync listed is indexed by now
        httpx.post(f"{sandbox.url}/_sandbox/advance", json={"seconds": 6, "fraction": 0, "modify": 0.3},
                   timeout=60).raise_for_status()
        sync(environment, sandbox, account_id, tmp_path / "dlt")
        with pytest.raises(AssertionError):  # most of the changes were not searchable yet
            assert_equals_truth(environment.database_url, account_id, truth(sandbox), associations=False)
        time.sleep(5.5)
        sync(environment, sandbox, account_id, tmp_path / "dlt")
        assert_equals_truth(environment.database_url, account_id, truth(sandbox))
    finally:
        sandbox.stop()
