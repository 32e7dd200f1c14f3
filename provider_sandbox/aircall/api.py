"""Aircall routes: `GET /v1/calls`, `GET /v1/calls/{id}`, `GET /v1/calls/{id}/transcription`,
`GET /v1/users`, `GET /v1/users/{id}`.

Lists take `page` (from 1), `per_page` (default 20, max 50), `order` (asc|desc by creation
time, default asc) and `from`/`to` (unix seconds, both inclusive, on `started_at` for calls and
`created_at` for users), and answer `{"calls"|"users": [...], "meta": {count, total,
current_page, per_page, next_page_link, previous_page_link}}`.

The 10,000-records-per-query cap: only the first 10,000 records of a query are reachable.
`meta.total` still reports the full match count, so a client can tell it must split the query
into smaller `from`/`to` windows; `next_page_link` is null on the last reachable page; a page
that starts past the cap gets 400 (or, with `aircall_page_cap="empty"`, an empty page).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.aircall.errors import aircall_error, bad_request, not_found
from provider_sandbox.aircall.render import render_call, render_transcription, render_user
from provider_sandbox.faults import claim_duplicate
from provider_sandbox.responses import json_response
from provider_sandbox.state import sandbox_state
from provider_sandbox.stats import ENDPOINT_KEY
from provider_sandbox.store import Account

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 50
QUERY_CAP = 10_000


def routes() -> list[Route]:
    return [
        Route("/v1/calls", list_calls, methods=["GET"]),
        Route("/v1/calls/{call_id:int}", get_call, methods=["GET"]),
        Route("/v1/calls/{call_id:int}/transcription", get_transcription, methods=["GET"]),
        Route("/v1/users", list_users, methods=["GET"]),
        Route("/v1/users/{user_id:int}", get_user, methods=["GET"]),
    ]


@dataclass(frozen=True)
class PageQuery:
    page: int
    per_page: int
    descending: bool
    from_s: int | None
    to_s: int | None


@dataclass(frozen=True)
class PageSlice:
    positions: list[int]  # indexes into the matching range, in response order
    total: int
    has_next: bool


def _admit(request: Request, endpoint: str) -> tuple[Account, dict[str, str]] | Response:
    """Authenticate, then count against the company's rate limit (401s are not counted)."""
    request.scope[ENDPOINT_KEY] = endpoint
    state = sandbox_state(request)
    account = state.aircall_credentials.authenticate(request)
    if isinstance(account, Response):
        return account
    headers, refusal = state.aircall_limits.admit(account.key)
    return refusal if refusal is not None else (account, headers)


def _parse(request: Request, over_max: str) -> PageQuery | str:
    query = request.query_params
    values: dict[str, int | None] = {}
    for name in ("page", "per_page", "from", "to"):
        raw = query.get(name)
        if raw is None or raw == "":
            values[name] = None
            continue
        try:
            values[name] = int(raw)
        except ValueError:
            return f"'{name}' must be an integer, got '{raw}'."
    page = values["page"] or 1
    per_page = values["per_page"] if values["per_page"] is not None else DEFAULT_PER_PAGE
    if page < 1:
        return "'page' must be 1 or more."
    if per_page < 1:
        return "'per_page' must be 1 or more."
    if per_page > MAX_PER_PAGE:
        if over_max == "error":
            return f"'per_page' must be {MAX_PER_PAGE} or less."
        per_page = MAX_PER_PAGE
    order = (query.get("order") or "asc").lower()
    if order not in ("asc", "desc"):
        return "'order' must be 'asc' or 'desc'."
    return PageQuery(page, per_page, order == "desc", values["from"], values["to"])


def _slice(matching: int, q: PageQuery) -> PageSlice | None:
    """Positions (0-based within the matching range) of this page; None when the page starts
    past the 10,000-record cap."""
    offset = (q.page - 1) * q.per_page
    if offset >= QUERY_CAP:
        return None
    reachable = min(matching, QUERY_CAP)
    stop = min(offset + q.per_page, reachable)
    positions = list(range(offset, stop)) if offset < stop else []
    if q.descending:
        positions = [matching - 1 - p for p in positions]
    return PageSlice(positions, matching, stop < reachable)


def _meta(request: Request, q: PageQuery, count: int, page: PageSlice) -> dict:
    def link(number: int) -> str:
        return str(request.url.include_query_params(page=number, per_page=q.per_page))

    return {
        "count": count,
        "total": page.total,
        "current_page": q.page,
        "per_page": q.per_page,
        "next_page_link": link(q.page + 1) if page.has_next else None,
        "previous_page_link": link(q.page - 1) if q.page > 1 else None,
    }


