"""Provider-neutral OAuth 2.0 pieces for the HubSpot and Fathom authorization servers.

Each provider module keeps its own rules (scopes, error bodies, token shapes); what they share
lives here: building an account's app registration, single-use authorization codes, PKCE (S256),
the consent and error pages, and the redirect back to the client.

The consent page is a plain HTML form that POSTs the original authorize parameters back to the
same URL with `decision=allow|deny`, so a browser, Playwright or a scripted client (which can
POST the form directly) all drive the same code path. The POST re-validates everything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from provider_sandbox.seeding import derive_uuid
from provider_sandbox.store import OAuthApp

# Authorization codes are meant to be exchanged within seconds; 10 minutes is the RFC 6749
# recommended maximum and what most providers use. Neither HubSpot nor Fathom documents theirs.
CODE_TTL_SECONDS = 600


def build_oauth_app(seed: int, account_key: str, provider: str, name: str,
                    redirect_uris: Iterable[str], required_scopes: Iterable[str]) -> OAuthApp:
    """The account's app registration at one provider, derived from the seed (stable credentials
    across restarts, so a client configured once keeps working)."""
    return OAuthApp(
        client_id=str(derive_uuid(seed, account_key, provider, "oauth-client-id")),
        client_secret=str(derive_uuid(seed, account_key, provider, "oauth-client-secret")),
        redirect_uris=tuple(redirect_uris),
        required_scopes=tuple(required_scopes),
        name=name,
    )


@dataclass(frozen=True)
class IssuedCode:
    client_id: str
    account_key: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    expires_at: float


class CodeBook:
    """Authorization codes: issued on Allow, redeemable exactly once, short-lived."""

    def __init__(self, ttl_seconds: float = CODE_TTL_SECONDS) -> None:
        self.ttl_seconds = ttl_seconds
        self._codes: dict[str, IssuedCode] = {}

    def issue(self, code: str, client_id: str, account_key: str, redirect_uri: str,
              scopes: tuple[str, ...], code_challenge: str | None) -> str:
        if len(self._codes) > 10_000:  # never-redeemed codes: drop the expired ones
            now = time.time()
            self._codes = {c: i for c, i in self._codes.items() if i.expires_at > now}
        self._codes[code] = IssuedCode(client_id, account_key, redirect_uri, scopes, code_challenge,
                                       time.time() + self.ttl_seconds)
        return code

    def redeem(self, code: str) -> IssuedCode | None:
        """The code's grant, removing it so it can never be used again; None if unknown/spent."""
        return self._codes.pop(code, None)


def pkce_s256(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pkce_matches(verifier: str | None, challenge: str) -> bool:
    if not verifier or not 43 <= len(verifier) <= 128:
        return False
    return hmac.compare_digest(pkce_s256(verifier).encode(), challenge.encode())


def check_code_challenge(challenge: str | None, method: str | None) -> str | None:
    """An error message for an unusable PKCE challenge on the authorize request, else None."""
    if challenge is None:
        return None if method is None else "code_challenge_method was sent without a code_challenge"
    if method != "S256":
        return "code_challenge_method must be S256"
    if len(challenge) != 43 or not all(c.isalnum() or c in "-_" for c in challenge):
        return "code_challenge must be the 43-character base64url SHA-256 of the code_verifier"
    return None


def new_code() -> str:
    # Runtime secrets are random, not seed-derived: they must not be guessable from the seed.
    return str(uuid.uuid4())


async def authorize_params(request: Request) -> dict[str, str]:
    """The authorize parameters: from the query string (GET) or the consent form (POST)."""
    if request.method == "POST":
        form = await request.form()
        return {key: str(value) for key, value in form.items()}
    return dict(request.query_params)


async def token_params(request: Request) -> dict[str, str]:
    """Token endpoint parameters: the form body, plus query parameters (HubSpot's spec also lists
    client_secret and refresh_token as query parameters); the body wins."""
    params = dict(request.query_params)
    body = (await request.body()).decode("utf-8", "replace")
    params.update(parse_qsl(body, keep_blank_values=True))
    return params


def redirect_to(uri: str, params: Mapping[str, str | None]) -> RedirectResponse:
    """302 to the client's redirect URI with `params` appended to any query it already has."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((key, value) for key, value in params.items() if value is not None)
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;line-height:1.5}}
.error{{color:#b00020}} button{{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}}</style>
</head><body>
<h1>{title}</h1>
{body}
</body></html>
"""


def consent_page(*, provider: str, app_name: str, account_label: str, scopes: Iterable[str],
                 action: str, fields: Mapping[str, str]) -> HTMLResponse:
    """Allow/Deny form; hidden fields carry the authorize parameters back to `action`."""
    scope_items = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in scopes)
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items()
    )
    body = (
        f"<p><strong>{html.escape(app_name)}</strong> wants to connect to "
        f"<strong>{html.escape(account_label)}</strong> and will be able to:</p>"
        f'<ul id="scopes">{scope_items}</ul>'
        f'<form method="post" action="{html.escape(action)}">{hidden}'
        '<button type="submit" name="decision" value="allow" id="allow">Allow</button>'
        '<button type="submit" name="decision" value="deny" id="deny">Deny</button>'
        "</form>"
    )
    return HTMLResponse(_PAGE.format(title=html.escape(f"Connect to {provider}"), body=body))


def error_page(provider: str, code: str, message: str, status: int = 400) -> HTMLResponse:
    """An authorization error shown to the user instead of redirecting (the redirect URI, client
    or scopes cannot be trusted). `data-error` carries a stable code for tests and scripts."""
    body = (
        f'<p class="error" id="error" data-error="{html.escape(code)}">{html.escape(message)}</p>'
        "<p>Contact the app developer to fix this authorization request.</p>"
    )
    return HTMLResponse(_PAGE.format(title=html.escape(f"{provider}: authorization failed"), body=body),
                        status_code=status)
