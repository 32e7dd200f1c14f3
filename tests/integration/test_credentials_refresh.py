"""The credentials provider against the real embedded PostgreSQL and real sandbox processes.

OAuth connections are made the way a user makes them: the sandbox's consent page (POST
decision=allow), then the code exchanged at HubSpot's date-based token endpoint. Token calls are
counted by the sandbox (`GET /_sandbox/stats`), never by the code under test.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg2
import pytest

from revsync.accounts import add_account
from revsync.credentials import (
    ConnectionCredentials,
    NeedsReauth,
    exchange_code,
    load_connection,
    store_connection,
    store_oauth_connection,
)
from revsync.settings import get_settings

ANCHOR = "2026-11-01T00:00:00Z"
TOKEN_PATH = "/oauth/2026-03/token"


@pytest.fixture(scope="module")
def sandbox(revsync_home):
    """Default OAuth behaviour: the same refresh token comes back; access tokens live 1800 s."""
    from provider_sandbox.launcher import SandboxProcess

    with SandboxProcess.start(revsync_home / "sandbox-credentials", "--accounts", "2", "--engagements", "60",
                              "--seed", "5", "--anchor", ANCHOR) as process:
        yield process


@pytest.fixture(scope="module")
def rotating(revsync_home):
    """Refresh tokens rotate (the old one dies at once); access tokens live 3 s of real time."""
    from provider_sandbox.launcher import SandboxProcess

    with SandboxProcess.start(revsync_home / "sandbox-rotating", "--accounts", "1", "--engagements", "60",
                              "--seed", "6", "--anchor", ANCHOR, "--hubspot-refresh-rotation", "rotate",
                              "--hubspot-token-ttl", "3") as process:
        yield process


# --- helpers ------------------------------------------------------------------------------------


def token_calls(process) -> int:
    """Requests the sandbox saw at HubSpot's date-based token endpoint, any status."""
    by_endpoint = process.admin("stats")["requests_by_endpoint"]
    return sum(sum(counts.values()) for endpoint, counts in by_endpoint.items()
               if endpoint.split(" ")[-1] == TOKEN_PATH)


