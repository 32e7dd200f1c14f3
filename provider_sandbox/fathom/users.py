"""Fathom's users endpoint (added July 2026; fathom-python `list_users`, models `User`,
`UserListResponse`, `UserPermissions`):

- `GET /external/v1/users?cursor&team&status&settings_access` -> `{"limit", "next_cursor", "items"}`,
  10 a page, `next_cursor` null on the last page. Items: `{name, email, created_at, status,
  permissions: {settings_access: {level, teams}, view_access: {level, teams}}}`; invited users have
  no `permissions`. Filters: `team` (team name), `status` (`active|deactivated|invited`),
  `settings_access` (`none|team_admin|account_admin`); `invited` with `settings_access` is a 400.
- Restricted to account admins: a caller whose settings access is not `account_admin` gets 403.
  The sandbox's key and OAuth grants belong to user 0, the workspace's account admin.

Every sandbox user is active. A team member may administer their team (`team_admin`); view
access is the whole account for user 0, the user's team for others, their own meetings for users
on no team.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.fathom.auth import authenticate_and_admit, fathom_error
from provider_sandbox.fathom.meetings import BadRequest, decode_cursor, encode_cursor
from provider_sandbox.fathom.render import iso_s
from provider_sandbox.fathom.text import TEAMS
from provider_sandbox.responses import json_response
from provider_sandbox.seeding import derive_int
from provider_sandbox.state import sandbox_state
from provider_sandbox.store import Account, FathomUser

PAGE_SIZE = 10
STATUSES = ("active", "deactivated", "invited")
SETTINGS_ACCESS = ("none", "team_admin", "account_admin")
DAY_S = 86_400


def routes() -> list[Route]:
    return [Route("/external/v1/users", list_users, methods=["GET"])]


def render_user(seed: int, account: Account, user: FathomUser) -> dict:
    every_team = [team for team in TEAMS if team is not None]
    if user.rep_index == 0:
        settings, view = {"level": "account_admin", "teams": every_team}, {"level": "all_teams", "teams": every_team}
    else:
        admin = user.team is not None and derive_int(seed, account.key, "fathom-team-admin", user.rep_index) % 4 == 0
        settings = {"level": "team_admin", "teams": [user.team]} if admin else {"level": "none", "teams": []}
        view = {"level": "team", "teams": [user.team]} if user.team else {"level": "own_meetings", "teams": []}
    # Joined before the history the sandbox generates (up to two years before the anchor).
    joined_days = 400 + derive_int(seed, account.key, "fathom-user-joined", user.rep_index) % 400
    return {
        "name": user.name,
        "email": user.email,
        "created_at": iso_s(account.fathom.meetings.created_ms[0] // 1000 - joined_days * DAY_S
                            if len(account.fathom.meetings) else 1_700_000_000 - joined_days * DAY_S),
        "status": "active",
        "permissions": {"settings_access": settings, "view_access": view},
    }


async def list_users(request: Request) -> Response:
    state = sandbox_state(request)
    admitted = authenticate_and_admit(request, state.fathom, state.store)
    if isinstance(admitted, Response):
        return admitted
    caller, headers = admitted
    account = caller.account
    params = request.query_params
    status, access, team = params.get("status"), params.get("settings_access"), params.get("team")
    if status is not None and status not in STATUSES:
        return fathom_error(400, f"status must be one of {', '.join(STATUSES)}", headers)
    if access is not None and access not in SETTINGS_ACCESS:
        return fathom_error(400, f"settings_access must be one of {', '.join(SETTINGS_ACCESS)}", headers)
    if status == "invited" and access is not None:
        return fathom_error(400, "status=invited cannot be combined with settings_access", headers)
    pairs = [(user, render_user(state.store.seed, account, user)) for user in account.fathom.users]
    if pairs[0][1]["permissions"]["settings_access"]["level"] != "account_admin":  # the caller is user 0
        return fathom_error(403, "Only account admins can list users", headers)
    users = [rendered for user, rendered in pairs
             if (status is None or rendered["status"] == status)
             and (access is None or rendered["permissions"]["settings_access"]["level"] == access)
             and (team is None or user.team == team)]
    start = 0
    if cursor := params.get("cursor"):
        try:
            start = decode_cursor(cursor)
        except BadRequest as error:
            return fathom_error(400, str(error), headers)
    page = users[start:start + PAGE_SIZE]
    next_cursor = encode_cursor(start + PAGE_SIZE) if start + PAGE_SIZE < len(users) else None
    return json_response({"limit": PAGE_SIZE, "next_cursor": next_cursor, "items": page}, headers=headers)
