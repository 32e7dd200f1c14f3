"""The sandbox clock: by default the history ends when the sandbox starts and "now" is the wall
clock (records, `Date` headers, health, search's "last 30 days"); `--anchor ISO` pins it; an
advance never stamps a change before a "now" a client has already seen."""

from __future__ import annotations

import time
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest

DAY_MS = 86_400_000
SMALL = ("--accounts", "1", "--engagements", "400", "--seed", "7", "--search-index-delay-ms", "0",
         "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000", "--aircall-calls", "50",
         "--fathom-meetings", "20")
PINNED = "2026-11-01T00:00:00Z"


def epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def wall_ms() -> int:
    return int(time.time() * 1000)


def date_header_ms(response: httpx.Response) -> int:
    return int(parsedate_to_datetime(response.headers["date"]).timestamp() * 1000)


@pytest.fixture(scope="module")
def started_at_ms() -> dict:
    return {}


@pytest.fixture(scope="module")
def live(start_sandbox, started_at_ms):
    """A sandbox on the wall clock (no pinned anchor), as `python -m provider_sandbox` runs."""
    started_at_ms["before"] = wall_ms()
    sandbox = start_sandbox("--anchor", "now", *SMALL)
    started_at_ms["after"] = wall_ms()
    return sandbox


def every_record(client: httpx.Client, token: str, object_type: str, archived: str = "false") -> list[dict]:
    records: list[dict] = []
    params: dict = {"limit": 100, "archived": archived}
    while True:
        page = client.get(f"/crm/v3/objects/{object_type}", params=params,
                          headers={"Authorization": f"Bearer {token}"}).json()
        records.extend(page["results"])
        if "paging" not in page:
            return records
        params["after"] = page["paging"]["next"]["after"]


def test_the_default_anchor_is_the_start_time_and_now_is_the_wall_clock(live, started_at_ms):
    health = live.admin("health")
    anchor = epoch_ms(health["anchor"])
    assert health["anchor_pinned"] is False
    # Truncated to the second, taken while the process started.
    assert anchor % 1000 == 0
    assert started_at_ms["before"] // 1000 * 1000 - 1000 <= anchor <= started_at_ms["after"]
    assert abs(epoch_ms(health["now"]) - wall_ms()) < 5_000
    truth = live.admin("truth")
    assert truth["anchor"] == health["anchor"] and truth["anchor_pinned"] is False


def test_date_headers_follow_the_wall_clock(live):
    with live.client() as client:
        for path in ("/crm/v3/objects/calls", "/_sandbox/health", "/no/such/route"):
            response = client.get(path, headers={"Authorization": f"Bearer {live.token()}"})
            assert len(response.headers.get_list("date")) == 1
            assert abs(date_header_ms(response) - wall_ms()) < 5_000


def test_history_ends_before_the_start_and_recent_views_are_full(live):
    anchor = epoch_ms(live.admin("health")["anchor"])
    with live.client() as client:
        newest = 0
        for object_type in ("calls", "emails", "meetings", "notes", "tasks", "contacts", "companies", "deals"):
            for archived in ("false", "true"):
                for record in every_record(client, live.token(), object_type, archived):
                    created, updated = epoch_ms(record["createdAt"]), epoch_ms(record["updatedAt"])
                    assert created < anchor and updated < anchor, record
                    assert created <= updated
                    newest = max(newest, updated)
        # The history runs up to the start: the newest change is recent by the wall clock.
        assert wall_ms() - newest < 3 * DAY_MS
        # "Modified in the last 30 days" by the client's own clock finds a month of changes.
        since = wall_ms() - 30 * DAY_MS
        body = {"filterGroups": [{"filters": [
            {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(since)}]}], "limit": 1}
        found = client.post("/crm/v3/objects/calls/search", json=body,
                            headers={"Authorization": f"Bearer {live.token()}"}).json()["total"]
    calls = live.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]["calls"]["count"]
    assert 0.03 * calls < found < 0.5 * calls


def test_an_advance_starts_at_now_and_the_clock_never_runs_behind_it(live):
    before = wall_ms()
    with live.client() as client:
        first = client.post("/_sandbox/advance", json={"fraction": 0.05, "seconds": 3600}).json()
        assert first["from_ms"] >= before  # nothing stamped before a "now" already seen
        assert first["to_ms"] - first["from_ms"] == 3_600_000
        health = live.admin("health")
        assert epoch_ms(health["now"]) >= first["to_ms"]
        response = client.get("/crm/v3/objects/calls", params={"limit": 1},
                              headers={"Authorization": f"Bearer {live.token()}"})
        assert date_header_ms(response) >= first["to_ms"] // 1000 * 1000
        calls = every_record(client, live.token(), "calls")
        stamped = max(epoch_ms(c["updatedAt"]) for c in calls)
        assert first["from_ms"] < stamped <= first["to_ms"] <= epoch_ms(live.admin("health")["now"])
        time.sleep(1.1)
        second = client.post("/_sandbox/advance", json={"fraction": 0.01, "seconds": 60}).json()
        # The clock kept running after the jump, and the next interval starts from it.
        assert second["from_ms"] >= first["to_ms"] + 1000


def test_a_pinned_anchor_fixes_the_clock_and_the_date_header(start_sandbox):
    pinned = start_sandbox("--anchor", PINNED, *SMALL)
    health = pinned.admin("health")
    assert health["anchor"] == "2026-11-01T00:00:00.000Z" and health["anchor_pinned"] is True
    now = epoch_ms(health["now"])
    assert epoch_ms(PINNED) <= now < epoch_ms(PINNED) + 120_000
    with pinned.client() as client:
        response = client.get("/crm/v3/objects/calls", params={"limit": 1},
                              headers={"Authorization": f"Bearer {pinned.token()}"})
        assert abs(date_header_ms(response) - now) < 120_000
        first = client.post("/_sandbox/advance", json={"fraction": 0.01, "seconds": 600}).json()
    # Pinned advances are drift-free: they start where the anchor (or the last advance) ended.
    assert first["from_ms"] == epoch_ms(PINNED) and first["to_ms"] == epoch_ms(PINNED) + 600_000


def test_the_same_seed_and_anchor_give_the_same_data(start_sandbox):
    one = start_sandbox("--anchor", "2026-06-15T12:00:00Z", *SMALL)
    two = start_sandbox("--anchor", "2026-06-15T12:00:00Z", *SMALL)
    other = start_sandbox("--anchor", "2026-06-16T12:00:00Z", *SMALL)
    assert one.admin("truth") == two.admin("truth")
    assert one.admin("truth")["accounts"] != other.admin("truth")["accounts"]
