"""HubSpot's read endpoints, on the date-based API (provider-apis.md A0) with the version a setting.

Everything the source reads goes through `HubSpotApi`: paths per API version, paging, the 10,000
result search cap, association batch reads of 1,000 ids, and the legacy v1 engagements API
(which has no date-based twin) with `LegacyUnavailable` when HubSpot no longer answers it.

Rate budgets (provider-apis.md A3): one rolling window for everything but search (110 per 10 s
for OAuth apps; the response headers correct it), and search's own 5 per second.
"""

from __future__ import annotations

import email.utils
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from dlt_sources.http import ApiClient, ApiError, RateBudget, RetryPolicy, SourceError, TokenSource

DEFAULT_API_VERSION = "2026-09"
LIST_PAGE = 100  # max for object lists
SEARCH_PAGE = 200  # max for search
BATCH_READ_IDS = 100
ASSOCIATION_BATCH_IDS = 1_000  # v4/date-based association batch reads since 2025-02-10
V1_PAGED_MAX = 250
V1_MODIFIED_MAX = 1_000
DEFAULT_BURST = (110, 10.0)  # public (OAuth) apps: 110 per 10 s per installing account
DEFAULT_SEARCH = (5, 1.0)


class LegacyUnavailable(Exception):
    """HubSpot no longer answers a legacy path (403/404/410): use the date-based one."""


@dataclass(frozen=True)
class ApiPaths:
    """Paths of one API version: a date (`2026-09`) or the legacy `v3` (objects v3, associations v4)."""

    version: str = DEFAULT_API_VERSION

    @property
    def legacy(self) -> bool:
        return self.version == "v3"

    def objects(self, object_type: str) -> str:
        return f"/crm/v3/objects/{object_type}" if self.legacy else f"/crm/objects/{self.version}/{object_type}"

    def associations_batch(self, from_type: str, to_type: str) -> str:
        if self.legacy:
            return f"/crm/v4/associations/{from_type}/{to_type}/batch/read"
        return f"/crm/associations/{self.version}/{from_type}/{to_type}/batch/read"

    def owners(self) -> str:
        return "/crm/v3/owners" if self.legacy else f"/crm/owners/{self.version}"

    def properties(self, object_type: str) -> str:
        return f"/crm/v3/properties/{object_type}" if self.legacy else f"/crm/properties/{self.version}/{object_type}"

    def pipelines(self, object_type: str) -> str:
        return f"/crm/v3/pipelines/{object_type}" if self.legacy else f"/crm/pipelines/{self.version}/{object_type}"


