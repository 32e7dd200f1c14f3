"""What a real portal's metadata looks like, against a real sandbox process: hundreds of property
definitions per object with the per-stage deal history properties, legacy v2 property lists for
every type, and HubSpot's other standard object types present but empty."""

from __future__ import annotations

import pytest

from provider_sandbox.hubspot.objects import EMPTY_RECORD_TYPES, OBJECT_KINDS

STANDARD_IDS = {"tickets": "0-5", "products": "0-7", "line_items": "0-8", "quotes": "0-14", "leads": "0-136",
                "goal_targets": "0-74", "communications": "0-18", "postal_mail": "0-116", "invoices": "0-53"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def sandbox(start_sandbox):
    """A portal pair like the session sandbox, with room for a search per object type."""
    return start_sandbox("--accounts", "2", "--engagements", "600", "--seed", "7", "--hubspot-rate-limit", "100000",
                         "--search-index-delay-ms", "0", "--search-rate-limit", "100000")


def names(client, object_type: str) -> dict[str, dict]:
    response = client.get(f"/crm/v3/properties/{object_type}")
    assert response.status_code == 200, response.text
    return {p["name"]: p for p in response.json()["results"]}


def test_hundreds_of_properties_in_hubspots_groups(sandbox):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        listed = {t: names(client, t) for t in ("contacts", "companies", "deals", "calls", "emails", "meetings",
                                                  "notes", "tasks", "tickets")}
    sizes = {t: len(p) for t, p in listed.items()}
    assert min(sizes[t] for t in ("contacts", "companies", "deals")) >= 200, sizes
    assert min(sizes[t] for t in ("calls", "emails", "meetings", "tasks")) >= 80, sizes
    assert sizes["notes"] >= 50 and sizes["tickets"] >= 60, sizes
    contacts, deals, calls = listed["contacts"], listed["deals"], listed["calls"]
    assert {"contactinformation", "analyticsinformation", "emailinformation", "sales_properties"} <= \
        {p["groupName"] for p in contacts.values()}
    assert {"dealinformation", "deal_activity", "analyticsinformation"} <= {p["groupName"] for p in deals.values()}
    assert contacts["hs_analytics_source"]["type"] == "enumeration" and contacts["hs_analytics_source"]["calculated"]
    assert contacts["hs_v2_date_entered_customer"]["type"] == "datetime"
    assert calls["hs_call_has_transcript"]["type"] == "bool" and calls["hs_call_has_transcript"]["options"]
    for properties in listed.values():  # one definition per name, hubspot-defined ones flagged
        assert all(p["hubspotDefined"] for p in properties.values() if not p["name"].startswith("revsync_"))


def test_deal_stage_history_properties_for_every_stage_of_both_pipelines(sandbox):
    with sandbox.client(headers=auth(sandbox.token(1))) as client:
        deals = names(client, "deals")
        pipelines = client.get("/crm/v3/pipelines/deals").json()["results"]
        one = client.get("/crm/v3/properties/deals/hs_v2_latest_time_in_closedwon").json()
    stage_ids = [st["id"] for p in pipelines for st in p["stages"]]
    assert len(stage_ids) == 11 and any(s.isdigit() for s in stage_ids)
    for stage in stage_ids:
        entered, exited = deals[f"hs_v2_date_entered_{stage}"], deals[f"hs_v2_date_exited_{stage}"]
        latest = deals[f"hs_v2_latest_time_in_{stage}"]
        assert entered["type"] == exited["type"] == "datetime" and latest["type"] == "number"
        assert entered["modificationMetadata"]["readOnlyValue"] is True
    labels = {st["id"]: f'{st["label"]} ({p["label"]})' for p in pipelines for st in p["stages"]}
    assert deals[f"hs_v2_date_entered_{stage_ids[-1]}"]["label"] == f'Date entered "{labels[stage_ids[-1]]}"'
    assert one["name"] == "hs_v2_latest_time_in_closedwon" and one["numberDisplayHint"] == "duration"
    # The stage enumeration still offers exactly those stages.
    assert {o["value"] for o in deals["dealstage"]["options"]} == set(stage_ids)


def test_defined_properties_records_never_fill_come_back_null(sandbox):
    """Definitions records have no value for still answer when asked: null, as HubSpot sends a
    requested property without a value (provider-apis.md A2), on every read route; names the
    type does not define stay ignored."""
    asked = ["dealname", "hs_v2_date_entered_closedwon", "hs_analytics_source", "no_such_property"]
    with sandbox.client(headers=auth(sandbox.token())) as client:
        listed = client.get("/crm/v3/objects/deals", params={"limit": 5, "properties": ",".join(asked)}).json()
        ids = [d["id"] for d in listed["results"]]
        one = client.get(f"/crm/objects/2026-09/deals/{ids[0]}", params={"properties": ",".join(asked)}).json()
        batch = client.post("/crm/v3/objects/deals/batch/read", json={
            "inputs": [{"id": i} for i in ids], "properties": asked}).json()
        search = client.post("/crm/v3/objects/deals/search", json={"limit": 5, "properties": asked}).json()
        history = client.get(f"/crm/v3/objects/deals/{ids[0]}", params={
            "propertiesWithHistory": "dealname,hs_v2_date_entered_closedwon,no_such_property"}).json()
        contact = client.get("/crm/v3/objects/contacts", params={
            "limit": 1, "properties": "hs_analytics_source,hs_v2_date_entered_customer"}).json()["results"][0]
    records = [*listed["results"], one, *batch["results"], *search["results"]]
    assert len(records) == 16
    for record in records:
        properties = record["properties"]
        assert properties["dealname"]
        assert properties["hs_v2_date_entered_closedwon"] is None and properties["hs_analytics_source"] is None
        assert "no_such_property" not in properties
    assert contact["properties"]["hs_analytics_source"] is None
    assert contact["properties"]["hs_v2_date_entered_customer"] is None
    with_history = history["propertiesWithHistory"]
    assert len(with_history["dealname"]) == 1 and with_history["hs_v2_date_entered_closedwon"] == []
    assert "no_such_property" not in with_history


def test_nulls_are_left_out_only_with_null_properties_omit(start_sandbox):
    omitting = start_sandbox("--accounts", "1", "--engagements", "100", "--hubspot-rate-limit", "100000",
                             "--null-properties", "omit")
    with omitting.client(headers=auth(omitting.token())) as client:
        deals = client.get("/crm/v3/objects/deals", params={
            "limit": 5, "properties": "dealname,hs_v2_date_entered_closedwon,hs_analytics_source"}).json()["results"]
    for deal in deals:
        assert deal["properties"]["dealname"]
        assert "hs_v2_date_entered_closedwon" not in deal["properties"]
        assert "hs_analytics_source" not in deal["properties"]


@pytest.mark.parametrize("object_type", ["calls", "emails", "meetings", "notes", "tasks", "tickets", "line_items",
                                         "line_item", "deal_split", "form", "goal_targets", "leads", "products"])
def test_legacy_v2_properties_for_every_type(sandbox, object_type):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        v2 = client.get(f"/properties/v2/{object_type}/properties")
        v3 = client.get(f"/crm/v3/properties/{object_type}")
    assert v2.status_code == 200, v2.text
    assert [p["name"] for p in v2.json()] == [p["name"] for p in v3.json()["results"]]
    assert all(isinstance(p["createdAt"], int) for p in v2.json())


@pytest.mark.parametrize("spelling", ["engagements", "engagement", "Engagements"])
def test_legacy_v2_engagement_properties_are_every_engagement_kinds(sandbox, spelling):
    """The legacy engagement type: the union of the five kinds' definitions, one per name, in the
    same v2 shape as the other types."""
    with sandbox.client(headers=auth(sandbox.token())) as client:
        v2 = client.get(f"/properties/v2/{spelling}/properties")
        per_kind = {kind: client.get(f"/properties/v2/{kind}/properties").json()
                    for kind in ("calls", "emails", "meetings", "notes", "tasks")}
        stats = sandbox.admin("stats")["requests_by_endpoint"]
    assert v2.status_code == 200, v2.text
    assert "Unable to infer object type" not in v2.text
    listed = v2.json()
    names = [p["name"] for p in listed]
    assert len(names) == len(set(names))
    expected = list(dict.fromkeys(p["name"] for kind in per_kind.values() for p in kind))
    assert names == expected
    assert {"hs_call_duration", "hs_email_subject", "hs_meeting_outcome", "hs_note_body", "hs_task_status",
            "hs_timestamp", "hubspot_owner_id"} <= set(names)
    # The same v2 property objects: keys, and the first kind's definition for a shared name.
    keys = set(per_kind["calls"][0])
    assert all(set(p) == keys for p in listed)
    calls = {p["name"]: p for p in per_kind["calls"]}
    by_name = {p["name"]: p for p in listed}
    assert by_name["hs_timestamp"] == calls["hs_timestamp"]
    assert by_name["hs_call_disposition"]["options"] == calls["hs_call_disposition"]["options"]
    assert all(isinstance(p["createdAt"], int) for p in listed)
    assert "GET /properties/v2/engagements/properties" in stats


def test_standard_object_types_exist_and_are_empty(sandbox):
    token = sandbox.token()
    with sandbox.client(headers=auth(token)) as client:
        for name, type_id in STANDARD_IDS.items():
            for spelling in (name, type_id):
                listed = client.get(f"/crm/v3/objects/{spelling}", params={"limit": 100})
                assert listed.status_code == 200 and listed.json() == {"results": []}, (spelling, listed.text)
            archived = client.get(f"/crm/v3/objects/{name}", params={"archived": "true"})
            search = client.post(f"/crm/v3/objects/{name}/search", json={"limit": 10, "filterGroups": []})
            batch = client.post(f"/crm/v3/objects/{name}/batch/read", json={"inputs": [{"id": "123"}],
                                                                             "properties": []})
            assert archived.json() == {"results": []}
            assert search.status_code == 200 and search.json() == {"total": 0, "results": []}
            assert batch.status_code == 207 and batch.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"
        truth = sandbox.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]
    for name in EMPTY_RECORD_TYPES:
        assert truth[name]["count"] == truth[name]["archived_count"] == 0 and truth[name]["associations"] == {}


