"""Deterministic Fathom data per account: users (the account's reps), credentials and meetings.

Meetings are an `ObjectTable` (object type "meetings") of small integer columns; titles,
invitees, transcripts, summaries and action items are rendered on request by `fathom/render.py`
from `record_rng(seed, account, "fathom-…", recording_id)`. `created_ms` is Fathom's `created_at`
(whole seconds) and ids grow with it, so id order is creation order.
"""

from __future__ import annotations

import base64

import numpy as np

from provider_sandbox.fathom.text import LANGUAGES, MEETING_TYPES, SHARED_WITH, TEAMS
from provider_sandbox.oauth import build_oauth_app
from provider_sandbox.seeding import derive_int, derive_uuid, numpy_rng
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.store import Account, FathomUser, FathomWorkspace, ObjectTable
from provider_sandbox.vocabulary import PROSPECT_COMPANIES

DAY_S = 86_400
MEETINGS = "meetings"
# Columns of the meetings table (all small integers; see render.py for how each is used).
COLUMNS = ("scheduled_start_s", "scheduled_minutes", "recording_offset_s", "duration_s", "recorder",
           "internal_guests", "external_guests", "prospect", "has_calendar", "meeting_type",
           "shared_with", "language", "transcript_items")


def fathom_email(seed: int, account_key: str, index: int, email: str) -> str:
    """The rep's email as Fathom stores it (typed at sign-up): some differ in letter case from the
    HubSpot owner's. Rep 1 always does, so every multi-rep account has at least one."""
    local, _, domain = email.partition("@")
    style = 1 if index == 1 else derive_int(seed, account_key, "fathom-email-case", index) % 5
    if style == 1:
        local = ".".join(part.capitalize() for part in local.split("."))
    elif style == 2:
        local = local.upper()
    return f"{local}@{domain}"


def build_users(seed: int, account: Account) -> list[FathomUser]:
    users = []
    for index, rep in enumerate(account.reps):
        # users[0] owns the workspace API key and is on the Sales team.
        team = TEAMS[0] if index == 0 else TEAMS[derive_int(seed, account.key, "fathom-team", index) % len(TEAMS)]
        users.append(FathomUser(index, f"{rep.first_name} {rep.last_name}",
                                fathom_email(seed, account.key, index, rep.email), team))
    return users


def build_workspace(settings: SandboxSettings, account: Account) -> FathomWorkspace:
    seed = settings.seed
    users = build_users(seed, account)
    key_bytes = derive_uuid(seed, account.key, "fathom-api-key").bytes + derive_uuid(seed, account.key, "k2").bytes
    app = build_oauth_app(seed, account.key, "fathom", f"revsync sandbox ({account.name})",
                          settings.oauth_redirect_uris, ("public_api",))
    return FathomWorkspace(
        api_key=base64.urlsafe_b64encode(key_bytes).rstrip(b"=").decode(),
        oauth_app=app,
        users=users,
        meetings=generate_meetings(settings, account, len(users)),
    )


def generate_meetings(settings: SandboxSettings, account: Account, n_users: int) -> ObjectTable:
    n = settings.fathom_meetings_per_account
    rng = numpy_rng(settings.seed, account.key, "fathom", MEETINGS)
    anchor_day = settings.anchor_ms // 1000 // DAY_S * DAY_S
    # Business hours in US time zones (13:00-21:45 UTC), on days before the anchor day, so every
    # meeting has ended and been processed before "now".
    day = rng.integers(1, max(settings.history_days, 1) + 1, n)
    start = (anchor_day - day * DAY_S + rng.integers(13, 22, n) * 3600
             + rng.choice(np.array([0, 15, 30, 45]), n) * 60)
    columns = _draw_columns(rng, n, n_users, start)
    created = _created_s(rng, columns)
    order = np.argsort(created, kind="stable")
    columns = {name: values[order] for name, values in columns.items()}
    created = created[order]
    base = 100_000_000 + derive_int(settings.seed, account.key, "fathom-recording-base") % 300_000_000
    ids = base + np.cumsum(rng.integers(1, 5000, n), dtype=np.int64)
    created_ms = created * 1000
    return ObjectTable(
        object_type=MEETINGS, ids=ids.astype(np.int64), created_ms=created_ms, modified_ms=created_ms.copy(),
        archived=np.zeros(n, dtype=bool), archived_ms=np.zeros(n, dtype=np.int64),
        revision=np.zeros(n, dtype=np.uint32), columns=columns,
    )


