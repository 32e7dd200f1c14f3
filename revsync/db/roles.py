"""PostgreSQL logins for BI tools: one per account, and optionally one per rep.

A BI login may read the `analytics` schema and nothing else, and only its account's rows there:
every mart has row-level security keyed by `account_id` (dbt_project/macros/bi_access.sql), and
views run with the reader's rights (`security_invoker`). A rep's login also sees only that rep's
coaching rows. The login belongs to `revsync_bi_reader`, which holds the read grants;
`app.bi_logins` records which account (and rep) it is for (migration 0005).
"""

from __future__ import annotations

import hashlib
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
    rep_email: str | None
    url: str = field(repr=False)  # holds the password


def role_name(account: Account, rep_id: str | None = None) -> str:
    """`revsync_bi_<slug>` (a rep's: `..._rep_<8 hex of the rep id>`), in characters PostgreSQL
    takes unquoted, within its 63-byte limit."""
    suffix = f"_rep_{hashlib.sha256(rep_id.encode()).hexdigest()[:8]}" if rep_id else ""
    return (ROLE_PREFIX + re.sub(r"[^a-z0-9]+", "_", account.slug.lower()).strip("_"))[:63 - len(suffix)] + suffix


def _find_rep(conn, account: Account, email: str) -> str:
    with conn.cursor() as cur:
        cur.execute("select user_id::text from app.users where account_id = %s and role = 'rep' "
                    "and lower(trim(email)) = lower(trim(%s))", (account.account_id, email))
        row = cur.fetchone()
    if row is None:
        raise RevsyncError(f"{account.name} has no rep with the email {email.strip()!r}; add the rep first, "
                           "or check the address.")
    return row[0]


def _login_url(database_url: str, role: str, password: str) -> str:
    parts = urlsplit(database_url)
    host = parts.hostname or "127.0.0.1"
    return f"postgresql://{role}:{quote(password, safe='')}@{host}:{parts.port or 5432}{parts.path}"


def grant_bi_login(database_url: str, account_name: str, rep_email: str | None = None) -> BiLogin:
    """Create the account's BI login (or a rep's, given `rep_email`), or give it a new password if
    it exists (the old one stops working). Returns its connection URL; the password is not stored
    anywhere else."""
    password = secrets.token_urlsafe(24)
    conn = psycopg2.connect(database_url)
    try:
        account = find_account(conn, account_name)
        rep_id = _find_rep(conn, account, rep_email) if rep_email else None
        role = role_name(account, rep_id)
        with conn, conn.cursor() as cur:
            cur.execute("select account_id::text, rep_id::text from app.bi_logins where role_name = %s", (role,))
            registered = cur.fetchone()
            if registered and registered != (account.account_id, rep_id):
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
                "insert into app.bi_logins (role_name, account_id, rep_id) values (%s, %s, %s) "
                "on conflict (role_name) do update set rotated_at = now()",
                (role, account.account_id, rep_id),
            )
    finally:
        conn.close()
    return BiLogin(account=account, role=role, rep_email=rep_email,
                   url=_login_url(database_url, role, password))


def _taken(role: str) -> RevsyncError:
    return RevsyncError(f"A PostgreSQL role named {role} exists and is not this account's BI login; "
                       "rename or drop it, then grant again.")


def revoke_bi_login(database_url: str, account_name: str, rep_email: str | None = None) -> str | None:
    """Drop the account's BI login (or the rep's) and end its open sessions. Returns the role
    dropped, or None if there was none."""
    conn = psycopg2.connect(database_url)
    try:
        account = find_account(conn, account_name)
        role = role_name(account, _find_rep(conn, account, rep_email) if rep_email else None)
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
