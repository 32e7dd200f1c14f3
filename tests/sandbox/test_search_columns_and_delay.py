"""In-process checks of search and v1 modified/after: columns agree with rendering for every
registered object kind, and the indexing delay hides fresh changes until the sandbox clock has
moved past it (driven through the store API: `now_ms`, `advance_clock`, in-place mutation)."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from provider_sandbox.app import build_app
from provider_sandbox.generator import build_store
from provider_sandbox.hubspot.engagements_v1 import decode_position, encode_cursor
from provider_sandbox.hubspot.objects import OBJECT_KINDS
from provider_sandbox.hubspot.search_query import Filter, column_mask, value_matches
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.timefmt import iso_ms, parse_iso_to_ms

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

# Pinned: the delay tests reason from "the clock starts at the anchor".
SETTINGS = SandboxSettings(accounts=1, engagements_per_account=1500, seed=5, rate_limits_enabled=False
                           ).pinned_at(parse_iso_to_ms("2026-11-01T00:00:00Z"))
DELAY_MS = 60_000


@pytest.fixture(scope="module")
def store():
    return build_store(SETTINGS)


def test_search_columns_agree_with_rendered_properties(store):
    """Every kind's columns (today's and those added later) give what the list endpoint renders."""
    account = store.accounts[0]
    checked = 0
    for name, table in account.hubspot.objects.items():
        kind = OBJECT_KINDS[name]
        columns = kind.search_columns(account, table)
        rows = np.linspace(0, len(table) - 1, num=min(len(table), 60), dtype=np.int64)
        for row in rows.tolist():
            values = kind.property_values(store.seed, account, table, row)
            for prop, column in columns.items():
                if prop not in values:
                    continue  # e.g. createdate aliases on engagement kinds
                rendered = values[prop]
                if column.kind == "enum":
                    assert column.labels[int(column.values[row])] == rendered, (name, prop)
                    continue
                if column.present is not None and not column.present[row]:
                    assert rendered is None, (name, prop)
                    continue
                value = column.values[row]
                assert rendered is not None, (name, prop)
                parsed = parse_iso_to_ms(rendered) if column.kind == "datetime" else float(rendered)
                assert parsed == value, (name, prop, rendered, value)
                checked += 1
    assert checked > 0


def test_columnar_and_row_by_row_evaluation_agree(store):
    """The same filter gives the same rows through numpy and through rendering."""
    account = store.accounts[0]
    kind = OBJECT_KINDS["calls"]
    table = account.hubspot.objects["calls"]
    columns = kind.search_columns(account, table)
    median = int(np.median(table.modified_ms))
    filters = [
        Filter("hs_lastmodifieddate", "GTE", iso_ms(median)),
        Filter("hs_lastmodifieddate", "BETWEEN", str(median - 20 * 86_400_000), iso_ms(median)),
        Filter("hs_call_duration", "LT", "30000"),
        Filter("hs_call_duration", "NOT_IN", values=("0",)),
        Filter("hs_call_status", "NEQ", "completed"),
        Filter("hubspot_owner_id", "NOT_HAS_PROPERTY"),
        Filter("hubspot_owner_id", "IN", values=(account.hubspot.owners[0].id, account.hubspot.owners[1].id)),
        Filter("hs_call_disposition", "EQ", next(iter(account.hubspot.call_dispositions))),
        Filter("hs_timestamp", "LTE", str(median)),
        Filter("hs_object_id", "GT", str(int(table.ids[len(table) // 3]))),
    ]
    for flt in filters:
        fast = column_mask(columns[flt.property_name], flt, "value")
        slow = np.array([
            value_matches(kind.property_values(store.seed, account, table, row)[flt.property_name], flt)
            for row in range(len(table))
        ])
        assert fast is not None and np.array_equal(fast, slow), flt
        assert 0 < int(fast.sum()) < len(table), flt


def test_modified_after_cursor_round_trips():
    assert decode_position(encode_cursor(1_790_000_000_123, 55_325_623_685)) == (1_790_000_000_123, 55_325_623_685)
    assert decode_position("1790000000123")[0] == 1_790_000_000_123
    assert decode_position("not-a-cursor") is None


def search_ids(client, token, object_id: int) -> list[str]:
    response = client.post("/crm/v3/objects/calls/search", headers={"Authorization": f"Bearer {token}"}, json={
        "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": str(object_id)}]}],
    })
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


def modified_after_ids(client, token, since: int) -> list[int]:
    ids: list[int] = []
    params = {"since": str(since), "limit": 1000}
    while True:
        page = client.get("/engagements/v1/engagements/modified/after", params=params,
                          headers={"Authorization": f"Bearer {token}"}).json()
        ids.extend(r["engagement"]["id"] for r in page["results"])
        if not page["hasMore"]:
            return ids
        params["since"] = page["after"]


def test_indexing_delay_hides_fresh_changes_until_the_clock_passes_it():
    settings = replace(SETTINGS, hubspot_search_index_delay_ms=DELAY_MS)
    store = build_store(settings)
    account = store.accounts[0]
    token = account.hubspot.private_app_token
    table = account.hubspot.objects["calls"]
    live = np.flatnonzero(~table.archived)
    row = int(live[len(live) // 2])
    record_id = int(table.ids[row])
    before = int(table.modified_ms[row])
    client = TestClient(build_app(settings, store))

    # Old records are indexed; list and v1 paged have no delay at all.
    assert search_ids(client, token, record_id) == [str(record_id)]
    assert record_id in modified_after_ids(client, token, before - 1)

    # Modify the row now, as /_sandbox/advance does: later modified_ms, new revision, new version.
    table.modified_ms[row] = store.now_ms()
    table.revision[row] += 1
    table.version += 1
    assert search_ids(client, token, record_id) == []
    assert record_id not in modified_after_ids(client, token, before - 1)
    listed = client.get("/crm/v3/objects/calls", headers={"Authorization": f"Bearer {token}"},
                        params={"after": str(record_id), "limit": 1}).json()["results"][0]
    assert listed["id"] == str(record_id) and parse_iso_to_ms(listed["updatedAt"]) == table.modified_ms[row]

    store.advance_clock(DELAY_MS)
    assert search_ids(client, token, record_id) == [str(record_id)]
    assert record_id in modified_after_ids(client, token, before - 1)


def test_the_newest_rows_wait_for_the_delay_after_start():
    """A fresh sandbox's clock starts at the anchor, so its newest rows are "fresh" changes."""
    probe = build_store(SETTINGS).accounts[0].hubspot.objects["calls"]
    newest = np.sort(probe.modified_ms[~probe.archived])
    margin = 120_000  # > the seconds this test takes, so no row crosses the boundary meanwhile
    # A delay that covers the ten newest rows with room to spare; the filter selects them.
    delay = SETTINGS.anchor_ms - int(newest[-10]) + margin
    since = SETTINGS.anchor_ms - delay + margin
    settings = replace(SETTINGS, hubspot_search_index_delay_ms=delay)
    store = build_store(settings)
    client = TestClient(build_app(settings, store))
    headers = {"Authorization": f"Bearer {store.accounts[0].hubspot.private_app_token}"}
    body = {"filterGroups": [{"filters": [
        {"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": str(since)}]}]}
    expected = int((newest > since).sum())
    assert expected >= 5

    assert client.post("/crm/v3/objects/calls/search", json=body, headers=headers).json()["total"] == 0
    store.advance_clock(delay)
    assert client.post("/crm/v3/objects/calls/search", json=body, headers=headers).json()["total"] == expected


def test_filter_group_limit_follows_the_setting():
    settings = replace(SETTINGS, hubspot_search_max_filter_groups=6)
    store = build_store(settings)
    client = TestClient(build_app(settings, store))
    headers = {"Authorization": f"Bearer {store.accounts[0].hubspot.private_app_token}"}
    group = {"filters": [{"propertyName": "hs_object_id", "operator": "HAS_PROPERTY"}]}
    six = client.post("/crm/v3/objects/calls/search", json={"filterGroups": [group] * 6}, headers=headers)
    seven = client.post("/crm/v3/objects/calls/search", json={"filterGroups": [group] * 7}, headers=headers)
    assert six.status_code == 200 and seven.status_code == 400
