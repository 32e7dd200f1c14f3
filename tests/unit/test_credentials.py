import pytest
from cryptography.fernet import Fernet

from revsync import credentials
from revsync.errors import RevsyncError
from revsync.settings import get_settings


@pytest.fixture
def secret_key(monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("REVSYNC_SECRET_KEY", key)
    get_settings.cache_clear()
    yield key
    get_settings.cache_clear()


def test_round_trip_and_ciphertext_holds_no_plaintext(secret_key):
    token = credentials.encrypt({"access_token": "pat-na1-very-secret"})
    assert b"very-secret" not in token
    assert dict(credentials.decrypt(token)) == {"access_token": "pat-na1-very-secret"}


def test_secrets_never_print_their_values(secret_key):
    secrets = credentials.decrypt(credentials.encrypt({"access_token": "pat-na1-very-secret"}))
    assert "very-secret" not in repr(secrets)
    assert "very-secret" not in str(secrets)
    assert "very-secret" not in f"{secrets!r} {secrets}"


def test_rotation_old_key_still_decrypts(monkeypatch, secret_key):
    old_token = credentials.encrypt({"k": "v"})
    monkeypatch.setenv("REVSYNC_SECRET_KEY", f"{Fernet.generate_key().decode()},{secret_key}")
    get_settings.cache_clear()
    assert dict(credentials.decrypt(old_token)) == {"k": "v"}


def test_wrong_key_gives_an_actionable_error(monkeypatch, secret_key):
    token = credentials.encrypt({"k": "v"})
    monkeypatch.setenv("REVSYNC_SECRET_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    with pytest.raises(RevsyncError, match="cannot be decrypted"):
        credentials.decrypt(token)


def test_invalid_key_gives_an_actionable_error(monkeypatch):
    monkeypatch.setenv("REVSYNC_SECRET_KEY", "not-a-key")
    get_settings.cache_clear()
    with pytest.raises(RevsyncError, match="not a valid Fernet key"):
        credentials.encrypt({"k": "v"})
    get_settings.cache_clear()


def test_production_requires_a_key(monkeypatch):
    monkeypatch.delenv("REVSYNC_SECRET_KEY", raising=False)
    monkeypatch.setenv("REVSYNC_ENV", "production")
    get_settings.cache_clear()
    with pytest.raises(RevsyncError, match="must be set in production"):
        credentials.encrypt({"k": "v"})
    get_settings.cache_clear()
