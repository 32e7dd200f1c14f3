"""Who is calling Aircall: HTTP Basic `api_id:api_token` -> the account."""

from __future__ import annotations

import base64
import binascii
import hmac

from starlette.requests import Request
from starlette.responses import Response

from provider_sandbox.aircall.errors import unauthorized
from provider_sandbox.stats import ACCOUNT_KEY
from provider_sandbox.store import Account, SandboxStore


class AircallCredentials:
    def __init__(self, store: SandboxStore) -> None:
        self._by_api_id = {a.aircall.api_id: a for a in store.accounts if a.aircall is not None}

    def authenticate(self, request: Request) -> Account | Response:
        """The calling account, or Aircall's 401."""
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return unauthorized()
        try:
            api_id, _, api_token = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return unauthorized()
        account = self._by_api_id.get(api_id)
        if account is None or account.aircall is None:
            return unauthorized()
        if not hmac.compare_digest(api_token.encode(), account.aircall.api_token.encode()):
            return unauthorized()
        request.scope[ACCOUNT_KEY] = ("aircall", account.key)
        return account
