"""Every asset materialized for real: sandbox over HTTP → dlt → PostgreSQL → dbt, run by Dagster."""

import time
from datetime import UTC, datetime

import dagster as dg
import httpx
import psycopg2
import pytest

from revsync.credentials import load_connection, store_connection
from revsync.settings import get_settings
from tests.support import get_json


@pytest.fixture(scope="module")
def connected_accounts(environment, sandbox_url, monkeypatch_module):
    """Two revsync accounts, each connected to its own sandbox portal through the vault."""
    monkeypatch_module.setenv("HUBSPOT_API_BASE", sandbox_url)
    get_settings.cache_clear()
    portals = get_json(f"{sandbox_url}/_sandbox/accounts")
    accounts = {}
    with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
        for portal in portals:
            cur.execute("insert into app.accounts (name, slug) values (%s, %s) returning account_id",
                        (portal["name"], portal["key"]))
            account_id = str(cur.fetchone()[0])
            store_connection(conn, account_id=account_id, provider="hubspot", auth_type="private_app",
                             secrets={"access_token": portal["hubspot"]["private_app_token"]},
                             external_account_id=str(portal["hubspot"]["hub_id"]))
            accounts[account_id] = portal["key"]
        # The job syncs every connected account with auto-sync on: here, just these two (other
        # modules leave accounts whose sandboxes are gone).
        cur.execute("update app.api_connections set auto_sync_enabled = false where not account_id = any(%s::uuid[])",
                    (list(accounts),))
    yield accounts
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


class DailySync:
    """The runs a daily sync makes: one incremental run per connection's partition, then dbt once."""

    def __init__(self, results: list[dg.ExecuteInProcessResult]):
        self.results = results

    def get_asset_materialization_events(self):
        return [event for result in self.results for event in result.get_asset_materialization_events()]

    def get_asset_check_evaluations(self):
        return [check for result in self.results for check in result.get_asset_check_evaluations()]


def materialize_all(accounts: dict[str, str]) -> DailySync:
    from orchestration.definitions import defs
    from orchestration.defs.ingest import connection_partitions
    from orchestration.defs.schedules import INCREMENTAL, last_complete_day

    definitions = defs()
    day = last_complete_day(datetime.now(UTC))
    results = []
    with dg.DagsterInstance.get() as instance:  # dagster-postgres storage from the generated dagster.yaml
        instance.add_dynamic_partitions(connection_partitions("hubspot").name, list(accounts.values()))
        for slug in accounts.values():
            results.append(definitions.resolve_job_def("hubspot_sync_job").execute_in_process(
                instance=instance, raise_on_error=False, run_config={"ops": {"hubspot": {"config": INCREMENTAL}}},
                partition_key=dg.MultiPartitionKey({"connection": slug, "day": day})))
        results.append(definitions.resolve_job_def("dbt_build_job").execute_in_process(
            instance=instance, raise_on_error=False))
    for result in results:
        failures = [event.message for event in result.all_events if event.is_failure]
        assert result.success, failures
    return DailySync(results)


def query(url: str, sql: str, params=()):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def test_tokens_are_encrypted_at_rest(environment, connected_accounts, sandbox_url):
    tokens = [p["hubspot"]["private_app_token"] for p in get_json(f"{sandbox_url}/_sandbox/accounts")]
    dump = query(environment.database_url, "select api_connections::text from app.api_connections")
    assert dump and not any(token in str(dump) for token in tokens)
    with psycopg2.connect(environment.database_url) as conn:
        for account_id in connected_accounts:
            assert load_connection(conn, account_id, "hubspot").secrets["access_token"] in tokens


@pytest.fixture(scope="module")
def first_sync(connected_accounts) -> DailySync:
    return materialize_all(connected_accounts)


