"""Signed-in browsers (`app.web_sessions`) and the login rate limit (`app.login_attempts`).

The session cookie carries a random token; the database keeps only its SHA-256. Each session has
a CSRF token that every form posts back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from oauth_service.users import User, token_hash


@dataclass(frozen=True)
class Session:
    session_hash: str
    csrf_token: str
    user: User


def create_session(conn, user_id: str, hours: float) -> str:
    """A new session for `user_id`; returns the cookie token (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    with conn.cursor() as cur:
        cur.execute("delete from app.web_sessions where expires_at < now()")  # ended sessions, everyone's
        cur.execute(
            "insert into app.web_sessions (session_hash, user_id, csrf_token, expires_at) "
            "values (%s, %s, %s, now() + %s)",
            (token_hash(token), user_id, secrets.token_urlsafe(32), timedelta(hours=hours)),
        )
    return token


def load_session(conn, token: str | None) -> Session | None:
    """The live session for a cookie token, or None (unknown, ended or expired)."""
    if not token or len(token) > 200:
        return None
    with conn.cursor() as cur:
        # One round trip per request: the session, its user and account; last_seen_at is written
        # at most once a minute.
        cur.execute(
            """
            with live as (
                select session_hash, user_id, csrf_token from app.web_sessions
                where session_hash = %(hash)s and expires_at > now()
            ), seen as (
                update app.web_sessions set last_seen_at = now()
                where session_hash = %(hash)s and last_seen_at < now() - interval '1 minute'
            )
            select live.csrf_token, u.user_id::text, u.account_id::text, a.name, u.email, u.display_name, u.role
            from live join app.users u on u.user_id = live.user_id join app.accounts a on a.account_id = u.account_id
            """,
            {"hash": token_hash(token)},
        )
        row = cur.fetchone()
    if row is None:
        return None
    return Session(token_hash(token), row[0], User(*row[1:]))


def end_session(conn, token: str | None) -> None:
    if token:
        with conn.cursor() as cur:
            cur.execute("delete from app.web_sessions where session_hash = %s", (token_hash(token),))


def login_wait_seconds(conn, email: str, client_ip: str, *, window_minutes: float, per_email: int,
                       per_address: int) -> int:
    """0 when a login may be tried now; else seconds until the oldest counted failure leaves the
    window. Failures count per email (guessing one password) and per address (trying many emails)."""
    window = timedelta(minutes=window_minutes)
    with conn.cursor() as cur:
        cur.execute("delete from app.login_attempts where attempted_at < now() - %s", (window,))
        waits = []
        for column, value, limit in (("lower(email)", email.strip().lower(), per_email),
                                     ("client_ip", client_ip, per_address)):
            cur.execute(
                f"select attempted_at from app.login_attempts where {column} = %s and not succeeded "
                "and attempted_at > now() - %s order by attempted_at desc offset %s limit 1",
                (value, window, limit - 1),
            )
            row = cur.fetchone()
            if row is not None:
                cur.execute("select ceil(extract(epoch from (%s + %s - now())))::int", (row[0], window))
                waits.append(max(1, cur.fetchone()[0]))
    return max(waits, default=0)


def record_login_attempt(conn, email: str, client_ip: str, succeeded: bool) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "insert into app.login_attempts (email, client_ip, succeeded) values (%s, %s, %s)",
            (email.strip().lower()[:320], client_ip, succeeded),
        )
