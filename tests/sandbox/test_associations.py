"""Associations: the list endpoint's `associations` parameter, the v4 batch read and the per-record
endpoints all agree with the ground truth counts and checksums, and page like HubSpot's."""

from __future__ import annotations

import hashlib

import pytest

# (from, to) -> (Primary typeId, unlabeled typeId) for the pairs with a Primary company label.
PRIMARY_TYPES = {("contacts", "companies"): (1, 279), ("companies", "contacts"): (2, 280),
                 ("deals", "companies"): (5, 341)}


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def pair_checksum(pairs: set[tuple[int, int]]) -> str:
    return hashlib.sha256("".join(f"{a}:{b}\n" for a, b in sorted(pairs)).encode()).hexdigest()


def expected(sandbox, from_type: str, to_type: str, account: int = 0) -> dict:
    key = sandbox.accounts[account]["key"]
    return sandbox.admin("truth")["accounts"][key]["hubspot"]["objects"][from_type]["associations"][to_type]


def inline_pairs(records: list[dict], to_type: str) -> set[tuple[int, int]]:
    return {(int(r["id"]), int(a["id"])) for r in records
            for a in r.get("associations", {}).get(to_type, {}).get("results", [])}


def v4_pairs(client, token: str, from_type: str, to_type: str, ids: list[str]) -> tuple[set, int, list[dict]]:
    """Every association of `ids` through the v4 batch read, following per-input cursors.
    Returns (pairs, requests made, every `to` entry seen)."""
    pairs: set[tuple[int, int]] = set()
    entries: list[dict] = []
    pending = [{"id": i} for i in ids]
    requests = 0
    while pending:
        response = client.post(f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
                               json={"inputs": pending[:1000]}, headers=auth(token))
        requests += 1
        assert response.status_code in (200, 207), response.text
        body = response.json()
        assert body["status"] == "COMPLETE"
        pending = pending[1000:]
        for error in body.get("errors", []):
            assert error["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"
        assert body.get("numErrors", 0) == len(body.get("errors", []))
        for result in body["results"]:
            for to in result["to"]:
                pairs.add((int(result["from"]["id"]), int(to["toObjectId"])))
                entries.append(to)
            if "paging" in result:
                pending.append({"id": result["from"]["id"], "after": result["paging"]["next"]["after"]})
    return pairs, requests, entries


@pytest.mark.parametrize(
    ("from_type", "to_type"),
    [("calls", "contacts"), ("emails", "companies"), ("meetings", "deals"), ("contacts", "companies"),
     ("deals", "contacts"), ("companies", "notes")],
)
def test_list_associations_parameter_matches_truth(sandbox, read_all, from_type, to_type):
    with sandbox.client() as client:
        records = read_all(client, sandbox.token(), from_type, associations=to_type)
    pairs = inline_pairs(records, to_type)
    truth = expected(sandbox, from_type, to_type)
    assert len(pairs) == truth["count"] > 0
    assert pair_checksum(pairs) == truth["checksum"]


def test_list_association_shape_and_primary_company_labels(sandbox):
    with sandbox.client() as client:
        page = client.get("/crm/v3/objects/contacts", params={"limit": 100, "associations": "companies,deals,bogus"},
                          headers=auth(sandbox.token())).json()
        calls = client.get("/crm/v3/objects/calls", params={"limit": 100, "associations": "0-1"},
                           headers=auth(sandbox.token())).json()
    with_company = [r for r in page["results"] if "companies" in r.get("associations", {})]
    assert with_company
    for record in with_company:
        links = record["associations"]["companies"]["results"]
        types = [a["type"] for a in links]
        # HubSpot lists the primary company twice, labelled Primary and unlabeled; further
        # companies once, unlabeled.
        assert types.count("contact_to_company") == 1
        assert set(types) == {"contact_to_company", "contact_to_company_unlabeled"}
        primary = next(a["id"] for a in links if a["type"] == "contact_to_company")
        assert len(types) == len({a["id"] for a in links}) + 1
        assert {"id": primary, "type": "contact_to_company_unlabeled"} in links
        assert set(record["associations"]) <= {"companies", "deals"}  # unknown types are ignored
    linked = [r for r in calls["results"] if "associations" in r]
    assert linked and all(
        {a["type"] for a in r["associations"]["contacts"]["results"]} == {"call_to_contact"} for r in linked
    )


@pytest.mark.parametrize(
    ("from_type", "to_type"),
    [("calls", "contacts"), ("emails", "deals"), ("tasks", "companies"), ("contacts", "companies"),
     ("companies", "contacts"), ("deals", "companies")],
)
def test_v4_batch_read_matches_truth(sandbox, read_all, from_type, to_type):
    token = sandbox.token(1)
    with sandbox.client() as client:
        ids = [r["id"] for r in read_all(client, token, from_type)]
        pairs, _, entries = v4_pairs(client, token, from_type, to_type, ids)
    truth = expected(sandbox, from_type, to_type, account=1)
    assert len(pairs) == truth["count"] > 0
    assert pair_checksum(pairs) == truth["checksum"]
    for entry in entries:
        types = entry["associationTypes"]
        assert all(t["category"] == "HUBSPOT_DEFINED" for t in types)
        primary_ids = PRIMARY_TYPES.get((from_type, to_type))
        if primary_ids:  # the Primary company carries both types, further companies only the plain one
            plain = {"category": "HUBSPOT_DEFINED", "typeId": primary_ids[1], "label": None}
            assert types in ([{"category": "HUBSPOT_DEFINED", "typeId": primary_ids[0], "label": "Primary"}, plain],
                             [plain])
        else:
            assert len(types) == 1 and types[0]["label"] is None


def test_v4_batch_read_known_type_ids(sandbox):
    token = sandbox.token()
    with sandbox.client() as client:
        call_ids = [c["id"] for c in client.get("/crm/v3/objects/calls", params={"limit": 50},
                                                headers=auth(token)).json()["results"]]
        body = client.post("/crm/v4/associations/calls/0-1/batch/read",
                           json={"inputs": [{"id": i} for i in call_ids]}, headers=auth(token)).json()
    type_ids = {t["typeId"] for r in body["results"] for to in r["to"] for t in to["associationTypes"]}
    assert type_ids == {194}  # call_to_contact


def test_v4_batch_read_limits_and_unknown_ids(sandbox):
    token = sandbox.token()
    with sandbox.client() as client:
        too_many = client.post("/crm/v4/associations/calls/contacts/batch/read",
                               json={"inputs": [{"id": str(i)} for i in range(1001)]}, headers=auth(token))
        at_limit = client.post("/crm/v4/associations/calls/contacts/batch/read",
                               json={"inputs": [{"id": str(i)} for i in range(1000)]}, headers=auth(token))
        mixed_ids = [client.get("/crm/v3/objects/calls", params={"limit": 1},
                                headers=auth(token)).json()["results"][0]["id"], "42"]
        mixed = client.post("/crm/v4/associations/calls/contacts/batch/read",
                            json={"inputs": [{"id": i} for i in mixed_ids]}, headers=auth(token))
        bad_type = client.post("/crm/v4/associations/calls/unicorns/batch/read",
                               json={"inputs": [{"id": "1"}]}, headers=auth(token))
        not_json = client.post("/crm/v4/associations/calls/contacts/batch/read", content=b"{",
                               headers=auth(token))
    assert too_many.status_code == 400 and too_many.json()["category"] == "VALIDATION_ERROR"
    assert at_limit.status_code == 207 and at_limit.json()["numErrors"] == 1000
    assert mixed.status_code == 207
    body = mixed.json()
    assert [r["from"]["id"] for r in body["results"]] == mixed_ids[:1]
    assert body["numErrors"] == 1
    error = body["errors"][0]
    assert error["category"] == "OBJECT_NOT_FOUND"
    assert error["context"]["fromObjectId"] == ["42"]
    assert error["message"] == "No contact is associated with call 42."
    assert bad_type.status_code == 400 and not_json.status_code == 400


@pytest.fixture(scope="module")
def crowded(start_sandbox):
    """Three companies share every engagement, so each has hundreds of associations."""
    return start_sandbox("--accounts", "1", "--engagements", "2000", "--companies", "3", "--seed", "11",
                         "--association-page-size", "40", "--hubspot-rate-limit", "100000")


def test_v4_batch_read_pages_each_input(crowded, read_all):
    token = crowded.token()
    with crowded.client() as client:
        ids = [c["id"] for c in read_all(client, token, "companies")]
        pairs, requests, _ = v4_pairs(client, token, "companies", "calls", ids)
    truth = expected(crowded, "companies", "calls")
    assert len(pairs) == truth["count"] > 3 * 40
    assert pair_checksum(pairs) == truth["checksum"]
    assert requests > truth["count"] // (len(ids) * 40)  # cursors were followed


def test_v3_inline_associations_stop_at_100_with_a_working_link(crowded, read_all):
    token = crowded.token()
    with crowded.client(headers=auth(token)) as client:
        companies = read_all(client, token, "companies", associations="emails")
        pairs = inline_pairs(companies, "emails")
        truncated = [c for c in companies if "paging" in c["associations"]["emails"]]
        assert truncated
        for company in truncated:
            block = company["associations"]["emails"]
            assert len(block["results"]) == 100
            link = block["paging"]["next"]["link"]
            while link:  # what dlt's hubspot source does: follow the link to the per-record endpoint
                page = client.get(link).json()
                pairs |= {(int(company["id"]), int(a["id"])) for a in page["results"]}
                assert all(a["type"] == "company_to_email" for a in page["results"])
                link = page.get("paging", {}).get("next", {}).get("link")
    truth = expected(crowded, "companies", "emails")
    assert len(pairs) == truth["count"]
    assert pair_checksum(pairs) == truth["checksum"]


def test_v4_per_record_endpoint_pages(crowded):
    token = crowded.token()
    with crowded.client(headers=auth(token)) as client:
        company = client.get("/crm/v3/objects/companies", params={"limit": 1}).json()["results"][0]["id"]
        seen, after = [], None
        while True:
            params = {"limit": 100, **({"after": after} if after else {})}
            page = client.get(f"/crm/v4/objects/companies/{company}/associations/contacts", params=params).json()
            seen += [int(r["toObjectId"]) for r in page["results"]]
            if "paging" not in page:
                break
            after = page["paging"]["next"]["after"]
        batch = client.post("/crm/v4/associations/companies/contacts/batch/read",
                            json={"inputs": [{"id": company}]}).json()
    assert seen == sorted(seen) and len(seen) > 100
    first_page = [int(t["toObjectId"]) for t in batch["results"][0]["to"]]
    assert first_page == seen[:40]


@pytest.mark.parametrize("from_type", ["contacts", "deals"])
def test_at_most_one_primary_company_and_further_ones_unlabelled(sandbox, read_all, from_type):
    with sandbox.client() as client:
        ids = [r["id"] for r in read_all(client, sandbox.token(), from_type)]
        primaries_per_record, several = [], 0
        for start in range(0, len(ids), 1000):
            body = {"inputs": [{"id": i} for i in ids[start:start + 1000]]}
            answer = client.post(f"/crm/v4/associations/{from_type}/companies/batch/read", json=body,
                                 headers={"Authorization": f"Bearer {sandbox.token()}"}).json()
            for result in answer["results"]:
                labels = [[t.get("label") for t in to["associationTypes"]] for to in result["to"]]
                primaries_per_record.append(sum("Primary" in kinds for kinds in labels))
                if len(labels) > 1:
                    several += 1
                    # Every company but the primary is linked without a label.
                    assert sum(kinds == [None] for kinds in labels) == len(labels) - 1
    assert max(primaries_per_record) == 1
    assert several > 0  # some records do have a second company