def consent(process, index: int = 0) -> tuple[str, dict]:
    """Allow the portal's OAuth app on the consent page; the authorization code and the app."""
    app = process.accounts[index]["hubspot"]["oauth"]
    state = uuid.uuid4().hex
    response = httpx.post(f"{process.url}{app['authorize_path']}", data={
        "client_id": app["client_id"], "redirect_uri": app["redirect_uris"][0],
        "scope": " ".join(app["required_scopes"]), "state": state, "decision": "allow",
    }, follow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == [state]
    return query["code"][0], app


def new_account(environment) -> str:
    with psycopg2.connect(environment.database_url) as conn:
        account, created = add_account(conn, f"Team {uuid.uuid4().hex[:8]}")
    conn.close()
    assert created
    return account.account_id


def oauth_connection(environment, process, index: int = 0) -> tuple[str, str]:
    """A new account connected to portal `index` through the consent flow: (account_id, hub_id)."""
    account_id = new_account(environment)
    code, app = consent(process, index)
    grant = exchange_code("hubspot", code=code, redirect_uri=app["redirect_uris"][0], client_id=app["client_id"],
                          client_secret=app["client_secret"], api_base=process.url)
    with psycopg2.connect(environment.database_url) as conn:
        store_oauth_connection(conn, account_id=account_id, provider="hubspot", grant=grant, api_base=process.url,
                               client_id=app["client_id"], client_secret=app["client_secret"])
    conn.close()
    return account_id, grant.external_account_id


def sql(environment, statement: str, params=()) -> list[tuple]:
    conn = psycopg2.connect(environment.database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def stored(environment, account_id: str):
    conn = psycopg2.connect(environment.database_url)
    try:
        return load_connection(conn, account_id, "hubspot")
    finally:
        conn.close()


def expire_soon(environment, account_id: str, seconds: int = 60) -> None:
    """Move the stored expiry close, as if most of the token's life had passed."""
    sql(environment, "update app.api_connections set token_expires_at = now() + make_interval(secs => %s) "
        "where account_id = %s and provider = 'hubspot'", (seconds, account_id))


def api_status(process, token: str) -> int:
    """What a CRM read with `token` answers (contacts: a scope every test grant has)."""
    return httpx.get(f"{process.url}/crm/v3/objects/contacts", params={"limit": 1},
                     headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code


# --- tests --------------------------------------------------------------------------------------


def test_consent_flow_stores_an_encrypted_oauth_connection_for_its_host(environment, sandbox):
    account_id, hub_id = oauth_connection(environment, sandbox)
    connection = stored(environment, account_id)
    assert connection.auth_type == "oauth" and connection.status == "connected"
    assert connection.api_base == sandbox.url
    assert hub_id == str(sandbox.accounts[0]["hubspot"]["hub_id"]) == connection.external_account_id
    remaining = connection.token_expires_at - datetime.now(UTC)
    assert timedelta(seconds=1700) < remaining <= timedelta(seconds=1800)
    raw = sql(environment, "select api_connections::text from app.api_connections where account_id = %s",
              (account_id,))[0][0]
    for secret in ("access_token", "refresh_token", "client_secret"):
        assert connection.secrets[secret] not in raw

    before = token_calls(sandbox)
    creds = ConnectionCredentials(environment.database_url, account_id, "hubspot")
    assert creds.auth_type == "oauth" and creds.api_base == sandbox.url and creds.provider == "hubspot"
    token = creds.access_token()
    assert token == connection.secrets["access_token"]
    assert token_calls(sandbox) == before  # a fresh token is used as it is
    assert api_status(sandbox, token) == 200
    assert token not in repr(creds) and connection.secrets["refresh_token"] not in repr(creds)


def test_a_token_near_expiry_is_refreshed_before_use(environment, sandbox):
    account_id, _ = oauth_connection(environment, sandbox)
    old = stored(environment, account_id)
    expire_soon(environment, account_id, 60)
    before = token_calls(sandbox)

    creds = ConnectionCredentials(environment.database_url, account_id, "hubspot", refresh_margin_seconds=300)
    token = creds.access_token()
    assert token != old.secrets["access_token"]
    assert token_calls(sandbox) == before + 1
    assert creds.access_token() == token and token_calls(sandbox) == before + 1  # cached until near expiry
    new = stored(environment, account_id)
    assert new.secrets["access_token"] == token
    assert new.secrets["refresh_token"] == old.secrets["refresh_token"]  # this sandbox does not rotate
    assert new.token_expires_at - datetime.now(UTC) > timedelta(seconds=1700)
    assert api_status(sandbox, token) == 200


def test_concurrent_refreshes_make_exactly_one_token_call(environment, sandbox):
    account_id, _ = oauth_connection(environment, sandbox)
    expire_soon(environment, account_id, 30)
    # One provider object per thread: separate database connections, as separate processes have.
    workers = [ConnectionCredentials(environment.database_url, account_id, "hubspot") for _ in range(4)]
    barrier = threading.Barrier(len(workers))
    tokens: list[str] = []
    errors: list[BaseException] = []

    def refresh(creds: ConnectionCredentials) -> None:
        try:
            barrier.wait(timeout=30)
            tokens.append(creds.access_token())
        except BaseException as exc:  # reported below
            errors.append(exc)

    before = token_calls(sandbox)
    threads = [threading.Thread(target=refresh, args=(creds,)) for creds in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert token_calls(sandbox) == before + 1
    assert len(tokens) == len(workers) and len(set(tokens)) == 1
    assert stored(environment, account_id).secrets["access_token"] == tokens[0]


def test_after_a_401_a_token_refreshed_elsewhere_is_used_without_a_token_call(environment, sandbox):
    account_id, _ = oauth_connection(environment, sandbox)
    first = ConnectionCredentials(environment.database_url, account_id, "hubspot")
    rejected = first.access_token()
    second = ConnectionCredentials(environment.database_url, account_id, "hubspot")
    before = token_calls(sandbox)
    refreshed = second.refresh_after_unauthorized(rejected)
    assert refreshed != rejected and token_calls(sandbox) == before + 1

    assert first.refresh_after_unauthorized(rejected) == refreshed
    assert token_calls(sandbox) == before + 1
    assert first.access_token() == refreshed


def test_token_endpoint_failures_are_retried(environment, sandbox):
    account_id, _ = oauth_connection(environment, sandbox)
    creds = ConnectionCredentials(environment.database_url, account_id, "hubspot")
    rule = {"provider": "hubspot", "endpoint": f"POST {TOKEN_PATH}", "status": {"503": 1}, "max_injections": 2}
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"rules": [rule]}, timeout=10).raise_for_status()
    try:
        before = token_calls(sandbox)
        token = creds.refresh_after_unauthorized(creds.access_token())
    finally:
        httpx.delete(f"{sandbox.url}/_sandbox/faults", timeout=10).raise_for_status()
    assert token_calls(sandbox) == before + 3  # two injected 503s, then the refresh
    assert api_status(sandbox, token) == 200
    assert stored(environment, account_id).status == "connected"


def test_a_rotated_refresh_token_is_saved_and_the_next_refresh_works(environment, rotating):
    account_id, _ = oauth_connection(environment, rotating)
    original = stored(environment, account_id).secrets["refresh_token"]
    time.sleep(3.5)  # the access token has really expired now
    expired = stored(environment, account_id).secrets["access_token"]
    assert api_status(rotating, expired) == 401

    creds = ConnectionCredentials(environment.database_url, account_id, "hubspot", refresh_margin_seconds=1)
    before = token_calls(rotating)
    first = creds.access_token()
    assert api_status(rotating, first) == 200
    rotated = stored(environment, account_id).secrets["refresh_token"]
    assert rotated != original

    # The original refresh token is dead: only the saved one can refresh.
    app = rotating.accounts[0]["hubspot"]["oauth"]
    refused = httpx.post(f"{rotating.url}{TOKEN_PATH}", data={
        "grant_type": "refresh_token", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "refresh_token": original}, timeout=30)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"

    second = creds.refresh_after_unauthorized(first)
    assert second != first and api_status(rotating, second) == 200
    assert stored(environment, account_id).secrets["refresh_token"] not in (original, rotated)
    assert token_calls(rotating) == before + 3


def test_a_revoked_refresh_token_marks_the_connection_needs_reauth(environment, sandbox):
    account_id, _ = oauth_connection(environment, sandbox)
    connection = stored(environment, account_id)
    name, slug = sql(environment, "select name, slug from app.accounts where account_id = %s", (account_id,))[0]
    revoked = httpx.delete(f"{sandbox.url}/oauth/v1/refresh-tokens/{connection.secrets['refresh_token']}",
                           timeout=30)
    assert revoked.status_code == 204
    access = connection.secrets["access_token"]
    assert api_status(sandbox, access) == 401

    creds = ConnectionCredentials(environment.database_url, account_id, "hubspot")
    with pytest.raises(NeedsReauth) as raised:
        creds.refresh_after_unauthorized(access)
    message = str(raised.value)
    assert name in message and slug in message and "HubSpot" in message
    assert "integrations page" in message and f"revsync connect hubspot --account {slug}" in message
    assert raised.value.account_id == account_id and raised.value.provider == "hubspot"
    for secret in connection.secrets.values():
        assert secret not in message and secret not in repr(raised.value)
    status, last_error = sql(environment, "select status, last_error from app.api_connections "
                             "where account_id = %s", (account_id,))[0]
    assert status == "needs_reauth" and "invalid_grant" in last_error
    assert connection.secrets["refresh_token"] not in last_error

    # Later runs stop at the status: no further token call until someone reconnects.
    before = token_calls(sandbox)
    expire_soon(environment, account_id, 10)
    with pytest.raises(NeedsReauth):
        ConnectionCredentials(environment.database_url, account_id, "hubspot").access_token()
    assert token_calls(sandbox) == before


def test_a_rejected_private_app_token_needs_reauth_and_a_replaced_one_is_used(environment, sandbox):
    account_id = new_account(environment)
    good = sandbox.accounts[1]["hubspot"]["private_app_token"]
    bad = "pat-na1-" + str(uuid.uuid4())
    with psycopg2.connect(environment.database_url) as conn:
        store_connection(conn, account_id=account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": bad}, api_base=sandbox.url)
    conn.close()
    creds = ConnectionCredentials(environment.database_url, account_id, "hubspot")
    assert creds.access_token() == bad and api_status(sandbox, bad) == 401
    with pytest.raises(NeedsReauth, match="private app token") as raised:
        creds.refresh_after_unauthorized(bad)
    assert bad not in str(raised.value)
    assert stored(environment, account_id).status == "needs_reauth"

    # The user reconnects with a working token: a process still holding the old one picks it up.
    with psycopg2.connect(environment.database_url) as conn:
        store_connection(conn, account_id=account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": good}, api_base=sandbox.url)
    conn.close()
    assert creds.refresh_after_unauthorized(bad) == good
    assert api_status(sandbox, creds.access_token()) == 200


def test_status_marks_scrub_secrets_and_mark_ok_does_not_hide_needs_reauth(environment, sandbox):
    account_id, _ = oauth_connection(environment, sandbox)
    creds = ConnectionCredentials(environment.database_url, account_id, "hubspot")
    token = creds.access_token()
    creds.mark_error(f"HubSpot answered 500 for Bearer {token}")
    status, last_error = sql(environment, "select status, last_error from app.api_connections "
                             "where account_id = %s", (account_id,))[0]
    assert status == "error" and token not in last_error and "***" in last_error
    creds.mark_ok()
    assert stored(environment, account_id).status == "connected"
    creds.mark_needs_reauth("HubSpot says the app was uninstalled")
    creds.mark_ok()
    assert stored(environment, account_id).status == "needs_reauth"


def test_fathom_rotating_refresh_tokens_go_through_the_same_provider(environment, sandbox, monkeypatch):
    monkeypatch.setenv("FATHOM_AUTH_BASE", sandbox.url)
    get_settings.cache_clear()
    try:
        app = sandbox.accounts[0]["fathom"]["oauth"]
        response = httpx.post(f"{sandbox.url}{app['authorize_path']}", data={
            "client_id": app["client_id"], "redirect_uri": app["redirect_uris"][0], "scope": "public_api",
            "state": "s", "response_type": "code", "decision": "allow"}, follow_redirects=False, timeout=30)
        code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
        grant = exchange_code("fathom", code=code, redirect_uri=app["redirect_uris"][0],
                              client_id=app["client_id"], client_secret=app["client_secret"], api_base=sandbox.url)
        account_id = new_account(environment)
        with psycopg2.connect(environment.database_url) as conn:
            store_oauth_connection(conn, account_id=account_id, provider="fathom", grant=grant, api_base=sandbox.url,
                                   client_id=app["client_id"], client_secret=app["client_secret"])
        conn.close()
        creds = ConnectionCredentials(environment.database_url, account_id, "fathom")
        tokens = [creds.access_token()]
        refresh_tokens = [grant.refresh_token]
        for _ in range(2):  # each refresh token works once: the saved successor must be used
            tokens.append(creds.refresh_after_unauthorized(tokens[-1]))
            conn = psycopg2.connect(environment.database_url)
            refresh_tokens.append(load_connection(conn, account_id, "fathom").secrets["refresh_token"])
            conn.close()
        assert len(set(tokens)) == 3 and len(set(refresh_tokens)) == 3
        meetings = httpx.get(f"{sandbox.url}/external/v1/meetings", headers={"Authorization": f"Bearer {tokens[-1]}"},
                             timeout=30)
        assert meetings.status_code == 200
    finally:
        get_settings.cache_clear()


def test_migrations_add_the_sync_log_columns_and_statuses(environment):
    columns = dict(sql(environment, "select column_name, data_type from information_schema.columns "
                       "where table_schema = 'app' and table_name = 'integration_sync_log'"))
    assert {columns[c] for c in ("trigger", "api_calls", "rate_limited", "items")} == {"text", "integer", "jsonb"}
    assert columns["records_synced"] == "bigint" and columns["details"] == "jsonb"
    account_id = new_account(environment)
    sql(environment, "insert into app.integration_sync_log (account_id, provider, status, trigger, api_calls, "
        "rate_limited, items) values (%s, 'hubspot', 'partial', 'backfill', 12, 1, %s)",
        (account_id, '{"calls": {"new": 5, "changed": 2}}'))
    with pytest.raises(psycopg2.errors.CheckViolation):
        sql(environment, "insert into app.integration_sync_log (account_id, provider, trigger) "
            "values (%s, 'hubspot', 'cron')", (account_id,))
    with psycopg2.connect(environment.database_url) as conn:
        store_connection(conn, account_id=account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": "pat-na1-x"})
    conn.close()
    with pytest.raises(psycopg2.errors.CheckViolation):
        sql(environment, "update app.api_connections set status = 'sleeping' where account_id = %s", (account_id,))
    from alembic.script import ScriptDirectory

    from revsync.db.migrate import alembic_config, migrate

    head = ScriptDirectory.from_config(alembic_config(environment.database_url)).get_current_head()
    assert migrate(environment.database_url) == head  # idempotent: already at the newest revision


def test_rows_without_an_api_base_use_the_settings_default(environment, monkeypatch):
    account_id = new_account(environment)
    with psycopg2.connect(environment.database_url) as conn:
        store_connection(conn, account_id=account_id, provider="hubspot", auth_type="private_app",
                         secrets={"access_token": "pat-na1-x"})
    conn.close()
    monkeypatch.setenv("HUBSPOT_API_BASE", "https://api.example.test/")
    get_settings.cache_clear()
    try:
        creds = ConnectionCredentials(environment.database_url, account_id, "hubspot")
        assert creds.api_base == "https://api.example.test"
        assert sql(environment, "select api_base from app.api_connections where account_id = %s",
                   (account_id,))[0][0] is None
    finally:
        get_settings.cache_clear()

