"""The web app over real HTTP: sign-in, the integrations page, one-click HubSpot connect through the
sandbox's consent page, Sync now, disconnect with revocation, the API-key forms, the dashboard and
the JSON API. The app runs under uvicorn on a loopback port; the providers are the sandbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time

import httpx
import pytest

from oauth_service.users import add_user
from revsync.credentials import load_connection
from tests.web_support import PASSWORD, consent, csrf_of, make_owners_reps, run_dbt, sign_in, web_app_fixture  # noqa: F401

pytestmark = pytest.mark.integration


def wait_for_sync(client: httpx.Client, provider: str, after: int | None, timeout: float = 240) -> dict:
    """Poll the API until a sync newer than `after` has finished; returns the connection entry."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entry = next(c for c in client.get("/api/connections").json() if c["provider"] == provider)
        last = entry["last_sync"]
        if last and (after is None or last["sync_id"] > after) and last["status"] != "running":
            return entry
        time.sleep(0.5)
    raise AssertionError(f"no {provider} sync finished within {timeout} s")


def test_pages_need_a_session_and_login_sets_a_hardened_cookie(web_app):
    client = web_app.client()
    response = client.get("/integrations")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fintegrations"
    assert client.get("/api/connections").status_code == 401

    wrong = sign_in(client, web_app.people["manager_a"].email, "not it at all")
    assert wrong.status_code == 401 and "do not match" in wrong.text and "set-cookie" not in wrong.headers

    response = sign_in(client, web_app.people["manager_a"].email.upper(), PASSWORD, next="/dashboard?days=7")
    assert response.status_code == 303 and response.headers["location"] == "/dashboard?days=7"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("revsync_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    token = client.cookies["revsync_session"]
    with web_app.db() as conn, conn.cursor() as cur:
        cur.execute("select count(*) from app.web_sessions where session_hash = %s", (token,))
        assert cur.fetchone()[0] == 0, "the cookie's token itself is never stored"
    page = client.get("/integrations")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    assert page.headers["referrer-policy"] == "no-referrer"

    csrf = csrf_of(client)
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/integrations").status_code == 303
    # The old cookie is dead server-side too, not only deleted in this browser.
    stale = web_app.client(cookies={"revsync_session": token})
    assert stale.get("/api/me").status_code == 401


def test_login_is_rate_limited_per_email(web_app):
    email = web_app.people["rep_b"].email
    client = web_app.client()
    for _ in range(5):
        assert sign_in(client, email, "guess guess guess").status_code == 401
    blocked = sign_in(client, email, PASSWORD)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in blocked.text
    # Another person is not locked out by someone guessing this email.
    assert sign_in(web_app.client(), web_app.people["manager_b"].email, PASSWORD).status_code == 303
    with web_app.db() as conn, conn.cursor() as cur:  # let the other tests sign in as rep_b
        cur.execute("delete from app.login_attempts where lower(email) = lower(%s)", (email,))


def test_connect_hubspot_sync_now_and_disconnect(web_app):
    client = web_app.login("manager_a")
    account_id = web_app.people["manager_a"].account_id
    page = client.get("/integrations").text
    assert re.search(r'id="hubspot".*?Not connected', page, re.S)

    callback = consent(web_app, client, "allow")
    assert callback.status_code == 303
    assert callback.headers["location"] == "/integrations?done=connected&provider=hubspot#hubspot"
    page = client.get(callback.headers["location"]).text
    assert "HubSpot is connected." in page
    assert re.search(r'id="hubspot".*?badge-connected[^>]*>Connected<', page, re.S)
    portal = web_app.sandbox.accounts[0]["hubspot"]
    assert str(portal["hub_id"]) in page

    entry = next(c for c in client.get("/api/connections").json() if c["provider"] == "hubspot")
    assert entry["status"] == "connected" and entry["auth_type"] == "oauth" and entry["auto_sync"] is True
    assert entry["external_account_id"] == str(portal["hub_id"]) and entry["missing_scopes"] == []
    assert {"crm.objects.contacts.read", "crm.objects.owners.read"} <= set(entry["scopes"])
    assert entry["records"] == 0 and entry["last_sync"] is None

    response = client.post("/integrations/hubspot/sync", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 303 and "done=sync_started" in response.headers["location"]
    entry = wait_for_sync(client, "hubspot", None)
    assert entry["last_sync"]["status"] == "success", entry["last_sync"]
    assert entry["records"] > 0 and entry["last_success_at"]
    page = client.get("/integrations").text
    assert re.search(r'data-testid="last-sync">\s*<time datetime="[^"]+" title="\d{4}-\d\d-\d\d [\d:]+ UTC">'
                     r"(just now|\d+ minutes? ago)</time>", page)
    assert f">{entry['records']:,}<" in page

    log = client.get("/api/sync-log", params={"provider": "hubspot"}).json()
    assert log[0]["trigger"] == "manual" and log[0]["status"] == "success"

    # Auto-sync off, then on again.
    assert client.post("/integrations/hubspot/auto-sync",
                       data={"csrf_token": csrf_of(client), "enabled": "off"}).status_code == 303
    assert next(c for c in client.get("/api/connections").json() if c["provider"] == "hubspot")["auto_sync"] is False
    client.post("/integrations/hubspot/auto-sync", data={"csrf_token": csrf_of(client), "enabled": "on"})

    with web_app.db() as conn:
        refresh_token = load_connection(conn, account_id, "hubspot").secrets["refresh_token"]
    oauth_app = portal["oauth"]
    response = client.post("/integrations/hubspot/disconnect", data={"csrf_token": csrf_of(client)})
    assert response.headers["location"] == "/integrations?done=disconnected&provider=hubspot#hubspot"
    # Revoked at HubSpot: the refresh token is dead there.
    answer = httpx.post(f"{web_app.sandbox.url}/oauth/2026-03/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh_token,
        "client_id": oauth_app["client_id"], "client_secret": oauth_app["client_secret"]}, timeout=30)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    with web_app.db() as conn:
        connection = load_connection(conn, account_id, "hubspot")
    assert connection.status == "disconnected" and dict(connection.secrets) == {}
    entry = next(c for c in client.get("/api/connections").json() if c["provider"] == "hubspot")
    assert entry["status"] == "none" and entry["auto_sync"] is False
    page = client.get(response.headers["location"]).text
    assert "HubSpot is disconnected" in page and re.search(r'id="hubspot".*?Not connected', page, re.S)


def test_deny_on_the_consent_page_stores_nothing_and_says_so(web_app):
    client = web_app.login("manager_b")
    response = consent(web_app, client, "deny")
    assert response.status_code == 400
    assert "HubSpot was not connected: access was denied on HubSpot&#39;s page." in response.text
    with web_app.db() as conn, conn.cursor() as cur:
        cur.execute("select count(*) from app.api_connections where account_id = %s",
                    (web_app.people["manager_b"].account_id,))
        assert cur.fetchone()[0] == 0


def test_aircall_and_fathom_key_forms_check_then_store_encrypted(web_app):
    client = web_app.login("manager_b")
    account_id = web_app.people["manager_b"].account_id
    aircall = web_app.sandbox.accounts[1]["aircall"]
    wrong = client.post("/integrations/aircall/credentials",
                        data={"csrf_token": csrf_of(client), "api_id": aircall["api_id"], "api_token": "0" * 32})
    assert wrong.status_code == 400 and "Aircall rejected these credentials" in wrong.text
    assert "0" * 32 not in wrong.text
    right = client.post("/integrations/aircall/credentials", data={
        "csrf_token": csrf_of(client), "api_id": aircall["api_id"], "api_token": aircall["api_token"]})
    assert right.status_code == 303
    fathom_key = web_app.sandbox.accounts[1]["fathom"]["api_key"]
    assert client.post("/integrations/fathom/api-key",
                       data={"csrf_token": csrf_of(client), "api_key": fathom_key}).status_code == 303
    entries = {c["provider"]: c for c in client.get("/api/connections").json()}
    assert entries["aircall"]["status"] == "connected" and entries["aircall"]["auth_type"] == "basic"
    assert entries["fathom"]["status"] == "connected" and entries["fathom"]["auth_type"] == "api_key"
    body = client.get("/api/connections").text + client.get("/integrations").text
    for secret in (aircall["api_token"], fathom_key):
        assert secret not in body
    with web_app.db() as conn:
        assert load_connection(conn, account_id, "aircall").secrets["api_token"] == aircall["api_token"]
        assert load_connection(conn, account_id, "fathom").secrets["api_key"] == fathom_key


def test_openapi_documents_the_api(web_app):
    schema = web_app.client().get("/api/openapi.json").json()
    assert {"/api/connections", "/api/reps/metrics", "/api/sync-log", "/api/me"} <= set(schema["paths"])
    assert not any(path.startswith(("/login", "/integrations", "/callback")) for path in schema["paths"])
    properties = schema["components"]["schemas"]["ConnectionOut"]["properties"]
    assert not {"secrets", "access_token", "refresh_token", "api_key"} & set(properties)


def test_api_docs_load_only_the_apps_own_assets(web_app):
    client = web_app.client()
    page = client.get("/api/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert page.headers["Content-Security-Policy"] == "frame-ancestors 'none'"  # never framed
    assets = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert len(assets) == 3, assets  # the script, the style sheet, the icon
    assert "//" not in page.text, "no absolute URL: nothing loads from another host"
    for url in assets:
        assert url.startswith("/api/docs/assets/"), url
        answer = client.get(url)
        assert answer.status_code == 200 and len(answer.content) > 1000, url
    assert "SwaggerUIBundle" in client.get(next(url for url in assets if url.endswith(".js"))).text
    assert "url: '/api/openapi.json'" in page.text  # the schema, from the app too


def test_dashboard_shows_each_reps_numbers(web_app, environment, tmp_path):
    """After a sync and dbt, the dashboard's dials per rep equal the outbound calls counted straight
    from the raw calls; a rep sees their own row only; the API says the same."""
    manager = web_app.login("manager_a")
    account_id = web_app.people["manager_a"].account_id
    consent(web_app, manager, "allow")
    manager.post("/integrations/hubspot/sync", data={"csrf_token": csrf_of(manager)})
    wait_for_sync(manager, "hubspot", None)
    make_owners_reps(web_app)
    with web_app.db() as conn, conn.cursor() as cur:
        cur.execute(
            """
            select lower(o.email), count(*) from raw_hubspot.calls c
            join raw_hubspot.owners o on o.account_id = c.account_id and o.id::text = c.hubspot_owner_id::text
            where c.account_id = %s and not coalesce(c.is_deleted, false)
              and upper(c.hs_call_direction) = 'OUTBOUND' and c.hs_timestamp >= (now() at time zone 'utc')::date - 89
            group by 1 order by 2 desc, 1
            """,
            (account_id,),
        )
        truth = dict(cur.fetchall())
    assert truth, "the portal has calls in the last 90 days"
    run_dbt(environment, tmp_path, "+synced_activities", "+rep_activity_daily")

    metrics = manager.get("/api/reps/metrics", params={"days": 90}).json()
    by_email = {r["email"].lower(): r for r in metrics["reps"] if r["email"]}
    assert {e: by_email.get(e, {}).get("dials") for e in truth} == truth, metrics
    assert metrics["source"] in ("analytics.rep_activity_daily", "analytics.synced_activities")
    assert sum(metrics["weekly"]["dials"]) == sum(truth.values())

    top_email, top_dials = next(iter(truth.items()))
    top = by_email[top_email]["rep"]
    page = manager.get("/dashboard", params={"days": 90}).text
    assert '<svg class="chart"' in page and page.count('data-testid="rep-row"') == len(metrics["reps"])
    assert re.search(rf'{top}</th>\s*<td class="num" data-testid="dials">{top_dials:,}<', page)

    # A rep sees their own numbers only, and no integration controls.
    with web_app.db() as conn:
        add_user(conn, account_id=account_id, email=top_email, role="rep", password=PASSWORD)
    rep = web_app.client()
    assert sign_in(rep, top_email, PASSWORD).status_code == 303
    mine = rep.get("/dashboard", params={"days": 90}).text
    assert mine.count('data-testid="rep-row"') == 1 and top in mine
    assert "/integrations" not in mine and "/api/docs" not in mine


def revsync(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "revsync", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))


def test_users_add_prints_a_one_time_link_or_takes_a_password(web_app):
    with web_app.db() as conn, conn.cursor() as cur:
        cur.execute("select slug from app.accounts where account_id = %s", (web_app.people["manager_b"].account_id,))
        slug = cur.fetchone()[0]
    email = f"new-rep-{slug}@example.com"
    added = revsync("users", "add", "--account", slug, "--email", email, "--role", "rep", "--name", "New Rep")
    assert added.returncode == 0, added.stderr
    link = re.search(r"(http://\S+/set-password/\S+)", added.stdout).group(1)
    assert link.startswith(f"{web_app.url}/set-password/")
    path = link[len(web_app.url):]

    client = web_app.client()
    assert "Set your password" in client.get(path).text
    csrf = csrf_of(client, path)
    differ = client.post(path, data={"password": "long enough one", "confirm": "long enough two", "csrf_token": csrf})
    assert differ.status_code == 400 and "differ" in differ.text
    short = client.post(path, data={"password": "short", "confirm": "short", "csrf_token": csrf})
    assert short.status_code == 400 and "at least 10 characters" in short.text
    # Without this browser's form token (a form posted from another site) nothing is set.
    forged = client.post(path, data={"password": "long enough one", "confirm": "long enough one"})
    assert forged.status_code == 403 and "came from another site" in forged.text
    done = client.post(path, data={"password": "long enough one", "confirm": "long enough one", "csrf_token": csrf})
    assert done.status_code == 303 and done.headers["location"] == "/login?done=password_set"
    assert client.get(path).status_code == 404, "the link works once"
    signed_in = sign_in(client, email, "long enough one")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    assert client.get("/", follow_redirects=False).headers["location"] == "/dashboard"

    # --password - reads it from stdin; the same email again updates the user (here: to manager).
    updated = revsync("users", "add", "--account", slug, "--email", email, "--role", "manager", "--password", "-",
                      stdin="another long one\n")
    assert updated.returncode == 0 and "updated manager" in updated.stdout and "set-password" not in updated.stdout
    manager = web_app.client()
    assert sign_in(manager, email, "another long one").status_code == 303
    assert manager.get("/api/me").json()["role"] == "manager"
    # An email of another account is refused, and a password on the command line is not taken.
    other = revsync("users", "add", "--account", slug, "--email", web_app.people["manager_a"].email, "--role", "rep")
    assert other.returncode != 0 and "already belongs to the account" in other.stderr
    inline = revsync("users", "add", "--account", slug, "--email", email, "--role", "rep", "--password", "hunter22222")
    assert inline.returncode != 0 and "visible to other users" in inline.stderr


def test_connect_fathom_with_oauth(web_app):
    """Fathom's OAuth app (scope public_api, rotating refresh tokens) through the same connect flow."""
    client = web_app.login("manager_a")
    callback = consent(web_app, client, "allow", provider="fathom")
    assert callback.status_code == 303, callback.text[:1000]
    assert callback.headers["location"] == "/integrations?done=connected&provider=fathom#fathom"
    entry = next(c for c in client.get("/api/connections").json() if c["provider"] == "fathom")
    assert entry["status"] == "connected" and entry["auth_type"] == "oauth" and entry["scopes"] == ["public_api"]
    with web_app.db() as conn:
        secrets = load_connection(conn, web_app.people["manager_a"].account_id, "fathom").secrets
    assert secrets["access_token"] not in client.get("/integrations").text


def test_revsync_web_serves_from_several_worker_processes(web_app, environment):
    from oauth_service.server import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "revsync", "web", "--port", str(port), "--public-url", url,
                               "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, **environment.env})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: [lines.append(line) for line in server.stdout], daemon=True)
    reader.start()

    def workers() -> set[str]:
        return set(re.findall(r"Started server process \[(\d+)\]", "".join(lines)))

    try:
        deadline = time.monotonic() + 120
        while len(workers()) < 2:  # both have started before any request
            assert server.poll() is None and time.monotonic() < deadline, "".join(lines)[-2000:]
            time.sleep(0.2)
        # No keep-alive: every request is a new connection, which either worker may accept. A session
        # made by one worker is good at the other: sessions live in the database.
        client = httpx.Client(base_url=url, timeout=30, follow_redirects=False,
                              limits=httpx.Limits(max_keepalive_connections=0))
        client.get("/healthz").raise_for_status()
        assert sign_in(client, web_app.people["manager_b"].email, PASSWORD).status_code == 303
        assert all(client.get("/api/me").status_code == 200 for _ in range(20))
    finally:
        server.terminate()
        server.wait(timeout=30)
        reader.join(timeout=10)
    assert "2 worker processes" in "".join(lines)


def test_the_database_pool_keeps_its_connections_and_drops_dead_ones(environment):
    import psycopg2

    from oauth_service.database import Database

    def backend(db: Database) -> int:
        with db.transaction() as conn, conn.cursor() as cur:
            cur.execute("select pg_backend_pid()")
            return cur.fetchone()[0]

    db = Database(environment.database_url, size=2)
    try:
        first = backend(db)
        assert {backend(db) for _ in range(5)} == {first}, "one request after another reuses the connection"
        admin = psycopg2.connect(environment.database_url)
        with admin, admin.cursor() as cur:
            cur.execute("select pg_terminate_backend(%s)", (first,))
        admin.close()
        with pytest.raises((psycopg2.OperationalError, psycopg2.InterfaceError)):  # the request that finds it dead
            backend(db)
        assert backend(db) != first, "a dead connection is dropped, not handed out again"
    finally:
        db.close()
