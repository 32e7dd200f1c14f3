"""Support for the contract tests: recorded SDK traffic, HubSpot's OpenAPI specs, paging helpers.

Every HubSpot response an SDK receives is recorded from the SDK's own urllib3 pool manager (real
traffic, nothing mocked) and validated against HubSpot's published OpenAPI specs in
`../shared/reference/hubspot-openapi/` with openapi-core. A test validates its traffic explicitly
(`specs.assert_valid(traffic)`); whatever it leaves unchecked is validated when the client fixture
is torn down, so no HubSpot response escapes the schema check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse
from urllib3 import HTTPHeaderDict

from provider_sandbox.launcher import SandboxProcess

SPEC_HOST = "https://api.hubapi.com"  # every spec's `servers` entry

# Small but multi-page data. Limits high enough that paging never meets a 429 (the error tests
# start their own sandboxes with tiny limits). `--null-properties omit`: the specs type property
# values as plain strings (not nullable), so requested properties without a value are left out
# rather than sent as null (README, "What it serves today"). A small association page size makes
# the v4 batch read page per input as it does past 500 associations at HubSpot.
ASSOCIATION_PAGE_SIZE = 3
MAIN_FLAGS = (
    "--accounts", "2", "--engagements", "1500", "--seed", "7", "--anchor", "2026-11-01T00:00:00Z",
    "--hubspot-rate-limit", "100000", "--search-rate-limit", "100000", "--search-index-delay-ms", "0",
    "--null-properties", "omit", "--association-page-size", str(ASSOCIATION_PAGE_SIZE),
    "--fathom-meetings", "45", "--fathom-rate-limit", "100000",
)

ENGAGEMENT_KINDS = ("calls", "emails", "meetings", "notes", "tasks")
CRM_KINDS = ("contacts", "companies", "deals")
OBJECT_KINDS = ENGAGEMENT_KINDS + CRM_KINDS
TYPE_IDS = {"0-48": "calls", "0-49": "emails", "0-47": "meetings", "0-46": "notes", "0-27": "tasks",
            "0-1": "contacts", "0-2": "companies", "0-3": "deals"}
# The deals spec names its paths by type id (/crm/v3/objects/0-3/...), the others by name.
SPEC_SEGMENT = {"deals": "0-3"}

# HubSpot's date-based API (provider-apis.md A0): the specs in hubspot-openapi/2026-09/.
DATE_VERSION = "2026-09"
DATE_VERSIONS = ("2026-09", "2026-03")
DATE_PATH = re.compile(r"^/(?P<area>crm/objects|crm/associations|crm/owners|crm/properties|crm/pipelines|"
                       r"crm-object-schemas|oauth)/(?P<version>\d{4}-\d{2})(?:/|$)")
# The date-based prefixes of the legacy ones (provider-apis.md A0's table).
LEGACY_OF_DATE_BASED = (
    ("/crm/v3/objects", "/crm/objects/{version}"), ("/crm/v4/associations", "/crm/associations/{version}"),
    ("/crm/v3/owners", "/crm/owners/{version}"), ("/crm/v3/properties", "/crm/properties/{version}"),
    ("/crm/v3/pipelines", "/crm/pipelines/{version}"), ("/crm/v3/schemas", "/crm-object-schemas/{version}/schemas"),
    ("/oauth/v3", "/oauth/{version}"),
)
DATE_AREAS = {"crm/associations": "associations", "crm/owners": "owners", "crm/properties": "properties",
              "crm/pipelines": "pipelines", "crm-object-schemas": "schemas"}


# ---------------------------------------------------------------------------------------------
# Traffic: what the SDK really sent and received


@dataclass
class Exchange:
    method: str
    url: str  # scheme://host/path, no query
    path: str
    query: list[tuple[str, str]]
    request_body: bytes
    request_content_type: str
    status: int
    headers: HTTPHeaderDict  # case-insensitive
    body: bytes
    redirects: list[str] = field(default_factory=list)

    def json(self):
        return json.loads(self.body)

    def __str__(self) -> str:
        query = f"?{urlencode(self.query)}" if self.query else ""
        return f"{self.method} {self.path}{query} -> {self.status}"


class Traffic:
    """Records every request/response pair of the HubSpot SDK clients it is attached to."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.checked = 0  # exchanges[:checked] have been validated

    def attach(self, rest_client) -> None:
        pool = rest_client.pool_manager
        send = pool.request

        def request(method, url, body=None, fields=None, headers=None, **kwargs):
            response = send(method, url, body=body, fields=fields, headers=headers, **kwargs)
            split = urlsplit(url)
            query = parse_qsl(split.query, keep_blank_values=True)
            request_body = body.encode() if isinstance(body, str) else (body or b"")
            if fields:
                if method.upper() in pool._encode_url_methods:
                    query += [(str(k), str(v)) for k, v in fields]
                else:  # the OAuth token form
                    request_body = urlencode(list(fields)).encode()
            preloaded = kwargs.get("preload_content", True)
            history = getattr(response.retries, "history", ()) if response.retries else ()
            self.exchanges.append(Exchange(
                method=method.upper(), url=f"{split.scheme}://{split.netloc}{split.path}", path=split.path,
                query=query, request_body=request_body,
                request_content_type=(headers or {}).get("Content-Type", ""),
                status=response.status, headers=HTTPHeaderDict(response.headers),
                body=response.data if preloaded else b"",
                redirects=[step.redirect_location for step in history if step.redirect_location],
            ))
            return response

        pool.request = request

    def api_factory(self, api_client_package, api_name, config):
        """hubspot-api-client's `api_factory` hook: the SDK's default factory, then record."""
        from hubspot.discovery.discovery_base import DiscoveryBase

        api = DiscoveryBase._default_api_factory(api_client_package, api_name, config)
        self.attach(api.api_client.rest_client)
        return api

    def unchecked(self) -> list[Exchange]:
        return self.exchanges[self.checked:]