def test_no_known_type_is_unknown_anywhere(sandbox):
    """Every registered type: list, search, properties and association routes never answer
    'Unable to infer object type'."""
    with sandbox.client(headers=auth(sandbox.token())) as client:
        contact_id = client.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]["id"]
        for name in OBJECT_KINDS:
            answers = [
                client.get(f"/crm/v3/objects/{name}", params={"limit": 1}),
                client.post(f"/crm/v3/objects/{name}/search", json={"limit": 1}),
                client.get(f"/crm/v3/properties/{name}"),
                client.get(f"/crm/v3/pipelines/{name}"),
                client.post(f"/crm/v4/associations/contacts/{name}/batch/read", json={"inputs": [{"id": contact_id}]}),
                client.post(f"/crm/v4/associations/{name}/companies/batch/read", json={"inputs": [{"id": "1"}]}),
            ]
            for answer in answers:
                assert answer.status_code in (200, 207), (name, answer.request.url, answer.text)
                assert "Unable to infer object type" not in answer.text


def test_v4_association_batch_reads_work_for_every_pair(sandbox):
    kinds = list(OBJECT_KINDS)
    with sandbox.client(headers=auth(sandbox.token())) as client:
        for source in kinds:
            for target in kinds:
                response = client.post(f"/crm/v4/associations/{source}/{target}/batch/read",
                                       json={"inputs": [{"id": "1"}]})
                assert response.status_code == 207, (source, target, response.text)
                error = response.json()["errors"][0]
                assert error["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"


def test_per_record_associations_with_a_standard_type(sandbox):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        contact_id = client.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]["id"]
        v4 = client.get(f"/crm/v4/objects/contacts/{contact_id}/associations/tickets")
        v3 = client.get(f"/crm/v3/objects/0-1/{contact_id}/associations/0-5")
    assert v4.status_code == v3.status_code == 200
    assert v4.json() == v3.json() == {"results": []}