def _time_bounds(times_ms: np.ndarray, q: PageQuery) -> tuple[int, int]:
    """[lo, hi) rows whose time (sorted ascending) lies within from..to seconds, inclusive."""
    lo = 0 if q.from_s is None else int(np.searchsorted(times_ms, q.from_s * 1000, side="left"))
    hi = len(times_ms) if q.to_s is None else int(np.searchsorted(times_ms, (q.to_s + 1) * 1000, side="left"))
    return lo, max(lo, hi)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def list_calls(request: Request) -> Response:
    admitted = _admit(request, "GET /v1/calls")
    if isinstance(admitted, Response):
        return admitted
    account, headers = admitted
    state = sandbox_state(request)
    q = _parse(request, state.settings.aircall_per_page_over_max)
    if isinstance(q, str):
        return bad_request(q, headers)
    table = account.aircall.calls
    lo, hi = _time_bounds(table.created_ms, q)
    page = _slice(hi - lo, q)
    if page is None:
        if state.settings.aircall_page_cap == "error":
            return bad_request(
                f"Pages beyond the first {QUERY_CAP:,} records of a query are not accessible; "
                "narrow the query with 'from' and 'to'.", headers)
        page = PageSlice([], hi - lo, False)
    rows = [lo + p for p in page.positions]
    # Injected fault: the previous page's last record comes again as this page's first.
    if q.page > 1 and rows and claim_duplicate(request.scope):
        previous = (q.page - 1) * q.per_page - 1
        rows.insert(0, lo + (hi - lo - 1 - previous if q.descending else previous))
    base, seed, now_s = _base(request), state.store.seed, state.store.now_ms() // 1000
    calls = [render_call(base, seed, account, row, now_s) for row in rows]
    return json_response({"calls": calls, "meta": _meta(request, q, len(calls), page)}, headers=headers)


async def get_call(request: Request) -> Response:
    admitted = _admit(request, "GET /v1/calls/{id}")
    if isinstance(admitted, Response):
        return admitted
    account, headers = admitted
    table = account.aircall.calls
    call_id = request.path_params["call_id"]
    row = int(np.searchsorted(table.ids, call_id))
    if row >= len(table) or int(table.ids[row]) != call_id:
        return not_found("call", headers)
    state = sandbox_state(request)
    call = render_call(_base(request), state.store.seed, account, row, state.store.now_ms() // 1000)
    return json_response({"call": call}, headers=headers)


async def get_transcription(request: Request) -> Response:
    admitted = _admit(request, "GET /v1/calls/{id}/transcription")
    if isinstance(admitted, Response):
        return admitted
    account, headers = admitted
    if not account.aircall.ai_addon:
        return aircall_error(403, "Forbidden", "Call transcriptions need the AI add-on on this company.", headers)
    table = account.aircall.calls
    call_id = request.path_params["call_id"]
    row = int(np.searchsorted(table.ids, call_id))
    if row >= len(table) or int(table.ids[row]) != call_id:
        return not_found("call", headers)
    state = sandbox_state(request)
    transcription = render_transcription(state.store.seed, account, row, state.store.now_ms() // 1000)
    if transcription is None:
        return aircall_error(404, "Not found", "This call has no transcription: it has no recording or voicemail, "
                             "or has not ended yet.", headers)
    return json_response({"transcription": transcription}, headers=headers)


async def list_users(request: Request) -> Response:
    admitted = _admit(request, "GET /v1/users")
    if isinstance(admitted, Response):
        return admitted
    account, headers = admitted
    q = _parse(request, sandbox_state(request).settings.aircall_per_page_over_max)
    if isinstance(q, str):
        return bad_request(q, headers)
    company = account.aircall
    users = sorted(company.users, key=lambda u: (u.created_ms, u.id))
    lo, hi = _time_bounds(np.array([u.created_ms for u in users], dtype=np.int64), q)
    page = _slice(hi - lo, q) or PageSlice([], hi - lo, False)
    base = _base(request)
    body = [render_user(base, company, users[lo + p]) for p in page.positions]
    return json_response({"users": body, "meta": _meta(request, q, len(body), page)}, headers=headers)


async def get_user(request: Request) -> Response:
    admitted = _admit(request, "GET /v1/users/{id}")
    if isinstance(admitted, Response):
        return admitted
    account, headers = admitted
    company = account.aircall
    user = next((u for u in company.users if u.id == request.path_params["user_id"]), None)
    if user is None:
        return not_found("user", headers)
    return json_response({"user": render_user(_base(request), company, user)}, headers=headers)
