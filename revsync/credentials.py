"""The credentials vault and provider: the one place revsync keeps and hands out provider secrets.

Storage. A connection's secrets are a JSON object encrypted with Fernet in
`app.api_connections.secrets_encrypted`. The key is `REVSYNC_SECRET_KEY` (several comma-separated
keys rotate: the first encrypts, all decrypt), else one generated once into `.revsync/secret.key`
with mode 0600. Secrets come back wrapped in `Secrets`, whose repr never shows a value, so a stray
log line or traceback cannot leak one. Secret keys by auth type: `oauth` holds `access_token`,
`refresh_token` and, when the connection was made through its own OAuth app, `client_id`,
`client_secret` (and `token_url` where it differs from the provider's default); `private_app`
holds `access_token`; `api_key` holds `api_key`; `basic` holds `api_id` and `api_token`.

Use. Every source (and the web app) gets tokens from `ConnectionCredentials`, provider-neutral:
`access_token()` refreshes an OAuth token before it expires, `refresh_after_unauthorized()`
handles a 401 mid-sync, and a connection the provider no longer accepts is marked `needs_reauth`
and raises `NeedsReauth`. Refreshes are serialised per connection across processes by a row lock
on `app.api_connections`. Each connection stores the API base its token was issued for
(`api_base`; NULL means the settings' default), and tokens are only sent there.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from revsync.errors import RevsyncError
from revsync.paths import ensure_home
from revsync.settings import get_settings

PROVIDERS = ("hubspot", "fathom", "aircall")
AUTH_TYPES = ("oauth", "private_app", "api_key", "basic")
PROVIDER_NAMES = {"hubspot": "HubSpot", "fathom": "Fathom", "aircall": "Aircall"}
# Refresh an OAuth access token when it expires within this many seconds.
REFRESH_MARGIN_SECONDS = 300

log = logging.getLogger(__name__)


class Secrets(Mapping[str, str]):
    """A read-only mapping of secret values that never prints them."""

    def __init__(self, values: Mapping[str, str]):
        self._values = dict(values)

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Secrets({', '.join(f'{k}=***' for k in self._values)})"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class Connection:
    connection_id: str
    account_id: str
    provider: str
    auth_type: str
    external_account_id: str | None
    scopes: list[str]
    token_expires_at: datetime | None
    status: str
    secrets: Secrets
    api_base: str | None = None  # None: the settings' default for the provider

    def __repr__(self) -> str:
        return (
            f"Connection(provider={self.provider!r}, account_id={self.account_id!r}, "
            f"external_account_id={self.external_account_id!r}, status={self.status!r}, secrets={self.secrets!r})"
        )


def _key_file() -> Path:
    return ensure_home() / "secret.key"


def _cipher() -> MultiFernet:
    configured = get_settings().secret_key
    if configured:
        keys = [k.strip() for k in configured.split(",") if k.strip()]
    else:
        if get_settings().is_production:
            raise RevsyncError("REVSYNC_SECRET_KEY must be set in production (REVSYNC_ENV=production).")
        keys = [_load_or_create_key_file()]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise RevsyncError(
            "REVSYNC_SECRET_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes). "
            "Make one with `revsync secret-key`."
        ) from None


def _load_or_create_key_file() -> str:
    path = _key_file()
    if not path.exists():
        # Written whole to a private temp file, then linked into place: a concurrent process
        # either wins the link or reads the complete key the winner linked.
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".secret.key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(Fernet.generate_key().decode() + "\n")
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temp)
    return path.read_text().strip()


def encrypt(values: Mapping[str, str]) -> bytes:
    return _cipher().encrypt(json.dumps(dict(values), sort_keys=True).encode())


def decrypt(token: bytes) -> Secrets:
    try:
        return Secrets(json.loads(_cipher().decrypt(bytes(token))))
    except InvalidToken:
        raise RevsyncError(
            "Stored credentials cannot be decrypted with the current secret key. Restore the key that "
            "encrypted them (REVSYNC_SECRET_KEY or .revsync/secret.key), or reconnect the provider."
        ) from None


def store_connection(
    conn,
    *,
    account_id: str,
    provider: str,
    auth_type: str,
    secrets: Mapping[str, str],
    external_account_id: str | None = None,
    scopes: list[str] | None = None,
    token_expires_at: datetime | None = None,
    api_base: str | None = None,
) -> str:
    """Create or replace the account's connection to `provider`; returns its connection_id.

    `api_base` is the API host the credentials were issued for (no trailing slash); None means
    the settings' default for the provider. The connection starts `connected`, whatever it was.
    `conn` is a psycopg2 connection; the caller owns the transaction.
    """
    if provider not in PROVIDERS:
        raise RevsyncError(f"Unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}.")
    if auth_type not in AUTH_TYPES:
        raise RevsyncError(f"Unknown auth type {auth_type!r}; expected one of {', '.join(AUTH_TYPES)}.")
    with conn.cursor() as cur:
        cur.execute(
            """
            insert into app.api_connections
                (account_id, provider, auth_type, external_account_id, secrets_encrypted, scopes,
                 token_expires_at, api_base, status, last_error)
            values (%s, %s, %s, %s, %s, %s, %s, %s, 'connected', null)
            on conflict (account_id, provider) do update set
                auth_type = excluded.auth_type,
                external_account_id = excluded.external_account_id,
                secrets_encrypted = excluded.secrets_encrypted,
                scopes = excluded.scopes,
                token_expires_at = excluded.token_expires_at,
                api_base = excluded.api_base,
                status = 'connected',
                last_error = null,
                updated_at = now()
            returning connection_id
            """,
            (account_id, provider, auth_type, external_account_id, encrypt(secrets), scopes or [],
             token_expires_at, api_base.rstrip("/") if api_base else None),
        )
        return str(cur.fetchone()[0])


def load_connection(conn, account_id: str, provider: str) -> Connection:
    """The account's connection to `provider`, secrets decrypted; a clear error if there is none."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select connection_id, account_id, provider, auth_type, external_account_id, scopes,
                   token_expires_at, status, secrets_encrypted, api_base
            from app.api_connections where account_id = %s and provider = %s
            """,
            (account_id, provider),
        )
        row = cur.fetchone()
    if row is None:
        raise RevsyncError(
            f"Account {account_id} has no {provider} connection. Connect it on the integrations page."
        )
    return Connection(
        connection_id=str(row[0]), account_id=str(row[1]), provider=row[2], auth_type=row[3],
        external_account_id=row[4], scopes=list(row[5]), token_expires_at=row[6], status=row[7],
        secrets=decrypt(row[8]), api_base=row[9],
    )


def generate_key() -> str:
    return Fernet.generate_key().decode()


def rotate_secrets(conn) -> int:
    """Re-encrypt every stored secret (connections, pending OAuth states) under the first key of
    `REVSYNC_SECRET_KEY`; returns the rows rewritten. The caller owns the transaction.

    With no downtime: make a key (`revsync secret-key`), set `REVSYNC_SECRET_KEY=NEW,OLD` wherever
    revsync runs (both decrypt, NEW encrypts), run this, then drop OLD. A secret that no configured
    key decrypts is an error naming its row; nothing is rewritten then.
    """
    if not get_settings().secret_key:
        raise RevsyncError(
            "Rotating needs the keys in REVSYNC_SECRET_KEY: set it to NEW,OLD (NEW from `revsync secret-key`, OLD "
            f"the current key, in {_key_file()}), restart what runs revsync, then rotate again."
        )
    cipher = _cipher()
    rewritten = 0
    with conn.cursor() as cur:
        for table, key, column in (("app.api_connections", "connection_id", "secrets_encrypted"),
                                   ("app.oauth_states", "state", "code_verifier_encrypted")):
            cur.execute(f"select {key}, {column} from {table} where {column} is not null for update")
            for row_id, token in cur.fetchall():
                try:
                    rotated = cipher.rotate(bytes(token))
                except InvalidToken:
                    raise RevsyncError(
                        f"{table} row {row_id} cannot be decrypted with any key in REVSYNC_SECRET_KEY; add the key "
                        "that encrypted it (after the new one) and rotate again."
                    ) from None
                cur.execute(f"update {table} set {column} = %s where {key} = %s", (rotated, row_id))
                rewritten += 1
    return rewritten


# --- OAuth tokens: errors, grants and the token endpoints ----------------------------------------


class NeedsReauth(RevsyncError):
    """The provider no longer accepts the connection's credentials; a person must reconnect.

    Raised after the connection was marked `needs_reauth`. The message names the account and the
    provider and says how to reconnect; it never holds a token.
    """

    def __init__(self, message: str, *, account_id: str, provider: str):
        super().__init__(message)
        self.account_id = account_id
        self.provider = provider


class TokenRefreshError(RevsyncError):
    """A refresh failed for a reason reconnecting may not fix: the provider kept failing (429/5xx,
    network), or it refused the OAuth app's own client credentials."""


