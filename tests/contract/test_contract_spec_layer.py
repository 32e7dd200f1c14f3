"""The validation layer itself: it sees the SDK's real traffic, routes each path to the right spec
operation, passes a real sandbox response and catches each kind of violation in a tampered copy,
so a green contract suite means the responses were really checked."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest
from contract_support import HubSpotSpecs
from urllib3 import HTTPHeaderDict


@pytest.fixture
def recorded(hubspot_client, hubspot_traffic, specs):
    """One real list response of calls, as the SDK received it."""
    hubspot_client.crm.objects.calls.basic_api.get_page(limit=3, properties=["hs_call_title"],
                                                        associations=["contacts"])
    [exchange] = specs.assert_valid(hubspot_traffic)
    return exchange


def tampered(exchange, edit):
    body = json.loads(exchange.body)
    edit(body)
    return replace(exchange, body=json.dumps(body).encode())


def problem_lines(specs: HubSpotSpecs, exchange) -> list[str]:
    return [f"{p.path}: {p.message}" for p in specs.problems(exchange)]


def test_the_recorder_sees_the_real_request_and_response(recorded, sandbox):
    assert recorded.url == f"{sandbox.url}/crm/v3/objects/calls"
    assert ("limit", "3") in recorded.query and ("associations", "contacts") in recorded.query
    assert recorded.status == 200 and recorded.headers["content-type"].startswith("application/json")
    assert "X-HubSpot-RateLimit-Max" in recorded.headers
    assert len(json.loads(recorded.body)["results"]) == 3


@pytest.mark.parametrize(("path", "stem", "spec_path"), [
    ("/crm/v3/objects/calls", "calls-v3", "/crm/v3/objects/calls"),
    ("/crm/v3/objects/0-48/search", "calls-v3", "/crm/v3/objects/calls/search"),
    ("/crm/v3/objects/deals/batch/read", "deals-v3", "/crm/v3/objects/0-3/batch/read"),
    ("/crm/v3/owners/", "owners-v3", "/crm/v3/owners"),
    ("/crm/v4/associations/calls/contacts/batch/read", "associations-v4",
     "/crm/v4/associations/calls/contacts/batch/read"),
    ("/oauth/v1/token", "oauth-v1", "/oauth/v1/token"),
])
def test_paths_route_to_their_spec_operation(specs, path, stem, spec_path):
    assert specs.route(path) == (stem, spec_path)


def test_a_path_no_spec_describes_is_a_failure(specs, recorded):
    assert problem_lines(specs, replace(recorded, path="/crm/v3/objects/tickets")) == [
        f"<request>: no spec in {specs.folder} describes GET /crm/v3/objects/tickets"]


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda b: b["results"][0].pop("id"), "results/0: 'id' is a required property"),
    (lambda b: b["results"][0]["properties"].update(hs_call_title=None), "results/0/properties/hs_call_title: "),
    (lambda b: b["results"][0]["properties"].update(hs_call_title=42), "results/0/properties/hs_call_title: 42 is "),
    (lambda b: b["results"][0].update(createdAt="yesterday"), "results/0/createdAt: 'yesterday' is not a 'date-time'"),
    (lambda b: b["results"][0].update(archived="false"), "results/0/archived: 'false' is not of type 'boolean'"),
    (lambda b: b["paging"]["next"].pop("after"), "paging/next: 'after' is a required property"),
    (lambda b: b.pop("results"), "<body>: 'results' is a required property"),
])
def test_a_tampered_list_response_fails_with_its_path(specs, recorded, edit, expected):
    lines = problem_lines(specs, tampered(recorded, edit))
    assert any(line.startswith(expected) for line in lines), lines


def test_error_bodies_are_decoded_and_checked_against_the_error_schema(specs, recorded):
    error = replace(recorded, status=400, body=json.dumps({
        "status": "error", "message": "bad", "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf",
        "category": "VALIDATION_ERROR"}).encode())
    assert specs.problems(error) == []
    without_category = tampered(error, lambda b: b.pop("category"))
    assert problem_lines(specs, without_category) == ["<body>: 'category' is a required property"]
    bad_uuid = tampered(error, lambda b: b.update(correlationId="nope"))
    assert problem_lines(specs, bad_uuid) == ["correlationId: 'nope' is not a 'uuid'"]
    text = replace(error, body=b"Not Found", headers=HTTPHeaderDict({"content-type": "text/plain"}))
    assert problem_lines(specs, text) == ["<headers>: Content-Type 'text/plain' is not JSON"]


def test_assert_valid_names_the_response_the_operation_and_the_error(specs, recorded):
    broken = tampered(recorded, lambda b: b["results"][1].pop("updatedAt"))
    with pytest.raises(AssertionError) as failure:
        specs.assert_valid([copy.copy(recorded), broken])
    message = str(failure.value)
    assert "1 of 2 HubSpot responses violate" in message
    assert "GET /crm/v3/objects/calls?limit=3" in message
    assert "against calls-v3.json GET /crm/v3/objects/calls" in message
    assert "results/1: 'updatedAt' is a required property" in message
