"""The credentials provider's pure rules: token responses, refusals, backoff, expiry, slugs, URLs."""

from datetime import UTC, datetime, timedelta

import pytest

from revsync.accounts import slugify
from revsync.credentials import (
    NeedsReauth,
    TokenGrant,
    TokenRefreshError,
    classify_token_error,
    describe_token_error,
    normalize_api_base,
    parse_token_response,
    retry_delay,
    scrub,
    token_expiring,
    token_url,
)
from revsync.errors import RevsyncError

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_hubspot_token_response_with_extra_fields():
    grant = parse_token_response({
        "token_type": "bearer", "refresh_token": "na1-ab12-cd34", "hub_id": 62515, "user_id": 7,
        "scopes": ["oauth", "crm.objects.contacts.read"], "access_token": "CAAA-secret", "expires_in": 1800,
        "token_use": "access_token",
    })
    assert grant.access_token == "CAAA-secret" and grant.refresh_token == "na1-ab12-cd34"
    assert grant.expires_in == 1800 and grant.external_account_id == "62515"
    assert grant.scopes == ("oauth", "crm.objects.contacts.read")
    assert grant.expires_at(NOW) == NOW + timedelta(seconds=1800)


def test_fathom_token_response_space_separated_scope_and_no_hub():
    grant = parse_token_response({"access_token": "fa-1", "refresh_token": "fr-2", "expires_in": "86400",
                                  "scope": "public_api"})
    assert grant.scopes == ("public_api",) and grant.expires_in == 86400 and grant.external_account_id is None


def test_token_response_without_refresh_token_keeps_none_and_missing_access_token_fails():
    assert parse_token_response({"access_token": "a", "expires_in": 60}).refresh_token is None
    with pytest.raises(TokenRefreshError, match="without an access_token"):
        parse_token_response({"refresh_token": "very-secret-refresh"})
    with pytest.raises(TokenRefreshError) as raised:
        parse_token_response({"access_token": "", "refresh_token": "very-secret-refresh"})
    assert "very-secret" not in str(raised.value)


def test_grant_repr_hides_tokens():
    grant = TokenGrant(access_token="CAAA-very-secret", refresh_token="na1-very-secret", expires_in=1800)
    assert "very-secret" not in repr(grant) and "very-secret" not in str(grant)


@pytest.mark.parametrize(("status", "body", "kind"), [
    (400, {"error": "invalid_grant", "error_description": "revoked", "status": "BAD_REFRESH_TOKEN"}, "reauth"),
    (400, {"status": "BAD_REFRESH_TOKEN", "message": "missing or invalid refresh token"}, "reauth"),
    (400, {"error": "invalid_grant"}, "reauth"),
    (401, {"error": "invalid_client", "error_description": "Client authentication failed."}, "client"),
    (400, {"status": "BAD_CLIENT_SECRET", "message": "missing or invalid client secret"}, "client"),
    (429, {"status": "error", "message": "You have reached your ten secondly limit."}, "retry"),
    (502, None, "retry"),
    (503, "not json", "retry"),
    (400, {"error": "unsupported_grant_type"}, "other"),
    (400, None, "other"),
])
def test_token_errors_are_classified(status, body, kind):
    assert classify_token_error(status, body) == kind


def test_token_error_description_prefers_rfc6749_fields():
    assert describe_token_error(400, {"error": "invalid_grant", "error_description": "revoked",
                                      "status": "BAD_REFRESH_TOKEN", "message": "x"}) == "invalid_grant: revoked"
    assert describe_token_error(400, {"status": "BAD_REFRESH_TOKEN", "message": "invalid"}) == \
        "BAD_REFRESH_TOKEN: invalid"
    assert describe_token_error(500, None) == "HTTP 500"


def test_retry_delay_honours_retry_after_and_is_bounded():
    assert retry_delay(1, None) == 0.5 and retry_delay(2, None) == 1.0 and retry_delay(3, None) == 2.0
    assert retry_delay(20, None) == 30.0
    assert retry_delay(1, "7") == 7.0
    assert retry_delay(1, "3600") == 30.0
    assert retry_delay(1, "-5") == 0.0
    http_date = (datetime.now(UTC) + timedelta(seconds=10)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 5 <= retry_delay(1, http_date) <= 10
    assert retry_delay(2, "soon") == 1.0


def test_token_expiring_within_the_margin():
    assert token_expiring(NOW + timedelta(seconds=299), NOW, 300)
    assert token_expiring(NOW - timedelta(seconds=1), NOW, 0)
    assert not token_expiring(NOW + timedelta(seconds=301), NOW, 300)
    assert not token_expiring(None, NOW, 300)


def test_scrub_removes_every_secret_value():
    text = scrub("refresh na1-very-secret for client cs-secret-value failed", {
        "refresh_token": "na1-very-secret", "client_secret": "cs-secret-value", "grant_type": "refresh_token"})
    assert "very-secret" not in text and "cs-secret-value" not in text and "failed" in text


def test_token_urls_use_the_date_based_hubspot_endpoint_and_a_stored_url_first():
    assert token_url("hubspot", "https://api.hubapi.com/", {}) == "https://api.hubapi.com/oauth/2026-03/token"
    assert token_url("fathom", "https://api.fathom.ai", {"token_url": "http://127.0.0.1:9/t"}) == "http://127.0.0.1:9/t"
    with pytest.raises(RevsyncError, match="do not use OAuth"):
        token_url("aircall", "https://api.aircall.io", {})


def test_needs_reauth_is_a_revsync_error_with_its_connection():
    error = NeedsReauth("reconnect", account_id="a1", provider="hubspot")
    assert isinstance(error, RevsyncError) and error.account_id == "a1" and error.provider == "hubspot"


@pytest.mark.parametrize(("name", "slug"), [
    ("Acme Corp.", "acme-corp"),
    ("  Société Générale  ", "societe-generale"),
    ("R&D / EMEA  2026", "r-d-emea-2026"),
    ("Ünïcode—Sales", "unicode-sales"),
])
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_slugify_refuses_names_without_letters_or_digits():
    with pytest.raises(RevsyncError, match="at least one letter or digit"):
        slugify("!!! ---")


def test_slugify_caps_the_length_without_a_trailing_dash():
    slug = slugify("a" * 62 + " b" * 10)
    assert len(slug) <= 63 and not slug.endswith("-")


@pytest.mark.parametrize(("url", "expected"), [
    ("https://api.hubapi.com/", "https://api.hubapi.com"),
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ("http://localhost:8765/", "http://localhost:8765"),
    ("https://eu1.api.hubapi.com/base", "https://eu1.api.hubapi.com/base"),
])
def test_api_base_is_normalized(url, expected):
    assert normalize_api_base(url) == expected


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://api.hubapi.com", "http\\(s\\) URL"),
    ("api.hubapi.com", "http\\(s\\) URL"),
    ("http://api.hubapi.com", "must use https"),
    ("https://api.hubapi.com/?x=1", "query or fragment"),
])
def test_bad_api_bases_are_refused(url, message):
    with pytest.raises(RevsyncError, match=message):
        normalize_api_base(url)