def test_materializing_everything_matches_the_sandbox_and_reruns_add_no_duplicates(
    environment, connected_accounts, sandbox_url, first_sync
):
    url = environment.database_url
    truth = get_json(f"{sandbox_url}/_sandbox/truth")["accounts"]

    result = first_sync
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"hubspot/calls", "staging/stg_hubspot__calls", "analytics/synced_activities"} <= materialized
    checks = result.get_asset_check_evaluations()
    assert checks and all(check.passed for check in checks), [c.check_name for c in checks if not c.passed]

    def assert_matches_truth():
        for account_id, key in connected_accounts.items():
            calls = truth[key]["hubspot"]["objects"]["calls"]
            count, duration = query(
                url,
                "select count(*), coalesce(sum(duration_seconds * 1000), 0) from analytics.synced_activities "
                "where account_id = %s and activity_type = 'call' and not is_deleted",
                (account_id,),
            )[0]
            assert (count, duration) == (calls["count"], calls["duration_ms_sum"])

    assert_matches_truth()
    raw_before = query(url, "select count(*), count(distinct (account_id, id)) from raw_hubspot.calls")[0]
    assert raw_before[0] == raw_before[1]

    materialize_all(connected_accounts)
    assert_matches_truth()
    assert query(url, "select count(*), count(distinct (account_id, id)) from raw_hubspot.calls")[0] == raw_before
    duplicates = query(url, "select count(*) - count(distinct activity_id) from analytics.synced_activities")
    assert duplicates == [(0,)]


def test_raw_columns_are_typed(environment, first_sync):
    types = dict(query(
        environment.database_url,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw_hubspot' and table_name = 'calls'",
    ))
    assert types["hs_call_duration"] == "bigint"
    for column in ("hs_timestamp", "hs_createdate", "hs_lastmodifieddate"):
        assert types[column] == "timestamp with time zone", column
    assert types["account_id"] == "character varying" and types["archived"] == "boolean"


def test_changes_and_archives_upstream_reach_the_mart_on_the_next_run(
    environment, connected_accounts, sandbox_url, first_sync
):
    """Time moves in the sandbox (new, changed and archived calls); a rerun matches truth again."""
    changed = httpx.post(f"{sandbox_url}/_sandbox/advance", json={"fraction": 0.1, "seconds": 3600}, timeout=60)
    assert changed.status_code == 200, changed.text
    # Incremental syncs read changes through search, whose index lags (the sandbox: 2 s); the
    # newest changes reach a sync that starts after that, as at HubSpot.
    time.sleep(2.5)
    truth = get_json(f"{sandbox_url}/_sandbox/truth")["accounts"]
    materialize_all(connected_accounts)
    for account_id, key in connected_accounts.items():
        calls = truth[key]["hubspot"]["objects"]["calls"]
        count, duration = query(
            environment.database_url,
            "select count(*), coalesce(sum(duration_seconds * 1000), 0) from analytics.synced_activities "
            "where account_id = %s and activity_type = 'call' and not is_deleted",
            (account_id,),
        )[0]
        assert (count, duration) == (calls["count"], calls["duration_ms_sum"])
        archived = query(environment.database_url,
                         "select count(*) from raw_hubspot.calls where account_id = %s and archived", (account_id,))
        assert archived[0][0] == calls["archived_count"]


def test_every_sync_attempt_is_logged_per_account(environment, connected_accounts, first_sync):
    rows = query(
        environment.database_url,
        "select account_id::text, status, records_synced from app.integration_sync_log "
        "where provider = 'hubspot' and account_id = any(%s::uuid[]) order by sync_id",
        (list(connected_accounts),),
    )
    assert {r[0] for r in rows} == set(connected_accounts)
    assert all(status == "success" for _, status, _ in rows)
    for account_id in connected_accounts:
        counts = [records for account, _, records in rows if account == account_id]
        # Records new or changed, not re-read: the first sync loads them all, the rerun with no
        # change upstream none, the sync after the sandbox moved on some.
        assert counts[0] > 0 and counts[1] == 0 and counts[2] > 0, counts