@dataclass(frozen=True, repr=False)
class TokenGrant:
    """What a token endpoint answered: the tokens (never printed) and what is known about them."""

    access_token: str
    expires_in: int | None
    refresh_token: str | None = None  # None: the endpoint sent none, keep the current one
    scopes: tuple[str, ...] = ()
    external_account_id: str | None = None  # HubSpot's hub_id

    def expires_at(self, now: datetime) -> datetime | None:
        return None if self.expires_in is None else now + timedelta(seconds=self.expires_in)

    def __repr__(self) -> str:
        return (f"TokenGrant(access_token=***, refresh_token={'***' if self.refresh_token else None}, "
                f"expires_in={self.expires_in!r}, scopes={self.scopes!r}, "
                f"external_account_id={self.external_account_id!r})")

    __str__ = __repr__


def parse_token_response(body: object) -> TokenGrant:
    """A token endpoint's JSON body as a `TokenGrant` (HubSpot's and Fathom's shapes both fit).

    Extra fields (`token_use`, `user_id`, `id_token`, ...) are ignored; a body without an
    `access_token` is a `TokenRefreshError` that never quotes the body.
    """
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
        raise TokenRefreshError("The token endpoint answered 200 without an access_token.")
    try:
        expires_in = int(body["expires_in"])
    except (KeyError, TypeError, ValueError):
        expires_in = None
    scopes = body.get("scopes")
    if scopes is None and isinstance(body.get("scope"), str):
        scopes = body["scope"].split()
    hub_id = body.get("hub_id")
    return TokenGrant(
        access_token=body["access_token"],
        expires_in=expires_in,
        refresh_token=body.get("refresh_token") or None,
        scopes=tuple(str(s) for s in scopes or ()),
        external_account_id=str(hub_id) if hub_id is not None else None,
    )


