"""Fathom's API for one connection: the meetings list, per-recording transcripts and summaries,
users, and webhook registration, paced by Fathom's limits (provider-apis.md B1).

Limits: 60 requests per rolling 60 s per user, read back from the `RateLimit-Limit`,
`-Remaining` and `-Reset` headers of every answer (what other clients of the same user spent
counts too), and a lower limit of 30 per 60 s for "heavy" requests. Fathom does not say which
requests are heavy; revsync counts the per-recording transcript and summary reads as heavy (they
return whole documents, and only OAuth connections need them) and the meetings list as ordinary,
so a sync with an API key reads at the full 60 per minute.

Auth: an API key goes in `X-Api-Key`; an OAuth access token as a bearer token (the credentials
refresh and rotate it). OAuth apps may not ask the list for transcripts or summaries ("unavailable
for OAuth connected apps"), so those connections read them per recording.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from dlt_sources.http import ApiClient, RateBudget, RetryPolicy, StaticToken, TokenSource, bearer

API_PREFIX = "/external/v1"
DEFAULT_RATE = (60, 60.0)  # requests per window, per user; adapted from RateLimit-* headers
DEFAULT_HEAVY = (30, 60.0)
WEBHOOK_TRIGGERS = ("my_recordings", "shared_external_recordings", "my_shared_with_team_recordings",
                    "shared_team_recordings")


def api_key_header(key: str) -> dict[str, str]:
    return {"X-Api-Key": key}


class BothBudgets:
    """A heavy request waits for the heavy budget and then for the global one; a 429 pauses both."""

    def __init__(self, heavy: RateBudget, overall: RateBudget):
        self.heavy, self.overall = heavy, overall

    def acquire(self) -> None:
        self.heavy.acquire()
        self.overall.acquire()

    def pause(self, seconds: float) -> None:
        self.heavy.pause(seconds)
        self.overall.pause(seconds)


def is_heavy(path: str) -> bool:
    return path.startswith(f"{API_PREFIX}/recordings/")


class FathomApi:
    """Typed calls over one `ApiClient`; `uses_oauth` says whether transcripts come per recording."""

    def __init__(self, api_base: str, credentials: TokenSource, *, uses_oauth: bool,
                 rate: tuple[int, float] = DEFAULT_RATE, heavy: tuple[int, float] = DEFAULT_HEAVY,
                 policy: RetryPolicy | None = None, http: httpx.Client | None = None):
        self.uses_oauth = uses_oauth
        self.overall = RateBudget("fathom", rate[0], rate[1])
        self.heavy = RateBudget("fathom-heavy", heavy[0], heavy[1])
        both = BothBudgets(self.heavy, self.overall)
        self.client = ApiClient(
            api_base, credentials, budget_for=lambda path: both if is_heavy(path) else self.overall,
            policy=policy, on_headers=self._adapt, http=http,
            auth_headers=bearer if uses_oauth else api_key_header,
        )

    @property
    def stats(self):
        return self.client.stats

    def close(self) -> None:
        self.client.close()

    def _adapt(self, path: str, headers: httpx.Headers) -> None:
        limit = _int(headers.get("RateLimit-Limit"))
        remaining = _int(headers.get("RateLimit-Remaining"))
        if limit is None and remaining is None:
            return
        # Only the global limit is announced; the heavy budget stays at its documented figure.
        reset = _int(headers.get("RateLimit-Reset"))
        if remaining == 0 and reset is not None:
            # Nothing left: nobody sends for the Reset seconds Fathom names, however long our own
            # count would keep the window full (counting its limit as sent now would hold every
            # request for a whole minute when Fathom has room again in one second).
            self.overall.adapt(limit, None)
            self.overall.pause(reset)
            return
        self.overall.adapt(limit, None, remaining)

    def meeting_pages(self, created_after: str | None, created_before: str | None,
                      include_content: bool) -> Iterator[list[dict]]:
        """Pages of meetings, newest first, with invitees, action items, highlights and CRM
        matches; with transcripts and summaries too when `include_content` (API keys only)."""
        params: dict[str, Any] = {"include_action_items": "true", "include_highlights": "true",
                                  "include_crm_matches": "true"}
        if include_content:
            params.update(include_transcript="true", include_summary="true")
        if created_after:
            params["created_after"] = created_after
        if created_before:
            params["created_before"] = created_before
        cursor = None
        while True:
            page = self.client.get(f"{API_PREFIX}/meetings", {**params, **({"cursor": cursor} if cursor else {})},
                                   label="GET /meetings")
            yield list(page.get("items") or [])
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def transcript(self, recording_id: int) -> list[dict] | None:
        body = self.client.get(f"{API_PREFIX}/recordings/{recording_id}/transcript", label="GET /recordings/transcript")
        return (body or {}).get("transcript")

    def summary(self, recording_id: int) -> dict | None:
        body = self.client.get(f"{API_PREFIX}/recordings/{recording_id}/summary", label="GET /recordings/summary")
        return (body or {}).get("summary")

    def users(self) -> Iterator[dict]:
        cursor = None
        while True:
            page = self.client.get(f"{API_PREFIX}/users", {"cursor": cursor} if cursor else None, label="GET /users")
            yield from page.get("items") or []
            cursor = page.get("next_cursor")
            if not cursor:
                return


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _one_off_client(api_base: str, token: str, oauth: bool) -> ApiClient:
    budget = RateBudget("fathom-setup", DEFAULT_RATE[0], DEFAULT_RATE[1])
    return ApiClient(api_base, StaticToken("(connecting)", "fathom", token), budget_for=lambda path: budget,
                     policy=RetryPolicy(give_up_after_seconds=30), auth_headers=bearer if oauth else api_key_header)


def check_api_key(api_base: str, api_key: str) -> None:
    """One cheap call (the first page of meetings, no transcripts): raises `Unauthorized` for a
    rejected key, another `SourceError` when Fathom cannot be reached or answers oddly."""
    with _one_off_client(api_base, api_key, oauth=False) as client:
        client.get(f"{API_PREFIX}/meetings", label="GET /meetings")


def register_webhook(api_base: str, token: str, destination_url: str, *, oauth: bool = False) -> Mapping[str, Any]:
    """Ask Fathom to POST every new meeting the key's (or OAuth grant's) user can see, with its
    transcript, summary, action items and CRM matches, to `destination_url`; returns Fathom's
    `Webhook` (`id`, `secret`, ...). Store the secret as the connection's `webhook_secret`."""
    with _one_off_client(api_base, token, oauth) as client:
        return client.post(f"{API_PREFIX}/webhooks", {
            "destination_url": destination_url, "triggered_for": list(WEBHOOK_TRIGGERS),
            "include_transcript": True, "include_summary": True, "include_action_items": True,
            "include_crm_matches": True,
        }, label="POST /webhooks")


def delete_webhook(api_base: str, token: str, webhook_id: str, *, oauth: bool = False) -> None:
    with _one_off_client(api_base, token, oauth) as client:
        client.request("DELETE", f"{API_PREFIX}/webhooks/{webhook_id}", label="DELETE /webhooks")
