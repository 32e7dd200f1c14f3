"""Contract checks for the CRM breadth endpoints: every response validates against HubSpot's own
OpenAPI specs, and the official Python SDK pages through them with its host set to the sandbox.

The sandbox here runs with `--null-properties omit`, the knob for strict schema checks: the specs
type property values (and association labels) as plain strings, while HubSpot sends null.
"""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from tests.reference import hubspot_spec

OBJECT_SPECS = {"contacts": "contacts-v3.json", "companies": "companies-v3.json", "deals": "deals-v3.json",
                "emails": "emails-v3.json", "meetings": "meetings-v3.json", "notes": "notes-v3.json",
                "tasks": "tasks-v3.json", "calls": "calls-v3.json"}
LIST_SCHEMA = "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def validate():
    cache: dict[str, dict] = {}

    def components(spec: str) -> dict:
        if spec not in cache:
            loaded = json.loads(hubspot_spec(spec).read_text())["components"]
            # Spec erratum: StandardError.subCategory is typed as an object, but HubSpot sends a
            # string ("crm.associations.NO_ASSOCIATIONS_FOUND"), as the SDK's models accept.
            if "StandardError" in loaded["schemas"]:
                loaded = copy.deepcopy(loaded)
                loaded["schemas"]["StandardError"]["properties"]["subCategory"] = {"type": ["string", "object"]}
            cache[spec] = loaded
        return cache[spec]

    def check(instance: object, spec: str, schema_name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components(spec)}
        jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(instance)

    return check


@pytest.fixture(scope="module")
def strict(start_sandbox):
    return start_sandbox("--accounts", "1", "--engagements", "400", "--seed", "5", "--null-properties", "omit",
                         "--hubspot-rate-limit", "100000")


@pytest.mark.parametrize("object_type", list(OBJECT_SPECS))
def test_lists_with_every_property_and_association_validate(strict, validate, object_type):
    spec = OBJECT_SPECS[object_type]
    with strict.client(headers=auth(strict.token())) as client:
        names = [p["name"] for p in client.get(f"/crm/v3/properties/{object_type}").json()["results"]]
        if object_type == "emails":
            names = [n for n in names if n not in ("hs_email_text", "hs_email_html")]  # keep pages small
        params = {"limit": 100, "properties": ",".join(names), "associations": "contacts,companies,deals,calls"}
        page = client.get(f"/crm/v3/objects/{object_type}", params=params).json()
        archived = client.get(f"/crm/v3/objects/{object_type}", params={"archived": "true"}).json()
        ids = [r["id"] for r in page["results"]]
        found = client.post(f"/crm/v3/objects/{object_type}/batch/read",
                            json={"inputs": [{"id": i} for i in ids], "properties": names[:5]})
        partly = client.post(f"/crm/v3/objects/{object_type}/batch/read",
                             json={"inputs": [{"id": ids[0]}, {"id": "7"}], "properties": []})
        too_many = client.post(f"/crm/v3/objects/{object_type}/batch/read",
                               json={"inputs": [{"id": str(i)} for i in range(101)], "properties": []})
    assert any("associations" in r for r in page["results"])
    validate(page, spec, LIST_SCHEMA)
    validate(archived, spec, LIST_SCHEMA)
    assert found.status_code == 200 and partly.status_code == 207 and too_many.status_code == 400
    validate(found.json(), spec, "BatchResponseSimplePublicObject")
    validate(partly.json(), spec, "BatchResponseSimplePublicObjectWithErrors")
    validate(too_many.json(), spec, "Error")


def test_association_responses_validate(strict, validate):
    spec = "associations-v4.json"
    with strict.client(headers=auth(strict.token())) as client:
        contacts = client.get("/crm/v3/objects/contacts", params={"limit": 100}).json()["results"]
        ids = [c["id"] for c in contacts]
        all_found = client.post("/crm/v4/associations/contacts/companies/batch/read",
                                json={"inputs": [{"id": ids[0]}]})
        some = client.post("/crm/v4/associations/contacts/emails/batch/read",
                           json={"inputs": [{"id": i} for i in ids] + [{"id": "3"}]})
        one = client.get(f"/crm/v4/objects/contacts/{ids[0]}/associations/companies")
        too_many = client.post("/crm/v4/associations/contacts/emails/batch/read",
                               json={"inputs": [{"id": str(i)} for i in range(1001)]})
    assert all_found.status_code == 200
    validate(all_found.json(), spec, "BatchResponsePublicAssociationMultiWithLabel")
    assert some.status_code == 207
    validate(some.json(), spec, "BatchResponsePublicAssociationMultiWithLabelWithErrors")
    validate(one.json(), spec, "CollectionResponseMultiAssociatedObjectWithLabelForwardPaging")
    validate(too_many.json(), spec, "Error")


