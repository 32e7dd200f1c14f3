"""The web app served for real: a provider sandbox whose OAuth apps accept the app's redirect URIs,
the app on a free loopback port (uvicorn on a thread of the test process), two accounts each with
a manager and a rep, and helpers that sign in and walk the OAuth consent over HTTP.

Test modules import the fixtures they use (`from tests.web_support import web_app  # noqa: F401`);
they are registered under their `name=`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import psycopg2
import pytest

from revsync.settings import get_settings

PASSWORD = "correct horse battery"
DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"


@dataclass
class Person:
    email: str
    role: str
    account_id: str
    user_id: str = ""


@dataclass
class WebApp:
    url: str
    database_url: str
    sandbox: object  # provider_sandbox.launcher.SandboxProcess
    people: dict[str, Person] = field(default_factory=dict)

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, follow_redirects=False, **kwargs)

    def login(self, who: str, password: str = PASSWORD) -> httpx.Client:
        client = self.client()
        response = sign_in(client, self.people[who].email, password)
        assert response.status_code == 303, response.text[:500]
        return client

    def db(self):
        return psycopg2.connect(self.database_url)


def csrf_of(client: httpx.Client, page: str = "/integrations") -> str:
    """The session's CSRF token, read from a form on `page` the way a browser gets it."""
    html = client.get(page).text
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def sign_in(client: httpx.Client, email: str, password: str, **form: str) -> httpx.Response:
    """Open the sign-in page (which sets this client's form cookie) and post its form."""
    token = csrf_of(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token, **form})


def consent(web: WebApp, client: httpx.Client, decision: str = "allow", provider: str = "hubspot") -> httpx.Response:
    """Start a connect, answer the provider's consent page like its form does, and follow the
    provider's redirect back to the callback; returns the callback's response."""
    start = client.get(f"/connect/{provider}")
    assert start.status_code == 303, start.text[:500]
    authorize = urlsplit(start.headers["location"])
    params = dict(parse_qsl(authorize.query))
    answer = httpx.post(f"{authorize.scheme}://{authorize.netloc}{authorize.path}",
                        data={**params, "decision": decision}, timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    back = urlsplit(answer.headers["location"])
    return client.get(f"{back.path}?{back.query}")


def make_owners_reps(web: WebApp, who: str = "manager_a") -> list[str]:
    """The synced portal's owners become the account's reps (matched by email); their emails."""
    account_id = web.people[who].account_id
    with web.db() as conn, conn.cursor() as cur:
        cur.execute("select distinct email from raw_hubspot.owners where account_id = %s order by 1", (account_id,))
        owners = [row[0] for row in cur.fetchall()]
        for number, email in enumerate(owners):
            cur.execute("insert into app.users (account_id, email, display_name, role) values (%s, %s, %s, 'rep') "
                        "on conflict do nothing", (account_id, email, f"Rep {number:02d}"))
    return owners


def run_dbt(environment, folder: Path, *selectors: str) -> None:
    """`dbt run` of the selected models into the test database (its own target folder)."""
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "run", "--select", *selectors, "--project-dir", str(DBT_PROJECT), "--profiles-dir",
         str(DBT_PROJECT), "--target-path", str(folder / "target"), "--log-path", str(folder / "logs")],
        env={**os.environ, **environment.env}, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]


_ENV = ("HUBSPOT_API_BASE", "HUBSPOT_AUTH_BASE", "HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET", "FATHOM_API_BASE",
        "FATHOM_AUTH_BASE", "FATHOM_CLIENT_ID", "FATHOM_CLIENT_SECRET", "AIRCALL_API_BASE", "REVSYNC_WEB_URL")


@pytest.fixture(scope="module", name="web_app")
def web_app_fixture(request, environment, revsync_home, tmp_path_factory):
    """The app against its own sandbox (2 portals of the module's SANDBOX_ENGAGEMENTS, else 300;
    its SANDBOX_SEED, else 21, so two modules' portals have different owners); account A uses
    portal 1's OAuth app."""
    from oauth_service.config import WebConfig
    from oauth_service.server import BackgroundServer, free_port
    from oauth_service.users import add_user
    from provider_sandbox.launcher import SandboxProcess
    from revsync.accounts import add_account

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    folder = tmp_path_factory.mktemp("web-sandbox")
    engagements = getattr(request.module, "SANDBOX_ENGAGEMENTS", 300)
    sandbox = SandboxProcess.start(folder, "--accounts", "2", "--engagements", str(engagements),
                                   "--seed", str(getattr(request.module, "SANDBOX_SEED", 21)),
                                   "--oauth-redirect-uri", f"{url}/callback/hubspot",
                                   "--oauth-redirect-uri", f"{url}/callback/fathom")
    portal = sandbox.accounts[0]
    saved = {key: os.environ.get(key) for key in _ENV}
    # The settings every part of revsync reads (the web app, and the sync and refresh it starts).
    os.environ.update({
        "HUBSPOT_API_BASE": sandbox.url, "HUBSPOT_AUTH_BASE": sandbox.url, "FATHOM_API_BASE": sandbox.url,
        "FATHOM_AUTH_BASE": sandbox.url, "AIRCALL_API_BASE": sandbox.url, "REVSYNC_WEB_URL": url,
        "HUBSPOT_CLIENT_ID": portal["hubspot"]["oauth"]["client_id"],
        "HUBSPOT_CLIENT_SECRET": portal["hubspot"]["oauth"]["client_secret"],
        "FATHOM_CLIENT_ID": portal["fathom"]["oauth"]["client_id"],
        "FATHOM_CLIENT_SECRET": portal["fathom"]["oauth"]["client_secret"],
    })
    get_settings.cache_clear()
    web = WebApp(url, environment.database_url, sandbox)
    conn = psycopg2.connect(environment.database_url)
    try:
        with conn:
            for key, name in (("a", f"Web Acme {port}"), ("b", f"Web Globex {port}")):
                account, _ = add_account(conn, name)
                for role in ("manager", "rep"):
                    email = f"{role}-{key}-{port}@example.com"
                    user, _ = add_user(conn, account_id=account.account_id, email=email, role=role, password=PASSWORD)
                    web.people[f"{role}_{key}"] = Person(email, role, account.account_id, user.user_id)
    finally:
        conn.close()
    config = WebConfig.from_settings(environment.database_url, pipelines_dir=str(folder / "dlt"))
    server = BackgroundServer(config, "127.0.0.1", port).start()
    try:
        yield web
    finally:
        server.stop()
        sandbox.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