# ---------------------------------------------------------------------------------------------
# HubSpot's OpenAPI specs


@dataclass(frozen=True)
class Problem:
    """One schema error: where in the body (JSON pointer style) and what is wrong."""

    path: str
    message: str
    detail: tuple[str, ...] = ()  # oneOf/anyOf: why each branch failed

    def __str__(self) -> str:
        return "\n".join([f"{self.path}: {self.message}", *(f"    {line}" for line in self.detail)])


@dataclass(frozen=True)
class Deviation:
    """A documented difference between HubSpot's spec and what HubSpot really sends, which the
    sandbox reproduces on purpose. Tolerated only where all of spec, status, path and message match."""

    spec: str
    status: int
    path: str  # regular expression, full match
    message: str  # regular expression, search
    reason: str

    def covers(self, stem: str, exchange: Exchange, problem: Problem) -> bool:
        return (stem == self.spec and exchange.status == self.status and re.fullmatch(self.path, problem.path)
                is not None and re.search(self.message, problem.message) is not None)


# Every entry here is reported in the pytest summary whenever it was needed (conftest.py).
KNOWN_DEVIATIONS: tuple[Deviation, ...] = tuple(
    Deviation(stem, 207, r"errors/\d+/subCategory", r"is not of type 'object'",
              "StandardError.subCategory is typed `object` in HubSpot's specs, but HubSpot sends a string "
              "such as \"crm.associations.NO_ASSOCIATIONS_FOUND\" (observed 207 bodies); the sandbox sends the "
              "string")
    for stem in ("associations-v4", *(f"{kind}-v3" for kind in OBJECT_KINDS), f"{DATE_VERSION}/associations",
                 *(f"{DATE_VERSION}/{kind}" for kind in OBJECT_KINDS))
)


