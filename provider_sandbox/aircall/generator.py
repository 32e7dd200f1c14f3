"""Deterministic Aircall data for one account: users (the account's reps), numbers and calls.

Calls are columnar like the HubSpot tables. `created_ms` holds `started_at` (whole seconds, in
ms), and answer/end times are offsets from it (`ring_s`, `talk_s`), so a row never needs more
than a few integers and `advance` can clone rows to new times without touching other columns.
Text-like fields (phone digits, contact, tags, comments) are rendered on request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.seeding import derive_int, derive_uuid, numpy_rng
from provider_sandbox.store import AircallCompany, AircallNumber, AircallUser, ObjectTable

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account, Rep

TABLE_NAME = "aircall_calls"
DAY_S = 86_400

OUTBOUND, INBOUND = 0, 1
NO_REASON = 255
# Aircall's documented missed_call_reason values, with a plausible share for missed inbound calls.
MISSED_CALL_REASONS = (
    "out_of_opening_hours", "short_abandoned", "abandoned_in_ivr", "abandoned_in_classic",
    "no_available_agent", "agents_did_not_answer",
)
_REASON_SHARES = (0.25, 0.20, 0.10, 0.15, 0.10, 0.20)
_NO_VOICEMAIL_REASONS = (1, 2)  # hung up too early to leave one
_INBOUND_FRACTION = 0.4
_INBOUND_ANSWERED = 0.75
_OUTBOUND_ANSWERED = 0.65
_RECORDED_FRACTION = 0.85
_KNOWN_CONTACT_FRACTION = 0.55
# Aircall agents archive handled calls from their inbox; archived calls stay in GET /v1/calls.
_ARCHIVED_FRACTION = 0.2

TEAM_NAMES = ("Sales", "Customer Success", "Support")
_NUMBER_TEMPLATES = (
    ("Main line", "US", "America/New_York", "+1 {a}-555-01{b:02d}"),
    ("Sales US", "US", "America/Los_Angeles", "+1 {a}-555-02{b:02d}"),
    ("Support UK", "GB", "Europe/London", "+44 20 3{b:03d} 0{a}"),
)


def build_aircall(settings: SandboxSettings, account: Account) -> AircallCompany:
    seed, key = settings.seed, account.key
    anchor_s = settings.anchor_ms // 1000
    users = _build_users(seed, key, account.reps, anchor_s)
    numbers = [
        AircallNumber(
            id=100_000 + derive_int(seed, key, "aircall-number", n) % 900_000,
            name=name,
            digits=digits.format(a=200 + derive_int(seed, key, "aircall-area", n) % 700, b=n + 1),
            country=country,
            time_zone=tz,
            created_ms=(anchor_s - (700 + 30 * n) * DAY_S) * 1000,
        )
        for n, (name, country, tz, digits) in enumerate(_NUMBER_TEMPLATES)
    ]
    teams = list(TEAM_NAMES[: 2 if len(users) > 1 else 1])
    return AircallCompany(
        company_id=10_000 + derive_int(seed, key, "aircall-company") % 890_000,
        api_id=derive_uuid(seed, key, "aircall-api-id").hex,
        api_token=derive_uuid(seed, key, "aircall-api-token").hex,
        users=users,
        numbers=numbers,
        teams=teams,
        calls=_build_calls(settings, account, len(users), len(numbers)),
        # Accounts are keyed account-1, account-2, ... in generation order.
        ai_addon=int(key.rsplit("-", 1)[1]) <= settings.aircall_ai_addon_accounts,
    )


def utterance_counts(talk_s: np.ndarray, voicemail: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Utterances in a call's transcription: one per 15 s of talk (1 to 200); a voicemail has 1 to 3."""
    spoken = np.clip(talk_s.astype(np.int64) // 15, 1, 200)
    return np.where(voicemail, 1 + ids.astype(np.int64) % 3, spoken)


def email_case_variant(email: str, variant: int) -> str:
    """How a rep's email may be typed in Aircall: as in HubSpot, Title-cased, or shouted."""
    local, _, domain = email.partition("@")
    if variant == 1:
        return ".".join(part.capitalize() for part in local.split(".")) + "@" + domain
    if variant == 2:
        return f"{local.upper()}@{domain.capitalize()}"
    return email


def _build_users(seed: int, key: str, reps: list[Rep], anchor_s: int) -> list[AircallUser]:
    users: list[AircallUser] = []
    used: set[int] = set()
    for n, rep in enumerate(reps):
        user_id = 1_000_000 + derive_int(seed, key, "aircall-user", n) % 9_000_000
        while user_id in used:
            user_id += 1
        used.add(user_id)
        # The first rep always differs in case, so every account exercises case-insensitive matching.
        variant = 1 if n == 0 else derive_int(seed, key, "aircall-email-case", n) % 4
        created_s = anchor_s - (60 + derive_int(seed, key, "aircall-user-created", n) % 900) * DAY_S
        users.append(AircallUser(user_id, rep, email_case_variant(rep.email, variant), created_s * 1000,
                                 team=n % 2 if len(reps) > 1 else 0))
    return users


def _build_calls(settings: SandboxSettings, account: Account, user_count: int, number_count: int) -> ObjectTable:
    count = settings.aircall_calls_per_account
    rng = numpy_rng(settings.seed, account.key, "aircall", "calls")
    anchor_s = settings.anchor_ms // 1000
    started = np.sort(anchor_s - rng.integers(0, settings.history_days * DAY_S, count, dtype=np.int64))

    inbound = rng.random(count) < _INBOUND_FRACTION
    answered = np.where(inbound, rng.random(count) < _INBOUND_ANSWERED, rng.random(count) < _OUTBOUND_ANSWERED)
    ring = np.where(answered, rng.integers(2, 30, count), rng.integers(3, 46, count)).astype(np.uint16)
    talk = np.clip(rng.lognormal(np.log(200), 0.9, count), 5, 5400).astype(np.int32)
    talk = np.where(answered, talk, 0).astype(np.int32)

    missed_inbound = inbound & ~answered
    reason = rng.choice(len(MISSED_CALL_REASONS), size=count, p=_REASON_SHARES).astype(np.uint8)
    reason = np.where(missed_inbound, reason, NO_REASON).astype(np.uint8)
    voicemail = missed_inbound & ~np.isin(reason, _NO_VOICEMAIL_REASONS) & (rng.random(count) < 0.4)

    user = rng.integers(0, user_count, count).astype(np.int16)
    user[missed_inbound] = -1  # nobody picked up: Aircall sends user null
    ended = started + ring + talk
    archived = rng.random(count) < _ARCHIVED_FRACTION
    # Archived some time after the call ended, never after "now".
    archived_s = np.minimum(ended + rng.integers(60, 3 * DAY_S, count), anchor_s)
    archived_ms = np.where(archived, archived_s * 1000, 0)
    created_ms = started * 1000

    id_base = 1_500_000_000 + derive_int(settings.seed, account.key, "aircall-call-ids") % 500_000_000
    return ObjectTable(
        object_type=TABLE_NAME,
        ids=id_base + np.cumsum(rng.integers(1, 60, count, dtype=np.int64)),
        created_ms=created_ms,
        modified_ms=np.where(archived, archived_ms, created_ms),
        archived=archived,
        archived_ms=archived_ms,
        revision=np.zeros(count, dtype=np.uint32),
        columns={
            "direction": inbound.astype(np.uint8),
            "answered": answered,
            "ring_s": ring,
            "talk_s": talk,
            "missed_reason": reason,
            "voicemail": voicemail,
            "recorded": answered & (rng.random(count) < _RECORDED_FRACTION),
            "known_contact": rng.random(count) < _KNOWN_CONTACT_FRACTION,
            "user": user,
            "number": rng.integers(0, number_count, count).astype(np.uint8),
        },
    )
