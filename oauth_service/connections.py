"""An account's provider connections as the integrations page and the JSON API show them, and
what a manager does to them: API-key forms, the auto-sync toggle, disconnecting.

Reads `app.api_connections` and `app.integration_sync_log`; secrets are only ever decrypted to
revoke them at the provider and never leave this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import httpx

from oauth_service.config import WebConfig
from revsync.credentials import (
    PROVIDER_NAMES,
    PROVIDERS,
    decrypt,
    encrypt,
    load_connection,
    scrub,
    store_connection,
)
from revsync.errors import RevsyncError

log = logging.getLogger("revsync.web")


@dataclass(frozen=True)
class ProviderInfo:
    provider: str
    name: str
    what: str  # what it brings, for the card
    counted: str  # the noun the card counts
    raw_tables: tuple[tuple[str, str], ...]  # (schema, table) holding those records, with account_id
    auth: str  # "oauth", "api_key" or "basic": how the card connects
    required_scopes: tuple[str, ...] = ()


PROVIDER_INFO: dict[str, ProviderInfo] = {
    "hubspot": ProviderInfo(
        "hubspot", "HubSpot", "CRM and activity data", "activities",
        tuple(("raw_hubspot", t) for t in ("calls", "emails", "meetings", "notes", "tasks")), "oauth",
        # What the HubSpot source reads: contacts scope covers engagements; owners map reps.
        ("oauth", "crm.objects.contacts.read", "crm.objects.companies.read", "crm.objects.deals.read",
         "crm.objects.owners.read"),
    ),
    "fathom": ProviderInfo("fathom", "Fathom", "Call recordings and transcripts", "recordings",
                           (("raw_fathom", "meetings"),), "api_key"),
    "aircall": ProviderInfo("aircall", "Aircall", "Phone calls", "calls", (("raw_aircall", "calls"),), "basic"),
}
assert tuple(PROVIDER_INFO) == PROVIDERS

STATUS_LABELS = {
    "connected": "Connected", "needs_reauth": "Needs reconnect", "error": "Error",
    "revoked": "Not connected", "disconnected": "Not connected", None: "Not connected",
}


@dataclass(frozen=True)
class LastSync:
    sync_id: int
    status: str  # running | success | partial | failed
    started_at: datetime
    finished_at: datetime | None
    records_synced: int | None
    error: str | None


@dataclass(frozen=True)
class ConnectionView:
    """One card: what is safe to show about an account's connection to a provider."""

    provider: str
    name: str
    what: str
    counted: str
    auth: str
    connection_id: str | None
    status: str | None  # None: never connected
    auth_type: str | None
    external_account_id: str | None
    scopes: tuple[str, ...]
    missing_scopes: tuple[str, ...]
    auto_sync: bool
    last_error: str | None
    token_expires_at: datetime | None
    records: int
    last_sync: LastSync | None
    last_success_at: datetime | None

    @property
    def is_connected(self) -> bool:
        return self.status in ("connected", "needs_reauth", "error")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status or "Not connected")

    @property
    def status_key(self) -> str:
        return self.status if self.is_connected else "none"

    @property
    def sync_running(self) -> bool:
        return self.last_sync is not None and self.last_sync.status == "running"


def _count_records(cur, account_id: str) -> dict[str, int]:
    """Rows of the account per provider in its raw tables that exist (a provider never synced has
    none), in one query."""
    tables = [(provider, f"{schema}.{table}") for provider, info in PROVIDER_INFO.items()
              for schema, table in info.raw_tables]
    cur.execute("select " + ", ".join(["to_regclass(%s) is not null"] * len(tables)), [name for _, name in tables])
    present = [entry for entry, exists in zip(tables, cur.fetchone(), strict=True) if exists]
    counts = dict.fromkeys(PROVIDER_INFO, 0)
    if present:
        parts = [f"select %s as provider, count(*) as n from {name} where account_id = %s" for _, name in present]
        cur.execute(" union all ".join(parts), [value for provider, _ in present for value in (provider, account_id)])
        for provider, count in cur.fetchall():
            counts[provider] += count
    return counts


def account_connections(conn, account_id: str) -> list[ConnectionView]:
    """One view per provider, in PROVIDERS order, connected or not."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select provider, connection_id::text, status, auth_type, external_account_id, scopes,
                   auto_sync_enabled, last_error, token_expires_at
            from app.api_connections where account_id = %s
            """,
            (account_id,),
        )
        rows = {row[0]: row for row in cur.fetchall()}
        cur.execute(
            """
            select distinct on (provider) provider, sync_id, status, started_at, finished_at, records_synced,
                   error_message
            from app.integration_sync_log where account_id = %s
            order by provider, started_at desc, sync_id desc
            """,
            (account_id,),
        )
        last = {row[0]: LastSync(*row[1:]) for row in cur.fetchall()}
        cur.execute(
            "select provider, max(finished_at) from app.integration_sync_log "
            "where account_id = %s and status in ('success', 'partial') group by provider",
            (account_id,),
        )
        succeeded = dict(cur.fetchall())
        records = _count_records(cur, account_id)
        views = []
        for provider, info in PROVIDER_INFO.items():
            row = rows.get(provider)
            scopes = tuple(row[5]) if row else ()
            oauth = row is not None and row[3] == "oauth"
            views.append(ConnectionView(
                provider=provider, name=info.name, what=info.what, counted=info.counted, auth=info.auth,
                connection_id=row[1] if row else None, status=row[2] if row else None,
                auth_type=row[3] if row else None, external_account_id=row[4] if row else None,
                scopes=scopes,
                missing_scopes=tuple(s for s in info.required_scopes if s not in scopes) if oauth else (),
                auto_sync=row[6] if row else False, last_error=row[7] if row else None,
                token_expires_at=row[8] if row else None,
                records=records[provider],
                last_sync=last.get(provider), last_success_at=succeeded.get(provider),
            ))
    return views


