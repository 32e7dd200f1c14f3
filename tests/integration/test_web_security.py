"""The web app's security properties, over real HTTP against the sandbox: OAuth `state` (CSRF),
redirect URIs and `next=`, roles and account isolation, secrets in no log, page, answer, error or
database dump, and concurrent refreshes making one provider call."""

from __future__ import annotations

import logging
import subprocess
import threading
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from revsync.credentials import ConnectionCredentials, NeedsReauth, load_connection
from tests.web_support import PASSWORD, consent, csrf_of, sign_in, web_app_fixture  # noqa: F401

pytestmark = pytest.mark.integration
SANDBOX_SEED = 23
TOKEN_PATH = "/oauth/2026-03/token"


def token_calls(web_app) -> int:
    by_endpoint = web_app.sandbox.admin("stats")["requests_by_endpoint"]
    return sum(sum(counts.values()) for endpoint, counts in by_endpoint.items()
               if endpoint.split(" ")[-1] == TOKEN_PATH)


def authorize(web_app, client: httpx.Client, decision: str = "allow") -> tuple[str, dict]:
    """Start a connect and answer the consent page; the callback path+query and the authorize params."""
    start = client.get("/connect/hubspot")
    assert start.status_code == 303
    parts = urlsplit(start.headers["location"])
    params = dict(parse_qsl(parts.query))
    answer = httpx.post(f"{parts.scheme}://{parts.netloc}{parts.path}", data={**params, "decision": decision},
                        timeout=30)
    back = urlsplit(answer.headers["location"])
    return f"{back.path}?{back.query}", params


def connection_count(web_app, who: str) -> int:
    with web_app.db() as conn, conn.cursor() as cur:
        cur.execute("select count(*) from app.api_connections where account_id = %s and status <> 'disconnected'",
                    (web_app.people[who].account_id,))
        return cur.fetchone()[0]


def with_state(callback: str, state: str | None) -> str:
    path, query = callback.split("?", 1)
    params = {k: v for k, v in parse_qsl(query) if k != "state"}
    if state is not None:
        params["state"] = state
    return path + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_a_bad_state_is_refused_and_stores_nothing(web_app):
    client = web_app.login("manager_b")
    calls = token_calls(web_app)

    callback, _ = authorize(web_app, client)
    missing = client.get(with_state(callback, None))
    assert missing.status_code == 400 and "no state" in missing.text
    wrong = client.get(with_state(callback, "not-the-state"))
    assert wrong.status_code == 400 and "unknown or was used already" in wrong.text

    # Reused: the state was spent (here by a Deny answer); the same state with a code is refused.
    denied, params = authorize(web_app, client, "deny")
    assert client.get(denied).status_code == 400
    reused = client.get(with_state(callback, params["state"]))
    assert reused.status_code == 400 and "unknown or was used already" in reused.text

    # Expired: older than its 10 minutes.
    callback, params = authorize(web_app, client)
    with web_app.db() as conn, conn.cursor() as cur:
        cur.execute("update app.oauth_states set expires_at = now() - interval '1 second' where state = %s",
                    (params["state"],))
    expired = client.get(callback)
    assert expired.status_code == 400 and "expired" in expired.text

    # Another session of the same manager, and another account's manager: both refused.
    callback, params = authorize(web_app, client)
    other_session = web_app.login("manager_b").get(callback)
    assert other_session.status_code == 400 and "another session" in other_session.text
    callback, params = authorize(web_app, client)
    other_account = web_app.login("manager_a").get(callback)
    assert other_account.status_code == 400 and "another session" in other_account.text
    # Refused once, a state is spent: its own session cannot use it afterwards either.
    assert client.get(callback).status_code == 400

    assert connection_count(web_app, "manager_b") == 0
    assert token_calls(web_app) == calls, "no refused callback exchanged its code"
    with web_app.db() as conn, conn.cursor() as cur:
        cur.execute("select count(*) from app.oauth_states where state = %s", (params["state"],))
        assert cur.fetchone()[0] == 0


def test_only_the_configured_redirect_uri_is_sent(web_app):
    client = web_app.login("manager_b")
    for headers in ({}, {"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}):
        location = client.get("/connect/hubspot", headers=headers).headers["location"]
        params = dict(parse_qsl(urlsplit(location).query))
        assert params["redirect_uri"] == f"{web_app.url}/callback/hubspot"
        assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
        assert location.startswith(f"{web_app.sandbox.url}/oauth/authorize?")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
                                    "javascript:alert(1)", "/%0d%0aLocation:%20https://evil.example", "evil.example"])
