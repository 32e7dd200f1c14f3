"""Fathom's users endpoint (July 2026), read through fathom-python's `list_users`, and transcripts
that are processed after their meeting appears (`--fathom-transcript-delay-seconds`)."""

from __future__ import annotations

import time

import httpx
import pytest


@pytest.fixture(scope="module")
def sandbox(start_sandbox):
    return start_sandbox("--accounts", "1", "--engagements", "30", "--fathom-meetings", "12",
                         "--fathom-rate-limit", "100000", "--fathom-transcript-delay-seconds", "3")


def test_sdk_lists_every_user_with_permissions(sandbox):
    from fathom_python import Fathom, models

    workspace = sandbox.accounts[0]["fathom"]
    sdk = Fathom(security=models.Security(api_key_auth=workspace["api_key"]), server_url=f"{sandbox.url}/external/v1")
    users, response = [], sdk.list_users()
    while response is not None:
        assert isinstance(response.result, models.UserListResponse) and response.result.limit == 10
        users.extend(response.result.items)
        response = response.next()
    assert [u.email for u in users] == [u["email"] for u in workspace["users"]]
    assert all(u.status == models.UserStatus.ACTIVE and u.permissions is not None for u in users)
    assert users[0].permissions.settings_access.level == models.UserSettingsAccessLevel.ACCOUNT_ADMIN
    assert users[0].permissions.view_access.level == models.UserViewAccessLevel.ALL_TEAMS
    for user, given in zip(users[1:], workspace["users"][1:], strict=True):
        view = user.permissions.view_access
        assert (view.level, view.teams) == (("team", [given["team"]]) if given["team"] else ("own_meetings", []))

    team = next(u["team"] for u in workspace["users"] if u["team"])
    filtered = sdk.list_users(team=team).result.items
    assert {u.email for u in filtered} == {u["email"] for u in workspace["users"] if u["team"] == team}
    assert sdk.list_users(status=models.ListUsersStatus.INVITED).result.items == []


def test_users_rejects_bad_filters_and_answers_fathoms_error_shape(sandbox):
    headers = {"X-Api-Key": sandbox.accounts[0]["fathom"]["api_key"]}
    for params in ({"status": "gone"}, {"settings_access": "owner"}, {"status": "invited", "settings_access": "none"},
                   {"cursor": "nope"}):
        response = httpx.get(f"{sandbox.url}/external/v1/users", params=params, headers=headers)
        assert response.status_code == 400 and set(response.json()) == {"error"}, params
    assert httpx.get(f"{sandbox.url}/external/v1/users").status_code == 401


def test_a_new_meetings_transcript_is_ready_after_the_delay(sandbox):
    headers = {"X-Api-Key": sandbox.accounts[0]["fathom"]["api_key"]}
    delivered = httpx.post(f"{sandbox.url}/_sandbox/fathom/deliver", json={"count": 1}).json()
    recording_id = delivered["meetings"][0]["recording_id"]

    def newest() -> dict:
        page = httpx.get(f"{sandbox.url}/external/v1/meetings", params={"include_transcript": "true"},
                         headers=headers).json()
        assert page["items"][0]["recording_id"] == recording_id
        return page["items"][0]

    def recording() -> list:
        return httpx.get(f"{sandbox.url}/external/v1/recordings/{recording_id}/transcript",
                         headers=headers).json()["transcript"]

    assert newest()["transcript"] is None and recording() == []
    time.sleep(3.5)
    assert newest()["transcript"] and recording() == newest()["transcript"]
    # Meetings from the generated history were processed long ago.
    older = httpx.get(f"{sandbox.url}/external/v1/meetings", params={"include_transcript": "true"},
                      headers=headers).json()["items"][1:]
    assert all(m["transcript"] for m in older)