# How a token endpoint's refusal is handled: "reauth" (the grant is dead: revoked, expired, used),
# "client" (the OAuth app's own credentials are wrong), "retry" (429, 5xx), "other".
REAUTH_ERRORS = frozenset({"invalid_grant"})
REAUTH_STATUSES = frozenset({"BAD_REFRESH_TOKEN", "EXPIRED_REFRESH_TOKEN", "REVOKED_REFRESH_TOKEN"})
CLIENT_ERRORS = frozenset({"invalid_client", "unauthorized_client"})
CLIENT_STATUSES = frozenset({"BAD_CLIENT_ID", "BAD_CLIENT_SECRET"})


def classify_token_error(status_code: int, body: object) -> str:
    """"reauth", "client", "retry" or "other" for a token endpoint's non-200 answer.

    Bodies are RFC 6749 (`error`, `error_description`), HubSpot's v1 (`status`, `message`) or
    both, as HubSpot's date-based endpoints send them.
    """
    if status_code == 429 or status_code >= 500:
        return "retry"
    body = body if isinstance(body, dict) else {}
    error, status = body.get("error"), body.get("status")
    if error in REAUTH_ERRORS or status in REAUTH_STATUSES:
        return "reauth"
    if error in CLIENT_ERRORS or status in CLIENT_STATUSES:
        return "client"
    return "other"


def describe_token_error(status_code: int, body: object) -> str:
    """A short description of a token endpoint's refusal, from its documented fields only."""
    body = body if isinstance(body, dict) else {}
    code = body.get("error") or body.get("status") or f"HTTP {status_code}"
    text = body.get("error_description") or body.get("message") or ""
    return f"{code}: {text}" if text else str(code)


