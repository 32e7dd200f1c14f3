"""Aircall JSON objects (call, user, number), rendered on request from the columnar store.

Field names and types follow provider-apis.md B2 and Airbyte's source-aircall schema: ids are
integers, call times are unix seconds, user/number `created_at` are ISO strings. Stable fields
(the other party's digits, the contact) come from the record's seed; fields that change over a
call's life (tags, comments) also from its revision, so `advance` visibly edits them.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np

from provider_sandbox.aircall.generator import INBOUND, MISSED_CALL_REASONS, NO_REASON, utterance_counts
from provider_sandbox.seeding import record_rng
from provider_sandbox.store import Account, AircallCompany, AircallNumber, AircallUser
from provider_sandbox.vocabulary import CONTACT_FIRST_NAMES, CONTACT_LAST_NAMES, PROSPECT_COMPANIES, ascii_slug

TAG_NAMES = ("Callback Request", "Follow Up", "Qualified", "Demo booked", "Pricing question", "Churn risk")
COMMENTS = (
    "Asked for a callback after 3pm.",
    "Interested in the annual plan, send pricing.",
    "Wrong contact, redirect to procurement.",
    "Left a voicemail, will retry tomorrow.",
    "Très intéressé par la démo 👍",
    "Prefers WhatsApp follow-up.",
)
# What reps and callers say; emoji and right-to-left text included, as real transcripts have them.
AGENT_LINES = (
    "Hi, thanks for calling, how can I help?",
    "Let me pull up your account.",
    "I can send the pricing over by email today.",
    "Does Thursday at 10 work for a demo?",
    "I'll loop in my colleague from customer success.",
    "Perfect, talk soon 👋",
)
CALLER_LINES = (
    "I'm calling about the renewal quote.",
    "We're comparing two vendors right now.",
    "Can you do a discount on the annual plan?",
    "Thursday works for me.",
    "شكرا، سأرسل لك التفاصيل",
    "The integration with our CRM is the main question.",
)
_US_AREAS = ("212", "312", "415", "512", "617", "646", "720", "206", "305", "404")
# How long a recording/voicemail link stays valid (Aircall's are short-lived, signed URLs).
_MEDIA_URL_TTL_S = 600


def iso_seconds(epoch_ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(int(epoch_ms) // 1000))


def render_user(base: str, company: AircallCompany, user: AircallUser, full: bool = True) -> dict:
    body = {
        "id": user.id,
        "direct_link": f"{base}/v1/users/{user.id}",
        "name": f"{user.rep.first_name} {user.rep.last_name}",
        "email": user.email,
        "available": False,
        "availability_status": "available",
        "created_at": iso_seconds(user.created_ms),
        "time_zone": "America/New_York",
        "language": "en-US",
        "wrap_up_time": 0,
    }
    if full:  # GET /v1/users adds these; embedded users in calls do not carry them
        body["state"] = "always_opened"
        body["extension"] = f"{100 + company.users.index(user):03d}"
    return body


def render_number(base: str, number: AircallNumber) -> dict:
    return {
        "id": number.id,
        "direct_link": f"{base}/v1/numbers/{number.id}",
        "name": number.name,
        "digits": number.digits,
        "created_at": iso_seconds(number.created_ms),
        "country": number.country,
        "time_zone": number.time_zone,
        "open": True,
        "availability_status": "open",
        "is_ivr": False,
        "live_recording_activated": False,
        "priority": None,
    }


def render_call(base: str, seed: int, account: Account, row: int, now_s: int) -> dict:
    company = account.aircall
    assert company is not None
    table = company.calls
    cols = table.columns
    call_id = int(table.ids[row])
    started = int(table.created_ms[row]) // 1000
    ring, talk = int(cols["ring_s"][row]), int(cols["talk_s"][row])
    answered = bool(cols["answered"][row])
    inbound = int(cols["direction"][row]) == INBOUND
    reason = int(cols["missed_reason"][row])
    user_index = int(cols["user"][row])
    user = company.users[user_index] if user_index >= 0 else None
    number = company.numbers[int(cols["number"][row])]

    stable = record_rng(seed, account.key, "aircall-call", call_id)
    digits, country = _external_digits(stable, inbound)
    contact = _contact(stable, base, call_id, digits) if bool(cols["known_contact"][row]) and digits else None
    minutes = -(-(ring + talk) // 60)
    cost_cents = 0.0 if inbound else round(minutes * (1.4 if country in ("US", None) else 9.0), 1)
    # A call still going at the sandbox's "now" is listed as Aircall lists it: `initial` while
    # ringing, `answered` once picked up, with no end, duration, media, reason, tags or comments yet.
    ended = started + ring + talk
    done = ended <= now_s
    answered_now = answered and started + ring <= now_s
    if not (answered_now or not inbound):
        user = None  # an inbound call nobody has picked up (yet)
    recorded, voicemail = done and bool(cols["recorded"][row]), done and bool(cols["voicemail"][row])

    body = {
        "id": call_id,
        "direct_link": f"{base}/v1/calls/{call_id}",
        "direction": "inbound" if inbound else "outbound",
        "status": "done" if done else ("answered" if answered_now else "initial"),
        "missed_call_reason": MISSED_CALL_REASONS[reason] if reason != NO_REASON and done else None,
        "started_at": started,
        "answered_at": started + ring if answered_now else None,
        "ended_at": ended if done else None,
        "duration": ring + talk if done else None,
        "raw_digits": digits or "anonymous",
        "recording": _media_url(seed, company, call_id, "recording", now_s) if recorded else None,
        "voicemail": _media_url(seed, company, call_id, "voicemail", now_s) if voicemail else None,
        "asset": f"https://assets.aircall.sandbox.test/calls/{call_id}" if recorded else None,
        "user": render_user(base, company, user, full=False) if user else None,
        "assigned_to": None,
        "transferred_by": None,
        "transferred_to": None,
        "number": render_number(base, number),
        "contact": contact,
        "archived": bool(table.archived[row]),
        "cost": f"{cost_cents:.1f}" if done else None,
        "country_code_a2": country,
        "pricing_type": None if inbound else "regular",
        "teams": [_team(base, company, user)] if inbound and user else [],
    }
    if done:
        body.update(_tags_and_comments(seed, account.key, base, company, user, call_id, int(table.revision[row]),
                                       ended))
    else:
        body.update({"tags": [], "comments": []})
    return body


def _external_digits(rnd, inbound: bool) -> tuple[str | None, str | None]:
    roll = rnd.random()
    if inbound and roll < 0.02:
        return None, None  # withheld caller id
    if roll < 0.82:
        return f"+1 {rnd.choice(_US_AREAS)}-{rnd.randint(200, 999)}-{rnd.randint(1000, 9999)}", "US"
    if roll < 0.91:
        return f"+44 20 {rnd.randint(1000, 9999)} {rnd.randint(1000, 9999)}", "GB"
    pairs = " ".join(f"{rnd.randint(0, 99):02d}" for _ in range(4))
    return f"+33 6 {pairs}", "FR"


def _contact(rnd, base: str, call_id: int, digits: str) -> dict:
    first, last = rnd.choice(CONTACT_FIRST_NAMES), rnd.choice(CONTACT_LAST_NAMES)
    company = rnd.choice(PROSPECT_COMPANIES)
    contact_id = 50_000_000 + rnd.randint(0, 49_999_999)
    domain = f"{ascii_slug(company, '') or 'example'}.test"
    email = f"{ascii_slug(first) or 'contact'}.{ascii_slug(last) or contact_id}@{domain}"
    return {
        "id": contact_id,
        "direct_link": f"{base}/v1/contacts/{contact_id}",
        "first_name": first,
        "last_name": last,
        "company_name": company,
        "information": None,
        "is_shared": True,
        "phone_numbers": [{"id": contact_id * 10 + 1, "label": "Work", "value": digits}],
        "emails": [{"id": contact_id * 10 + 2, "label": "Work", "value": email}],
    }


def _team(base: str, company: AircallCompany, user: AircallUser) -> dict:
    team_id = company.company_id * 10 + user.team
    return {"id": team_id, "name": company.teams[user.team], "direct_link": f"{base}/v1/teams/{team_id}"}


def _media_url(seed: int, company: AircallCompany, call_id: int, kind: str, now_s: int) -> str:
    expires = now_s + _MEDIA_URL_TTL_S
    signature = hashlib.sha256(f"{seed}:{company.api_id}:{call_id}:{kind}:{expires}".encode()).hexdigest()[:32]
    return f"https://media.aircall.sandbox.test/{company.company_id}/{call_id}/{kind}.mp3?Expires={expires}&Signature={signature}"


def _tags_and_comments(seed: int, key: str, base: str, company: AircallCompany, user: AircallUser | None,
                       call_id: int, revision: int, ended_s: int) -> dict:
    # Revision 0 is the call as generated; each `advance` edit adds tags or a comment.
    rnd = record_rng(seed, key, "aircall-call", call_id, revision)
    tags: list[dict] = []
    comments: list[dict] = []
    tag_count = rnd.choice((0, 0, 0, 1, 1, 2)) + min(revision, 2)
    tagger = render_user(base, company, user, full=False) if user else None
    for n, name in enumerate(rnd.sample(TAG_NAMES, k=min(tag_count, len(TAG_NAMES)))):
        tags.append({"id": 2_320_000 + TAG_NAMES.index(name), "name": name,
                     "created_at": ended_s + 30 * (n + 1), "tagged_by": tagger})
    if user and (revision > 0 or rnd.random() < 0.1):
        for n in range(1 + min(revision, 3) if revision else 1):
            comments.append({"id": call_id * 10 + n, "content": rnd.choice(COMMENTS),
                             "posted_at": ended_s + 120 * (n + 1), "posted_by": tagger})
    return {"tags": tags, "comments": comments}


def render_transcription(seed: int, account: Account, row: int, now_s: int) -> dict | None:
    """GET /v1/calls/{id}/transcription: a recorded call's conversation or a voicemail's message;
    None for a call with neither, or still going (nothing was transcribed yet)."""
    table = account.aircall.calls
    cols = table.columns
    voicemail = bool(cols["voicemail"][row])
    ended = int(table.created_ms[row]) // 1000 + int(cols["ring_s"][row]) + int(cols["talk_s"][row])
    if not (voicemail or cols["recorded"][row]) or ended > now_s:
        return None
    call_id = int(table.ids[row])
    talk = int(cols["talk_s"][row])
    count = int(utterance_counts(np.array([talk]), np.array([voicemail]), np.array([call_id]))[0])
    rnd = record_rng(seed, account.key, "aircall-transcription", call_id)
    span = max(talk, 5 * count) / count
    utterances = []
    for n in range(count):
        external = voicemail or n % 2 == 1
        utterances.append({
            "participant_type": "external" if external else "internal",
            "text": rnd.choice(CALLER_LINES if external else AGENT_LINES),
            "start_time": round(n * span, 2),
            "end_time": round((n + 1) * span - 0.2, 2),
        })
    return {"id": call_id * 7 + 3, "call_id": call_id, "type": "voicemail" if voicemail else "call",
            "created_at": iso_seconds((int(table.created_ms[row]) // 1000 + int(cols["ring_s"][row]) + talk) * 1000),
            "content": {"language": "en-US", "utterances": utterances}}