UNDECLARED_IN_DATE_SPEC = Deviation(
    f"{DATE_VERSION}/*", 0, ".*", ".*",
    "HubSpot's 2026-09 specs leave out responses their predecessors declare with the same schemas (a batch "
    "read's 207 in the object and association specs; the token endpoint's 200 in oauth.json, which "
    "oauth-2026-03.json declares): such responses were validated against that predecessor's operation")


def legacy_path(path: str) -> str:
    """The legacy path of a date-based one (/crm/objects/2026-09/calls -> /crm/v3/objects/calls)."""
    match = DATE_PATH.match(path)
    if match is None:
        return path
    version = match.group("version")
    for legacy, dated in LEGACY_OF_DATE_BASED:
        prefix = dated.format(version=version)
        if path == prefix or path.startswith(prefix + "/"):
            return legacy + path[len(prefix):]
    return path


def schema_problems(error: BaseException) -> list[Problem]:
    """The schema errors under an openapi-core exception, or the exception itself."""
    problems: list[Problem] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for schema_error in getattr(current, "schema_errors", None) or ():
            problems.append(Problem(_pointer(schema_error), getattr(schema_error, "message", str(schema_error)),
                                    tuple(_context_lines(schema_error))))
        current = current.__cause__ or current.__context__
    return problems or [Problem("<response>", f"{type(error).__name__}: {error}")]


def _pointer(error) -> str:
    return "/".join(str(part) for part in getattr(error, "absolute_path", ())) or "<body>"


def _context_lines(error, depth: int = 0) -> list[str]:
    lines = []
    for sub in getattr(error, "context", None) or ():
        lines.append(f"{'    ' * depth}{_pointer(sub)}: {sub.message}")
        lines.extend(_context_lines(sub, depth + 1))
    return lines


