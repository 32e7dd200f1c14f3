"""Owners, property definitions (v3 and legacy v2), CRM batch reads, and the auth, rate limits
and stats every new HubSpot route shares with the list endpoint."""

from __future__ import annotations

import pytest


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- owners ---------------------------------------------------------------------------------


def test_owners_list_active_and_archived(sandbox):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        active = client.get("/crm/v3/owners").json()
        archived = client.get("/crm/v3/owners", params={"archived": "true"}).json()
    assert "paging" not in active
    assert len(active["results"]) == 7 and len(archived["results"]) == 1
    for owner in active["results"]:
        assert owner["type"] == "PERSON" and owner["archived"] is False
        assert owner["id"].isdigit() and isinstance(owner["userId"], int)
        assert {"email", "firstName", "lastName", "createdAt", "updatedAt"} <= set(owner)
    gone = archived["results"][0]
    assert gone["archived"] is True and "userId" not in gone and gone["userIdIncludingInactive"]
    expected = {o["id"] for o in sandbox.accounts[0]["hubspot"]["owners"]}
    assert {o["id"] for o in active["results"] + archived["results"]} == expected


def test_owners_paging_email_filter_and_lookup(sandbox):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        seen, params = [], {"limit": 3}
        while True:
            page = client.get("/crm/v3/owners", params=params).json()
            assert len(page["results"]) <= 3
            seen += page["results"]
            if "paging" not in page:
                break
            params["after"] = page["paging"]["next"]["after"]
        everyone = client.get("/crm/v3/owners").json()["results"]
        target = everyone[2]
        by_email = client.get("/crm/v3/owners", params={"email": target["email"].upper()}).json()
        by_id = client.get(f"/crm/v3/owners/{target['id']}")
        by_user = client.get(f"/crm/v3/owners/{target['userId']}", params={"idProperty": "userId"})
        missing = client.get("/crm/v3/owners/1")
        too_big = client.get("/crm/v3/owners", params={"limit": 501})
    assert [o["id"] for o in seen] == [o["id"] for o in everyone]
    assert [o["id"] for o in by_email["results"]] == [target["id"]]
    assert by_id.json() == by_user.json() == target
    assert missing.status_code == 404
    assert too_big.status_code == 400 and too_big.json()["category"] == "VALIDATION_ERROR"


# --- properties -------------------------------------------------------------------------------


def properties(client, object_type: str, **params) -> dict[str, dict]:
    response = client.get(f"/crm/v3/properties/{object_type}", params=params)
    assert response.status_code == 200, response.text
    return {p["name"]: p for p in response.json()["results"]}


def test_properties_have_types_options_and_custom_ones(sandbox):
    for index in range(len(sandbox.accounts)):
        with sandbox.client(headers=auth(sandbox.token(index))) as client:
            contacts = properties(client, "contacts")
            deals = properties(client, "0-3")
            calls = properties(client, "calls")
            archived = properties(client, "contacts", archived="true")
            only = properties(client, "contacts", properties="email,firstname")
        lead_score = contacts["revsync_lead_score"]  # every portal has this custom property
        assert lead_score["type"] == "number" and "hubspotDefined" not in lead_score
        assert lead_score["modificationMetadata"]["archivable"] is True
        assert contacts["email"]["hubspotDefined"] is True and contacts["email"]["type"] == "string"
        assert contacts["lifecyclestage"]["type"] == "enumeration"
        assert {o["value"] for o in contacts["lifecyclestage"]["options"]} >= {"lead", "customer"}
        assert contacts["createdate"]["type"] == "datetime" and contacts["createdate"]["fieldType"] == "date"
        # Custom pipelines have numeric stage ids next to the default pipeline's names.
        stages = {o["value"] for o in deals["dealstage"]["options"]}
        assert "closedwon" in stages and any(stage.isdigit() for stage in stages)
        outcomes = {o["value"] for o in calls["hs_call_disposition"]["options"]}
        assert set(sandbox.accounts[index]["hubspot"]["call_dispositions"]) == outcomes
        assert list(archived) == ["revsync_legacy_source"] and archived["revsync_legacy_source"]["archived"]
        assert set(only) == {"email", "firstname"}


def test_single_property_and_errors(sandbox):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        one = client.get("/crm/v3/properties/deals/amount")
        missing = client.get("/crm/v3/properties/deals/no_such_property")
        unknown_type = client.get("/crm/v3/properties/unicorns")
    assert one.json()["name"] == "amount" and one.json()["numberDisplayHint"] == "currency"
    assert missing.status_code == 404
    assert unknown_type.status_code == 400
    assert unknown_type.json()["message"] == "Unable to infer object type from: unicorns"


def test_legacy_v2_properties(sandbox):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        v2 = client.get("/properties/v2/contacts/properties")
        v3 = properties(client, "contacts")
        calls = client.get("/properties/v2/calls/properties")
        client_calls_v3 = client.get("/crm/v3/properties/calls").json()["results"]
    assert v2.status_code == 200
    listed = {p["name"]: p for p in v2.json()}
    assert set(listed) == set(v3)
    email = listed["email"]
    assert isinstance(email["createdAt"], int) and email["deleted"] is False and email["hubspotDefined"] is True
    assert {"readOnlyValue", "readOnlyDefinition", "mutableDefinitionNotDeletable", "favorited",
            "displayMode"} <= set(email)
    option = listed["lifecyclestage"]["options"][0]
    assert {"label", "value", "displayOrder", "doubleData", "hidden", "readOnly"} <= set(option)
    # v2 serves engagements too (clients discover call properties there), with the v3 definitions.
    assert calls.status_code == 200
    assert [p["name"] for p in calls.json()] == [p["name"] for p in client_calls_v3]


