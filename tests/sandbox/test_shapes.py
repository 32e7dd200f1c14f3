"""Early contract checks: HubSpot's own OpenAPI schema and official Python SDK accept our answers.

The full contract suite (every object type, search, OAuth, Fathom) comes later; this keeps the
first endpoint honest from day one.
"""

from __future__ import annotations


def test_list_page_and_errors_match_hubspot_openapi(sandbox, schema_validator):
    headers = {"Authorization": f"Bearer {sandbox.token()}"}
    with sandbox.client() as client:
        page = client.get("/crm/v3/objects/calls", params={"limit": 100}, headers=headers)
        archived = client.get("/crm/v3/objects/calls", params={"archived": "true"}, headers=headers)
        too_big = client.get("/crm/v3/objects/calls", params={"limit": 101}, headers=headers)
        anonymous = client.get("/crm/v3/objects/calls")
    schema_validator(page.json(), "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging")
    schema_validator(archived.json(), "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging")
    schema_validator(too_big.json(), "Error")
    schema_validator(anonymous.json(), "Error")


def test_official_sdk_pages_through_calls(sandbox):
    import hubspot
    client = hubspot.Client.create(access_token=sandbox.token())
    api = client.crm.objects.calls.basic_api
    api.api_client.configuration.host = sandbox.url
    seen: list[str] = []
    after = None
    while True:
        page = api.get_page(limit=100, after=after, properties=["hs_call_duration", "hs_call_title"])
        seen.extend(call.id for call in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    expected = sandbox.admin("truth")["accounts"]["account-1"]["hubspot"]["objects"]["calls"]["count"]
    assert len(seen) == len(set(seen)) == expected