class HubSpotSpecs:
    """HubSpot's OpenAPI documents, and which one (and which spec path) answers a request path."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # HubSpot's `default` (Error) responses declare the media type `*/*`, which openapi-core
        # leaves undecoded (so any body would "fail" as bytes); decode it as the JSON HubSpot sends.
        config = Config(extra_media_type_deserializers={"*/*": lambda value, **_: json.loads(value)})
        # Legacy specs by file stem ("calls-v3"), date-based ones by folder and stem ("2026-09/calls").
        files = {path.relative_to(folder).with_suffix("").as_posix(): path
                 for path in sorted([*folder.glob("*.json"), *folder.glob(f"{DATE_VERSION}/*.json")])}
        self.apis = {stem: OpenAPI.from_file_path(str(path), config=config) for stem, path in files.items()}
        self.documents = {stem: json.loads(path.read_text()) for stem, path in files.items()}
        self.tolerated: dict[Deviation, list[str]] = {}  # deviation -> "METHOD path -> status" seen

    def route(self, path: str) -> tuple[str, str] | None:
        """(spec file stem, path as that spec writes it) for a request path, None if no spec has it."""
        dated = self.route_date_based(path)
        if dated is not None:
            return dated
        parts = path.rstrip("/").split("/")
        if path.startswith("/crm/v3/objects/") and len(parts) > 4:
            kind = TYPE_IDS.get(parts[4], parts[4])
            if f"{kind}-v3" in self.apis:
                parts[4] = SPEC_SEGMENT.get(kind, kind)
                return f"{kind}-v3", "/".join(parts)
            return None
        for prefix, stem in (("/crm/v3/owners", "owners-v3"), ("/crm/v4/associations/", "associations-v4"),
                             ("/crm/v4/objects/", "associations-v4"), ("/crm/v3/properties/", "properties-v3"),
                             ("/crm/v3/pipelines/", "pipelines-v3"), ("/crm/v3/schemas", "schemas-v3"),
                             ("/oauth/v1/", "oauth-v1")):
            if path.startswith(prefix):
                return stem, "/".join(parts)
        return None

    def route_date_based(self, path: str) -> tuple[str, str] | None:
        """A date-based path's spec: the 2026-09 files (OAuth also 2026-03). The 2026-03 CRM paths
        are checked against the 2026-09 documents with the version segment swapped: HubSpot serves
        both with the v3/v4 schemas (provider-apis.md A0), and only 2026-09 CRM specs are published."""
        match = DATE_PATH.match(path)
        if match is None:
            return None
        area, version = match.group("area"), match.group("version")
        spec_path = path.rstrip("/") or path
        if area == "oauth":
            stem = f"{DATE_VERSION}/oauth" if version == DATE_VERSION else f"{DATE_VERSION}/oauth-{version}"
            return (stem, spec_path) if stem in self.apis else None
        spec_path = spec_path.replace(f"/{version}", f"/{DATE_VERSION}", 1)
        if area == "crm/objects":
            parts = spec_path.split("/")
            if len(parts) < 5:
                return None
            if len(parts) >= 7 and parts[6] == "associations":
                return f"{DATE_VERSION}/associations", spec_path
            kind = TYPE_IDS.get(parts[4], parts[4])
            stem = f"{DATE_VERSION}/{kind}"
            return (stem, spec_path) if stem in self.apis else None
        stem = f"{DATE_VERSION}/{DATE_AREAS[area]}"
        return (stem, spec_path) if stem in self.apis else None

    def operation(self, exchange: Exchange) -> str:
        routed = self.route(exchange.path)
        return f"{routed[0]}.json {exchange.method} {routed[1]}" if routed else "(no spec)"

    def problems(self, exchange: Exchange) -> list[Problem]:
        """Every schema error of one recorded response against its spec operation ([] when valid)."""
        routed = self.route(exchange.path)
        if routed is None:
            return [Problem("<request>", f"no spec in {self.folder} describes {exchange.method} {exchange.path}")]
        stem, spec_path = routed
        if stem.startswith(f"{DATE_VERSION}/") and self.operation_of(stem, spec_path, exchange.method) is not None \
                and str(exchange.status) not in self.operation_of(stem, spec_path, exchange.method)["responses"]:
            # The 2026-09 specs leave out some statuses the v3/v4 ones declare (a batch read's 207):
            # the shapes are the same (provider-apis.md A0), so such a response is checked against
            # the legacy operation that declares it, and the summary says so.
            for other in (self.route(legacy_path(exchange.path)),
                          self.route(exchange.path.replace(f"/{DATE_VERSION}", "/2026-03", 1))):
                operation = other and other[0] != stem and self.operation_of(other[0], other[1], exchange.method)
                if operation and str(exchange.status) in operation["responses"]:
                    self.tolerated.setdefault(UNDECLARED_IN_DATE_SPEC, []).append(str(exchange))
                    stem, spec_path = other
                    break
        content_type = exchange.headers.get("content-type", "")
        if exchange.body and "json" not in content_type:
            return [Problem("<headers>", f"Content-Type {content_type!r} is not JSON")]
        request = MockRequest(SPEC_HOST, exchange.method, spec_path, args=exchange.query,
                              data=exchange.request_body, content_type=exchange.request_content_type)
        response = MockResponse(exchange.body, status_code=exchange.status, headers=dict(exchange.headers),
                                content_type=content_type)
        if not exchange.body and self.declares_no_content(stem, spec_path, exchange):
            # openapi-core reads `"content": {}` (HubSpot's 204s) as "data required" (MissingData).
            return []
        try:
            self.apis[stem].validate_response(request, response)
        except OpenAPIError as error:
            return schema_problems(error)
        return []

    def operation_of(self, stem: str, spec_path: str, method: str) -> dict | None:
        """The spec's operation object for a concrete path, None if the spec has no such operation."""
        for template, item in self.documents[stem]["paths"].items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            if re.fullmatch(pattern, spec_path) and method.lower() in item:
                return item[method.lower()]
        return None

    def declares_no_content(self, stem: str, spec_path: str, exchange: Exchange) -> bool:
        """Whether the operation declares this status with no media types at all."""
        for template, item in self.documents[stem]["paths"].items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            if re.fullmatch(pattern, spec_path) and exchange.method.lower() in item:
                declared = item[exchange.method.lower()]["responses"].get(str(exchange.status))
                return declared is not None and not declared.get("content")
        return False

    def unexpected(self, exchange: Exchange) -> list[Problem]:
        """The problems no KNOWN_DEVIATIONS entry covers (tolerated ones are remembered for the summary)."""
        routed = self.route(exchange.path)
        left = []
        for problem in self.problems(exchange):
            deviation = next((d for d in KNOWN_DEVIATIONS if routed and d.covers(routed[0], exchange, problem)), None)
            if deviation is None:
                left.append(problem)
            elif str(exchange) not in self.tolerated.setdefault(deviation, []):
                self.tolerated[deviation].append(str(exchange))
        return left

    def assert_valid(self, traffic: Traffic | list[Exchange], minimum: int = 1) -> list[Exchange]:
        """Validate the traffic not yet checked; fail listing each bad response and its errors."""
        exchanges = traffic.unchecked() if isinstance(traffic, Traffic) else list(traffic)
        if isinstance(traffic, Traffic):
            traffic.checked = len(traffic.exchanges)
        assert len(exchanges) >= minimum, f"expected at least {minimum} HubSpot responses, saw {len(exchanges)}"
        failures = []
        for exchange in exchanges:
            problems = self.unexpected(exchange)
            if problems:
                shown = "\n".join(f"      {line}" for problem in problems[:12] for line in str(problem).splitlines())
                more = f"\n      ... {len(problems) - 12} more" if len(problems) > 12 else ""
                failures.append(f"  {exchange}\n    against {self.operation(exchange)}:\n{shown}{more}")
        assert not failures, (f"{len(failures)} of {len(exchanges)} HubSpot responses violate HubSpot's "
                              f"OpenAPI specs:\n" + "\n".join(failures))
        return exchanges


