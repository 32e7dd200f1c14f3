"""The credentials vault: a connection's secrets, encrypted with Fernet in `app.api_connections`.

The key is `REVSYNC_SECRET_KEY` (several comma-separated keys rotate: the first encrypts, all
decrypt), else one generated once into `.revsync/secret.key` with mode 0600. Secrets come back
wrapped in `Secrets`, whose repr never shows a value, so a stray log line or traceback cannot leak one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from revsync.errors import RevsyncError
from revsync.paths import ensure_home
from revsync.settings import get_settings

PROVIDERS = ("hubspot", "fathom", "aircall")


class Secrets(Mapping[str, str]):
    """A read-only mapping of secret values that never prints them."""

    def __init__(self, values: Mapping[str, str]):
        self._values = dict(values)

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Secrets({', '.join(f'{k}=***' for k in self._values)})"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class Connection:
    connection_id: str
    account_id: str
    provider: str
    auth_type: str
    external_account_id: str | None
    scopes: list[str]
    token_expires_at: datetime | None
    status: str
    secrets: Secrets

    def __repr__(self) -> str:
        return (
            f"Connection(provider={self.provider!r}, account_id={self.account_id!r}, "
            f"external_account_id={self.external_account_id!r}, status={self.status!r}, secrets={self.secrets!r})"
        )


def _key_file() -> Path:
    return ensure_home() / "secret.key"


def _cipher() -> MultiFernet:
    configured = get_settings().secret_key
    if configured:
        keys = [k.strip() for k in configured.split(",") if k.strip()]
    else:
        if get_settings().is_production:
            raise RevsyncError("REVSYNC_SECRET_KEY must be set in production (REVSYNC_ENV=production).")
        keys = [_load_or_create_key_file()]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise RevsyncError(
            "REVSYNC_SECRET_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes). "
            "Make one with `revsync secret-key`."
        ) from None


def _load_or_create_key_file() -> str:
    path = _key_file()
    if not path.exists():
        # Written whole to a private temp file, then linked into place: a concurrent process
        # either wins the link or reads the complete key the winner linked.
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".secret.key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(Fernet.generate_key().decode() + "\n")
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temp)
    return path.read_text().strip()


def encrypt(values: Mapping[str, str]) -> bytes:
    return _cipher().encrypt(json.dumps(dict(values), sort_keys=True).encode())


def decrypt(token: bytes) -> Secrets:
    try:
        return Secrets(json.loads(_cipher().decrypt(bytes(token))))
    except InvalidToken:
        raise RevsyncError(
            "Stored credentials cannot be decrypted with the current secret key. Restore the key that "
            "encrypted them (REVSYNC_SECRET_KEY or .revsync/secret.key), or reconnect the provider."
        ) from None


def store_connection(
    conn,
    *,
    account_id: str,
    provider: str,
    auth_type: str,
    secrets: Mapping[str, str],
    external_account_id: str | None = None,
    scopes: list[str] | None = None,
    token_expires_at: datetime | None = None,
) -> str:
    """Create or replace the account's connection to `provider`; returns its connection_id.

    `conn` is a psycopg2 connection; the caller owns the transaction.
    """
    if provider not in PROVIDERS:
        raise RevsyncError(f"Unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}.")
    with conn.cursor() as cur:
        cur.execute(
            """
            insert into app.api_connections
                (account_id, provider, auth_type, external_account_id, secrets_encrypted, scopes,
                 token_expires_at, status, last_error)
            values (%s, %s, %s, %s, %s, %s, %s, 'connected', null)
            on conflict (account_id, provider) do update set
                auth_type = excluded.auth_type,
                external_account_id = excluded.external_account_id,
                secrets_encrypted = excluded.secrets_encrypted,
                scopes = excluded.scopes,
                token_expires_at = excluded.token_expires_at,
                status = 'connected',
                last_error = null,
                updated_at = now()
            returning connection_id
            """,
            (account_id, provider, auth_type, external_account_id, encrypt(secrets), scopes or [],
             token_expires_at),
        )
        return str(cur.fetchone()[0])


def load_connection(conn, account_id: str, provider: str) -> Connection:
    """The account's connection to `provider`, secrets decrypted; a clear error if there is none."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select connection_id, account_id, provider, auth_type, external_account_id, scopes,
                   token_expires_at, status, secrets_encrypted
            from app.api_connections where account_id = %s and provider = %s
            """,
            (account_id, provider),
        )
        row = cur.fetchone()
    if row is None:
        raise RevsyncError(
            f"Account {account_id} has no {provider} connection. Connect it on the integrations page."
        )
    return Connection(
        connection_id=str(row[0]), account_id=str(row[1]), provider=row[2], auth_type=row[3],
        external_account_id=row[4], scopes=list(row[5]), token_expires_at=row[6], status=row[7],
        secrets=decrypt(row[8]),
    )


def generate_key() -> str:
    return Fernet.generate_key().decode()