def test_owner_and_property_responses_validate(strict, validate):
    with strict.client(headers=auth(strict.token())) as client:
        owners = client.get("/crm/v3/owners", params={"limit": 3}).json()
        archived = client.get("/crm/v3/owners", params={"archived": "true"}).json()
        owner = client.get(f"/crm/v3/owners/{owners['results'][0]['id']}").json()
        anonymous = client.get("/crm/v3/owners", headers={"Authorization": ""}).json()
        validate(owners, "owners-v3.json", "CollectionResponsePublicOwnerForwardPaging")
        validate(archived, "owners-v3.json", "CollectionResponsePublicOwnerForwardPaging")
        validate(owner, "owners-v3.json", "PublicOwner")
        validate(anonymous, "owners-v3.json", "Error")
        for object_type in OBJECT_SPECS:
            validate(client.get(f"/crm/v3/properties/{object_type}").json(), "properties-v3.json",
                     "CollectionResponsePropertyNoPaging")
        validate(client.get("/crm/v3/properties/contacts", params={"archived": "true"}).json(),
                 "properties-v3.json", "CollectionResponsePropertyNoPaging")
        validate(client.get("/crm/v3/properties/deals/dealstage").json(), "properties-v3.json", "Property")
        validate(client.get("/crm/v3/properties/nope").json(), "properties-v3.json", "Error")


# --- the official SDK ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdk(sandbox):
    import hubspot
    client = hubspot.Client.create(access_token=sandbox.token())

    def api(found):
        found.api_client.configuration.host = sandbox.url
        return found

    return client, api


def sdk_page_all(get_page, **kwargs) -> list:
    results, after = [], None
    while True:
        page = get_page(limit=100, after=after, **kwargs)
        results.extend(page.results)
        if page.paging is None:
            return results
        after = page.paging.next.after


def test_sdk_pages_contacts_emails_and_owners(sandbox, sdk):
    client, api = sdk
    truth = sandbox.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]
    contacts = sdk_page_all(api(client.crm.contacts.basic_api).get_page,
                            properties=["email", "firstname", "revsync_lead_score"], associations=["companies"])
    assert len(contacts) == truth["contacts"]["count"]
    assert any(c.associations and c.associations["companies"].results for c in contacts)
    emails = sdk_page_all(api(client.crm.objects.emails.basic_api).get_page,
                          properties=["hs_email_subject", "hs_email_direction"])
    assert len({e.id for e in emails}) == truth["emails"]["count"]
    owners = sdk_page_all(api(client.crm.owners.owners_api).get_page)
    assert {o.id for o in owners} <= {o["id"] for o in sandbox.accounts[0]["hubspot"]["owners"]}
    assert owners and all(o.type == "PERSON" for o in owners)


def test_sdk_reads_associations_properties_and_batches(sandbox, sdk):
    from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
    from hubspot.crm.contacts import BatchReadInputSimplePublicObjectId

    client, api = sdk
    contacts = api(client.crm.contacts.basic_api).get_page(limit=100).results
    ids = [c.id for c in contacts]
    batch = api(client.crm.associations.v4.batch_api).get_page(
        "contacts", "companies",
        batch_input_public_fetch_associations_batch_request=BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[{"id": i} for i in ids]),
    )
    primary = [t for r in batch.results for to in r.to for t in to.association_types if t.label == "Primary"]
    assert primary and all(t.type_id == 1 for t in primary)
    assert len(batch.results) + (batch.num_errors or 0) == len(ids)

    definitions = api(client.crm.properties.core_api).get_all("contacts").results
    assert "revsync_lead_score" in {d.name for d in definitions}

    read = api(client.crm.contacts.batch_api).read(
        BatchReadInputSimplePublicObjectId(inputs=[{"id": i} for i in ids[:10]] + [{"id": "1"}],
                                           properties=["email"], properties_with_history=[]))
    assert [r.id for r in read.results] == ids[:10]
    assert read.num_errors == 1
