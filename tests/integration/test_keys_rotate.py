"""`revsync keys rotate`: every stored secret re-encrypted under a new key, the old key still
accepted meanwhile; a key that decrypts nothing is a clear error that shows no secret."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg2
import pytest
from cryptography.fernet import Fernet

from revsync.accounts import add_account
from revsync.credentials import load_connection, rotate_secrets, store_connection
from revsync.errors import RevsyncError
from revsync.settings import get_settings

pytestmark = pytest.mark.integration
SECRET = "pat-na1-rotate-me-0123456789"


def use_keys(value: str | None) -> None:
    if value is None:
        os.environ.pop("REVSYNC_SECRET_KEY", None)
    else:
        os.environ["REVSYNC_SECRET_KEY"] = value
    get_settings.cache_clear()


def test_rotation_moves_every_secret_to_the_new_key(environment, revsync_home):
    new = Fernet.generate_key().decode()
    conn = psycopg2.connect(environment.database_url)
    try:
        with conn:
            account, _ = add_account(conn, "Key Rotation Co")
            store_connection(conn, account_id=account.account_id, provider="hubspot", auth_type="private_app",
                             secrets={"access_token": SECRET})
        old = (revsync_home / "secret.key").read_text().strip()  # the session's key, made on first use
        with pytest.raises(RevsyncError, match="NEW,OLD"):
            rotate_secrets(conn)
        conn.rollback()
        try:
            use_keys(f"{new},{old}")
            rotated = subprocess.run([sys.executable, "-m", "revsync", "keys", "rotate"], capture_output=True,
                                     text=True, timeout=120, env=dict(os.environ))
            assert rotated.returncode == 0, rotated.stderr
            assert "re-encrypted" in rotated.stdout and SECRET not in rotated.stdout + rotated.stderr
            with conn.cursor() as cur:
                cur.execute("select secrets_encrypted from app.api_connections where account_id = %s",
                            (account.account_id,))
                stored = bytes(cur.fetchone()[0])
            conn.rollback()
            assert SECRET.encode() not in stored
            assert Fernet(new.encode()).decrypt(stored)  # the new key alone reads it now
            use_keys(new)
            assert load_connection(conn, account.account_id, "hubspot").secrets["access_token"] == SECRET

            wrong = Fernet.generate_key().decode()
            use_keys(wrong)
            with pytest.raises(RevsyncError, match="cannot be decrypted") as failure:
                load_connection(conn, account.account_id, "hubspot")
            assert SECRET not in str(failure.value)
            with pytest.raises(RevsyncError, match="cannot be decrypted with any key") as failure:
                rotate_secrets(conn)
            assert SECRET not in str(failure.value)
            conn.rollback()
        finally:
            # Back under the session's key file, for the tests that follow.
            use_keys(f"{old},{new}")
            with conn:
                rotate_secrets(conn)
            use_keys(None)
        assert load_connection(conn, account.account_id, "hubspot").secrets["access_token"] == SECRET
    finally:
        conn.close()
