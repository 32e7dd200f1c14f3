"""Fathom: the official SDK pages every meeting with transcripts and deserializes it; filters,
recordings, rate limit, OAuth with rotating refresh tokens, and Standard Webhooks delivery."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

REDIRECT = "http://localhost:8000/oauth/fathom/callback"
HMS = re.compile(r"\d{2}:[0-5]\d:[0-5]\d")


@pytest.fixture(scope="module")
def sandbox(start_sandbox):
    return start_sandbox("--accounts", "2", "--engagements", "60", "--fathom-meetings", "45",
                         "--fathom-rate-limit", "100000")


def key_of(sandbox, index: int = 0) -> str:
    return sandbox.accounts[index]["fathom"]["api_key"]


def api(sandbox, path: str, index: int = 0, headers: dict | None = None, **params) -> httpx.Response:
    return httpx.get(f"{sandbox.url}/external/v1{path}", params=params,
                     headers=headers if headers is not None else {"X-Api-Key": key_of(sandbox, index)})


def all_items(sandbox, index: int = 0, headers: dict | None = None, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page = api(sandbox, "/meetings", index, headers, **params, **({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["limit"] == 10 and len(body["items"]) <= 10
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def epoch_ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def checksum(pairs) -> str:
    return hashlib.sha256("".join(f"{i}:{ms}\n" for i, ms in sorted(pairs)).encode()).hexdigest()


def seconds(hms: str) -> int:
    h, m, s = map(int, hms.split(":"))
    return h * 3600 + m * 60 + s


def test_sdk_pages_every_meeting_with_transcripts_matching_truth(sandbox):
    import fathom_python
    from fathom_python import Fathom, models

    truth = sandbox.admin("truth")["accounts"]["account-1"]["fathom"]["meetings"]
    sdk = Fathom(security=models.Security(api_key_auth=key_of(sandbox)), server_url=f"{sandbox.url}/external/v1")
    meetings, pages = [], 0
    response = sdk.list_meetings(include_transcript=True, include_summary=True, include_action_items=True)
    while response is not None:
        pages += 1
        assert isinstance(response.result, models.MeetingListResponse)
        meetings.extend(response.result.items)
        response = response.next()
    assert pages == 5  # 45 meetings, 10 per page
    assert len(meetings) == truth["count"] == 45
    assert checksum((m.recording_id, int(m.created_at.timestamp() * 1000)) for m in meetings) == truth["checksum"]
    assert [m.created_at for m in meetings] == sorted((m.created_at for m in meetings), reverse=True)
    assert sum(len(m.transcript) for m in meetings) == truth["transcript_items"]

    owners = {o["email"] for a in sandbox.accounts[:1] for o in a["hubspot"]["owners"]}
    recorders = {m.recorded_by.email for m in meetings}
    assert {email.lower() for email in recorders} <= owners
    assert recorders - owners, "some Fathom emails differ in letter case from the HubSpot owners'"
    assert all(m.recorded_by.email_domain == sandbox.accounts[0]["domain"] for m in meetings)

    speakers_external = 0
    for meeting in meetings:
        assert isinstance(meeting, fathom_python.models.Meeting)
        assert meeting.transcript and all(HMS.fullmatch(item.timestamp) for item in meeting.transcript)
        offsets = [seconds(item.timestamp) for item in meeting.transcript]
        duration = (meeting.recording_end_time - meeting.recording_start_time).total_seconds()
        assert offsets == sorted(offsets) and offsets[-1] <= duration
        invitees = {i.email: i for i in meeting.calendar_invitees}
        speakers_external += any(
            item.speaker.matched_calendar_invitee_email in invitees
            and invitees[item.speaker.matched_calendar_invitee_email].is_external
            for item in meeting.transcript)
        if meeting.calendar_invitees:
            assert meeting.recorded_by.email in invitees
            external = any(i.is_external for i in meeting.calendar_invitees)
            assert meeting.calendar_invitees_domains_type.value == (
                "one_or_more_external" if external else "only_internal")
        for item in meeting.action_items or []:
            assert HMS.fullmatch(item.recording_timestamp)
    assert speakers_external > 0, "transcripts have external invitees as speakers"


def test_raw_shape_and_include_flags(sandbox):
    plain = api(sandbox, "/meetings").json()["items"][0]
    assert {"transcript", "default_summary", "action_items"}.isdisjoint(plain)
    assert plain["highlights"] is None and plain["crm_matches"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", plain["created_at"])
    full = api(sandbox, "/meetings", include_highlights="true", include_crm_matches="true",
               include_transcript="true").json()["items"][0]
    assert full["recording_id"] == plain["recording_id"]
    assert isinstance(full["highlights"], list) and isinstance(full["crm_matches"], dict)
    # Rendering the transcript does not change anything else about the meeting.
    assert {k: v for k, v in full.items() if k not in ("transcript", "highlights", "crm_matches")} == {
        k: v for k, v in plain.items() if k not in ("highlights", "crm_matches")}
    assert api(sandbox, "/meetings", include_transcript="maybe").status_code == 400


def test_filters(sandbox):
    everything = all_items(sandbox)
    created = sorted(m["created_at"] for m in everything)
    middle = created[len(created) // 2]
    after = all_items(sandbox, created_after=middle)
    before = all_items(sandbox, created_before=middle)
    assert all(m["created_at"] > middle for m in after) and all(m["created_at"] < middle for m in before)
    assert len(after) + len(before) + created.count(middle) == len(everything)

    email = everything[0]["recorded_by"]["email"]
    mine = all_items(sandbox, **{"recorded_by[]": email.swapcase()})
    assert mine and all(m["recorded_by"]["email"] == email for m in mine)
    assert len(mine) == sum(m["recorded_by"]["email"] == email for m in everything)

    external = all_items(sandbox, calendar_invitees_domains_type="one_or_more_external")
    internal = all_items(sandbox, calendar_invitees_domains_type="only_internal")
    assert len(external) + len(internal) == len(everything)
    assert all(any(i["is_external"] for i in m["calendar_invitees"]) for m in external)
    assert not any(i["is_external"] for m in internal for i in m["calendar_invitees"])

    domain = next(i["email_domain"] for m in external for i in m["calendar_invitees"] if i["is_external"])
    by_domain = all_items(sandbox, **{"calendar_invitees_domains[]": domain})
    assert by_domain and all(any(i["email_domain"] == domain for i in m["calendar_invitees"]) for m in by_domain)

    assert api(sandbox, "/meetings", cursor="bogus").status_code == 400
    assert api(sandbox, "/meetings", created_after="yesterday").status_code == 400
    assert api(sandbox, "/meetings", meeting_type="No such type").json()["items"] == []


def test_recordings_transcript_and_summary(sandbox):
    from fathom_python import Fathom, errors, models

    meeting = api(sandbox, "/meetings", include_transcript="true", include_summary="true").json()["items"][0]
    sdk = Fathom(security=models.Security(api_key_auth=key_of(sandbox)), server_url=f"{sandbox.url}/external/v1")
    transcript = sdk.get_recording_transcript(recording_id=meeting["recording_id"])
    assert [item.model_dump(exclude_unset=True) for item in transcript.transcript] == meeting["transcript"]
    summary = sdk.get_recording_summary(recording_id=meeting["recording_id"])
    assert summary.summary.markdown_formatted == meeting["default_summary"]["markdown_formatted"]
    with pytest.raises(errors.APIError):
        sdk.get_recording_transcript(recording_id=1)
    # Another account's recording is not visible.
    assert api(sandbox, f"/recordings/{meeting['recording_id']}/transcript", index=1).status_code == 404


def test_authentication(sandbox):
    assert api(sandbox, "/meetings", headers={}).status_code == 401
    assert api(sandbox, "/meetings", headers={"X-Api-Key": "nope"}).status_code == 401
    assert api(sandbox, "/meetings", headers={"Authorization": "Bearer nope"}).status_code == 401
    first = {m["recording_id"] for m in api(sandbox, "/meetings").json()["items"]}
    other = {m["recording_id"] for m in api(sandbox, "/meetings", index=1).json()["items"]}
    assert first and other and not first & other


def test_rate_limit_60_per_window_with_headers(start_sandbox):
    limited = start_sandbox("--accounts", "1", "--engagements", "10", "--fathom-meetings", "3")
    headers = {"X-Api-Key": limited.accounts[0]["fathom"]["api_key"]}
    with limited.client(headers=headers) as client:
        for n in range(60):
            ok = client.get("/external/v1/meetings")
            assert ok.status_code == 200, n
            assert ok.headers["RateLimit-Limit"] == "60"
            assert ok.headers["RateLimit-Remaining"] == str(59 - n)
        refused = client.get("/external/v1/meetings")
    assert refused.status_code == 429
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert 0 < int(refused.headers["RateLimit-Reset"]) <= 60
    stats = limited.admin("stats")
    assert stats["rate_limited"]["by_account"] == {"fathom:account-1": 1}
    httpx.delete(f"{limited.url}/_sandbox/stats")  # resets the window too
    with limited.client(headers=headers) as client:
        assert client.get("/external/v1/meetings").status_code == 200


def _oauth_code(sandbox, decision: str = "allow", **extra) -> httpx.Response:
    app = sandbox.accounts[0]["fathom"]["oauth"]
    params = {"client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "public_api",
              "state": "fs", "response_type": "code", **extra}
    with sandbox.client() as client:
        page = client.get("/external/v1/oauth2/authorize", params=params)
        if page.status_code != 200:
            return page
        assert 'id="allow"' in page.text
        return client.post("/external/v1/oauth2/authorize", data={**params, "decision": decision})


def test_oauth_rotating_refresh_tokens(sandbox):
    app = sandbox.accounts[0]["fathom"]["oauth"]
    answer = _oauth_code(sandbox)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["fs"]
    form = {"grant_type": "authorization_code", "client_id": app["client_id"], "client_secret": app["client_secret"],
            "code": query["code"][0], "redirect_uri": REDIRECT}
    token_url = f"{sandbox.url}/external/v1/oauth2/token"
    tokens = httpx.post(token_url, data=form)
    assert tokens.status_code == 200, tokens.text
    tokens = tokens.json()
    assert tokens["scope"] == "public_api" and tokens["expires_in"] == 86400
    assert httpx.post(token_url, data=form).json()["error"] == "invalid_grant"  # codes are single-use

    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    items = all_items(sandbox, headers=bearer, include_transcript="true")
    assert len(items) == 45 and all("transcript" not in m for m in items)  # unavailable for OAuth apps

    refresh = {"grant_type": "refresh_token", "client_id": app["client_id"], "client_secret": app["client_secret"],
               "refresh_token": tokens["refresh_token"]}
    renewed = httpx.post(token_url, data=refresh).json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    replay = httpx.post(token_url, data=refresh)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    again = httpx.post(token_url, data={**refresh, "refresh_token": renewed["refresh_token"]})
    assert again.status_code == 200
    wrong_secret = httpx.post(token_url, data={**refresh, "client_secret": "x"})
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"


def test_oauth_authorize_errors(sandbox):
    denied = _oauth_code(sandbox, "deny")
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]
    bad_scope = _oauth_code(sandbox, scope="public_api admin")
    assert bad_scope.status_code == 302
    assert parse_qs(urlsplit(bad_scope.headers["location"]).query)["error"] == ["invalid_scope"]
    bad_redirect = _oauth_code(sandbox, redirect_uri="http://localhost:9999/elsewhere")
    assert bad_redirect.status_code == 400 and "location" not in bad_redirect.headers


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers.items()), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/fathom-hook", _Receiver.received
    server.shutdown()
    server.server_close()


def test_webhook_delivery_is_signed_the_standard_webhooks_way(sandbox, receiver):
    import standardwebhooks
    from fathom_python import Fathom, models
    from standardwebhooks.webhooks import WebhookVerificationError

    url, received = receiver
    sdk = Fathom(security=models.Security(api_key_auth=key_of(sandbox, 1)), server_url=f"{sandbox.url}/external/v1")
    webhook = sdk.create_webhook(destination_url=url, triggered_for=list(models.CreateWebhookTriggeredFor),
                                 include_transcript=True, include_action_items=True)
    assert webhook.secret.startswith("whsec_") and webhook.include_transcript and not webhook.include_summary
    before = sandbox.admin("truth")["accounts"]["account-2"]["fathom"]["meetings"]["count"]

    delivered = httpx.post(f"{sandbox.url}/_sandbox/fathom/deliver", json={"account": "account-2"}).json()
    assert [d["status_code"] for d in delivered["deliveries"]] == [200]
    assert len(received) == 1
    headers, body = received[0]
    payload = standardwebhooks.Webhook(webhook.secret).verify(body, headers)
    assert Fathom.verify_webhook(webhook.secret, headers, body.decode()) == payload  # the SDK's own check (svix)
    assert payload["recording_id"] == delivered["meetings"][0]["recording_id"]
    assert payload["transcript"] and payload["action_items"] is not None and "default_summary" not in payload
    models.Meeting.model_validate(payload)
    assert headers["webhook-signature"].startswith("v1,")

    tampered = json.dumps({**json.loads(body), "title": "tampered"}).encode()
    with pytest.raises(WebhookVerificationError):
        standardwebhooks.Webhook(webhook.secret).verify(tampered, headers)
    with pytest.raises(WebhookVerificationError):
        standardwebhooks.Webhook(webhook.secret).verify(body.replace(b"}", b" }", 1), headers)

    # The new meeting is the newest in the list and in the truth.
    newest = api(sandbox, "/meetings", index=1).json()["items"][0]
    assert newest["recording_id"] == payload["recording_id"]
    assert sandbox.admin("truth")["accounts"]["account-2"]["fathom"]["meetings"]["count"] == before + 1

    sdk.delete_webhook(id=webhook.id)
    again = httpx.post(f"{sandbox.url}/_sandbox/fathom/deliver", json={"account": "account-2"}).json()
    assert again["deliveries"] == [] and len(received) == 1


def test_webhook_validation_and_trigger_matching(sandbox, receiver):
    url, received = receiver
    headers = {"X-Api-Key": key_of(sandbox, 1)}
    create = f"{sandbox.url}/external/v1/webhooks"
    none_included = httpx.post(create, headers=headers,
                               json={"destination_url": url, "triggered_for": ["my_recordings"]})
    assert none_included.status_code == 400
    bad_trigger = httpx.post(create, headers=headers,
                             json={"destination_url": url, "triggered_for": ["everything"], "include_summary": True})
    assert bad_trigger.status_code == 400
    webhook = httpx.post(create, headers=headers,
                         json={"destination_url": url, "triggered_for": ["shared_team_recordings"],
                               "include_summary": True})
    assert webhook.status_code == 201
    users = sandbox.accounts[1]["fathom"]["users"]
    # The owner's own recording is not a "shared team recording": no delivery.
    mine = httpx.post(f"{sandbox.url}/_sandbox/fathom/deliver",
                      json={"account": "account-2", "recorded_by": users[0]["email"]}).json()
    assert mine["deliveries"] == []
    theirs = httpx.post(f"{sandbox.url}/_sandbox/fathom/deliver",
                        json={"account": "account-2", "recorded_by": users[1]["email"].upper(), "count": 2}).json()
    assert [d["status_code"] for d in theirs["deliveries"]] == [200, 200]
    assert [json.loads(body)["recorded_by"]["email"] for _, body in received] == [users[1]["email"]] * 2
    assert httpx.delete(f"{create}/{webhook.json()['id']}", headers=headers).status_code == 204
    assert httpx.delete(f"{create}/{webhook.json()['id']}", headers=headers).status_code == 404


def test_recording_destination_url_gets_the_body_posted(sandbox, receiver):
    url, received = receiver
    meeting = api(sandbox, "/meetings", include_summary="true").json()["items"][0]
    answer = api(sandbox, f"/recordings/{meeting['recording_id']}/summary", destination_url=url)
    assert answer.status_code == 200 and answer.json() == {"destination_url": url}
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.02)
    assert json.loads(received[0][1]) == {"summary": meeting["default_summary"]}


@pytest.mark.parametrize("cursor", ["not-a-cursor", "é", "cmVjb3JkaW5nOmFiYw"])
def test_a_cursor_that_no_page_gave_is_a_400(sandbox, cursor):
    response = api(sandbox, "/meetings", cursor=cursor)
    assert response.status_code == 400, response.text
