"""HubSpot's rolling 10-second window: headers on every counted call, the exact 429 after the
limit and never before. A 5-request tier keeps the test fast."""

from __future__ import annotations

import pytest

from provider_sandbox.ratelimit import DailyQuota, RollingWindowLimiter

LIMIT = 5
RATE_HEADERS = ("Interval-Milliseconds", "Max", "Remaining", "Daily", "Daily-Remaining")


@pytest.fixture(scope="module")
def tight_sandbox(start_sandbox):
    return start_sandbox("--accounts", "2", "--engagements", "50", "--hubspot-rate-limit", str(LIMIT),
                         "--hubspot-daily-limit", "1000", "--retry-after")


def get_calls(client, token):
    headers = {"Authorization": f"Bearer {token}"}
    return client.get("/crm/v3/objects/calls", params={"limit": 1}, headers=headers)


def test_429_appears_when_the_window_is_exceeded_and_never_before(tight_sandbox):
    with tight_sandbox.client() as client:
        admitted = [get_calls(client, tight_sandbox.token(0)) for _ in range(LIMIT)]
        refused = get_calls(client, tight_sandbox.token(0))
        other_portal = get_calls(client, tight_sandbox.token(1))

    for sent, response in enumerate(admitted, start=1):
        assert response.status_code == 200
        headers = response.headers
        assert all(f"X-HubSpot-RateLimit-{name}" in headers for name in RATE_HEADERS)
        assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        assert headers["X-HubSpot-RateLimit-Max"] == str(LIMIT)
        assert headers["X-HubSpot-RateLimit-Remaining"] == str(LIMIT - sent)
        assert headers["X-HubSpot-RateLimit-Daily"] == "1000"
        assert headers["X-HubSpot-RateLimit-Daily-Remaining"] == str(1000 - sent)
        assert "Retry-After" not in headers

    assert refused.status_code == 429
    body = refused.json()
    fields = {"status", "message", "errorType", "correlationId", "policyName", "groupName", "requestId"}
    assert set(body) == fields
    assert body["status"] == "error"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["groupName"].startswith("publicapi:")
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 10

    # The window is per portal.
    assert other_portal.status_code == 200

    stats = tight_sandbox.admin("stats")
    assert stats["rate_limited"]["total"] == 1
    assert stats["rate_limited"]["by_account"] == {"hubspot:account-1": 1}
    assert stats["requests_by_endpoint"]["GET /crm/v3/objects/calls"] == {"200": LIMIT + 1, "429": 1}
    peak = stats["peak_requests_per_window"]["hubspot"]["account-1"]
    assert peak == {"window_ms": 10000, "peak": LIMIT + 1}


def test_rolling_window_admits_exactly_max_per_window():
    now = [0.0]
    limiter = RollingWindowLimiter(3, 10, clock=lambda: now[0])
    assert [limiter.acquire("p").allowed for _ in range(4)] == [True, True, True, False]
    now[0] = 9.99
    denied = limiter.acquire("p")
    assert not denied.allowed and denied.retry_after_s == pytest.approx(0.01)
    now[0] = 10.0  # the first three leave the window together
    assert [limiter.acquire("p").remaining for _ in range(3)] == [2, 1, 0]
    assert limiter.acquire("other").allowed


def test_rolling_window_does_not_count_refused_requests():
    now = [0.0]
    limiter = RollingWindowLimiter(2, 10, clock=lambda: now[0])
    limiter.acquire("p")
    now[0] = 5.0
    limiter.acquire("p")
    for _ in range(10):
        assert not limiter.acquire("p").allowed
    now[0] = 10.0  # only the request made at t=0 expired
    assert limiter.acquire("p").allowed
    assert not limiter.acquire("p").allowed


def test_daily_quota_resets_at_midnight_utc():
    now = [86_400 * 100 + 86_399.0]  # one second before midnight
    quota = DailyQuota(2, clock=lambda: now[0])
    assert quota.consume("p") == 1 and quota.consume("p") == 0
    assert quota.remaining("p") == 0
    now[0] += 1
    assert quota.remaining("p") == 2
