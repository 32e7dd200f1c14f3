"""People who sign in: `app.users` (role manager or rep, one account each), their argon2 password
hashes, and one-time links to set a password."""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from revsync.errors import RevsyncError

ROLES = ("manager", "rep")
MIN_PASSWORD_LENGTH = 10
PASSWORD_LINK_HOURS = 72

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): argon2-cffi's default
# (64 MiB, 4 lanes) makes 50 people signing in at once need 3 GiB and minutes on a small server.
# A stored hash keeps its own parameters, so changing these never locks anyone out.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Hashes computed at once: more only queue for the same cores and memory bandwidth.
_hashing = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))
# Verified when the email is unknown, so a failed login takes as long either way.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    user_id: str
    account_id: str
    account_name: str
    email: str
    display_name: str | None
    role: str

    @property
    def label(self) -> str:
        return self.display_name or self.email

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


def token_hash(token: str) -> str:
    """What is stored for a cookie or link token: its SHA-256, so a database dump holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RevsyncError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")


def hash_password(password: str) -> str:
    check_password_strength(password)
    with _hashing:
        return _hasher.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    try:
        with _hashing:
            return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


_USER_COLUMNS = "u.user_id::text, u.account_id::text, a.name, u.email, u.display_name, u.role"


def _user(row) -> User:
    return User(*row)


def find_user_by_email(conn, email: str) -> tuple[User, str | None] | None:
    """The user with `email` (any letter case) and their password hash, or None."""
    with conn.cursor() as cur:
        cur.execute(
            f"select {_USER_COLUMNS}, u.password_hash from app.users u "
            "join app.accounts a on a.account_id = u.account_id where lower(u.email) = lower(%s)",
            (email.strip(),),
        )
        row = cur.fetchone()
    return (_user(row[:6]), row[6]) if row else None


def add_user(conn, *, account_id: str, email: str, role: str, display_name: str | None = None,
             password: str | None = None) -> tuple[User, bool]:
    """Create the user, or update the role, name and (if given) password of the same email in the
    same account; returns the user and whether it was created. The email belonging to another
    account is an error. The caller owns the transaction."""
    email = email.strip()
    if role not in ROLES:
        raise RevsyncError(f"Unknown role {role!r}; expected manager or rep.")
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise RevsyncError(f"{email!r} is not an email address.")
    password_hash = hash_password(password) if password is not None else None
    existing = find_user_by_email(conn, email)
    with conn.cursor() as cur:
        if existing is None:
            cur.execute(
                "insert into app.users (account_id, email, display_name, role, password_hash) "
                "values (%s, %s, %s, %s, %s) returning user_id::text",
                (account_id, email, display_name, role, password_hash),
            )
            user_id, created = cur.fetchone()[0], True
        else:
            user = existing[0]
            if user.account_id != str(account_id):
                raise RevsyncError(f"{email} already belongs to the account {user.account_name!r}.")
            cur.execute(
                "update app.users set role = %s, display_name = coalesce(%s, display_name), "
                "password_hash = coalesce(%s, password_hash) where user_id = %s",
                (role, display_name, password_hash, user.user_id),
            )
            user_id, created = user.user_id, False
    return get_user(conn, user_id), created


def get_user(conn, user_id: str) -> User:
    with conn.cursor() as cur:
        cur.execute(
            f"select {_USER_COLUMNS} from app.users u join app.accounts a on a.account_id = u.account_id "
            "where u.user_id = %s",
            (user_id,),
        )
        row = cur.fetchone()
    if row is None:
        raise RevsyncError(f"No user {user_id}.")
    return _user(row)


def create_password_link(conn, user_id: str, hours: float = PASSWORD_LINK_HOURS) -> str:
    """A one-time token for `/set-password/{token}`, valid `hours`; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with conn.cursor() as cur:
        cur.execute(
            "insert into app.password_links (token_hash, user_id, expires_at) values (%s, %s, now() + %s)",
            (token_hash(token), user_id, timedelta(hours=hours)),
        )
    return token


def password_link_user(conn, token: str) -> User | None:
    """The user an unused, unexpired link belongs to, or None."""
    with conn.cursor() as cur:
        cur.execute(
            "select user_id::text from app.password_links where token_hash = %s and used_at is null "
            "and expires_at > now()",
            (token_hash(token),),
        )
        row = cur.fetchone()
    return get_user(conn, row[0]) if row else None


def use_password_link(conn, token: str, password: str) -> User:
    """Set the password through a link and spend the link (and every other link of that user)."""
    password_hash = hash_password(password)
    with conn.cursor() as cur:
        cur.execute(
            "update app.password_links set used_at = now() where token_hash = %s and used_at is null "
            "and expires_at > now() returning user_id::text",
            (token_hash(token),),
        )
        row = cur.fetchone()
        if row is None:
            raise RevsyncError("This link was used already or has expired. Ask your manager for a new one.")
        cur.execute("update app.password_links set used_at = now() where user_id = %s and used_at is null",
                    (row[0],))
        cur.execute("update app.users set password_hash = %s where user_id = %s", (password_hash, row[0]))
        # A new password ends every session signed in with the old one.
        cur.execute("delete from app.web_sessions where user_id = %s", (row[0],))
    return get_user(conn, row[0])
