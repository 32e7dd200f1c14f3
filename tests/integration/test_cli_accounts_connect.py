"""`revsync accounts` and `revsync connect hubspot`, run as a user runs them, against the test
database and the sandbox. A token given to the CLI never shows in what it prints."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest

from revsync.credentials import load_connection
from tests.support import get_json

REVSYNC = str(Path(sys.executable).parent / "revsync")


def revsync(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([REVSYNC, *args], input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def portals(sandbox_url):
    return get_json(f"{sandbox_url}/_sandbox/accounts")


def account_named(name: str) -> tuple[str, str]:
    result = revsync("accounts", "add", name)
    assert result.returncode == 0, result.stderr
    account_id, slug = result.stdout.split()[:2]
    return account_id, slug


def connection(environment, account_id: str):
    conn = psycopg2.connect(environment.database_url)
    try:
        return load_connection(conn, account_id, "hubspot")
    finally:
        conn.close()


def test_accounts_add_prints_the_id_and_is_idempotent_by_slug(environment):
    name = f"Acme Sales {uuid.uuid4().hex[:6]}"
    first = revsync("accounts", "add", name)
    assert first.returncode == 0, first.stderr
    account_id, slug = first.stdout.split()[:2]
    uuid.UUID(account_id)
    assert slug == name.lower().replace(" ", "-")
    again = revsync("accounts", "add", f"  {name.upper()}! ")
    assert again.returncode == 0 and again.stdout.split()[:2] == [account_id, slug]
    assert "already there" in again.stdout
    rows = get_rows(environment, "select count(*) from app.accounts where slug = %s", (slug,))
    assert rows == [(1,)]


def get_rows(environment, statement, params=()):
    with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall()
    conn.close()
    return rows


def test_accounts_add_refuses_a_name_without_letters(environment):
    result = revsync("accounts", "add", "???")
    assert result.returncode == 1 and "at least one letter or digit" in result.stderr


def test_connect_reads_the_token_from_stdin_checks_it_and_keeps_it_out_of_the_output(
        environment, sandbox_url, portals):
    account_id, slug = account_named(f"Stdin Team {uuid.uuid4().hex[:6]}")
    token = portals[0]["hubspot"]["private_app_token"]
    result = revsync("connect", "hubspot", "--account", slug, "--private-app-token", "-",
                     "--api-base", sandbox_url + "/", stdin=token + "\n")
    assert result.returncode == 0, result.stderr
    assert token not in result.stdout + result.stderr
    assert "connected HubSpot" in result.stdout
    stored = connection(environment, account_id)
    assert stored.auth_type == "private_app" and stored.status == "connected"
    assert stored.secrets["access_token"] == token and stored.api_base == sandbox_url
    raw = get_rows(environment, "select api_connections::text from app.api_connections where account_id = %s",
                   (account_id,))
    assert token not in str(raw)

    listed = revsync("accounts", "list")
    assert listed.returncode == 0
    line = next(line for line in listed.stdout.splitlines() if slug in line)
    assert account_id in line and "hubspot (private_app): connected" in line
    assert token not in listed.stdout


def test_connect_by_name_with_the_token_as_an_argument_and_the_default_api_base(
        environment, sandbox_url, portals):
    name = f"Argument Team {uuid.uuid4().hex[:6]}"
    account_id, _ = account_named(name)
    token = portals[1]["hubspot"]["private_app_token"]
    result = revsync("connect", "hubspot", "--account", name.lower(), "--private-app-token", token,
                     env={"HUBSPOT_API_BASE": sandbox_url})
    assert result.returncode == 0, result.stderr
    assert token not in result.stdout + result.stderr
    assert connection(environment, account_id).api_base == sandbox_url


def test_connect_prompts_for_the_token_when_it_is_omitted(environment, sandbox_url, portals):
    account_id, slug = account_named(f"Prompt Team {uuid.uuid4().hex[:6]}")
    token = portals[0]["hubspot"]["private_app_token"]
    # Without a terminal, getpass reads standard input (and warns that it may echo: it does not).
    result = revsync("connect", "hubspot", "--account", slug, "--api-base", sandbox_url, stdin=token + "\n")
    assert result.returncode == 0, result.stderr
    assert token not in result.stdout + result.stderr
    assert connection(environment, account_id).secrets["access_token"] == token


def test_connect_with_a_rejected_token_stores_nothing(environment, sandbox_url):
    account_id, slug = account_named(f"Bad Token Team {uuid.uuid4().hex[:6]}")
    token = "pat-na1-" + str(uuid.uuid4())
    result = revsync("connect", "hubspot", "--account", slug, "--private-app-token", "-",
                     "--api-base", sandbox_url, stdin=token)
    assert result.returncode == 1
    assert "rejected the private app token (401" in result.stderr
    assert token not in result.stdout + result.stderr
    assert get_rows(environment, "select count(*) from app.api_connections where account_id = %s",
                    (account_id,)) == [(0,)]


def test_connect_errors_are_clear(environment, sandbox_url):
    unknown = revsync("connect", "hubspot", "--account", "no-such-team-" + uuid.uuid4().hex,
                      "--private-app-token", "-", stdin="pat-na1-x")
    assert unknown.returncode == 1 and "No account" in unknown.stderr and "revsync accounts add" in unknown.stderr
    _, slug = account_named(f"Http Team {uuid.uuid4().hex[:6]}")
    remote_http = revsync("connect", "hubspot", "--account", slug, "--private-app-token", "-",
                          "--api-base", "http://api.hubapi.com", stdin="pat-na1-x")
    assert remote_http.returncode == 1 and "https" in remote_http.stderr
    empty = revsync("connect", "hubspot", "--account", slug, "--private-app-token", "-",
                    "--api-base", sandbox_url, stdin="\n")
    assert empty.returncode == 1 and "No token given" in empty.stderr


def test_help_texts(environment):
    top = revsync("--help")
    assert "accounts" in top.stdout and "connect" in top.stdout
    connect = revsync("connect", "hubspot", "--help")
    assert connect.returncode == 0
    for flag in ("--account", "--private-app-token", "--api-base"):
        assert flag in connect.stdout