def test_next_is_never_an_open_redirect(web_app, target):
    def local(location: str) -> bool:
        parts = urlsplit(location)
        return location.startswith("/") and not location.startswith(("//", "/\\")) and not parts.netloc

    client = web_app.client()
    page = client.get("/login", params={"next": target}).text
    kept = page.split('name="next" value="', 1)[1].split('"', 1)[0]
    assert local(kept), kept
    response = sign_in(client, web_app.people["manager_a"].email, PASSWORD, next=target)
    assert response.status_code == 303 and local(response.headers["location"]), response.headers["location"]
    assert response.headers["location"] == ("/" if not target.startswith("/%") else target)


def test_reps_get_403_on_every_integration_route_and_the_api(web_app):
    rep = web_app.login("rep_a")
    csrf = csrf_of(rep, "/dashboard")
    gets = ["/integrations", "/connect/hubspot", "/callback/hubspot?state=x&code=y", "/api/connections",
            "/api/reps/metrics", "/api/sync-log", "/api/me"]
    posts = ["/integrations/hubspot/sync", "/integrations/hubspot/disconnect", "/integrations/hubspot/auto-sync",
             "/integrations/aircall/credentials", "/integrations/fathom/api-key"]
    for path in gets:
        assert rep.get(path).status_code == 403, path
    for path in posts:
        assert rep.post(path, data={"csrf_token": csrf}).status_code == 403, path
    assert rep.get("/dashboard").status_code == 200


def test_a_manager_sees_and_changes_only_their_own_account(web_app):
    manager_a, manager_b = web_app.login("manager_a"), web_app.login("manager_b")
    assert consent(web_app, manager_a).status_code == 303
    account_a = web_app.people["manager_a"].account_id
    # Account ids in the query are ignored: the session decides the account.
    for client, expected in ((manager_a, "connected"), (manager_b, "none")):
        entries = client.get("/api/connections", params={"account_id": account_a}).json()
        assert next(e for e in entries if e["provider"] == "hubspot")["status"] == expected
    assert manager_b.get("/api/me").json()["account_id"] == web_app.people["manager_b"].account_id
    refused = manager_b.post("/integrations/hubspot/disconnect", data={"csrf_token": csrf_of(manager_b)})
    assert refused.status_code == 400 and "not connected" in refused.text
    assert connection_count(web_app, "manager_a") == 1
    # A form posted without this session's CSRF token changes nothing.
    forged = manager_a.post("/integrations/hubspot/disconnect", data={"csrf_token": csrf_of(manager_b)})
    assert forged.status_code == 403
    assert connection_count(web_app, "manager_a") == 1



def failed_attempts(web_app, email: str) -> int:
    with web_app.db() as conn, conn.cursor() as cur:
        cur.execute("select count(*) from app.login_attempts where lower(email) = lower(%s)", (email,))
        return cur.fetchone()[0]


