"""The read-only login that BI tools use for the `analytics` schema."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import encrypt_password

from revsync.paths import ensure_home

READER_ROLE = "revsync_bi"


def _password_file() -> Path:
    return ensure_home() / "bi.password"


def ensure_reader(url: str) -> str:
    """Create or refresh the BI login: it may read `analytics.*` and nothing else. Returns its DSN."""
    path = _password_file()
    password = path.read_text().strip() if path.exists() else secrets.token_urlsafe(18)
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select 1 from pg_roles where rolname = %s", (READER_ROLE,))
            verb = "alter" if cur.fetchone() else "create"
            # Hashed here, so the plain password never reaches the server (or its statement log).
            verifier = encrypt_password(password, READER_ROLE, conn, "scram-sha-256")
            cur.execute(
                sql.SQL(verb + " role {} with login password %s nosuperuser nocreatedb nocreaterole").format(
                    sql.Identifier(READER_ROLE)
                ),
                (verifier,),
            )
            cur.execute("create schema if not exists analytics")
            cur.execute(sql.SQL("grant usage on schema analytics to {}").format(sql.Identifier(READER_ROLE)))
            cur.execute(
                sql.SQL("grant select on all tables in schema analytics to {}").format(sql.Identifier(READER_ROLE))
            )
            # Tables dbt creates later (as the current login) are readable too.
            cur.execute(
                sql.SQL("alter default privileges in schema analytics grant select on tables to {}").format(
                    sql.Identifier(READER_ROLE)
                )
            )
    finally:
        conn.close()
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    return f"postgresql://{READER_ROLE}:{quote(password)}@{host}:{parts.port or 5432}{parts.path}"