# --- batch read -----------------------------------------------------------------------------


def test_batch_read_by_id_with_missing_ids_and_limits(sandbox):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        page = client.get("/crm/v3/objects/contacts", params={"limit": 100}).json()["results"]
        ids = [c["id"] for c in page]
        full = client.post("/crm/v3/objects/contacts/batch/read",
                           json={"inputs": [{"id": i} for i in ids], "properties": ["email", "jobtitle"]})
        partial = client.post("/crm/v3/objects/contacts/batch/read",
                              json={"inputs": [{"id": ids[0]}, {"id": ids[0]}, {"id": "12345"}, {"id": "x"}],
                                    "properties": []})
        too_many = client.post("/crm/v3/objects/contacts/batch/read",
                               json={"inputs": [{"id": i} for i in ids] + [{"id": "1"}], "properties": []})
    assert full.status_code == 200
    body = full.json()
    assert body["status"] == "COMPLETE" and "errors" not in body
    assert [r["id"] for r in body["results"]] == ids
    assert set(body["results"][0]["properties"]) == {"createdate", "email", "hs_object_id", "jobtitle",
                                                     "lastmodifieddate"}
    assert partial.status_code == 207
    body = partial.json()
    assert [r["id"] for r in body["results"]] == [ids[0]]  # duplicates once
    assert set(body["results"][0]["properties"]) >= {"firstname", "lastname", "email"}  # the defaults
    assert body["numErrors"] == 1 and body["errors"][0]["context"]["ids"] == ["12345", "x"]
    assert too_many.status_code == 400 and too_many.json()["category"] == "VALIDATION_ERROR"


def test_batch_read_by_email_and_archived(sandbox, read_all):
    token = sandbox.token()
    with sandbox.client(headers=auth(token)) as client:
        contacts = read_all(client, token, "contacts")[:5]
        emails = [c["properties"]["email"] for c in contacts if c["properties"]["email"]]
        by_email = client.post("/crm/v3/objects/contacts/batch/read",
                               json={"idProperty": "email", "properties": ["email"],
                                     "inputs": [{"id": e.swapcase()} for e in emails]}).json()
        archived = read_all(client, token, "deals", archived="true")
        wrong_state = client.post("/crm/v3/objects/deals/batch/read",
                                  json={"inputs": [{"id": archived[0]["id"]}], "properties": []})
        right_state = client.post("/crm/v3/objects/deals/batch/read?archived=true",
                                  json={"inputs": [{"id": archived[0]["id"]}], "properties": ["dealname"]})
        bad_property = client.post("/crm/v3/objects/deals/batch/read",
                                   json={"idProperty": "dealname", "inputs": [{"id": "x"}], "properties": []})
    assert [r["properties"]["email"] for r in by_email["results"]] == emails
    assert wrong_state.status_code == 207
    assert right_state.status_code == 200 and right_state.json()["results"][0]["archived"] is True
    assert bad_property.status_code == 400


# --- auth, rate limits and stats --------------------------------------------------------------

NEW_ROUTES = (
    ("GET", "/crm/v3/owners", None, "GET /crm/v3/owners"),
    ("GET", "/crm/v3/properties/contacts", None, "GET /crm/v3/properties/contacts"),
    ("GET", "/properties/v2/deals/properties", None, "GET /properties/v2/deals/properties"),
    ("POST", "/crm/v3/objects/emails/batch/read", {"inputs": [{"id": "1"}], "properties": []},
     "POST /crm/v3/objects/emails/batch/read"),
    ("POST", "/crm/v4/associations/calls/contacts/batch/read", {"inputs": [{"id": "1"}]},
     "POST /crm/v4/associations/calls/contacts/batch/read"),
    ("GET", "/crm/v4/objects/companies/1/associations/calls", None,
     "GET /crm/v4/objects/companies/{objectId}/associations/calls"),
)


@pytest.mark.parametrize(("method", "path", "body", "label"), NEW_ROUTES)
def test_new_routes_need_a_bearer_token(sandbox, method, path, body, label):
    with sandbox.client() as client:
        response = client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


def test_new_routes_share_the_burst_window_and_show_in_stats(start_sandbox):
    limited = start_sandbox("--accounts", "1", "--engagements", "50", "--hubspot-rate-limit", str(len(NEW_ROUTES)))
    with limited.client(headers=auth(limited.token())) as client:
        remaining = []
        for method, path, body, _ in NEW_ROUTES:
            response = client.request(method, path, json=body)
            assert response.status_code in (200, 207), (path, response.text)
            remaining.append(int(response.headers["X-HubSpot-RateLimit-Remaining"]))
        refused = client.get("/crm/v3/owners")
    assert remaining == list(range(len(NEW_ROUTES) - 1, -1, -1))
    assert refused.status_code == 429 and refused.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    stats = limited.admin("stats")
    for _, _, _, label in NEW_ROUTES:
        assert sum(stats["requests_by_endpoint"][label].values()) >= 1, label
    assert stats["requests_by_endpoint"]["GET /crm/v3/owners"] == {"200": 1, "429": 1}
    assert stats["rate_limited"]["total"] == 1
