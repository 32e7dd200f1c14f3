"""Provider webhook receivers: `POST /webhooks/fathom/{connection_id}`.

Fathom signs each delivery the Standard Webhooks way; the receiver checks the signature and a
5-minute timestamp tolerance, stores the payload in `app.webhook_events` (committed) and only then
answers 2xx, so a delivery Fathom saw accepted is never lost. A bad signature answers 401, a
stale or malformed delivery or a replayed `webhook-id` 400, an unknown connection 404; none of
them stores anything. The next sync loads what was stored (see revsync/webhooks.py).

Include it in the web app with `app.include_router(webhook_router(database_url))`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from revsync import webhooks

# Fathom's "new meeting content ready" payload is a Meeting; a few MB with a long transcript.
MAX_BODY_BYTES = 16 * 1024 * 1024


def webhook_router(database_url: str) -> APIRouter:
    router = APIRouter(prefix="/webhooks", tags=["webhooks"])

    @router.post("/fathom/{connection_id}")
    async def fathom_delivery(connection_id: str, request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "the delivery is larger than 16 MB"}, status_code=413)
        try:
            stored = await run_in_threadpool(webhooks.receive, database_url, "fathom", connection_id,
                                             dict(request.headers), body, "meeting_content_ready")
        except webhooks.WebhookRejected as rejected:
            return JSONResponse({"error": rejected.reason}, status_code=rejected.status)
        return JSONResponse({"stored": stored.delivery_id}, status_code=200)

    return router
