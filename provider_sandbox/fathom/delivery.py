"""Outbound POSTs from "Fathom" to a client: webhooks signed the Standard Webhooks way, and the
async `destination_url` answers of the recordings endpoints.

Signature (provider-apis.md B1, same as svix / `standardwebhooks`): headers `webhook-id`,
`webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256>`, computed
over `"{webhook-id}.{webhook-timestamp}.{raw body}"` with the key = base64-decoded secret
after its `whsec_` prefix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import httpx
import orjson

DELIVERY_TIMEOUT_SECONDS = 10.0


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    message_id = "msg_" + secrets.token_urlsafe(18)
    timestamp = int(time.time())
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


async def post_json(url: str, payload: object, headers: dict[str, str] | None = None,
                    secret: str | None = None) -> dict:
    """POST `payload` as JSON (signed when `secret` is given); the outcome, never raising."""
    body = orjson.dumps(payload)
    sent = {"content-type": "application/json", **(headers or {})}
    if secret is not None:
        sent.update(signed_headers(secret, body))
    outcome: dict = {"url": url, "webhook_id": sent.get("webhook-id")}
    try:
        async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_SECONDS) as client:
            response = await client.post(url, content=body, headers=sent)
        outcome["status_code"] = response.status_code
    except httpx.HTTPError as error:
        outcome["error"] = f"{type(error).__name__}: {error}"
    return outcome
