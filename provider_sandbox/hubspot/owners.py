"""`GET /crm/v3/owners` and `GET /crm/v3/owners/{ownerId}`, shaped like owners-v3.json.

Owners are the portal's reps (`HubSpotOwner`). `archived=true` lists only deactivated owners,
whose records keep their `hubspot_owner_id`: a client that loads only active owners cannot
resolve every owner id it sees on engagements. Paging works like CRM lists: `after` is the id
of the next owner (ids ascend with the list order), `paging` is absent on the last page.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.errors import hubspot_error, validation_error
from provider_sandbox.hubspot.guard import admit, bool_param, limit_param
from provider_sandbox.responses import json_response
from provider_sandbox.seeding import derive_int
from provider_sandbox.store import Account, HubSpotOwner
from provider_sandbox.timefmt import iso_ms

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
TEAM_NAMES = ("Inside Sales", "Account Management", "Customer Success")


def routes() -> list[Route]:
    return [
        Route("/crm/v3/owners", list_owners, methods=["GET"]),
        Route("/crm/v3/owners/", list_owners, methods=["GET"]),  # the SDK's path has a trailing slash
        Route("/crm/v3/owners/{owner_id}", get_owner, methods=["GET"]),
    ]


def owner_json(seed: int, account: Account, index: int, owner: HubSpotOwner) -> dict:
    body: dict = {
        "id": owner.id,
        "email": owner.rep.email,
        "type": "PERSON",
        "firstName": owner.rep.first_name,
        "lastName": owner.rep.last_name,
        "userIdIncludingInactive": owner.user_id,
        "createdAt": iso_ms(owner.created_ms),
        "updatedAt": iso_ms(owner.updated_ms),
        "archived": owner.archived,
    }
    if not owner.archived:
        body["userId"] = owner.user_id  # a deactivated user has no active user id
    teams = _teams(seed, account, index)
    if teams:
        body["teams"] = teams
    return body


def _teams(seed: int, account: Account, index: int) -> list[dict]:
    """Team memberships: a primary team by position, a second team for some, none for one rep."""
    if index == 1:
        return []
    team_ids = [str(100_000 + derive_int(seed, account.key, "team", name) % 900_000) for name in TEAM_NAMES]
    primary = index % 2
    teams = [{"id": team_ids[primary], "name": TEAM_NAMES[primary], "primary": True}]
    if index % 3 == 0:
        teams.append({"id": team_ids[2], "name": TEAM_NAMES[2], "primary": False})
    return teams


async def list_owners(request: Request) -> Response:
    admitted = admit(request, "GET /crm/v3/owners")
    if isinstance(admitted, Response):
        return admitted
    headers, query = admitted.headers, request.query_params
    limit = limit_param(request, DEFAULT_LIMIT, MAX_LIMIT, headers)
    if isinstance(limit, Response):
        return limit
    after = query.get("after") or "0"
    if not after.isdigit():
        return validation_error(f"after must be the paging.next.after of a previous page, got '{after}'",
                                "after", headers)
    archived = bool_param(request, "archived")
    if archived is None:
        return validation_error("archived must be true or false", "archived", headers)
    email = (query.get("email") or "").strip().lower()

    account = admitted.caller.account
    seed = admitted.state.settings.seed
    matching = [
        (index, owner) for index, owner in enumerate(account.hubspot.owners)
        if owner.archived == archived and int(owner.id) >= int(after)
        and (not email or owner.rep.email.lower() == email)
    ]
    matching.sort(key=lambda pair: int(pair[1].id))
    body: dict = {"results": [owner_json(seed, account, index, owner) for index, owner in matching[:limit]]}
    if len(matching) > limit:
        next_after = matching[limit][1].id
        body["paging"] = {"next": {"after": next_after,
                                   "link": str(request.url.include_query_params(after=next_after))}}
    return json_response(body, headers=headers)


async def get_owner(request: Request) -> Response:
    admitted = admit(request, "GET /crm/v3/owners/{ownerId}")
    if isinstance(admitted, Response):
        return admitted
    headers = admitted.headers
    id_property = request.query_params.get("idProperty") or "id"
    if id_property not in ("id", "userId"):
        return validation_error(f"idProperty must be id or userId, got '{id_property}'", "idProperty", headers)
    archived = bool_param(request, "archived")
    if archived is None:
        return validation_error("archived must be true or false", "archived", headers)
    wanted = request.path_params["owner_id"]
    account = admitted.caller.account
    for index, owner in enumerate(account.hubspot.owners):
        key = owner.id if id_property == "id" else str(owner.user_id)
        if key == wanted and owner.archived == archived:
            return json_response(owner_json(admitted.state.settings.seed, account, index, owner), headers=headers)
    return hubspot_error(404, "OBJECT_NOT_FOUND", f"Owner {wanted} not found", headers=headers)
