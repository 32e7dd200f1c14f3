"""PostgreSQL logins for BI tools, one per account.

A BI login may read the `analytics` schema and nothing else, and only its account's rows there:
every mart has row-level security keyed by `account_id` (dbt_project/macros/bi_access.sql), and
views run with the reader's rights (`security_invoker`). The login belongs to `revsync_bi_reader`,
which holds the read grants; `app.bi_logins` records which account it is for (migration 0005).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import encrypt_password

from revsync.accounts import Account, find_account
from revsync.errors import RevsyncError

READER_GROUP = "revsync_bi_reader"
ROLE_PREFIX = "revsync_bi_"


@dataclass(frozen=True)
class BiLogin:
    account: Account
    role: str
    url: str = field(repr=False)  # holds the password


def role_name(account: Account) -> str:
    """`revsync_bi_<slug>`, in characters PostgreSQL takes unquoted, within its 63-byte limit."""
    return (ROLE_PREFIX + re.sub(r"[^a-z0-9]+", "_", account.slug.lower()).strip("_"))[:63]


def _login_url(database_url: str, role: str, password: str) -> str:
    parts = urlsplit(database_url)
    host = parts.hostname or "127.0.0.1"
    return f"postgresql://{role}:{quote(password, safe='')}@{host}:{parts.port or 5432}{parts.path}"


def grant_bi_login(database_url: str, account_name: str) -> BiLogin:
    """Create the account's BI login, or give it a new password if it exists (the old one stops
    working). Returns its connection URL; the password is not stored anywhere else."""
    password = secrets.token_urlsafe(24)
    conn = psycopg2.connect(database_url)
    try:
        account = find_account(conn, account_name)
        role = role_name(account)
        with conn, conn.cursor() as cur:
            cur.execute("select account_id::text from app.bi_logins where role_name = %s", (role,))
            registered = cur.fetchone()
            if registered and registered[0] != account.account_id:
                raise _taken(role)
            cur.execute("select 1 from pg_roles where rolname = %s", (role,))
            exists = cur.fetchone() is not None
            if exists and not registered:
                raise _taken(role)
            # Hashed here, so the plain password never reaches the server (or its statement log).
            verifier = encrypt_password(password, role, conn, "scram-sha-256")
            verb = "alter" if exists else "create"
            cur.execute(
                sql.SQL(verb + " role {} with login inherit nosuperuser nocreatedb nocreaterole noreplication "
                        "password %s").format(sql.Identifier(role)),
                (verifier,),
            )
            cur.execute(sql.SQL("grant {} to {}").format(sql.Identifier(READER_GROUP), sql.Identifier(role)))
            cur.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(sql.Identifier(role)))
            cur.execute(
                "insert into app.bi_logins (role_name, account_id) values (%s, %s) "
                "on conflict (role_name) do update set rotated_at = now()",
                (role, account.account_id),
            )
    finally:
        conn.close()
    return BiLogin(account=account, role=role, url=_login_url(database_url, role, password))


def _taken(role: str) -> RevsyncError:
    return RevsyncError(f"A PostgreSQL role named {role} exists and is not this account's BI login; "
                       "rename or drop it, then grant again.")


def revoke_bi_login(database_url: str, account_name: str) -> str | None:
    """Drop the account's BI login and end its open sessions. Returns the role dropped, or None if
    the account had none."""
    conn = psycopg2.connect(database_url)
    try:
        account = find_account(conn, account_name)
        role = role_name(account)
        with conn, conn.cursor() as cur:
            cur.execute("delete from app.bi_logins where role_name = %s and account_id = %s returning 1",
                        (role, account.account_id))
            if cur.fetchone() is None:
                return None
            # Sessions already open would keep reading (now nothing, the policies find no account).
            cur.execute("select pg_terminate_backend(pid) from pg_stat_activity where usename = %s", (role,))
            cur.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))
    finally:
        conn.close()
    return role