class HubSpotApi:
    """One portal's API for one sync. Thread-safe: resources call it from several threads."""

    def __init__(self, api_base: str, credentials: TokenSource, *, version: str = DEFAULT_API_VERSION,
                 burst: tuple[int, float] = DEFAULT_BURST, search: tuple[int, float] = DEFAULT_SEARCH,
                 policy: RetryPolicy | None = None, http: httpx.Client | None = None):
        self.paths = ApiPaths(version)
        self.burst = RateBudget("hubspot", *burst)
        self.search_budget = RateBudget("hubspot-search", *search, margin_seconds=0.15)
        self.server_now_ms: int | None = None  # from the first response's Date header
        self._now_lock = threading.Lock()
        self.client = ApiClient(api_base, credentials, self._budget_for, policy=policy,
                                on_headers=self._read_headers, http=http)

    def close(self) -> None:
        self.client.close()

    @property
    def stats(self):
        return self.client.stats

    def _budget_for(self, path: str) -> RateBudget:
        return self.search_budget if path.endswith("/search") else self.burst

    def _read_headers(self, path: str, headers: httpx.Headers) -> None:
        if self.server_now_ms is None and "date" in headers:
            with self._now_lock:
                if self.server_now_ms is None:
                    parsed = email.utils.parsedate_to_datetime(headers["date"])
                    self.server_now_ms = int(parsed.timestamp() * 1000)
        limit = headers.get("X-HubSpot-RateLimit-Max")
        interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        remaining = headers.get("X-HubSpot-RateLimit-Remaining")
        if limit and limit.isdigit():
            self.burst.adapt(int(limit), int(interval) / 1000 if interval and interval.isdigit() else None,
                             int(remaining) if remaining and remaining.isdigit() else None)

    # --- CRM objects -------------------------------------------------------------------------

    def list_pages(self, object_type: str, properties: Sequence[str], associations: Sequence[str] = (),
                   archived: bool = False, after: str | None = None) -> Iterator[tuple[list[dict], str | None]]:
        """Pages of `GET objects/{type}` (100 a call, associations inline) with the cursor after each."""
        params: dict[str, Any] = {"limit": LIST_PAGE, "properties": ",".join(properties),
                                  "archived": "true" if archived else "false"}
        if associations:
            params["associations"] = ",".join(associations)
        path = self.paths.objects(object_type)
        while True:
            if after:
                params["after"] = after
            body = self.client.get(path, params)
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            yield body.get("results") or [], after
            if not after:
                return

    def search_pages(self, object_type: str, filters: list[dict], properties: Sequence[str],
                     descending: bool = False) -> Iterator[list[dict]]:
        """Every record matching `filters` (one AND group), in id order (highest first when
        `descending`), past the 10,000 cap.

        Each page is its own query for ids beyond the last one seen (keyset paging), never an
        offset: a record archived while we page cannot shift a later one out of reach, and
        HubSpot's 10,000-result cap per query never applies.
        """
        path = f"{self.paths.objects(object_type)}/search"
        last_id: int | None = None
        while True:
            group = list(filters)
            if last_id is not None:
                group.append({"propertyName": "hs_object_id", "operator": "LT" if descending else "GT",
                              "value": str(last_id)})
            body = self.client.post(path, {
                "filterGroups": [{"filters": group}] if group else [],
                "sorts": [{"propertyName": "hs_object_id", "direction": "DESCENDING" if descending else "ASCENDING"}],
                "properties": list(properties), "limit": SEARCH_PAGE,
            }, label=f"POST {path}")
            results = body.get("results") or []
            if results:
                ids = [int(r["id"]) for r in results if isinstance(r, dict) and str(r.get("id", "")).isdigit()]
                if not ids:
                    raise SourceError(f"{self.client.who}: {path} answered a page of {len(results)} records "
                                      f"without one readable id, so the search cannot go on past it")
                last_id = min(ids) if descending else max(ids)
                yield results
            if len(results) < SEARCH_PAGE or not (body.get("paging") or {}).get("next"):
                return

    def live_total(self, object_type: str) -> int:
        """How many live records of a type the portal holds: one search call (archived ones are
        never found), whatever the portal's size."""
        path = f"{self.paths.objects(object_type)}/search"
        body = self.client.post(path, {"filterGroups": [], "properties": ["hs_object_id"], "limit": 1},
                                label=f"POST {path}")
        total = body.get("total")
        if not isinstance(total, int):
            raise SourceError(f"{self.client.who}: {path} answered without a numeric total")
        return total

    def batch_read(self, object_type: str, ids: Sequence[str], properties: Sequence[str]) -> list[dict]:
        path = f"{self.paths.objects(object_type)}/batch/read"
        out: list[dict] = []
        for start in range(0, len(ids), BATCH_READ_IDS):
            chunk = ids[start:start + BATCH_READ_IDS]
            body = self.client.post(path, {"inputs": [{"id": i} for i in chunk], "properties": list(properties)})
            out.extend(body.get("results") or [])
        return out

    def associations(self, from_type: str, to_type: str, ids: Sequence[str]) -> dict[str, list[str]]:
        """`{from id: [to ids]}` for every given id (absent ids have none), 1,000 ids a call."""
        path = self.paths.associations_batch(from_type, to_type)
        found: dict[str, set[str]] = {i: set() for i in ids}
        pending = [{"id": i} for i in ids]
        while pending:
            chunk, pending = pending[:ASSOCIATION_BATCH_IDS], pending[ASSOCIATION_BATCH_IDS:]
            body = self.client.post(path, {"inputs": chunk})
            for error in body.get("errors") or []:
                # A 207 lists ids without links as NO_ASSOCIATIONS_FOUND: those have none. Any other
                # per-id error must not pass for "no links", which would erase stored ones.
                if error.get("subCategory") != "crm.associations.NO_ASSOCIATIONS_FOUND":
                    raise SourceError(f"{self.client.who}: {path} could not read some associations: "
                                      f"{error.get('category')}: {error.get('message')}")
            for result in body.get("results") or []:
                from_id = str(result["from"]["id"])
                found.setdefault(from_id, set()).update(str(t["toObjectId"]) for t in result.get("to") or [])
                nxt = ((result.get("paging") or {}).get("next") or {}).get("after")
                if nxt:
                    pending.append({"id": from_id, "after": nxt})
        return {i: sorted(v, key=int) for i, v in found.items()}

    # --- portal metadata -----------------------------------------------------------------------

    def owners(self, archived: bool) -> Iterator[dict]:
        params: dict[str, Any] = {"limit": 100, "archived": "true" if archived else "false"}
        while True:
            body = self.client.get(self.paths.owners(), params)
            yield from body.get("results") or []
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            params["after"] = after

    def pipelines(self, object_type: str) -> list[dict]:
        return self.client.get(self.paths.pipelines(object_type)).get("results") or []

    def property_definition(self, object_type: str, name: str) -> dict:
        return self.client.get(f"{self.paths.properties(object_type)}/{name}")

    # --- legacy v1 engagements (no date-based twin; unsupported from September 2027) ----------

    def _v1(self, path: str, params: dict[str, Any]) -> dict:
        try:
            return self.client.get(path, params)
        except ApiError as exc:
            if exc.status in (403, 404, 410) and exc.category != "MISSING_SCOPES":
                raise LegacyUnavailable(f"{path} answered {exc.status}") from exc
            raise

    def v1_paged(self, offset: int | None = None) -> Iterator[list[dict]]:
        params: dict[str, Any] = {"limit": V1_PAGED_MAX}
        while True:
            if offset is not None:
                params["offset"] = offset
            body = self._v1("/engagements/v1/engagements/paged", params)
            yield body.get("results") or []
            if not body.get("hasMore"):
                return
            offset = body.get("offset")

    def v1_modified_after(self, since_ms: int) -> Iterator[list[dict]]:
        params: dict[str, Any] = {"limit": V1_MODIFIED_MAX, "since": since_ms}
        while True:
            body = self._v1("/engagements/v1/engagements/modified/after", params)
            yield body.get("results") or []
            if not body.get("hasMore") or not body.get("after"):
                return
            params["since"] = body["after"]
