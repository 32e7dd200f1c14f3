"""The web app's pure helpers: where `next=` may lead, relative times, chart axes, the config's checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oauth_service.app import relative_time, safe_next
from oauth_service.charts import _nice_max, sparkline, weekly_bars
from oauth_service.config import WebConfig
from revsync.errors import RevsyncError


@pytest.mark.parametrize("target, expected", [
    ("/dashboard?days=7", "/dashboard?days=7"), ("/", "/"), (None, "/"), ("", "/"),
    ("https://evil.example/", "/"), ("//evil.example", "/"), ("/\\evil.example", "/"), ("\\\\evil", "/"),
    ("javascript:alert(1)", "/"), ("/\r\nSet-Cookie: x=1", "/"), ("dashboard", "/"),
])
def test_next_stays_on_the_app(target, expected):
    assert safe_next(target) == expected


def test_relative_time():
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert relative_time(None) == "never"
    assert relative_time(now - timedelta(seconds=20), now) == "just now"
    assert relative_time(now + timedelta(seconds=5), now) == "just now"
    assert relative_time(now - timedelta(minutes=1, seconds=5), now) == "1 minute ago"
    assert relative_time(now - timedelta(hours=2, minutes=59), now) == "2 hours ago"
    assert relative_time(now - timedelta(days=3), now) == "3 days ago"


def test_axis_maximum_has_whole_steps():
    for value in (0, 1, 3, 4, 5, 13, 99, 250, 1234):
        top = _nice_max(value)
        assert top >= value and top % 4 == 0 and top / 4 in (1, 2, 5, 10, 20, 50, 100, 200, 500)


def test_charts_escape_their_labels():
    week = datetime(2026, 11, 23).date()
    svg = weekly_bars([week], {"<b>Dials</b>": [3]}, title="Team & co")
    assert "<b>" not in svg and "&lt;b&gt;Dials" in svg and "Team &amp; co" in svg
    assert 'aria-label="&lt;i&gt;"' in sparkline([1, 2], label="<i>")


def test_config_refuses_plain_http_off_this_machine():
    base = dict(database_url="postgresql://x", hubspot_client_id=None, hubspot_client_secret=None,
                hubspot_auth_base="https://app.hubspot.com", hubspot_api_base="https://api.hubapi.com")
    assert WebConfig(public_url="https://revsync.example.com/", **base).redirect_uri("hubspot") == \
        "https://revsync.example.com/callback/hubspot"
    assert WebConfig(public_url="https://revsync.example.com", **base).secure_cookies
    assert not WebConfig(public_url="http://127.0.0.1:8000", **base).secure_cookies
    with pytest.raises(RevsyncError, match="https"):
        WebConfig(public_url="http://revsync.example.com", **base)
    with pytest.raises(RevsyncError, match="address"):
        WebConfig(public_url="https://revsync.example.com/app", **base)
    assert "postgresql" not in repr(WebConfig(public_url="https://r.example", **base))
