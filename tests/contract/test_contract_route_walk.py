"""A generic client walks every HubSpot route the sandbox registers, with plain httpx, the way a
new user's first client does: no route answers "Unable to infer object type" or a plain-text 404,
every error body is JSON in HubSpot's shape, and every legacy path's date-based twin (the table of
provider-apis.md A0, `contract_support.LEGACY_OF_DATE_BASED`) is served and returns the same
records. The routes come from `build_app(...).routes`, so routes added later are walked too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from contract_support import DATE_VERSIONS, LEGACY_OF_DATE_BASED

from provider_sandbox.app import build_app
from provider_sandbox.fault_injection import provider_of
from provider_sandbox.generator import build_store
from provider_sandbox.hubspot.objects import OBJECT_KINDS
from provider_sandbox.settings import SandboxSettings

PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")
# Keys that differ between two identical reads (per request ids and times).
VOLATILE = {"correlationId", "requestId", "startedAt", "completedAt", "requestedAt"}


def registered_routes() -> list[tuple[str, tuple[str, ...]]]:
    """(path template, methods) of every HubSpot route of an app built with the default settings."""
    settings = SandboxSettings(accounts=1, engagements_per_account=10, fathom_meetings_per_account=1,
                               aircall_calls_per_account=1)
    app = build_app(settings, build_store(settings))
    routes = []
    for route in app.routes:
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if not path or not methods or path.startswith("/_sandbox") or provider_of(path) != "hubspot":
            continue
        if path.endswith("/authorize"):
            continue  # the consent page is HTML for a browser, as HubSpot's is
        routes.append((path, tuple(sorted(m for m in methods if m != "HEAD"))))
    return routes


ROUTES = registered_routes()


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: dict | None = None
    form: dict | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@pytest.fixture(scope="module")
def record_ids(sandbox) -> dict[str, str]:
    """One live record id per object type that has records (types without any get "1")."""
    ids = {}
    for kind in OBJECT_KINDS:
        response = httpx.get(f"{sandbox.url}/crm/v3/objects/{kind}", params={"limit": 1},
                             headers={"Authorization": f"Bearer {sandbox.token(0)}"})
        results = response.json().get("results") if response.status_code == 200 else None
        ids[kind] = results[0]["id"] if results else "1"
    return ids


def calls_for(template: str, methods: tuple[str, ...], sandbox, record_ids: dict[str, str]) -> list[Call]:
    """Concrete requests for a route template: each known object type (association routes: each
    type with contacts both ways), real record and owner ids, other parameters a plain value."""
    names = PARAM.findall(template)
    kinds = list(OBJECT_KINDS)
    if "from_type" in names or "to_type" in names:
        type_sets = [{"from_type": k, "to_type": "contacts"} for k in kinds if k != "contacts"]
        type_sets += [{"from_type": "contacts", "to_type": k} for k in kinds if k != "contacts"]
    elif "object_type" in names:
        type_sets = [{"object_type": k} for k in kinds]
    else:
        type_sets = [{}]
    owner = sandbox.accounts[0]["hubspot"]["owners"][0]["id"]
    calls = []
    for types in type_sets:
        kind = types.get("object_type") or types.get("from_type") or "calls"
        values = {"object_id": record_ids.get(kind, "1"), "owner_id": owner, "property_name": "hs_object_id",
                  "token": sandbox.token(0), **types}
        path = PARAM.sub(lambda m, values=values: str(values.get(m.group(1), _fallback(m.group(1)))), template)
        for method in methods:
            if path.startswith("/oauth/"):
                calls.append(Call(method, path, form={} if method == "POST" else None))
            elif method == "POST":
                body = {"inputs": [{"id": values["object_id"]}]} if path.endswith("/batch/read") else {}
                calls.append(Call(method, path, json=body))
            else:
                calls.append(Call(method, path))
    return calls


def _fallback(name: str) -> str:
    return "default" if "pipeline" in name else "1"


def send(sandbox, call: Call) -> httpx.Response:
    return httpx.request(call.method, f"{sandbox.url}{call.path}", json=call.json, data=call.form, timeout=30,
                         headers={"Authorization": f"Bearer {sandbox.token(0)}"})


def problems_of(call: Call, response: httpx.Response) -> list[str]:
    found = []
    if "Unable to infer object type" in response.text:
        found.append("answers 'Unable to infer object type'")
    if not response.content:
        if response.status_code not in (200, 204):
            found.append(f"{response.status_code} with an empty body")
        return found
    if "json" not in response.headers.get("content-type", ""):
        found.append(f"{response.status_code} {response.headers.get('content-type')!r} body, not JSON: "
                     f"{response.text[:80]!r}")
        return found
    body = response.json()
    if response.status_code >= 400:
        # Every HubSpot error shape carries these (Error schema, the 429 body, OAuth errors).
        if not isinstance(body, dict) or not body.get("message") or not body.get("correlationId"):
            found.append(f"{response.status_code} error body without message/correlationId: {response.text[:120]}")
        elif not (body.get("category") or body.get("status")):
            found.append(f"{response.status_code} error body without category or status: {response.text[:120]}")
    return found


def test_routes_are_enumerated():
    paths = {path for path, _ in ROUTES}
    assert "/crm/v3/objects/{object_type}" in paths and "/crm/objects/2026-09/{object_type}" in paths
    assert len(ROUTES) > 20


def test_every_hubspot_route_answers_json_in_hubspot_shape(sandbox, record_ids):
    failures = []
    sent = 0
    for template, methods in ROUTES:
        for call in calls_for(template, methods, sandbox, record_ids):
            response = send(sandbox, call)
            sent += 1
            failures.extend(f"{call} -> {problem}" for problem in problems_of(call, response))
    assert sent > len(ROUTES)
    assert not failures, f"{len(failures)} of {sent} requests:\n" + "\n".join(failures[:40])


def date_based_twins(path: str) -> list[str]:
    for legacy, dated in LEGACY_OF_DATE_BASED:
        if path == legacy or path.startswith(legacy + "/"):
            return [dated.format(version=version) + path[len(legacy):] for version in DATE_VERSIONS]
    return []


def test_every_legacy_route_has_its_date_based_twins():
    registered = {(path, method) for path, methods in ROUTES for method in methods}
    legacy = [(path, method) for path, method in sorted(registered) if date_based_twins(path)]
    assert legacy, "no legacy route of the A0 table is registered"
    missing = [f"{method} {twin} (twin of {path})" for path, method in legacy for twin in date_based_twins(path)
               if (twin, method) not in registered]
    assert not missing, "\n".join(missing)


def normalized(value, legacy_prefix: str, dated_prefix: str):
    """A JSON value with volatile keys dropped and the date-based prefix written as the legacy one."""
    if isinstance(value, dict):
        return {k: normalized(v, legacy_prefix, dated_prefix) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [normalized(v, legacy_prefix, dated_prefix) for v in value]
    if isinstance(value, str):
        return value.replace(dated_prefix + "/", legacy_prefix + "/").replace(dated_prefix + "?", legacy_prefix + "?")
    return value


def test_date_based_twins_return_the_same_records(sandbox, record_ids):
    compared, differences = 0, []
    for template, methods in ROUTES:
        if template.startswith("/oauth/") or not date_based_twins(template):
            continue
        for call in calls_for(template, methods, sandbox, record_ids):
            legacy = send(sandbox, call)
            legacy_prefix, dated_template = _prefixes(call.path)
            for version, twin_path in zip(DATE_VERSIONS, date_based_twins(call.path), strict=True):
                dated_prefix = dated_template.format(version=version)
                twin = send(sandbox, Call(call.method, twin_path, call.json, call.form))
                compared += 1
                if twin.status_code != legacy.status_code:
                    differences.append(f"{call} {legacy.status_code} but {twin_path} {twin.status_code}")
                elif legacy.content and "json" in legacy.headers.get("content-type", ""):
                    left = normalized(legacy.json(), legacy_prefix, dated_prefix)
                    right = normalized(twin.json(), legacy_prefix, dated_prefix)
                    if legacy.status_code >= 400:
                        left, right = left.get("category"), right.get("category")
                    if left != right:
                        differences.append(f"{call} and {twin_path} differ")
    assert compared > 0
    assert not differences, f"{len(differences)} of {compared} twins:\n" + "\n".join(differences[:40])


def _prefixes(path: str) -> tuple[str, str]:
    for legacy, dated in LEGACY_OF_DATE_BASED:
        if path == legacy or path.startswith(legacy + "/"):
            return legacy, dated
    raise AssertionError(path)
