"""Pipelines and object schemas against a real sandbox process: the deal pipelines carry the
stage ids the deals do, tickets have HubSpot's default support pipeline, unknown ids are 404s in
HubSpot's error shape, and the bodies match pipelines-v3.json / schemas-v3.json."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.reference import hubspot_spec


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def spec_validate():
    """validate(instance, spec stem, schema name) against HubSpot's v3 OpenAPI components."""
    components = {stem: json.loads(hubspot_spec(f"{stem}.json").read_text())["components"]
                  for stem in ("pipelines-v3", "schemas-v3")}

    def validate(instance: object, stem: str, schema_name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components[stem]}
        jsonschema.Draft202012Validator(schema).validate(instance)

    return validate


def test_deal_pipelines_carry_the_stage_ids_of_the_deals(sandbox, read_all, spec_validate):
    token = sandbox.token()
    with sandbox.client(headers=auth(token)) as client:
        response = client.get("/crm/v3/pipelines/deals")
        deals = read_all(client, token, "deals", properties="pipeline,dealstage,hs_deal_stage_probability")
    assert response.status_code == 200
    body = response.json()
    spec_validate(body, "pipelines-v3", "CollectionResponsePipelineNoPaging")
    pipelines = body["results"]
    assert [p["id"] for p in pipelines][0] == "default" and len(pipelines) == 2
    assert [p["displayOrder"] for p in pipelines] == [0, 1]
    default, renewals = pipelines
    assert default["createdAt"] == "1970-01-01T00:00:00.000Z"  # "default pipelines have createdAt = 0"
    assert renewals["id"].isdigit() and renewals["createdAt"] > "2000"
    stages = {st["id"]: (p["id"], st) for p in pipelines for st in p["stages"]}
    for pipeline in pipelines:
        assert [st["displayOrder"] for st in pipeline["stages"]] == list(range(len(pipeline["stages"])))
    won = stages["closedwon"][1]
    assert won["metadata"] == {"isClosed": "true", "probability": "1.0"} and won["label"] == "Closed Won"
    assert stages["appointmentscheduled"][1]["metadata"]["isClosed"] == "false"
    # Every deal's stage is a stage of its own pipeline, with the stage's probability.
    for deal in deals:
        props = deal["properties"]
        pipeline_id, stage = stages[props["dealstage"]]
        assert pipeline_id == props["pipeline"]
        assert float(stage["metadata"]["probability"]) == float(props["hs_deal_stage_probability"])
    assert {props for props in (d["properties"]["pipeline"] for d in deals)} == {"default", renewals["id"]}


def test_one_pipeline_its_stages_and_one_stage(sandbox, spec_validate):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        renewals = client.get("/crm/v3/pipelines/deals").json()["results"][1]
        one = client.get(f"/crm/v3/pipelines/0-3/{renewals['id']}")
        stages = client.get(f"/crm/v3/pipelines/deals/{renewals['id']}/stages")
        stage = client.get(f"/crm/v3/pipelines/deals/{renewals['id']}/stages/{renewals['stages'][2]['id']}")
        no_pipeline = client.get("/crm/v3/pipelines/deals/99999")
        no_stage = client.get(f"/crm/v3/pipelines/deals/{renewals['id']}/stages/closedwon")
        unknown_type = client.get("/crm/v3/pipelines/unicorns")
    assert one.status_code == stages.status_code == stage.status_code == 200
    assert one.json() == renewals
    spec_validate(one.json(), "pipelines-v3", "Pipeline")
    spec_validate(stages.json(), "pipelines-v3", "CollectionResponsePipelineStageNoPaging")
    spec_validate(stage.json(), "pipelines-v3", "PipelineStage")
    assert stages.json()["results"] == renewals["stages"] and stage.json() == renewals["stages"][2]
    for missing in (no_pipeline, no_stage):
        assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
        spec_validate(missing.json(), "pipelines-v3", "Error")
    assert unknown_type.status_code == 400


def test_ticket_and_lead_pipelines_and_types_without_pipelines(start_sandbox, spec_validate):
    sandbox = start_sandbox("--accounts", "3", "--engagements", "60", "--seed", "3")
    per_account = []
    for index in range(3):
        with sandbox.client(headers=auth(sandbox.token(index))) as client:
            per_account.append({t: client.get(f"/crm/v3/pipelines/{t}").json()
                                for t in ("tickets", "0-136", "contacts", "products")})
    tickets = per_account[0]["tickets"]
    spec_validate(tickets, "pipelines-v3", "CollectionResponsePipelineNoPaging")
    (support,) = tickets["results"]
    assert support["id"] == "0" and [st["id"] for st in support["stages"]] == ["1", "2", "3", "4"]
    assert [st["metadata"]["ticketState"] for st in support["stages"]] == ["OPEN", "OPEN", "OPEN", "CLOSED"]
    # Leads: Sales Hub Professional and Enterprise portals (account-1, -2) have the lead pipeline,
    # the Starter portal (account-3) none.
    assert [len(a["0-136"]["results"]) for a in per_account] == [1, 1, 0]
    assert per_account[0]["0-136"]["results"][0]["id"] == "lead-pipeline-id"
    assert per_account[0]["contacts"] == per_account[0]["products"] == {"results": []}


def test_schemas_list_is_empty_and_standard_types_have_schemas(sandbox, spec_validate):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        listed = client.get("/crm/v3/schemas")
        spec_path = client.get("/crm-object-schemas/v3/schemas", params={"archived": "true"})
        contacts = client.get("/crm/v3/schemas/contacts")
        tickets = client.get("/crm-object-schemas/v3/schemas/0-5", params={"includePropertyDefinitions": "false"})
        unknown = client.get("/crm/v3/schemas/p_unicorns")
        bad_flag = client.get("/crm/v3/schemas", params={"includeAuditMetadata": "maybe"})
        properties = client.get("/crm/v3/properties/contacts").json()["results"]
    assert listed.status_code == 200 and listed.json() == {"results": []}  # no custom objects
    assert spec_path.json() == {"results": []}
    spec_validate(listed.json(), "schemas-v3", "CollectionResponseObjectSchemaNoPaging")
    schema = contacts.json()
    spec_validate(schema, "schemas-v3", "ObjectSchema")
    assert (schema["objectTypeId"], schema["name"], schema["metaType"]) == ("0-1", "CONTACT", "HUBSPOT")
    assert [p["name"] for p in schema["properties"]] == [p["name"] for p in properties]
    assert {"fromObjectTypeId": "0-1", "toObjectTypeId": "0-48", "id": "193", "name": "contact_to_call"} in \
        schema["associations"]
    ticket_schema = tickets.json()
    spec_validate(ticket_schema, "schemas-v3", "ObjectSchema")
    assert ticket_schema["objectTypeId"] == "0-5" and ticket_schema["properties"] == []
    assert unknown.status_code == 404 and unknown.json()["category"] == "OBJECT_NOT_FOUND"
    spec_validate(unknown.json(), "schemas-v3", "Error")
    assert bad_flag.status_code == 400 and bad_flag.json()["category"] == "VALIDATION_ERROR"
