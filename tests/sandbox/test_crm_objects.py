"""GET /crm/v3/objects/calls over real HTTP, checked against HubSpot's documented behaviour."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

import pytest

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CALL_PROPERTIES = (
    "hs_timestamp,hs_call_duration,hs_call_direction,hs_call_disposition,hs_call_status,hubspot_owner_id"
)


def epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_paging_to_the_end_matches_truth(sandbox, read_all):
    truth = sandbox.admin("truth")["accounts"]
    with sandbox.client() as client:
        for index, account in enumerate(sandbox.accounts):
            expected = truth[account["key"]]["hubspot"]["objects"]["calls"]
            calls = read_all(client, sandbox.token(index), properties=CALL_PROPERTIES)
            ids = [call["id"] for call in calls]
            assert len(ids) == len(set(ids)) == expected["count"]
            assert all(call["archived"] is False and "archivedAt" not in call for call in calls)
            duration_sum = sum(int(call["properties"]["hs_call_duration"]) for call in calls)
            assert duration_sum == expected["duration_ms_sum"]
            lines = sorted((int(c["id"]), epoch_ms(c["properties"]["hs_lastmodifieddate"])) for c in calls)
            digest = hashlib.sha256("".join(f"{i}:{m}\n" for i, m in lines).encode()).hexdigest()
            assert digest == expected["checksum"]


def test_archived_listing_returns_only_archived_records(sandbox, read_all):
    account = sandbox.accounts[0]
    expected = sandbox.admin("truth")["accounts"][account["key"]]["hubspot"]["objects"]["calls"]
    with sandbox.client() as client:
        archived = read_all(client, sandbox.token(), archived="true")
    assert len(archived) == expected["archived_count"] > 0
    for call in archived:
        assert call["archived"] is True
        assert ISO_MS.match(call["archivedAt"])
        assert call["updatedAt"] == call["archivedAt"]


def test_default_page_shape(sandbox):
    with sandbox.client() as client:
        page = client.get("/crm/v3/objects/calls", headers=auth(sandbox.token())).json()
    assert len(page["results"]) == 10  # default limit
    first = page["results"][0]
    assert set(first) == {"id", "properties", "createdAt", "updatedAt", "archived"}
    # Engagement objects only return the base properties unless asked for more.
    assert set(first["properties"]) == {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"}
    assert first["properties"]["hs_object_id"] == first["id"]
    assert ISO_MS.match(first["createdAt"]) and ISO_MS.match(first["updatedAt"])
    assert first["properties"]["hs_createdate"] == first["createdAt"]
    after = page["paging"]["next"]["after"]
    assert page["paging"]["next"]["link"].endswith(f"after={after}")


def test_property_values_are_strings_or_null(sandbox, read_all):
    every_property = (
        "hs_timestamp,hs_call_title,hs_call_body,hs_call_direction,hs_call_duration,hs_call_disposition,"
        "hs_call_status,hs_call_from_number,hs_call_to_number,hs_call_recording_url,hs_call_source,"
        "hubspot_owner_id,no_such_property"
    )
    with sandbox.client() as client:
        calls = read_all(client, sandbox.token(1), properties=every_property)
    for call in calls:
        props = call["properties"]
        assert "no_such_property" not in props  # unknown properties are ignored
        assert "hs_call_title" in props and "hs_call_body" in props
        assert all(value is None or isinstance(value, str) for value in props.values())
        assert props["hs_call_direction"] in ("INBOUND", "OUTBOUND")
        assert props["hs_call_duration"].isdigit()
        assert ISO_MS.match(props["hs_timestamp"])


def test_repeated_properties_parameter_is_accepted(sandbox):
    with sandbox.client() as client:
        response = client.get(
            "/crm/v3/objects/calls?limit=3&properties=hs_call_title&properties=hs_call_status",
            headers=auth(sandbox.token()),
        )
    props = response.json()["results"][0]["properties"]
    assert {"hs_call_title", "hs_call_status"} <= set(props)


def test_paging_is_absent_on_the_last_page(sandbox, read_all):
    with sandbox.client() as client:
        first = client.get("/crm/v3/objects/calls", params={"limit": 100}, headers=auth(sandbox.token()))
        first = first.json()
        assert "paging" in first
        calls = read_all(client, sandbox.token())
        last_id = calls[-1]["id"]
        last = client.get("/crm/v3/objects/calls", params={"limit": 100, "after": last_id},
                          headers=auth(sandbox.token())).json()
    assert [call["id"] for call in last["results"]] == [last_id]
    assert "paging" not in last


def test_associations_parameter_is_accepted(sandbox):
    with sandbox.client() as client:
        response = client.get("/crm/v3/objects/calls", params={"associations": "contacts,deals,nonsense"},
                              headers=auth(sandbox.token()))
    assert response.status_code == 200


@pytest.mark.parametrize("limit", ["101", "1000"])
def test_limit_over_100_is_a_validation_error(sandbox, limit):
    with sandbox.client() as client:
        response = client.get("/crm/v3/objects/calls", params={"limit": limit}, headers=auth(sandbox.token()))
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert UUID.match(body["correlationId"])
    assert body["message"]


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "ten"}, {"after": "abc"}, {"archived": "maybe"}]
)
def test_malformed_parameters_are_validation_errors(sandbox, params):
    with sandbox.client() as client:
        response = client.get("/crm/v3/objects/calls", params=params, headers=auth(sandbox.token()))
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_limit_of_exactly_100_is_fine(sandbox):
    with sandbox.client() as client:
        response = client.get("/crm/v3/objects/calls", params={"limit": 100}, headers=auth(sandbox.token()))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer pat-na1-00000000-0000-4000-8000-000000000000"},
        {"Authorization": "Basic abc"},
    ],
)
def test_missing_or_unknown_token_is_401(sandbox, headers):
    with sandbox.client() as client:
        response = client.get("/crm/v3/objects/calls", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["status"] == "error"
    assert UUID.match(body["correlationId"])
    assert "X-HubSpot-RateLimit-Max" not in response.headers  # unauthenticated calls are not counted


def test_unknown_object_type_is_400(sandbox):
    with sandbox.client() as client:
        response = client.get("/crm/v3/objects/unicorns", headers=auth(sandbox.token()))
    assert response.status_code == 400
    assert response.json()["message"] == "Unable to infer object type from: unicorns"


def test_object_type_id_works_like_the_name(sandbox):
    with sandbox.client() as client:
        by_name = client.get("/crm/v3/objects/calls", headers=auth(sandbox.token())).json()
        by_id = client.get("/crm/v3/objects/0-48", headers=auth(sandbox.token())).json()
    assert [c["id"] for c in by_name["results"]] == [c["id"] for c in by_id["results"]]


def test_accounts_only_see_their_own_portal(sandbox):
    with sandbox.client() as client:
        first = client.get("/crm/v3/objects/calls", headers=auth(sandbox.token(0))).json()["results"]
        second = client.get("/crm/v3/objects/calls", headers=auth(sandbox.token(1))).json()["results"]
    assert {c["id"] for c in first}.isdisjoint({c["id"] for c in second})
