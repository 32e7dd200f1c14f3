"""Provider webhook deliveries: checked, stored durably in `app.webhook_events`, and handed to the
next sync, which loads them without calling the provider and then stamps them loaded.

A delivery is accepted only when its Standard Webhooks signature (`webhook-id`,
`webhook-timestamp`, `webhook-signature`, HMAC-SHA256 with the connection's `webhook_secret`)
matches and its timestamp is within 5 minutes of now. Each `webhook-id` is stored once: a
delivery whose id was already accepted is a replay and stores nothing. Nothing here is HTTP; the
web app's receiver (`oauth_service/webhooks.py`) maps `WebhookRejected.status` to its answer.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import orjson
import psycopg2
from psycopg2.extras import Json
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from revsync.credentials import PROVIDER_NAMES, decrypt
from revsync.errors import RevsyncError

SECRET_FIELD = "webhook_secret"  # noqa: S105 - the name of the secret among the connection's secrets


class WebhookRejected(RevsyncError):
    """The delivery was not stored; `status` is the HTTP answer (400 malformed, stale or replayed,
    401 bad signature, 404 no such connection)."""

    def __init__(self, status: int, reason: str):
        self.status, self.reason = status, reason
        super().__init__(reason)


@dataclass(frozen=True)
class StoredDelivery:
    event_id: int
    delivery_id: str


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> object:
    """The JSON payload of a correctly signed, fresh delivery; raises `WebhookRejected`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if not all(lowered.get(name) for name in ("webhook-id", "webhook-timestamp", "webhook-signature")):
        raise WebhookRejected(400, "missing webhook-id, webhook-timestamp or webhook-signature header")
    try:
        Webhook(secret).verify(body, lowered, json_parse=False)
    except WebhookVerificationError as exc:
        if "too old" in str(exc) or "too new" in str(exc):
            raise WebhookRejected(400, "the webhook-timestamp is more than 5 minutes from now") from None
        if "Invalid Signature Headers" in str(exc):
            raise WebhookRejected(400, "the webhook-timestamp is not a number of seconds") from None
        raise WebhookRejected(401, "the signature does not match") from None
    except (ValueError, binascii.Error, UnicodeDecodeError):  # a malformed signature value or body
        raise WebhookRejected(401, "the signature does not match") from None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise WebhookRejected(400, "the body is not JSON") from None


def receive(database_url: str, provider: str, connection_id: str, headers: Mapping[str, str],
            body: bytes, event_type: str | None = None) -> StoredDelivery:
    """Verify a delivery to `connection_id` and store it (committed before this returns)."""
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select account_id::text, secrets_encrypted from app.api_connections "
                        "where connection_id::text = %s and provider = %s", (connection_id, provider))
            row = cur.fetchone()
            if row is None:
                raise WebhookRejected(404, f"no {PROVIDER_NAMES.get(provider, provider)} connection {connection_id}")
            account_id, encrypted = row
            secret = decrypt(bytes(encrypted)).get(SECRET_FIELD)
            if not secret:
                raise WebhookRejected(404, f"connection {connection_id} has no webhook registered")
            payload = verify(secret, headers, body)
            delivery_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
            cur.execute(
                """
                insert into app.webhook_events (connection_id, account_id, provider, delivery_id, event_type, payload)
                values (%s, %s, %s, %s, %s, %s)
                on conflict (provider, delivery_id) do nothing
                returning event_id
                """,
                (connection_id, account_id, provider, delivery_id, event_type, Json(payload)),
            )
            stored = cur.fetchone()
            if stored is None:
                raise WebhookRejected(400, f"delivery {delivery_id} was already received; nothing stored")
            return StoredDelivery(stored[0], delivery_id)
    finally:
        conn.close()


def pending(database_url: str, account_id: str, provider: str) -> list[tuple[int, object]]:
    """`(event_id, payload)` of the account's deliveries no sync has loaded yet, oldest first."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select event_id, payload from app.webhook_events where account_id = %s and provider = %s "
                        "and loaded_at is null order by event_id", (account_id, provider))
            return list(cur.fetchall())
    finally:
        conn.close()


def mark_loaded(database_url: str, event_ids: Sequence[int]) -> None:
    """Stamp deliveries loaded (after the load that holds their rows has committed)."""
    if not event_ids:
        return
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("update app.webhook_events set loaded_at = now() where event_id = any(%s)",
                        (list(event_ids),))
    finally:
        conn.close()