def set_auto_sync(conn, account_id: str, provider: str, enabled: bool) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "update app.api_connections set auto_sync_enabled = %s, updated_at = now() "
            "where account_id = %s and provider = %s and status <> 'disconnected'",
            (enabled, account_id, provider),
        )
        if cur.rowcount == 0:
            raise RevsyncError(f"{PROVIDER_NAMES[provider]} is not connected; connect it first.")


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code in (401, 403):
        raise RevsyncError(f"{what} rejected these credentials ({response.status_code}). Copy them again and retry.")
    if response.status_code >= 400:
        raise RevsyncError(f"{what} answered {response.status_code}; try again in a minute.")


def connect_aircall(conn, config: WebConfig, account_id: str, api_id: str, api_token: str,
                    http: httpx.Client) -> str:
    """Check an Aircall API id/token pair with one call, then store it encrypted; returns connection_id."""
    api_id, api_token = api_id.strip(), api_token.strip()
    if not api_id or not api_token:
        raise RevsyncError("Enter both the Aircall API ID and the API token (Aircall: Integrations > API keys).")
    try:
        response = http.get(f"{config.aircall_api_base}/v1/users", params={"per_page": 1},
                            auth=(api_id, api_token))
    except httpx.TransportError as exc:
        raise RevsyncError(f"Could not reach Aircall ({type(exc).__name__}); try again.") from None
    _check(response, "Aircall")
    return store_connection(conn, account_id=account_id, provider="aircall", auth_type="basic",
                            secrets={"api_id": api_id, "api_token": api_token}, api_base=config.aircall_api_base)


def connect_fathom_key(conn, config: WebConfig, account_id: str, api_key: str, http: httpx.Client) -> str:
    """Check a Fathom API key with one call, then store it encrypted; returns connection_id."""
    api_key = api_key.strip()
    if not api_key:
        raise RevsyncError("Enter the Fathom API key (Fathom: Settings > API Access).")
    try:
        response = http.get(f"{config.fathom_api_base}/external/v1/meetings", headers={"X-Api-Key": api_key})
    except httpx.TransportError as exc:
        raise RevsyncError(f"Could not reach Fathom ({type(exc).__name__}); try again.") from None
    _check(response, "Fathom")
    secrets = {"api_key": api_key}
    try:  # a webhook registered for the connection keeps delivering: keep its signing secret
        previous = load_connection(conn, account_id, "fathom").secrets
        secrets.update({k: previous[k] for k in ("webhook_secret", "webhook_id") if k in previous})
    except RevsyncError:
        pass
    return store_connection(conn, account_id=account_id, provider="fathom", auth_type="api_key",
                            secrets=secrets, api_base=config.fathom_api_base)


def _revoke_hubspot(config: WebConfig, api_base: str, secrets, http: httpx.Client) -> None:
    """RFC 7009 revocation of the refresh token (and with it every access token it issued)."""
    client_id = secrets.get("client_id") or config.hubspot_client_id
    client_secret = secrets.get("client_secret") or config.hubspot_client_secret
    response = http.post(f"{api_base}/oauth/2026-03/token/revoke", data={
        "token": secrets["refresh_token"], "token_type_hint": "refresh_token",
        "client_id": client_id or "", "client_secret": client_secret or "",
    })
    if response.status_code != 200:
        raise RevsyncError(f"HubSpot answered {response.status_code} to the revocation")


def disconnect(conn, config: WebConfig, account_id: str, provider: str, http: httpx.Client) -> str | None:
    """Revoke the grant at the provider where it can be (HubSpot OAuth), then delete the secrets:
    the row stays `disconnected` with auto-sync off, so no schedule syncs it again. Returns a
    warning when revoking failed (the secrets are deleted all the same)."""
    with conn.cursor() as cur:
        cur.execute(
            "select auth_type, secrets_encrypted, api_base from app.api_connections "
            "where account_id = %s and provider = %s and status <> 'disconnected' for update",
            (account_id, provider),
        )
        row = cur.fetchone()
        if row is None:
            raise RevsyncError(f"{PROVIDER_NAMES[provider]} is not connected.")
        warning = None
        if provider == "hubspot" and row[0] == "oauth":
            secrets = decrypt(row[1])
            try:
                _revoke_hubspot(config, (row[2] or config.hubspot_api_base).rstrip("/"), secrets, http)
            except (httpx.HTTPError, RevsyncError, KeyError) as exc:
                reason = scrub(str(exc), secrets) if not isinstance(exc, httpx.HTTPError) else type(exc).__name__
                log.warning("revoking the HubSpot grant of account %s failed: %s", account_id, reason)
                warning = ("HubSpot could not confirm the revocation; remove the app under Settings > Integrations "
                           "> Connected apps in HubSpot to be sure.")
        cur.execute(
            "update app.api_connections set status = 'disconnected', secrets_encrypted = %s, scopes = '{}', "
            "token_expires_at = null, auto_sync_enabled = false, last_error = null, updated_at = now() "
            "where account_id = %s and provider = %s",
            (encrypt({}), account_id, provider),
        )
    return warning
