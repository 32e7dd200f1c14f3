"""Fathom meetings and recordings (provider-apis.md B1):

- `GET /external/v1/meetings`: newest first, 10 per page (`limit` in the body), `cursor` ->
  `next_cursor` (null on the last page); filters `created_after`/`created_before` (exclusive),
  `recorded_by[]` (case-insensitive), `teams[]`, `calendar_invitees_domains[]`,
  `calendar_invitees_domains_type`, `meeting_type`; `include_transcript|summary|action_items|
  highlights|crm_matches`. Without their flag, `transcript`, `default_summary` and
  `action_items` are absent, `highlights` and `crm_matches` null.
- A transcript is ready `fathom_transcript_delay_seconds` after the meeting's `created_at` (sandbox
  clock); before that the list's `transcript` is null and the recording's transcript is `[]`.
- `GET /external/v1/recordings/{id}/transcript` -> `{"transcript": [...]}` and `/summary` ->
  `{"summary": {...} | null}`; with `destination_url` the body is POSTed there instead and the
  answer is `{"destination_url": ...}`.

The cursor names the next recording id; new meetings only ever get larger ids, so a client
paging backwards through history never sees a shift.
"""

from __future__ import annotations

import base64
import binascii

import numpy as np
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.fathom.auth import FathomCaller, authenticate_and_admit, fathom_error
from provider_sandbox.fathom.delivery import post_json
from provider_sandbox.fathom.render import Includes, MeetingView, prospect_domain, render_meeting, summary, transcript
from provider_sandbox.fathom.text import MEETING_TYPES
from provider_sandbox.responses import json_response
from provider_sandbox.state import SandboxState, sandbox_state
from provider_sandbox.store import Account
from provider_sandbox.timefmt import parse_iso_to_ms
from provider_sandbox.vocabulary import PROSPECT_COMPANIES

PAGE_SIZE = 10  # Fathom has no page-size parameter (B1)
DOMAINS_TYPES = ("all", "only_internal", "one_or_more_external")


def routes() -> list[Route]:
    return [
        Route("/external/v1/meetings", list_meetings, methods=["GET"]),
        Route("/external/v1/recordings/{recording_id}/transcript", recording_transcript, methods=["GET"]),
        Route("/external/v1/recordings/{recording_id}/summary", recording_summary, methods=["GET"]),
    ]


class BadRequest(ValueError):
    pass


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise BadRequest(f"{name} must be true or false, got '{raw}'")


def _list(request: Request, name: str) -> list[str]:
    # The SDK sends `recorded_by[]=a&recorded_by[]=b`; accept the bare name too.
    values = request.query_params.getlist(f"{name}[]") + request.query_params.getlist(name)
    return [v.strip() for v in values if v.strip()]


