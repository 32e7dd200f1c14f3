"""The HubSpot source against the sandbox over HTTP, into the real PostgreSQL: full and incremental
syncs equal the truth, deletes and association changes are caught, calls per record stay small."""

from __future__ import annotations

import time
from math import ceil

import httpx
import psycopg2
import pytest

from dlt_sources.http import StaticToken
from dlt_sources.hubspot.pipeline import HubSpotSyncOptions, sync_portal
from provider_sandbox.launcher import SandboxProcess
from tests.integration.hubspot_truth import assert_equals_truth, duplicate_keys, new_account_id
from tests.support import get_json

ANCHOR = "2026-11-01T00:00:00Z"
ENGAGEMENTS = ("calls", "emails", "meetings", "notes", "tasks")


def start_sandbox(home, name: str, *flags: str) -> SandboxProcess:
    return SandboxProcess.start(home / name, "--accounts", "2", "--engagements", "450", "--seed", "11",
                                "--anchor", ANCHOR, "--search-index-delay-ms", "0",
                                "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000", *flags)


class Portals:
    """Two sandbox portals, each synced as its own revsync account."""

    def __init__(self, sandbox: SandboxProcess, database_url: str, pipelines_dir: str, v1: bool):
        self.sandbox, self.url, self.pipelines_dir, self.v1 = sandbox, database_url, pipelines_dir, v1
        self.accounts = {portal["key"]: (new_account_id(database_url), portal["hubspot"]["private_app_token"])
                         for portal in get_json(f"{sandbox.url}/_sandbox/accounts")}

    def sync(self, key: str, progress=None, **options):
        account_id, token = self.accounts[key]
        options.setdefault("search", (1000, 1.0))  # the sandbox lifts search's 5/s for speed
        options.setdefault("use_v1_engagements", self.v1)
        return sync_portal(self.url, self.sandbox.url, StaticToken(account_id, "hubspot", token),
                           HubSpotSyncOptions(**options), pipelines_dir=self.pipelines_dir, progress=progress)

    def truth(self, key: str) -> dict:
        return get_json(f"{self.sandbox.url}/_sandbox/truth")["accounts"][key]["hubspot"]["objects"]

    def assert_equal(self, key: str, associations: bool = True) -> None:
        assert_equals_truth(self.url, self.accounts[key][0], self.truth(key), associations=associations)

    def stats(self) -> dict:
        return get_json(f"{self.sandbox.url}/_sandbox/stats")

    def reset_stats(self) -> None:
        httpx.delete(f"{self.sandbox.url}/_sandbox/stats", timeout=10).raise_for_status()

    def advance(self, **body) -> dict:
        response = httpx.post(f"{self.sandbox.url}/_sandbox/advance", json=body, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module", params=["date-based", "v1 engagements"])
def portals(request, environment, revsync_home, tmp_path_factory):
    """Every test below runs twice: engagements through the date-based API, and through the
    legacy v1 engagements API (paged, modified/after) that a sync may opt into."""
    sandbox = start_sandbox(tmp_path_factory.mktemp("hs"), "main")
    try:
        yield Portals(sandbox, environment.database_url, str(tmp_path_factory.mktemp("dlt")),
                      v1=request.param == "v1 engagements")
    finally:
        sandbox.stop()


def engagement_calls(stats: dict) -> int:
    """Requests that read engagements or their associations (not portal metadata)."""
    return sum(sum(codes.values()) for endpoint, codes in stats["requests_by_endpoint"].items()
               if "/engagements/" in endpoint or any(f"/objects/2026-09/{t}" in endpoint
                                                     or f"/associations/2026-09/{t}/" in endpoint
                                                     for t in ENGAGEMENTS))


def test_first_sync_equals_truth_for_two_accounts(portals):
    for key in portals.accounts:
        result = portals.sync(key)
        assert result.mode == "incremental" and not result.skipped, result.skipped
        portals.assert_equal(key)
    assert duplicate_keys(portals.url) == 0


def test_metadata_tables(portals):
    account_id = portals.accounts["account-1"][0]
    with psycopg2.connect(portals.url) as conn, conn.cursor() as cur:
        cur.execute("select count(*), count(*) filter (where not is_active) from raw_hubspot.owners "
                    "where account_id = %s", (account_id,))
        owners, inactive = cur.fetchone()
        cur.execute("select count(*) from raw_hubspot.deal_stages where account_id = %s", (account_id,))
        stages = cur.fetchone()[0]
        cur.execute("select count(*) from raw_hubspot.deals d where account_id = %s and not exists "
                    "(select 1 from raw_hubspot.deal_stages s where s.account_id = d.account_id "
                    "and s.id = d.dealstage)", (account_id,))
        deals_without_stage = cur.fetchone()[0]
        cur.execute("select label from raw_hubspot.call_dispositions where account_id = %s", (account_id,))
        dispositions = {row[0] for row in cur.fetchall()}
    assert owners >= 2 and inactive >= 1
    assert stages > 0 and deals_without_stage == 0
    assert {"Connected", "Left voicemail", "No answer"} <= dispositions


def test_no_change_sync_is_cheap(portals):
    portals.reset_stats()
    messages: list[str] = []
    result = portals.sync("account-1", progress=messages.append)
    by_endpoint = portals.stats()["requests_by_endpoint"]
    per_type: dict[str, int] = {}
    for endpoint, codes in by_endpoint.items():
        per_type[endpoint] = sum(codes.values())
    assert sum(result.changed.get(t, 0) for t in ENGAGEMENTS) == 0, result.changed
    # Changes (search, or v1 modified/after for all engagements) and one search counting the live
    # records: 2 per type, however many archived records the portal holds, since counts that agree
    # mean no archived list to read.
    object_calls = {t: sum(n for e, n in per_type.items() if f"/objects/2026-09/{t}" in e or f"/{t}/batch" in e
                           or f"/associations/2026-09/{t}/" in e)
                    for t in ("contacts", "deals", *ENGAGEMENTS)}
    assert all(n <= 2 for n in object_calls.values()), (object_calls, per_type)
    assert not [m for m in messages if "archived list" in m], messages


def test_incremental_after_changes_equals_truth(portals):
    changes = portals.advance(fraction=0.1, seconds=3600, account="account-1")["changes"]["account-1"]["hubspot"]
    portals.reset_stats()
    messages: list[str] = []
    result = portals.sync("account-1", progress=messages.append)
    changed = {t: result.changed.get(t, 0) for t in ENGAGEMENTS}
    # Archives show in HubSpot's count of live records, and only then is an archived list read.
    archived_lists = {t for t in ENGAGEMENTS if any(f": {t}: HubSpot holds" in m
                                                   and m.endswith("reading the archived list") for m in messages)}
    assert archived_lists == {t for t in ENGAGEMENTS if changes[t]["archived"]}, (messages, changes)
    assert all(changed[t] >= changes[t]["created"] + changes[t]["modified"] for t in ENGAGEMENTS), (changed, changes)
    # Creates, modifications and archives are caught by the incremental sync itself.
    portals.assert_equal("account-1", associations=False)
    # Calls grow with the changes, not the portal: search pages of 200 (v1: 1,000 for every type
    # at once, plus a batch read per 100 for what v1 lacks), association reads of 1,000 ids per
    # related type, one search counting live records per type and, as archives make the counts
    # differ, one archived list per type.
    calls = engagement_calls(portals.stats())
    upstream = {t: changes[t]["created"] + changes[t]["modified"] for t in ENGAGEMENTS}  # the sandbox's count
    if portals.v1:
        bound = 1 + sum(ceil(upstream[t] / 100) + 2 for t in ENGAGEMENTS)
    else:
        bound = sum(ceil(upstream[t] / 200) + 3 * ceil(upstream[t] / 1000) + 2 for t in ENGAGEMENTS)
    assert calls <= bound, (calls, bound, portals.stats()["requests_by_endpoint"])
    # A reconcile fixes what HubSpot does not date: re-associations and purges.
    portals.sync("account-1", mode="reconcile")
    portals.assert_equal("account-1")
    portals.assert_equal("account-2")  # untouched by the other account's syncs
    assert duplicate_keys(portals.url) == 0


def test_purges_and_reassociations_need_a_reconcile(portals):
    portals.advance(seconds=600, account="account-2", fraction=0, purge=0.05, reassociate=0.1)
    portals.sync("account-2")
    portals.reset_stats()
    result = portals.sync("account-2", mode="reconcile")
    assert sum(result.marked_deleted.values()) > 0, result.marked_deleted
    portals.assert_equal("account-2")


def test_reconcile_loads_live_records_the_raw_tables_lack(portals):
    account_id = portals.accounts["account-2"][0]
    with psycopg2.connect(portals.url) as conn, conn.cursor() as cur:
        cur.execute("delete from raw_hubspot.calls where id in (select id from raw_hubspot.calls "
                    "where account_id = %s and not is_deleted order by id limit 7) and account_id = %s",
                    (account_id, account_id))
        assert cur.rowcount == 7
    conn.close()
    # Nothing changed upstream: an incremental sync sees HubSpot count more calls than raw_hubspot
    # holds, but not which; it says a reconcile fixes that, and the reconcile does.
    messages: list[str] = []
    portals.sync("account-2", progress=messages.append)
    assert [m for m in messages if ": calls: HubSpot holds" in m and "--reconcile" in m], messages
    portals.sync("account-2", mode="reconcile")
    portals.assert_equal("account-2")


def test_a_second_sync_of_the_same_account_is_refused_while_one_runs(portals):
    import threading

    from dlt_sources.loading import SyncAlreadyRunning

    httpx.post(f"{portals.sandbox.url}/_sandbox/faults", json={"provider": "hubspot", "endpoint": "*",
               "slow": {"probability": 1, "delay_ms": 300}}, timeout=10).raise_for_status()
    first = threading.Thread(target=portals.sync, args=("account-1",), kwargs={"mode": "full"})
    try:
        first.start()
        time.sleep(1.0)
        with pytest.raises(SyncAlreadyRunning, match="another sync of this account is running"):
            portals.sync("account-1")
    finally:
        first.join(timeout=120)
        httpx.delete(f"{portals.sandbox.url}/_sandbox/faults", timeout=10).raise_for_status()
    portals.assert_equal("account-1")


def test_a_read_in_parts_keeps_the_old_bookmarks_until_its_last_part(portals):
    """A big read loads in parts while it goes on reading. A sync that fails after some parts have
    loaded saves no bookmark, so the rerun reads everything again and ends equal to the truth."""
    from dlt_sources.http import RetryPolicy, SourceError

    account_id, token = new_account_id(portals.url), portals.accounts["account-2"][1]
    source = StaticToken(account_id, "hubspot", token)
    quick = RetryPolicy(first_backoff_seconds=0.05, max_backoff_seconds=0.5, give_up_after_seconds=6)
    options = dict(search=(1000, 1.0), use_v1_engagements=portals.v1, rows_per_load=100, policy=quick)
    httpx.post(f"{portals.sandbox.url}/_sandbox/faults", json={"rules": [
        {"provider": "hubspot", "endpoint": "tasks", "status": {"500": 1.0}},
        {"provider": "hubspot", "endpoint": "engagements", "status": {"500": 1.0}}]}, timeout=10).raise_for_status()
    try:
        with pytest.raises(SourceError):
            sync_portal(portals.url, portals.sandbox.url, source, HubSpotSyncOptions(**options),
                        pipelines_dir=portals.pipelines_dir)
    finally:
        httpx.delete(f"{portals.sandbox.url}/_sandbox/faults", timeout=10).raise_for_status()
    with psycopg2.connect(portals.url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from raw_hubspot.contacts where account_id = %s", (account_id,))
        assert cur.fetchone()[0] > 0, "no part was loaded before the failure: nothing was tested"
    conn.close()
    result = sync_portal(portals.url, portals.sandbox.url, source, HubSpotSyncOptions(**options),
                         pipelines_dir=portals.pipelines_dir)
    # No bookmark was saved, so the rerun lists every type again rather than searching for changes.
    listed = {t for t in ("contacts", "companies", "deals", *ENGAGEMENTS)
              if f"GET /crm/objects/2026-09/{t}" in result.calls_by_endpoint}
    assert listed >= {"contacts", "companies", "deals"} | (set() if portals.v1 else set(ENGAGEMENTS)), listed
    assert not portals.v1 or "GET /engagements/v1/engagements/paged" in result.calls_by_endpoint
    assert_equals_truth(portals.url, account_id, portals.truth("account-2"))
    assert duplicate_keys(portals.url) == 0


def test_a_sync_from_a_fresh_working_folder_resumes_rather_than_reloads(portals, tmp_path):
    """As a new pod would: no local dlt folder at all. The bookmarks come back from PostgreSQL, so
    the sync reads only changes (search, or v1's modified/after), never the full lists again."""
    portals.sync("account-1")  # bookmarks in the database
    account_id, token = portals.accounts["account-1"]
    result = sync_portal(portals.url, portals.sandbox.url, StaticToken(account_id, "hubspot", token),
                         HubSpotSyncOptions(search=(1000, 1.0), use_v1_engagements=portals.v1),
                         pipelines_dir=str(tmp_path / "fresh-pod"))
    # A reload would list every type, and count every record as new.
    assert not any(endpoint.startswith("GET /crm/objects/") for endpoint in result.calls_by_endpoint), \
        result.calls_by_endpoint
    assert sum(result.changed.values()) == 0, result.changed
    portals.assert_equal("account-1")