def retry_delay(attempt: int, retry_after: str | None, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Seconds to wait before retry number `attempt` (1-based): `Retry-After` (seconds or an HTTP
    date) when the server sent one, else exponential backoff from `base`; never more than `cap`."""
    if retry_after:
        try:
            return max(0.0, min(cap, float(retry_after)))
        except ValueError:
            try:
                when = parsedate_to_datetime(retry_after)
                return max(0.0, min(cap, (when - datetime.now(UTC)).total_seconds()))
            except (TypeError, ValueError):
                pass
    return min(cap, base * 2 ** (attempt - 1))


def token_expiring(expires_at: datetime | None, now: datetime, margin_seconds: float) -> bool:
    """True when a token expiring at `expires_at` must be refreshed before use at `now`.
    A token without a known expiry is used as it is (a 401 then triggers the refresh)."""
    return expires_at is not None and expires_at <= now + timedelta(seconds=margin_seconds)


def scrub(text: str, secrets: Mapping[str, str]) -> str:
    """`text` with every secret value in `secrets` replaced by ***."""
    for value in secrets.values():
        if isinstance(value, str) and len(value) >= 6:
            text = text.replace(value, "***")
    return text


@dataclass(frozen=True)
class OAuthEndpoint:
    """How one provider's OAuth token endpoint is reached."""

    token_url: Callable[[str], str]  # the connection's API base -> the token endpoint
    client_id_setting: str  # Settings attributes with the deployment's app, the fallback
    client_secret_setting: str


def _hubspot_token_url(api_base: str) -> str:
    # The date-based endpoint; /oauth/v1/token is removed on February 16, 2027.
    return f"{api_base}/oauth/2026-03/token"


def _fathom_token_url(api_base: str) -> str:
    # Fathom's authorization server is fathom.video, not the API host.
    return f"{get_settings().fathom_auth_base.rstrip('/')}/external/v1/oauth2/token"


# The per-provider table every refresh goes through. Both providers take the refresh grant as a
# form body (grant_type, client_id, client_secret, refresh_token); Fathom rotates its refresh
# tokens on every use and HubSpot may, so whatever refresh token comes back is stored.
OAUTH_ENDPOINTS: dict[str, OAuthEndpoint] = {
    "hubspot": OAuthEndpoint(_hubspot_token_url, "hubspot_client_id", "hubspot_client_secret"),
    "fathom": OAuthEndpoint(_fathom_token_url, "fathom_client_id", "fathom_client_secret"),
}


def default_api_base(provider: str) -> str:
    """The settings' API base for `provider` (HUBSPOT_API_BASE, FATHOM_API_BASE, AIRCALL_API_BASE)."""
    settings = get_settings()
    bases = {"hubspot": settings.hubspot_api_base, "fathom": settings.fathom_api_base,
             "aircall": settings.aircall_api_base}
    if provider not in bases:
        raise RevsyncError(f"Unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}.")
    return bases[provider].rstrip("/")


def token_url(provider: str, api_base: str, secrets: Mapping[str, str]) -> str:
    """Where `provider`'s tokens are exchanged and refreshed: the URL stored with the connection,
    else the provider's default derived from its API base."""
    if provider not in OAUTH_ENDPOINTS:
        raise RevsyncError(f"{PROVIDER_NAMES.get(provider, provider)} connections do not use OAuth.")
    return secrets.get("token_url") or OAUTH_ENDPOINTS[provider].token_url(api_base.rstrip("/"))


def client_credentials(provider: str, secrets: Mapping[str, str]) -> tuple[str, str]:
    """The OAuth app's client id and secret: the connection's own, else the deployment's settings."""
    if secrets.get("client_id") and secrets.get("client_secret"):
        return secrets["client_id"], secrets["client_secret"]
    endpoint = OAUTH_ENDPOINTS[provider]
    settings = get_settings()
    client_id = getattr(settings, endpoint.client_id_setting)
    client_secret = getattr(settings, endpoint.client_secret_setting)
    if not client_id or not client_secret:
        raise TokenRefreshError(
            f"No OAuth app credentials to refresh the {PROVIDER_NAMES[provider]} token: the connection stores "
            f"none and {endpoint.client_id_setting.upper()} / {endpoint.client_secret_setting.upper()} are not set."
        )
    return client_id, client_secret


class _TokenRefused(Exception):
    """The token endpoint refused the grant; `kind` as classify_token_error, `description` safe to show."""

    def __init__(self, kind: str, description: str):
        super().__init__(description)
        self.kind = kind
        self.description = description


# The form fields of a token request whose values are secret.
_FORM_SECRETS = frozenset({"refresh_token", "client_secret", "code", "code_verifier"})


def post_token_request(http: httpx.Client, url: str, form: Mapping[str, str], *, provider: str,
                       max_attempts: int = 4, sleep: Callable[[float], None] = time.sleep) -> TokenGrant:
    """POST a form to a token endpoint; 429, 5xx and transport errors retry with backoff (at most
    `max_attempts` tries). A refusal raises `_TokenRefused`; nothing raised quotes the form."""
    name = PROVIDER_NAMES.get(provider, provider)
    for attempt in range(1, max_attempts + 1):
        try:
            response = http.post(url, data=dict(form), headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            if attempt == max_attempts:
                raise TokenRefreshError(
                    f"The {name} token endpoint could not be reached after {attempt} tries "
                    f"({type(exc).__name__})."
                ) from None
            sleep(retry_delay(attempt, None))
            continue
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200:
            return parse_token_response(body)
        kind = classify_token_error(response.status_code, body)
        if kind == "retry" and attempt < max_attempts:
            log.warning("%s token endpoint answered %s; retrying (try %d of %d)", name, response.status_code,
                        attempt + 1, max_attempts)
            sleep(retry_delay(attempt, response.headers.get("Retry-After")))
            continue
        description = scrub(describe_token_error(response.status_code, body),
                            {k: v for k, v in form.items() if k in _FORM_SECRETS})
        if kind == "retry":
            raise TokenRefreshError(
                f"The {name} token endpoint kept failing ({description}) after {attempt} tries; try again later."
            )
        raise _TokenRefused(kind, description)
    raise AssertionError("unreachable")


def exchange_code(provider: str, *, code: str, redirect_uri: str, client_id: str, client_secret: str,
                  code_verifier: str | None = None, api_base: str | None = None,
                  http: httpx.Client | None = None) -> TokenGrant:
    """Exchange an authorization code (the OAuth callback's `code`) for tokens at the provider's
    token endpoint (HubSpot: `POST {api_base}/oauth/2026-03/token`). A refused code raises
    `RevsyncError` with the provider's error code and description."""
    base = (api_base or default_api_base(provider)).rstrip("/")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": client_id, "client_secret": client_secret}
    if code_verifier:
        form["code_verifier"] = code_verifier
    own = http is None
    client = httpx.Client(timeout=30) if own else http
    try:
        return post_token_request(client, token_url(provider, base, {}), form, provider=provider)
    except _TokenRefused as refused:
        raise RevsyncError(
            f"{PROVIDER_NAMES[provider]} refused the authorization code ({refused.description}). Start the "
            "connection again."
        ) from None
    finally:
        if own:
            client.close()


def store_oauth_connection(conn, *, account_id: str, provider: str, grant: TokenGrant, api_base: str | None,
                           client_id: str | None = None, client_secret: str | None = None,
                           token_endpoint: str | None = None, now: datetime | None = None) -> str:
    """Store a fresh OAuth grant as the account's connection to `provider`; returns connection_id.

    Pass `client_id`/`client_secret` when the tokens were issued to an app other than the
    deployment's (`HUBSPOT_CLIENT_ID`, ...): they are kept, encrypted, for refreshing. `api_base`
    should be the host the tokens were issued by, and `token_endpoint` the URL that issued them
    when it is not the provider's default (refreshes go back there). The caller owns the transaction.
    """
    if not grant.refresh_token:
        raise RevsyncError(f"{PROVIDER_NAMES[provider]} sent no refresh token; the connection could not be stored.")
    secrets = {"access_token": grant.access_token, "refresh_token": grant.refresh_token}
    if client_id and client_secret:
        secrets.update(client_id=client_id, client_secret=client_secret)
    if token_endpoint:
        secrets["token_url"] = token_endpoint
    return store_connection(
        conn, account_id=account_id, provider=provider, auth_type="oauth", secrets=secrets,
        external_account_id=grant.external_account_id, scopes=list(grant.scopes),
        token_expires_at=grant.expires_at(now or datetime.now(UTC)),
        api_base=(api_base or default_api_base(provider)).rstrip("/"),
    )


# --- the credentials provider -------------------------------------------------------------------

# The secret that authenticates requests, per auth type (`basic` has two; see secrets()).
_TOKEN_KEYS = {"oauth": "access_token", "private_app": "access_token", "api_key": "api_key"}
_LOCK_TIMEOUT = "120s"  # waiting for another process's refresh (bounded retries take far less)


@dataclass(repr=False)
class _Row:
    auth_type: str
    status: str
    secrets: Secrets
    expires_at: datetime | None
    api_base: str | None
    account_label: str
    account_slug: str
    last_error: str | None = field(default=None)


class ConnectionCredentials:
    """Credentials for one account's connection to one provider, for every source and the web app.

        creds = ConnectionCredentials(database_url, account_id, "hubspot")
        headers = {"Authorization": f"Bearer {creds.access_token()}"}
        ... on a 401:  token = creds.refresh_after_unauthorized(token)  and retry once

    - `access_token()`: a token to use now. For OAuth, when the stored token expires within
      `refresh_margin_seconds`, it is refreshed first.
    - `refresh_after_unauthorized(rejected_token)`: after a 401. If the stored token already
      differs from the rejected one (another process or thread refreshed, or the user
      reconnected), that one is returned; else an OAuth token is refreshed once. A private-app or
      API-key connection, or a refresh the provider refuses as `invalid_grant` (revoked, expired
      or already-used refresh token), marks the connection `needs_reauth` and raises `NeedsReauth`.
    - `mark_needs_reauth(message)`, `mark_error(message)`, `mark_ok()`: the connection's status,
      for the integrations page.

    Refreshing takes a row lock (`select ... for update` on the connection) for the whole token
    call, so one process refreshes at a time; after taking the lock the row is read again, and a
    token someone else refreshed meanwhile is used instead of refreshing twice. A rotated refresh
    token is saved in the same transaction as the new access token and its expiry. The token
    endpoint is retried on 429/5xx with bounded backoff. Safe to share between threads; tokens
    never appear in its repr, its log lines or its exceptions.
    """

    def __init__(self, database_url: str, account_id: str, provider: str, *, http: httpx.Client | None = None,
                 refresh_margin_seconds: float = REFRESH_MARGIN_SECONDS, max_refresh_attempts: int = 4):
        if provider not in PROVIDERS:
            raise RevsyncError(f"Unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}.")
        self._database_url = database_url
        self._account_id = str(account_id)
        self._provider = provider
        self._http = http
        self._own_http: httpx.Client | None = None
        self.refresh_margin_seconds = refresh_margin_seconds
        self.max_refresh_attempts = max_refresh_attempts
        self._lock = threading.Lock()
        row = self._read(lock=False)
        self._auth_type = row.auth_type
        self._api_base = row.api_base
        self._account_label = row.account_label
        self._account_slug = row.account_slug
        self._token: str | None = row.secrets.get(_TOKEN_KEYS.get(row.auth_type, ""))
        self._expires_at = row.expires_at

    def __repr__(self) -> str:
        return (f"ConnectionCredentials(account_id={self._account_id!r}, provider={self._provider!r}, "
                f"auth_type={self._auth_type!r})")

    __str__ = __repr__

    # --- what the connection is -----------------------------------------------------------------

    @property
    def account_id(self) -> str:
        return self._account_id

    @property
    def provider(self) -> str:
        return self._provider

    @property
    def auth_type(self) -> str:
        """`oauth`, `private_app`, `api_key` or `basic`."""
        return self._auth_type

    @property
    def api_base(self) -> str:
        """The API base to send this connection's requests to: the one stored with the connection
        (where its token was issued), else the settings' default for the provider. No trailing slash."""
        return (self._api_base or default_api_base(self._provider)).rstrip("/")

    # --- tokens ---------------------------------------------------------------------------------

    def access_token(self) -> str:
        """A token valid now (OAuth: refreshed first when it expires within the margin)."""
        with self._lock:
            if self._auth_type == "basic":
                raise RevsyncError("This connection uses basic auth; read its api_id/api_token from secrets().")
            if self._token is None:
                raise RevsyncError(f"The {self._name} connection of {self._account} stores no token; reconnect it.")
            margin = self.refresh_margin_seconds
            if self._auth_type == "oauth" and token_expiring(self._expires_at, self._now(), margin):
                return self._refresh(rejected=None)
            return self._token

    def refresh_after_unauthorized(self, rejected_token: str) -> str:
        """The token to retry with after `rejected_token` got a 401; raises `NeedsReauth` when
        there is none (see the class docstring)."""
        with self._lock:
            if self._token is not None and self._token != rejected_token:
                return self._token  # another thread of this process refreshed already
            return self._refresh(rejected=rejected_token)

    def secrets(self) -> Secrets:
        """The connection's current secrets, decrypted (for auth types with more than one secret)."""
        return self._read(lock=False).secrets

    # --- status ---------------------------------------------------------------------------------

    def mark_needs_reauth(self, message: str) -> None:
        """Status `needs_reauth` with `message` as last_error (secret values scrubbed)."""
        self._set_status("needs_reauth", message)

    def mark_error(self, message: str) -> None:
        """Status `error` with `message` as last_error (secret values scrubbed)."""
        self._set_status("error", message)

    def mark_ok(self) -> None:
        """Back to `connected` after a successful sync. Only from `connected` or `error`: a
        `needs_reauth`, `revoked` or `disconnected` connection stays so until it is reconnected."""
        self._execute(
            "update app.api_connections set status = 'connected', last_error = null, updated_at = now() "
            "where account_id = %s and provider = %s and status in ('connected', 'error')",
            (self._account_id, self._provider),
        )

    def close(self) -> None:
        """Close the HTTP client this object created (not one passed in)."""
        if self._own_http is not None:
            self._own_http.close()
            self._own_http = None

    def __enter__(self) -> ConnectionCredentials:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- internals ------------------------------------------------------------------------------

    @property
    def _name(self) -> str:
        return PROVIDER_NAMES[self._provider]

    @property
    def _account(self) -> str:
        return f"account {self._account_label} ({self._account_slug})"

    @staticmethod
    def _now() -> datetime:
        return datetime.now(UTC)

    def _client(self) -> httpx.Client:
        if self._http is not None:
            return self._http
        if self._own_http is None:
            self._own_http = httpx.Client(timeout=30)
        return self._own_http

    def _connect(self):
        import psycopg2

        return psycopg2.connect(self._database_url)

    def _execute(self, sql: str, params: tuple) -> None:
        conn = self._connect()
        try:
            with conn, conn.cursor() as cur:
                cur.execute(sql, params)
        finally:
            conn.close()

    def _set_status(self, status: str, message: str) -> None:
        secrets = self._read(lock=False).secrets
        self._execute(
            "update app.api_connections set status = %s, last_error = %s, updated_at = now() "
            "where account_id = %s and provider = %s",
            (status, scrub(message, secrets), self._account_id, self._provider),
        )

    _SELECT = """
        select c.auth_type, c.status, c.secrets_encrypted, c.token_expires_at, c.api_base, a.name, a.slug,
               c.last_error
        from app.api_connections c join app.accounts a on a.account_id = c.account_id
        where c.account_id = %s and c.provider = %s
    """

    def _fetch(self, cur, *, lock: bool) -> _Row:
        cur.execute(self._SELECT + (" for update of c" if lock else ""), (self._account_id, self._provider))
        row = cur.fetchone()
        if row is None:
            raise RevsyncError(
                f"Account {self._account_id} has no {PROVIDER_NAMES[self._provider]} connection. Connect it on "
                f"the integrations page or with `revsync connect {self._provider}`."
            )
        return _Row(auth_type=row[0], status=row[1], secrets=decrypt(row[2]), expires_at=row[3],
                    api_base=row[4], account_label=row[5], account_slug=row[6], last_error=row[7])

    def _read(self, *, lock: bool) -> _Row:
        conn = self._connect()
        try:
            with conn, conn.cursor() as cur:
                return self._fetch(cur, lock=lock)
        finally:
            conn.close()

    def _reauth_error(self, reason: str) -> NeedsReauth:
        return NeedsReauth(
            f"The {self._name} connection of {self._account} needs to be reconnected: {reason}. Reconnect it on "
            f"the integrations page, or run `revsync connect {self._provider} --account {self._account_slug}`.",
            account_id=self._account_id, provider=self._provider,
        )

    def _remember(self, token: str | None, expires_at: datetime | None) -> str:
        if token is None:
            raise RevsyncError(f"The {self._name} connection of {self._account} stores no token; reconnect it.")
        self._token, self._expires_at = token, expires_at
        return token

    def _refresh(self, *, rejected: str | None) -> str:
        """Under the row lock: use a token someone else stored meanwhile, else refresh (OAuth) or
        mark the connection `needs_reauth` (anything else). Called with self._lock held."""
        import psycopg2.errors

        failure: Exception | None = None
        conn = self._connect()
        try:
            with conn, conn.cursor() as cur:
                cur.execute(f"set local lock_timeout = '{_LOCK_TIMEOUT}'")
                try:
                    row = self._fetch(cur, lock=True)
                except psycopg2.errors.LockNotAvailable:
                    raise TokenRefreshError(
                        f"Timed out waiting for another process to refresh the {self._name} token of {self._account}."
                    ) from None
                self._auth_type, self._api_base = row.auth_type, row.api_base
                stored = row.secrets.get(_TOKEN_KEYS.get(row.auth_type, ""))
                if row.status == "needs_reauth" and (rejected is None or stored == rejected):
                    raise self._reauth_error(row.last_error or "the provider no longer accepts its credentials")
                if rejected is not None and stored != rejected:
                    return self._remember(stored, row.expires_at)
                if rejected is None and not (row.auth_type == "oauth" and token_expiring(
                        row.expires_at, self._now(), self.refresh_margin_seconds)):
                    return self._remember(stored, row.expires_at)
                if row.auth_type != "oauth":
                    kind = {"private_app": "private app token", "api_key": "API key"}.get(row.auth_type, "credentials")
                    reason = f"{self._name} rejected the {kind} (401)"
                    self._update_status(cur, "needs_reauth", reason)
                    failure = self._reauth_error(reason)
                else:
                    try:
                        grant = self._call_token_endpoint(row)
                    except _TokenRefused as refused:
                        if refused.kind == "reauth":
                            reason = f"{self._name} refused the refresh token ({refused.description})"
                            self._update_status(cur, "needs_reauth", reason)
                            failure = self._reauth_error(reason)
                        else:
                            reason = f"{self._name} refused to refresh the token ({refused.description})"
                            if refused.kind == "client":
                                reason += "; check the OAuth app's client id and secret"
                            self._update_status(cur, "error", reason)
                            failure = TokenRefreshError(f"{reason} for {self._account}.")
                    else:
                        return self._save_grant(cur, row, grant)
        finally:
            conn.close()
        raise failure

    def _call_token_endpoint(self, row: _Row) -> TokenGrant:
        refresh_token = row.secrets.get("refresh_token")
        if not refresh_token:
            raise _TokenRefused("reauth", "no refresh token is stored")
        client_id, client_secret = client_credentials(self._provider, row.secrets)
        base = (row.api_base or default_api_base(self._provider)).rstrip("/")
        return post_token_request(
            self._client(), token_url(self._provider, base, row.secrets),
            {"grant_type": "refresh_token", "client_id": client_id, "client_secret": client_secret,
             "refresh_token": refresh_token},
            provider=self._provider, max_attempts=self.max_refresh_attempts,
        )

    def _save_grant(self, cur, row: _Row, grant: TokenGrant) -> str:
        """The new access token, its expiry and any rotated refresh token, in the lock's transaction."""
        secrets = {**row.secrets, "access_token": grant.access_token}
        if grant.refresh_token:
            secrets["refresh_token"] = grant.refresh_token
        expires_at = grant.expires_at(self._now())
        cur.execute(
            "update app.api_connections set secrets_encrypted = %s, token_expires_at = %s, status = 'connected', "
            "last_error = null, updated_at = now() where account_id = %s and provider = %s",
            (encrypt(secrets), expires_at, self._account_id, self._provider),
        )
        rotated = bool(grant.refresh_token) and grant.refresh_token != row.secrets.get("refresh_token")
        log.info("refreshed the %s token of %s (expires in %ss%s)", self._name, self._account, grant.expires_in,
                 ", refresh token rotated" if rotated else "")
        return self._remember(grant.access_token, expires_at)

    def _update_status(self, cur, status: str, message: str) -> None:
        cur.execute(
            "update app.api_connections set status = %s, last_error = %s, updated_at = now() "
            "where account_id = %s and provider = %s",
            (status, message, self._account_id, self._provider),
        )
        log.warning("%s connection of %s is now %s: %s", self._name, self._account, status, message)


# --- connecting ---------------------------------------------------------------------------------

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def normalize_api_base(url: str) -> str:
    """`url` as an API base: http(s), a host, no query or fragment, no trailing slash. Plain http
    is accepted for loopback hosts only (a local sandbox), so a token never crosses a network in
    clear text."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RevsyncError(
            f"The API base must be an http(s) URL with a host, e.g. https://api.hubapi.com (got {url!r})."
        )
    if parts.query or parts.fragment:
        raise RevsyncError(f"The API base must not have a query or fragment (got {url!r}).")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise RevsyncError(f"The API base must use https unless it is on this machine (got {url!r}).")
    return url.strip().rstrip("/")


@dataclass(frozen=True)
class TokenCheck:
    """What validating a token found: it authenticates; scopes it lacks (if the check said so)."""

    missing_scopes: tuple[str, ...] = ()


def verify_hubspot_token(token: str, api_base: str, *, http: httpx.Client | None = None) -> TokenCheck:
    """One cheap call with `token` (`GET {api_base}/crm/owners/2026-09?limit=1`, HubSpot's
    date-based owners path). A 401 raises a `RevsyncError` saying the token was rejected; a 403
    for missing scopes still proves the token, and names the scopes it lacks."""
    own = http is None
    client = httpx.Client(timeout=30) if own else http
    url = f"{api_base.rstrip('/')}/crm/owners/2026-09"
    try:
        response = client.get(url, params={"limit": 1}, headers={"Authorization": f"Bearer {token}"})
    except httpx.TransportError as exc:
        raise RevsyncError(
            f"Could not reach HubSpot at {api_base} to check the token ({type(exc).__name__})."
        ) from None
    finally:
        if own:
            client.close()
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    category = body.get("category") or ""
    if response.status_code == 200:
        return TokenCheck()
    if response.status_code == 401:
        raise RevsyncError(
            f"HubSpot rejected the private app token (401 {category}). Copy the whole access token from the "
            "private app's Auth tab in HubSpot (Settings > Integrations > Private apps) and try again."
        )
    if response.status_code == 403 and category == "MISSING_SCOPES":
        context = body.get("context") or {}
        missing = context.get("requiredGranularScopes") or context.get("missingScopes") or []
        return TokenCheck(missing_scopes=tuple(str(s) for s in missing) or ("crm.objects.owners.read",))
    message = scrub(str(body.get("message") or response.reason_phrase), {"token": token})
    raise RevsyncError(
        f"Could not check the token: {url} answered {response.status_code} ({message}). Is {api_base} a "
        "HubSpot API base?"
    )