def _draw_columns(rng: np.random.Generator, n: int, n_users: int, start: np.ndarray,
                  recorder: int | None = None) -> dict[str, np.ndarray]:
    minutes = rng.choice(np.array([15, 30, 30, 45, 60, 60]), n).astype(np.int16)
    duration = (minutes * 60 * rng.uniform(0.6, 1.15, n)).astype(np.int32)
    short = rng.random(n) < 0.05  # dropped calls and no-shows: a few minutes, no summary
    duration[short] = rng.integers(45, 280, int(short.sum()))
    recorders = np.full(n, recorder, dtype=np.int16) if recorder is not None else rng.integers(0, n_users, n)
    externals = rng.choice(np.array([0, 1, 1, 2, 2, 3, 4]), n).astype(np.uint8)
    # The key owner (user 0) sees every meeting: others' recordings are shared with a team;
    # only the owner's own can be private ("no_teams").
    shared = rng.integers(1, len(SHARED_WITH), n)
    own = recorders == 0
    shared[own] = rng.integers(0, len(SHARED_WITH), int(own.sum()))
    meeting_type = rng.integers(-1, len(MEETING_TYPES), n)
    meeting_type[rng.random(n) < 0.4] = -1  # no meeting type assigned
    items_per_minute = rng.uniform(4, 9, n)
    return {
        "scheduled_start_s": start.astype(np.int64),
        "scheduled_minutes": minutes,
        "recording_offset_s": rng.integers(-90, 420, n).astype(np.int32),
        "duration_s": duration,
        "recorder": recorders.astype(np.int16),
        "internal_guests": np.minimum(rng.choice(np.array([0, 0, 1, 1, 2, 3]), n), n_users - 1).astype(np.uint8),
        "external_guests": externals,
        "prospect": rng.integers(0, len(PROSPECT_COMPANIES), n).astype(np.int16),
        "has_calendar": rng.random(n) > 0.06,  # ad-hoc recordings have no calendar event
        "meeting_type": meeting_type.astype(np.int8),
        "shared_with": shared.astype(np.uint8),
        "language": rng.choice(len(LANGUAGES), n, p=[0.85, 0.07, 0.05, 0.03]).astype(np.uint8),
        "transcript_items": np.maximum(duration / 60 * items_per_minute, 4).astype(np.uint16),
    }


def _created_s(rng: np.random.Generator, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Recording end plus processing time: when Fathom makes the meeting available."""
    end = (columns["scheduled_start_s"] + columns["recording_offset_s"].astype(np.int64)
           + columns["duration_s"].astype(np.int64))
    return end + rng.integers(60, 900, len(end))


def append_meeting(seed: int, account: Account, now_ms: int, recorder: int | None = None) -> int:
    """A meeting that just finished (for webhook delivery): recorded by `recorder` (or a random
    rep), created at or before `now_ms` and after every existing one. Returns its row."""
    workspace = account.fathom
    table = workspace.meetings
    rng = numpy_rng(seed, account.key, "fathom", "appended", len(table))
    last_created_s = int(table.created_ms[-1]) // 1000 if len(table) else 0
    columns = _draw_columns(rng, 1, len(workspace.users), np.zeros(1, dtype=np.int64), recorder)
    # Work back from "now": it ended and was processed just now.
    processing = int(rng.integers(60, 300))
    end = max(now_ms // 1000, last_created_s + 1) - processing
    start = end - int(columns["duration_s"][0]) - int(columns["recording_offset_s"][0])
    columns["scheduled_start_s"][0] = start
    created_s = end + processing
    last_id = int(table.ids[-1]) if len(table) else 100_000_000
    new_id = last_id + int(rng.integers(1, 5000))

    table.ids = np.append(table.ids, np.int64(new_id))
    table.created_ms = np.append(table.created_ms, np.int64(created_s * 1000))
    table.modified_ms = np.append(table.modified_ms, np.int64(created_s * 1000))
    table.archived = np.append(table.archived, False)
    table.archived_ms = np.append(table.archived_ms, np.int64(0))
    table.revision = np.append(table.revision, np.uint32(0))
    for name in COLUMNS:
        table.columns[name] = np.append(table.columns[name], columns[name]).astype(table.columns[name].dtype)
    table.version += 1
    return len(table) - 1