def _time(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return parse_iso_to_ms(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 timestamp such as 2025-01-01T00:00:00Z") from None


def encode_cursor(recording_id: int) -> str:
    return base64.urlsafe_b64encode(f"recording:{recording_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix == "recording" and value.isdigit():
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):  # ValueError: non-ASCII input
        pass
    raise BadRequest("cursor is not a next_cursor value from a previous page")


def matching_rows(request: Request, account: Account) -> np.ndarray:
    """Row indexes (ascending) of the meetings the query's filters select."""
    table = account.fathom.meetings
    columns = table.columns
    mask = np.ones(len(table), dtype=bool)
    if (after := _time(request, "created_after")) is not None:
        mask &= table.created_ms > after
    if (before := _time(request, "created_before")) is not None:
        mask &= table.created_ms < before
    users = account.fathom.users
    if recorded_by := {email.lower() for email in _list(request, "recorded_by")}:
        mask &= np.isin(columns["recorder"], [u.rep_index for u in users if u.email.lower() in recorded_by])
    if teams := set(_list(request, "teams")):
        mask &= np.isin(columns["recorder"], [u.rep_index for u in users if u.team in teams])
    external = columns["has_calendar"] & (columns["external_guests"] > 0)
    domains_type = request.query_params.get("calendar_invitees_domains_type", "all")
    if domains_type not in DOMAINS_TYPES:
        raise BadRequest(f"calendar_invitees_domains_type must be one of {', '.join(DOMAINS_TYPES)}")
    if domains_type == "only_internal":
        mask &= ~external
    elif domains_type == "one_or_more_external":
        mask &= external
    if domains := {d.lower() for d in _list(request, "calendar_invitees_domains")}:
        wanted = [i for i in range(len(PROSPECT_COMPANIES)) if prospect_domain(i) in domains]
        hit = external & np.isin(columns["prospect"], wanted)
        if account.domain in domains:
            hit |= columns["has_calendar"]  # the account's reps are invited to every calendar meeting
        mask &= hit
    if meeting_type := request.query_params.get("meeting_type"):
        # An unknown name is not an error: it matches nothing (SDK docs).
        code = MEETING_TYPES.index(meeting_type) if meeting_type in MEETING_TYPES else -2
        mask &= columns["meeting_type"] == code
    return np.flatnonzero(mask)


def _includes(request: Request, caller: FathomCaller, oauth_includes: str) -> Includes:
    include = Includes(
        transcript=_flag(request, "include_transcript"),
        summary=_flag(request, "include_summary"),
        action_items=_flag(request, "include_action_items"),
        highlights=_flag(request, "include_highlights"),
        crm_matches=_flag(request, "include_crm_matches"),
    )
    if caller.via == "oauth" and (include.transcript or include.summary):
        # "Unavailable for OAuth connected apps (use /recordings instead)" (SDK docs).
        if oauth_includes == "error":
            raise BadRequest("include_transcript and include_summary are unavailable for OAuth connected apps; "
                             "use /recordings/{id}/transcript and /recordings/{id}/summary instead")
        include = Includes(False, False, include.action_items, include.highlights, include.crm_matches)
    return include


async def list_meetings(request: Request) -> Response:
    state = sandbox_state(request)
    admitted = authenticate_and_admit(request, state.fathom, state.store)
    if isinstance(admitted, Response):
        return admitted
    caller, headers = admitted
    account = caller.account
    try:
        include = _includes(request, caller, state.settings.fathom_oauth_includes)
        rows = matching_rows(request, account)
        cursor = request.query_params.get("cursor")
        if cursor:
            rows = rows[account.fathom.meetings.ids[rows] <= decode_cursor(cursor)]
    except BadRequest as error:
        return fathom_error(400, str(error), headers)
    newest_first = rows[::-1][: PAGE_SIZE + 1]
    page = newest_first[:PAGE_SIZE]
    next_cursor = None
    if len(newest_first) > PAGE_SIZE:
        next_cursor = encode_cursor(int(account.fathom.meetings.ids[newest_first[PAGE_SIZE]]))
    items = [render_meeting(state.store.seed, account, int(row), include, transcript_ready(state, account, int(row)))
             for row in page]
    return json_response({"limit": PAGE_SIZE, "next_cursor": next_cursor, "items": items}, headers=headers)


def transcript_ready(state: SandboxState, account: Account, row: int) -> bool:
    delay_ms = state.settings.fathom_transcript_delay_seconds * 1000
    return state.store.now_ms() >= int(account.fathom.meetings.created_ms[row]) + delay_ms


def find_row(account: Account, raw_id: str) -> int | None:
    ids = account.fathom.meetings.ids
    if not raw_id.isdigit():
        return None
    position = int(np.searchsorted(ids, int(raw_id)))
    return position if position < len(ids) and int(ids[position]) == int(raw_id) else None


async def _recording(request: Request, part: str) -> Response:
    state = sandbox_state(request)
    admitted = authenticate_and_admit(request, state.fathom, state.store)
    if isinstance(admitted, Response):
        return admitted
    caller, headers = admitted
    row = find_row(caller.account, request.path_params["recording_id"])
    if row is None:
        return fathom_error(404, "Recording not found", headers)
    view = MeetingView(state.store.seed, caller.account, row)
    if part == "transcript":
        body = {"transcript": transcript(view) if transcript_ready(state, caller.account, row) else []}
    else:
        body = {"summary": summary(view)}
    destination = request.query_params.get("destination_url")
    if destination:
        if not destination.startswith(("http://", "https://")):
            return fathom_error(400, "destination_url must be an http(s) URL", headers)
        response = json_response({"destination_url": destination}, headers=headers)
        response.background = BackgroundTask(post_json, destination, body)
        return response
    return json_response(body, headers=headers)


async def recording_transcript(request: Request) -> Response:
    return await _recording(request, "transcript")


async def recording_summary(request: Request) -> Response:
    return await _recording(request, "summary")
