"""The HubSpot sync under hostile conditions, against the sandbox's fault injection over HTTP.

Each scenario ends equal to the sandbox's truth after at most one rerun, with no duplicate key:
a 429 storm, 5% 5xx, timeouts, cut connections, truncated JSON, a record repeated across pages,
and OAuth tokens expiring mid-sync with a rotated refresh token. A revoked token marks that
connection `needs_reauth` and leaves the other account's sync complete.
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg2
import pytest

from dlt_sources.http import RetryPolicy, SourceError, StaticToken
from dlt_sources.hubspot.pipeline import HubSpotSyncOptions, sync_portal
from dlt_sources.sync import sync_accounts
from provider_sandbox.launcher import SandboxProcess
from revsync.accounts import add_account
from revsync.credentials import ConnectionCredentials, exchange_code, store_connection, store_oauth_connection
from tests.integration.hubspot_truth import assert_equals_truth, duplicate_keys, new_account_id
from tests.support import get_json

# Quick retries: the faults come fast and the test should too.
FAST = RetryPolicy(first_backoff_seconds=0.05, max_backoff_seconds=0.5, give_up_after_seconds=60,
                   rate_limited_backoff_seconds=0.2, timeout_seconds=1.5)
FLAGS = ("--accounts", "2", "--engagements", "450", "--seed", "13", "--anchor", "2026-11-01T00:00:00Z",
         "--search-index-delay-ms", "0", "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000",
         "--hubspot-refresh-rotation", "rotate")


@pytest.fixture(scope="module")
def sandbox(environment, tmp_path_factory):
    process = SandboxProcess.start(tmp_path_factory.mktemp("faults"), *FLAGS)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def pipelines_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("dlt"))


def install(sandbox, *rules, seed: int = 5) -> None:
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"seed": seed, "rules": list(rules)},
               timeout=10).raise_for_status()


def clear(sandbox) -> None:
    httpx.delete(f"{sandbox.url}/_sandbox/faults", timeout=10).raise_for_status()


def truth(sandbox, key: str) -> dict:
    return get_json(f"{sandbox.url}/_sandbox/truth")["accounts"][key]["hubspot"]["objects"]


def injected(sandbox) -> int:
    return get_json(f"{sandbox.url}/_sandbox/stats")["faults_injected"]["total"]


def sync_with_rerun(url, sandbox, token_source, pipelines_dir, rule, seed: int) -> None:
    """Sync through `rule`; if that sync gives up, one rerun without faults; then check."""
    before = injected(sandbox)
    install(sandbox, rule, seed=seed)
    try:
        sync_portal(url, sandbox.url, token_source, HubSpotSyncOptions(policy=FAST), pipelines_dir=pipelines_dir)
    except SourceError:
        clear(sandbox)
        sync_portal(url, sandbox.url, token_source, HubSpotSyncOptions(policy=FAST), pipelines_dir=pipelines_dir)
    finally:
        clear(sandbox)
    # A held (timed-out) request is counted when the sandbox finishes holding it.
    deadline = time.monotonic() + 10
    while injected(sandbox) <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert injected(sandbox) > before, "the fault never fired: this scenario tested nothing"
    assert_equals_truth(url, token_source.account_id, truth(sandbox, "account-1"))
    assert duplicate_keys(url) == 0


SCENARIOS = {
    "429 storm": {"provider": "hubspot", "endpoint": "*", "status": {"429": 0.3}},
    "5% 5xx": {"provider": "hubspot", "endpoint": "*", "status": {"500": 0.02, "502": 0.01, "503": 0.01, "504": 0.01}},
    # A few of each, then healthy (a sync here makes only ~25 requests).
    "timeouts": {"provider": "hubspot", "endpoint": "*", "timeout": {"probability": 0.2, "hold_ms": 3000},
                 "max_injections": 3},
    "cut connections": {"provider": "hubspot", "endpoint": "*", "reset": 0.2, "max_injections": 3},
    "truncated JSON": {"provider": "hubspot", "endpoint": "*", "truncate": 0.2, "max_injections": 3},
    "duplicate across pages": {"provider": "hubspot", "endpoint": "*", "duplicate": 1.0},
}


SEEDS = {"5% 5xx": 4}  # one whose draws hit at that rate within ~25 requests


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_fault_ends_equal_to_truth(environment, sandbox, pipelines_dir, name):
    token = sandbox.accounts[0]["hubspot"]["private_app_token"]
    source = StaticToken(new_account_id(environment.database_url), "hubspot", token)
    # A sync here makes ~25 requests: the seed is one whose draws hit at the scenario's rate.
    sync_with_rerun(environment.database_url, sandbox, source, pipelines_dir, SCENARIOS[name], SEEDS.get(name, 5))


def oauth_account(environment, sandbox, index: int, scopes: tuple[str, ...]) -> str:
    """A revsync account connected to portal `index` through the consent page, with `scopes`."""
    app = sandbox.accounts[index]["hubspot"]["oauth"]
    response = httpx.post(f"{sandbox.url}{app['authorize_path']}", data={
        "client_id": app["client_id"], "redirect_uri": app["redirect_uris"][0], "scope": " ".join(scopes),
        "state": "s", "decision": "allow"}, follow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    grant = exchange_code("hubspot", code=code, redirect_uri=app["redirect_uris"][0], client_id=app["client_id"],
                          client_secret=app["client_secret"], api_base=sandbox.url)
    with psycopg2.connect(environment.database_url) as conn:
        account, _ = add_account(conn, f"Faults {uuid.uuid4().hex[:8]}")
        store_oauth_connection(conn, account_id=account.account_id, provider="hubspot", grant=grant,
                               api_base=sandbox.url, client_id=app["client_id"], client_secret=app["client_secret"])
    conn.close()
    return account.account_id


FULL_SCOPES = ("oauth", "crm.objects.contacts.read", "crm.objects.companies.read", "crm.objects.deals.read",
               "crm.objects.owners.read", "sales-email-read")


def test_tokens_expiring_mid_sync_are_refreshed_and_rotated(environment, sandbox, pipelines_dir):
    account_id = oauth_account(environment, sandbox, 0, FULL_SCOPES)
    credentials = ConnectionCredentials(environment.database_url, account_id, "hubspot", refresh_margin_seconds=0)
    before = _refresh_token(environment, account_id)
    # Every token dies 0.3 s after its first use, and every answer takes 200 ms: a sync outlives
    # several tokens, whatever the machine's speed.
    install(sandbox, {"provider": "hubspot", "token_expiry_seconds": 0.3},
            {"provider": "hubspot", "endpoint": "*", "slow": {"probability": 1, "delay_ms": 200}})
    try:
        result = sync_portal(environment.database_url, sandbox.url, credentials, HubSpotSyncOptions(policy=FAST),
                             pipelines_dir=pipelines_dir)
    finally:
        clear(sandbox)
        credentials.close()
    assert result.calls_by_endpoint and not result.skipped, result.skipped
    assert result.details()["refreshes"] >= 1
    assert _refresh_token(environment, account_id) != before  # the rotated one was saved
    assert_equals_truth(environment.database_url, account_id, truth(sandbox, "account-1"))
    assert duplicate_keys(environment.database_url) == 0


def _refresh_token(environment, account_id: str) -> str:
    from revsync.credentials import load_connection

    with psycopg2.connect(environment.database_url) as conn:
        return load_connection(conn, account_id, "hubspot").secrets["refresh_token"]


def test_a_missing_scope_skips_that_type_only(environment, sandbox, pipelines_dir):
    account_id = oauth_account(environment, sandbox, 0, ("oauth", "crm.objects.contacts.read"))
    outcome = sync_accounts("hubspot", environment.database_url, [account_id], HubSpotSyncOptions(policy=FAST),
                           pipelines_dir=pipelines_dir)[0]
    assert outcome.status == "partial", outcome.line()
    assert {"companies", "deals", "owners"} <= set(outcome.result.skipped), outcome.result.skipped
    assert "MISSING_SCOPES" in outcome.result.skipped["deals"]
    # What the token may read is complete.
    assert_equals_truth(environment.database_url, account_id, truth(sandbox, "account-1"),
                        object_types=("calls", "notes", "tasks", "meetings"), associations=False)


def test_a_revoked_token_needs_reauth_and_spares_the_other_account(environment, sandbox, pipelines_dir):
    revoked = oauth_account(environment, sandbox, 0, FULL_SCOPES)
    with psycopg2.connect(environment.database_url) as conn:
        account, _ = add_account(conn, f"Healthy {uuid.uuid4().hex[:8]}")
        healthy = account.account_id
        store_connection(conn, account_id=healthy, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": sandbox.accounts[1]["hubspot"]["private_app_token"]},
                         api_base=sandbox.url)
    conn.close()
    refresh_token = _refresh_token(environment, revoked)
    httpx.delete(f"{sandbox.url}/oauth/v1/refresh-tokens/{refresh_token}", timeout=10).raise_for_status()

    outcomes = {o.account_id: o for o in sync_accounts("hubspot", environment.database_url, [revoked, healthy],
                                                     HubSpotSyncOptions(policy=FAST), pipelines_dir=pipelines_dir)}
    assert outcomes[revoked].status == "failed"
    message = outcomes[revoked].error
    assert "hubspot" in message.lower() and "reconnect" in message.lower() and refresh_token not in message
    assert outcomes[healthy].status == "success", outcomes[healthy].line()
    with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
        cur.execute("select account_id::text, status from app.api_connections where account_id in (%s, %s)",
                    (revoked, healthy))
        statuses = dict(cur.fetchall())
        cur.execute("select account_id::text, status, error_message from app.integration_sync_log "
                    "where account_id in (%s, %s)", (revoked, healthy))
        log = {row[0]: row[1:] for row in cur.fetchall()}
    conn.close()
    assert statuses == {revoked: "needs_reauth", healthy: "connected"}
    assert log[revoked][0] == "failed" and refresh_token not in log[revoked][1]
    assert log[healthy] == ("success", None)
    assert_equals_truth(environment.database_url, healthy, truth(sandbox, "account-2"))
