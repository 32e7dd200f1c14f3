"""HubSpot's date-based API beside the legacy paths, and the switches that turn legacy paths off.

HubSpot moved its REST APIs to date-based versions (provider-apis.md A0): the version is a path
segment `YYYY-MM` and the shapes are the v3/v4 ones, so every date-based endpoint here is the
legacy handler under another path. `with_date_based_twins(routes, settings)` derives them from
`DATE_BASED_PREFIXES`, for every route any module registers, so a legacy route added later gets
its twins without further code:

    /crm/v3/objects/{object_type}/search  ->  /crm/objects/2026-09/{object_type}/search
                                              /crm/objects/2026-03/{object_type}/search

A twin request runs the legacy handler with the same data, limits and faults. What differs:

- stats label it with the date-based path (`GET /crm/objects/2026-09/calls`): the handler's label
  is translated through `scope[stats.VERSION_KEY]` (see stats.py);
- links in its JSON body that point at the legacy prefix of this sandbox (`paging.next.link`
  built from the request URL already does; inline association links do not) are rewritten to the
  date-based prefix the client used.

Legacy switches (`SandboxSettings.hubspot_legacy_off`): each group in `LEGACY_GROUPS` names a set
of legacy paths HubSpot's timeline removes; a switched-off legacy route answers as HubSpot
answers a removed endpoint (404, HubSpot's JSON error body) while its date-based twin still works.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from provider_sandbox.fault_injection import provider_of
from provider_sandbox.hubspot.errors import hubspot_error
from provider_sandbox.stats import VERSION_KEY

# Served date-based versions, newest first: 2026-09 is current, 2026-03 is still served (A0).
DATE_VERSIONS = ("2026-09", "2026-03")

# legacy prefix -> date-based prefix ({version} is the date segment). A legacy route's path is
# either the prefix itself or starts with it followed by "/".
DATE_BASED_PREFIXES: tuple[tuple[str, str], ...] = (
    ("/crm/v3/objects", "/crm/objects/{version}"),
    ("/crm/v4/associations", "/crm/associations/{version}"),
    ("/crm/v3/owners", "/crm/owners/{version}"),
    ("/crm/v3/properties", "/crm/properties/{version}"),
    ("/crm/v3/pipelines", "/crm/pipelines/{version}"),
    ("/crm/v3/schemas", "/crm-object-schemas/{version}/schemas"),
    ("/oauth/v3", "/oauth/{version}"),
)

# Legacy path groups the switches turn off, each with the dates of HubSpot's timeline (A0).
_VERSIONED = re.compile(r"^/(?:[a-z-]+/){1,2}v[1-4](?:/|$)")
LEGACY_GROUPS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "oauth-v1": ("OAuth v1 (/oauth/v1/*), removed February 16, 2027",
                 lambda path: path.startswith("/oauth/v1/")),
    "engagements-v1": ("the v1 engagements API (/engagements/v1/*), no date-based equivalent",
                       lambda path: path.startswith("/engagements/v1/")),
    "v1-v4": ("every v1-v4 path (/crm/v3/*, /crm/v4/*, /oauth/v1/*, /oauth/v3/*, /properties/v2/*, "
              "/engagements/v1/*, ...), unsupported from September 2027 (v4 from March 30, 2027)",
              lambda path: _VERSIONED.match(path) is not None),
}


def legacy_group_names() -> tuple[str, ...]:
    return tuple(LEGACY_GROUPS)


def is_switched_off(path: str, groups: Iterable[str]) -> bool:
    """Whether a HubSpot path (a route template or a request path) is in a switched-off group.
    Fathom's /external/v1 and Aircall's /v1 are other providers' paths: never."""
    if provider_of(path) != "hubspot":
        return False
    return any(LEGACY_GROUPS[group][1](path) for group in groups)


def date_based_paths(path: str) -> list[tuple[str, str, str]]:
    """(date-based path, legacy prefix, date-based prefix) for each served version of a legacy
    route path; [] when the path has no date-based twin."""
    for legacy, template in DATE_BASED_PREFIXES:
        if path == legacy or path.startswith(legacy + "/"):
            twins = []
            for version in DATE_VERSIONS:
                dated = template.format(version=version)
                twins.append((dated + path[len(legacy):], legacy, dated))
            return twins
    return []


def with_date_based_twins(routes: list[BaseRoute], legacy_off: Iterable[str] = ()) -> list[BaseRoute]:
    """The routes, with each legacy route in a switched-off group replaced by HubSpot's removed
    endpoint answer, followed by the date-based twins of every legacy route."""
    off = tuple(legacy_off)
    served: list[BaseRoute] = []
    twins: list[BaseRoute] = []
    for route in routes:
        if not isinstance(route, Route):
            served.append(route)
            continue
        for dated_path, legacy, dated in date_based_paths(route.path):
            twins.append(_twin(route, dated_path, legacy, dated))
        if off and is_switched_off(route.path, off):
            served.append(Route(route.path, removed_endpoint, methods=sorted(route.methods or ()),
                                name=route.name, include_in_schema=False))
        else:
            served.append(route)
    return served + twins


def removed_endpoint_response(method: str, path: str) -> Response:
    """HubSpot's answer to a removed endpoint or an unknown path: 404 with its JSON error body
    (the sunset notices say removed endpoints "return a 404 error response")."""
    return hubspot_error(404, "OBJECT_NOT_FOUND", f"No endpoint {method} {path} is available. "
                         "Check the path and the API version; legacy versions are removed on "
                         "HubSpot's published timeline.")


async def removed_endpoint(request: Request) -> Response:
    return removed_endpoint_response(request.method, request.url.path)


def _twin(route: Route, path: str, legacy: str, dated: str) -> Route:
    endpoint = route.endpoint
    methods = sorted(route.methods or ())
    if inspect.isfunction(endpoint) or inspect.ismethod(endpoint):
        handler = _function_twin(endpoint, legacy, dated)
        return Route(path, handler, methods=methods, name=f"{route.name}@{dated}",
                     include_in_schema=route.include_in_schema)
    # A class endpoint or a raw ASGI app: label the request, leave the body alone.
    return Route(path, _ASGITwin(route.app, legacy, dated), methods=methods,
                 name=f"{route.name}@{dated}", include_in_schema=route.include_in_schema)


def _function_twin(endpoint: Callable, legacy: str, dated: str) -> Callable:
    legacy_bytes, dated_bytes = legacy.encode(), dated.encode()

    async def twin(request: Request) -> Response:
        request.scope[VERSION_KEY] = (legacy, dated)
        response = endpoint(request)
        if inspect.isawaitable(response):
            response = await response
        body = getattr(response, "body", None)
        if body and "json" in (response.headers.get("content-type") or ""):
            origin = str(request.base_url).rstrip("/").encode()
            rewritten = body.replace(origin + legacy_bytes + b"/", origin + dated_bytes + b"/")
            rewritten = rewritten.replace(origin + legacy_bytes + b"?", origin + dated_bytes + b"?")
            if rewritten != body:
                response.body = rewritten
                response.headers["content-length"] = str(len(rewritten))
        return response

    twin.__name__ = getattr(endpoint, "__name__", "twin")
    return twin


class _ASGITwin:
    """An ASGI app (not a function, so Starlette does not wrap it as a request handler)."""

    def __init__(self, app: ASGIApp, legacy: str, dated: str) -> None:
        self.app, self.legacy, self.dated = app, legacy, dated

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[VERSION_KEY] = (self.legacy, self.dated)
        await self.app(scope, receive, send)
