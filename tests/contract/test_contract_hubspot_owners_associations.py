"""Owners (owners_api.get_page), v4 associations batch read (associations.v4.batch_api.get_page)
and property definitions (properties.core_api.get_all) through hubspot-api-client, paged to the end
and validated against owners-v3.json, associations-v4.json and properties-v3.json."""

from __future__ import annotations

import hashlib

import pytest
from contract_support import ASSOCIATION_PAGE_SIZE, CRM_KINDS, OBJECT_KINDS, page_through, sdk_area

# Every pair with a CRM record on one side (engagements are not associated with each other).
CRM_KINDS_SET = set(CRM_KINDS)
TRUTH_PAIRS = [(a, b) for a in OBJECT_KINDS for b in OBJECT_KINDS if a != b and CRM_KINDS_SET & {a, b}]


def test_owners_get_page_reads_every_owner(sandbox, hubspot_client, hubspot_traffic, specs):
    from hubspot.crm.owners import PublicOwner

    owners_api = hubspot_client.crm.owners.owners_api
    owners, pages = page_through(owners_api.get_page, limit=3)
    archived, archived_pages = page_through(owners_api.get_page, limit=3, archived=True)
    expected = sandbox.accounts[0]["hubspot"]["owners"]
    assert pages > 1
    assert all(isinstance(o, PublicOwner) for o in owners + archived)
    assert all(o.archived is False for o in owners) and all(o.archived is True for o in archived)
    assert sorted(o.id for o in owners + archived) == sorted(o["id"] for o in expected)
    assert {o.id: o.email for o in owners + archived} == {o["id"]: o["email"] for o in expected}
    assert all(o.type in ("PERSON", "QUEUE") for o in owners + archived)

    one = owners_api.get_by_id(owner_id=int(owners[0].id))
    assert isinstance(one, PublicOwner) and one.id == owners[0].id and one.email == owners[0].email
    exchanges = specs.assert_valid(hubspot_traffic, minimum=pages + archived_pages + 1)
    assert not [e for e in exchanges if e.redirects], "the SDK's /crm/v3/owners/ must be served without a redirect"


def test_owners_get_page_filters_by_email(sandbox, hubspot_client, hubspot_traffic, specs):
    owner = sandbox.accounts[0]["hubspot"]["owners"][1]
    page = hubspot_client.crm.owners.owners_api.get_page(email=owner["email"])
    assert [o.id for o in page.results] == [owner["id"]]
    specs.assert_valid(hubspot_traffic)


def read_all_associations(batch_api, models, from_type: str, to_type: str, ids: list[str]):
    """Batch-read every id's associations, following each input's own paging.next.after."""
    pairs, pending, requests, missing = [], [models.PublicFetchAssociationsBatchRequest(id=i) for i in ids], 0, set()
    while pending:
        chunk, pending = pending[:1000], pending[1000:]
        response = batch_api.get_page(
            from_object_type=from_type, to_object_type=to_type,
            batch_input_public_fetch_associations_batch_request=models.BatchInputPublicFetchAssociationsBatchRequest(
                inputs=chunk))
        requests += 1
        assert isinstance(response, (models.BatchResponsePublicAssociationMultiWithLabel,
                                     models.BatchResponsePublicAssociationMultiWithLabelWithErrors))
        assert response.status == "COMPLETE"
        for result in response.results:
            assert len(result.to) <= ASSOCIATION_PAGE_SIZE
            for target in result.to:
                assert target.association_types and all(t.category and t.type_id for t in target.association_types)
                pairs.append((int(result._from.id), int(target.to_object_id)))
            if result.paging is not None and result.paging.next is not None:
                pending.append(models.PublicFetchAssociationsBatchRequest(id=result._from.id,
                                                                          after=result.paging.next.after))
        for error in getattr(response, "errors", None) or ():
            missing.update(error.context.get("fromObjectId", []) if error.context else [])
    return pairs, requests, missing


@pytest.mark.parametrize(("from_type", "to_type"), TRUTH_PAIRS, ids=[f"{a}-{b}" for a, b in TRUTH_PAIRS])
def test_associations_v4_batch_read_pages_every_association(from_type, to_type, sandbox, truth, hubspot_client,
                                                            hubspot_traffic, specs):
    expected = truth["hubspot"]["objects"][from_type].get("associations", {}).get(to_type)
    # Every pair here is seeded with associations (the generator links each engagement and CRM type
    # to the CRM types): a pair the sandbox stops serving fails rather than passing unchecked.
    assert expected is not None, f"the sandbox's truth has no {from_type} -> {to_type} associations"
    from hubspot.crm.associations import v4 as models

    ids = [o.id for o in page_through(sdk_area(hubspot_client, from_type).basic_api.get_page, limit=100)[0]]
    pairs, requests, _ = read_all_associations(hubspot_client.crm.associations.v4.batch_api, models,
                                               from_type, to_type, ids)
    assert len(pairs) == len(set(pairs)) == expected["count"]
    text = "".join(f"{a}:{b}\n" for a, b in sorted(pairs))
    assert hashlib.sha256(text.encode()).hexdigest() == expected["checksum"]
    exchanges = specs.assert_valid(hubspot_traffic)
    batch = [e for e in exchanges if e.path.startswith("/crm/v4/")]
    assert len(batch) == requests and {e.status for e in batch} <= {200, 207}
    if expected["count"] > len(ids) * ASSOCIATION_PAGE_SIZE // 2:
        assert requests > 1, "some inputs should need their own paging"


@pytest.mark.parametrize("kind", OBJECT_KINDS)
def test_properties_core_api_get_all(kind, sandbox, hubspot_client, hubspot_traffic, specs):
    from hubspot.crm.properties import CollectionResponsePropertyNoPaging, ModelProperty

    response = hubspot_client.crm.properties.core_api.get_all(object_type=kind)
    assert isinstance(response, CollectionResponsePropertyNoPaging)
    names = {p.name for p in response.results}
    assert all(isinstance(p, ModelProperty) for p in response.results)
    assert {"hs_object_id"} <= names and any(n.startswith("hs_") for n in names)
    specs.assert_valid(hubspot_traffic)


def test_associations_v4_basic_get_page_pages_one_records_associations(sandbox, hubspot_client, hubspot_traffic,
                                                                       specs):
    from hubspot.crm.associations.v4 import MultiAssociatedObjectWithLabel

    companies = hubspot_client.crm.companies.basic_api.get_page(limit=20).results
    basic_api = hubspot_client.crm.associations.v4.basic_api
    counts = {}
    for company in companies:
        linked, pages = page_through(basic_api.get_page, object_type="companies", object_id=company.id,
                                     to_object_type="calls", limit=2)
        assert all(isinstance(a, MultiAssociatedObjectWithLabel) for a in linked)
        counts[company.id] = (len(linked), pages)
    busiest = max(counts.values())
    assert busiest[0] > 2 and busiest[1] > 1, "some company has several pages of calls"
    specs.assert_valid(hubspot_traffic, minimum=len(companies) + 1)


def test_properties_core_api_get_by_name(sandbox, hubspot_client, hubspot_traffic, specs):
    from hubspot.crm.properties import ModelProperty

    prop = hubspot_client.crm.properties.core_api.get_by_name(object_type="calls", property_name="hs_call_duration")
    assert isinstance(prop, ModelProperty) and prop.name == "hs_call_duration" and prop.type == "number"
    specs.assert_valid(hubspot_traffic)