SPECS: HubSpotSpecs | None = None  # the session's instance, for the terminal summary


# ---------------------------------------------------------------------------------------------
# Sandboxes and SDK clients


def hubspot_sdk(sandbox: SandboxProcess, traffic: Traffic, access_token: str | None = None):
    """The official HubSpot client with every API's Configuration.host set to the sandbox."""
    import hubspot

    return hubspot.HubSpot(access_token=access_token, host=sandbox.url, api_factory=traffic.api_factory)


def exchange_of(response: httpx.Response) -> Exchange:
    """A plain httpx exchange in the shape the spec validator reads."""
    request = response.request
    return Exchange(
        method=request.method, url=f"{request.url.scheme}://{request.url.netloc.decode()}{request.url.path}",
        path=request.url.path, query=parse_qsl(request.url.query.decode(), keep_blank_values=True),
        request_body=request.content, request_content_type=request.headers.get("content-type", ""),
        status=response.status_code, headers=HTTPHeaderDict(response.headers.multi_items()),
        body=response.content,
    )


def page_through(fetch: Callable, **kwargs) -> tuple[list, int]:
    """Call an SDK list method until `paging.next` is gone: (all results, pages)."""
    results, pages, after = [], 0, None
    while True:
        page = fetch(**kwargs, **({"after": after} if after is not None else {}))
        pages += 1
        results.extend(page.results)
        if page.paging is None or page.paging.next is None:
            return results, pages
        assert page.paging.next.after != after, "paging.next.after did not move"
        after = page.paging.next.after


def sdk_area(client, kind: str):
    """The SDK discovery object of a kind: client.crm.objects.calls or client.crm.contacts."""
    return getattr(client.crm.objects, kind) if kind in ENGAGEMENT_KINDS else getattr(client.crm, kind)


def sdk_models(kind: str):
    return import_module(f"hubspot.crm.objects.{kind}" if kind in ENGAGEMENT_KINDS else f"hubspot.crm.{kind}")