def test_sign_in_needs_this_browsers_form_token(web_app):
    email = web_app.people["manager_b"].email
    client, other = web_app.client(), web_app.client()
    page = client.get("/login")
    cookie = next(c for c in page.headers.get_list("set-cookie") if c.startswith("revsync_form="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    mine, theirs = csrf_of(client, "/login"), csrf_of(other, "/login")
    assert mine == client.cookies["revsync_form"] and mine != theirs
    attempts = failed_attempts(web_app, email)

    # Missing, wrong, another browser's token, and a right token without the cookie (a form another
    # site posts): refused with a clear message, nobody signed in, no failure counted.
    without_cookie = web_app.client()
    for sender, token in ((client, None), (client, "forged"), (client, theirs), (without_cookie, mine)):
        form = {"email": email, "password": PASSWORD, **({"csrf_token": token} if token is not None else {})}
        refused = sender.post("/login", data=form)
        assert refused.status_code == 403, token
        assert "This form expired or came from another site" in refused.text
        assert "revsync_session" not in sender.cookies
        assert sender.get("/api/me").status_code == 401
    assert failed_attempts(web_app, email) == attempts

    # The refusal's page carries a working form: a browser without the cookie got one with it.
    assert without_cookie.cookies["revsync_form"] != mine
    retried = sign_in(without_cookie, email, PASSWORD)
    assert retried.status_code == 303 and without_cookie.get("/api/me").status_code == 200
    # Signed in, the form cookie is dropped: the session's own token guards the forms.
    assert "revsync_form" not in without_cookie.cookies
    assert sign_in(client, email, PASSWORD).status_code == 303


SESSION_FORMS = {
    "/logout": {},
    "/integrations/hubspot/sync": {},
    "/integrations/hubspot/auto-sync": {"enabled": "on"},
    "/integrations/hubspot/disconnect": {},
    "/integrations/aircall/credentials": {"api_id": "id", "api_token": "0" * 32},
    "/integrations/fathom/api-key": {"api_key": "k" * 40},
}


def test_session_forms_refuse_a_missing_wrong_or_other_sessions_token(web_app):
    manager, same_manager_elsewhere = web_app.login("manager_b"), web_app.login("manager_b")
    other_session = csrf_of(same_manager_elsewhere)
    assert other_session != csrf_of(manager)
    before = connection_count(web_app, "manager_b"), manager.get("/api/sync-log").json()
    for path, form in SESSION_FORMS.items():
        for token in (None, "", "forged", other_session):
            data = {**form, **({"csrf_token": token} if token is not None else {})}
            refused = manager.post(path, data=data)
            assert refused.status_code == 403, (path, token)
            assert "This form expired or came from elsewhere" in refused.text, path
    # Nothing changed: still signed in, nothing connected or synced.
    assert manager.get("/api/me").status_code == 200
    assert (connection_count(web_app, "manager_b"), manager.get("/api/sync-log").json()) == before


def pg_dump(database_url: str) -> str:
    from revsync.db.embedded import _bin_dir

    result = subprocess.run([str(_bin_dir() / "pg_dump"), "--dbname", database_url, "--schema", "app",
                             "--data-only"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_secrets_leak_nowhere(web_app, caplog):
    caplog.set_level(logging.DEBUG)
    manager = web_app.login("manager_a")
    account_id = web_app.people["manager_a"].account_id
    assert consent(web_app, manager).status_code == 303
    with web_app.db() as conn:
        first = load_connection(conn, account_id, "hubspot").secrets
    secrets = {first["access_token"], first["refresh_token"]}

    # A refresh (forced: every token "expires" within the margin), then a failing one.
    with ConnectionCredentials(web_app.database_url, account_id, "hubspot",
                               refresh_margin_seconds=3600) as credentials:
        refreshed = credentials.access_token()
    assert refreshed not in secrets
    secrets.add(refreshed)
    with web_app.db() as conn:
        secrets.add(load_connection(conn, account_id, "hubspot").secrets["refresh_token"])
    app = web_app.sandbox.accounts[0]["hubspot"]["oauth"]
    for token in secrets - {first["access_token"], refreshed}:  # the refresh tokens, revoked at HubSpot
        answer = httpx.post(f"{web_app.sandbox.url}/oauth/2026-03/token/revoke", timeout=30, data={
            "token": token, "client_id": app["client_id"], "client_secret": app["client_secret"]})
        assert answer.status_code == 200
    with pytest.raises(NeedsReauth) as failure:
        with ConnectionCredentials(web_app.database_url, account_id, "hubspot",
                                   refresh_margin_seconds=3600) as credentials:
            credentials.access_token()
    refused = manager.post("/integrations/hubspot/sync", data={"csrf_token": csrf_of(manager)})
    assert refused.status_code == 400 and "reconnected first" in refused.text

    seen = [str(failure.value), repr(failure.value), caplog.text, pg_dump(web_app.database_url)]
    for path in ("/integrations", "/dashboard", "/api/connections", "/api/sync-log", "/api/me", "/api/reps/metrics",
                 "/api/openapi.json"):
        response = manager.get(path)
        assert response.status_code == 200, path
        seen.append(response.text)
    page = manager.get("/integrations").text
    assert "Needs reconnect" in page and "Reconnect HubSpot" in page
    for text in seen:
        for secret in secrets:
            assert secret not in text


def test_concurrent_refreshes_make_one_provider_call(web_app):
    manager = web_app.login("manager_b")
    assert consent(web_app, manager).status_code == 303
    account_id = web_app.people["manager_b"].account_id
    with web_app.db() as conn, conn.cursor() as cur:
        before = load_connection(conn, account_id, "hubspot").secrets["access_token"]
        # About to expire: within the refresh margin, so both callers want a refresh.
        cur.execute("update app.api_connections set token_expires_at = now() + interval '10 seconds' "
                    "where account_id = %s and provider = 'hubspot'", (account_id,))
    calls = token_calls(web_app)
    start = threading.Barrier(2)
    results: list[str] = []

    def refresh() -> None:
        # Each caller has its own credentials object, as two processes would.
        with ConnectionCredentials(web_app.database_url, account_id, "hubspot") as credentials:
            start.wait()
            results.append(credentials.access_token())

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 2 and results[0] == results[1] != before
    assert token_calls(web_app) == calls + 1
