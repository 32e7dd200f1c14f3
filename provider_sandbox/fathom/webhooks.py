"""Fathom webhooks (provider-apis.md B1):

- `POST /external/v1/webhooks` {destination_url, triggered_for[], include_*} -> 201 `Webhook`
  with a `whsec_` secret; at least one `include_*` must be true.
- `DELETE /external/v1/webhooks/{id}` -> 204.
- `POST /_sandbox/fathom/deliver` (admin, loopback only): a meeting just finished. Creates
  `count` new meetings (optionally `recorded_by` a given rep email, in `account`), then POSTs
  each as the "new meeting content ready" event (the `Meeting` object, with the webhook's
  `include_*` parts) to every matching webhook of the account, signed (see delivery.py).
  Deliveries happen before the admin call returns; the answer lists their HTTP statuses.

Which webhooks match: the workspace owner (user 0) owns the webhooks; their own recordings are
`my_recordings` when private (`no_teams`) and `my_shared_with_team_recordings` when shared with a
team; other reps' recordings (always team-shared here) are `shared_team_recordings`.
"""

from __future__ import annotations

import secrets
import time

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.admin import _refuse_remote
from provider_sandbox.fathom.auth import authenticate_and_admit, fathom_error
from provider_sandbox.fathom.delivery import new_secret, post_json
from provider_sandbox.fathom.generate import append_meeting
from provider_sandbox.fathom.registry import FathomWebhook
from provider_sandbox.fathom.render import Includes, iso_s, render_meeting
from provider_sandbox.fathom.text import SHARED_WITH
from provider_sandbox.responses import json_response
from provider_sandbox.state import SandboxState, sandbox_state
from provider_sandbox.store import Account

TRIGGERS = ("my_recordings", "shared_external_recordings", "my_shared_with_team_recordings", "shared_team_recordings")
INCLUDES = ("include_transcript", "include_summary", "include_action_items", "include_crm_matches")
MAX_DELIVER = 100


def routes() -> list[Route]:
    return [
        Route("/external/v1/webhooks", create_webhook, methods=["POST"]),
        Route("/external/v1/webhooks/{webhook_id}", delete_webhook, methods=["DELETE"]),
        Route("/_sandbox/fathom/deliver", deliver, methods=["POST"]),
    ]


async def create_webhook(request: Request) -> Response:
    state = sandbox_state(request)
    admitted = authenticate_and_admit(request, state.fathom, state.store)
    if isinstance(admitted, Response):
        return admitted
    caller, headers = admitted
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return fathom_error(400, "the body must be JSON", headers)
    if not isinstance(body, dict):
        return fathom_error(400, "the body must be a JSON object", headers)
    url = body.get("destination_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return fathom_error(400, "destination_url must be an http(s) URL", headers)
    triggered_for = body.get("triggered_for")
    if (not isinstance(triggered_for, list) or not triggered_for
            or any(t not in TRIGGERS for t in triggered_for)):
        return fathom_error(400, f"triggered_for must be a non-empty list of: {', '.join(TRIGGERS)}", headers)
    flags = {name: body.get(name, False) for name in INCLUDES}
    if any(not isinstance(v, bool) for v in flags.values()):
        return fathom_error(400, "include_* fields must be booleans", headers)
    if not any(flags.values()):
        return fathom_error(400, f"at least one of {', '.join(INCLUDES)} must be true", headers)
    webhook = FathomWebhook(
        id=secrets.token_urlsafe(12), account_key=caller.account.key, url=url, secret=new_secret(),
        created_at_s=int(time.time()), triggered_for=tuple(dict.fromkeys(triggered_for)),
        **flags,
    )
    state.fathom.webhooks[webhook.id] = webhook
    return json_response(webhook.as_json(), status=201, headers=headers)


async def delete_webhook(request: Request) -> Response:
    state = sandbox_state(request)
    admitted = authenticate_and_admit(request, state.fathom, state.store)
    if isinstance(admitted, Response):
        return admitted
    caller, headers = admitted
    webhook = state.fathom.webhooks.get(request.path_params["webhook_id"])
    if webhook is None or webhook.account_key != caller.account.key:
        return fathom_error(404, "Webhook not found", headers)
    del state.fathom.webhooks[webhook.id]
    return Response(status_code=204, headers=headers)


def trigger_of(account: Account, row: int) -> str:
    columns = account.fathom.meetings.columns
    if int(columns["recorder"][row]) != 0:
        return "shared_team_recordings"
    private = SHARED_WITH[int(columns["shared_with"][row])] == "no_teams"
    return "my_recordings" if private else "my_shared_with_team_recordings"


async def deliver_row(state: SandboxState, account: Account, row: int) -> list[dict]:
    trigger = trigger_of(account, row)
    outcomes = []
    for webhook in list(state.fathom.webhooks.values()):
        if webhook.account_key != account.key or trigger not in webhook.triggered_for:
            continue
        include = Includes(transcript=webhook.include_transcript, summary=webhook.include_summary,
                           action_items=webhook.include_action_items, crm_matches=webhook.include_crm_matches)
        payload = render_meeting(state.store.seed, account, row, include)
        outcome = await post_json(webhook.url, payload, secret=webhook.secret)
        outcomes.append({"webhook": webhook.id, **outcome})
    return outcomes


async def deliver(request: Request) -> Response:
    if refusal := _refuse_remote(request):
        return refusal
    state = sandbox_state(request)
    raw = await request.body()
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        return json_response({"error": "the body must be a JSON object"}, status=400)
    accounts = [a for a in state.store.accounts if a.fathom is not None]
    account = next((a for a in accounts if a.key == body.get("account", accounts[0].key)), None)
    if account is None:
        return json_response({"error": f"unknown account {body.get('account')!r}"}, status=400)
    recorder = None
    if email := body.get("recorded_by"):
        recorder = next((u.rep_index for u in account.fathom.users if u.email.lower() == str(email).lower()), None)
        if recorder is None:
            return json_response({"error": f"{email} is not a Fathom user of {account.key}"}, status=400)
    count = body.get("count", 1)
    if not isinstance(count, int) or not 1 <= count <= MAX_DELIVER:
        return json_response({"error": f"count must be an integer in 1..{MAX_DELIVER}"}, status=400)

    meetings, deliveries = [], []
    for _ in range(count):
        row = append_meeting(state.store.seed, account, state.store.now_ms(), recorder)
        table = account.fathom.meetings
        meetings.append({"recording_id": int(table.ids[row]), "created_at": iso_s(int(table.created_ms[row]) // 1000),
                         "trigger": trigger_of(account, row)})
        deliveries.extend(await deliver_row(state, account, row))
    return json_response({"account": account.key, "meetings": meetings, "deliveries": deliveries})
