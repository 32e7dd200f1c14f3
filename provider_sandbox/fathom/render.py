"""Renders one stored meeting row into Fathom's `Meeting` JSON (provider-apis.md B1 and the
fathom-python models), on demand and deterministically.

Each part draws from its own `record_rng` stream keyed by the recording id, so asking for the
transcript never changes the invitees, and a webhook payload equals the list endpoint's item.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

from provider_sandbox.fathom.text import (
    ACTION_ITEMS,
    AD_HOC_TITLES,
    EXTERNAL_TOPICS,
    HIGHLIGHT_TYPES,
    INTERNAL_TOPICS,
    LANGUAGES,
    LINES,
    MEETING_TYPES,
    PURPOSES,
    SHARED_WITH,
    TAKEAWAYS,
)
from provider_sandbox.seeding import derive_int, derive_uuid, record_rng
from provider_sandbox.store import Account, FathomUser, ObjectTable
from provider_sandbox.vocabulary import (
    CALL_TOPICS,
    CONTACT_FIRST_NAMES,
    CONTACT_LAST_NAMES,
    PROSPECT_COMPANIES,
    ascii_slug,
)


@dataclass(frozen=True)
class Includes:
    transcript: bool = False
    summary: bool = False
    action_items: bool = False
    highlights: bool = False
    crm_matches: bool = False


@dataclass(frozen=True)
class Person:
    name: str | None  # None: invited by address only (nullable invitee name)
    display_name: str  # what the transcript shows as the speaker
    email: str
    domain: str
    is_external: bool
    team: str | None
    attended: bool


def iso_s(epoch_s: int) -> str:
    """`2025-03-01T17:01:30Z`: Fathom's timestamps have whole seconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch_s)))


def hms(seconds: float) -> str:
    """HH:MM:SS relative to the start of the recording."""
    total = int(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def prospect_domain(index: int) -> str:
    slug = ascii_slug(PROSPECT_COMPANIES[index], "")
    return f"{slug or f'prospect{index}'}.example.org"


class MeetingView:
    """The people and times of one meeting row, computed once per render."""

    def __init__(self, seed: int, account: Account, row: int) -> None:
        workspace = account.fathom
        table: ObjectTable = workspace.meetings
        column = {name: values[row] for name, values in table.columns.items()}
        self.seed, self.account, self.users = seed, account, workspace.users
        self.recording_id = int(table.ids[row])
        self.created_s = int(table.created_ms[row]) // 1000
        self.scheduled_start_s = int(column["scheduled_start_s"])
        self.scheduled_end_s = self.scheduled_start_s + int(column["scheduled_minutes"]) * 60
        self.recording_start_s = self.scheduled_start_s + int(column["recording_offset_s"])
        self.duration_s = int(column["duration_s"])
        self.recording_end_s = self.recording_start_s + self.duration_s
        self.has_calendar = bool(column["has_calendar"])
        self.meeting_type = MEETING_TYPES[column["meeting_type"]] if column["meeting_type"] >= 0 else None
        self.shared_with = SHARED_WITH[column["shared_with"]]
        self.language = LANGUAGES[column["language"]]
        self.transcript_items = int(column["transcript_items"])
        self.prospect_index = int(column["prospect"])
        self.recorder = self.users[int(column["recorder"])]

        rng = record_rng(seed, account.key, "fathom-meeting", self.recording_id)
        others = [u for u in self.users if u is not self.recorder]
        guests = rng.sample(others, min(int(column["internal_guests"]), len(others)))
        self.internal = [self._rep(self.recorder, attended=True)]
        self.internal += [self._rep(user, attended=rng.random() < 0.85) for user in guests]
        self.external: list[Person] = []
        domain = prospect_domain(self.prospect_index)
        used: set[str] = set()
        for index in range(int(column["external_guests"])):
            first, last = rng.choice(CONTACT_FIRST_NAMES), rng.choice(CONTACT_LAST_NAMES)
            local = ascii_slug(f"{first} {last}") or "guest"  # non-Latin names fold to nothing
            if local in used:
                local = f"{local}{index}"
            used.add(local)
            self.external.append(Person(
                name=None if rng.random() < 0.1 else f"{first} {last}",
                display_name=f"{first} {last}", email=f"{local}@{domain}", domain=domain,
                is_external=True, team=None, attended=index == 0 or rng.random() < 0.8,
            ))
        if self.external:
            topic = self.meeting_type
            if topic in (None, "Internal sync"):
                topic = rng.choice(EXTERNAL_TOPICS)
            calendar_title = f"{PROSPECT_COMPANIES[self.prospect_index]} <> {account.name}: {topic}"
        else:
            calendar_title = f"{self.recorder.team or account.name}: {rng.choice(INTERNAL_TOPICS)}"
        self.meeting_title = calendar_title if self.has_calendar else None
        self.title = calendar_title if self.has_calendar else rng.choice(AD_HOC_TITLES)
        self.meeting_url = _join_url(rng) if self.has_calendar else None
        share = derive_uuid(seed, account.key, "fathom-share", self.recording_id).bytes
        self.url = f"https://fathom.video/calls/{self.recording_id}"
        self.share_url = "https://fathom.video/share/" + base64.urlsafe_b64encode(share[:15]).decode()

    def _rep(self, user: FathomUser, attended: bool) -> Person:
        domain = user.email.partition("@")[2].lower()
        return Person(user.name, user.name, user.email, domain, False, user.team, attended)

    @property
    def invitees(self) -> list[Person]:
        # Without a calendar event Fathom knows no invitees, even if externals spoke (B1).
        return [*self.internal, *self.external] if self.has_calendar else []

    @property
    def speakers(self) -> list[Person]:
        return [p for p in (*self.internal, *self.external) if p.attended]

    @property
    def domains_type(self) -> str:
        return "one_or_more_external" if self.has_calendar and self.external else "only_internal"


def _join_url(rng) -> str:
    kind = rng.random()
    if kind < 0.5:
        return f"https://us02web.zoom.us/j/{rng.randrange(10**9, 10**11)}"
    if kind < 0.85:
        letters = "abcdefghijklmnopqrstuvwxyz"
        part = lambda n: "".join(rng.choice(letters) for _ in range(n))  # noqa: E731
        return f"https://meet.google.com/{part(3)}-{part(4)}-{part(3)}"
    return f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{rng.getrandbits(64):016x}%40thread.v2/0"


def render_meeting(seed: int, account: Account, row: int, include: Includes, transcript_ready: bool = True) -> dict:
    """The `Meeting` object; `transcript` is null while the transcript is not ready yet."""
    view = MeetingView(seed, account, row)
    recorder = view.recorder
    meeting: dict = {
        "title": view.title,
        "meeting_title": view.meeting_title,
        "meeting_type": view.meeting_type,
        "recording_id": view.recording_id,
        "url": view.url,
        "share_url": view.share_url,
        "created_at": iso_s(view.created_s),
        "scheduled_start_time": iso_s(view.scheduled_start_s),
        "scheduled_end_time": iso_s(view.scheduled_end_s),
        "recording_start_time": iso_s(view.recording_start_s),
        "recording_end_time": iso_s(view.recording_end_s),
        "calendar_invitees_domains_type": view.domains_type,
        "shared_with": view.shared_with,
        "transcript_language": view.language,
        "calendar_invitees": [
            {
                "name": person.name,
                "email": person.email,
                "email_domain": person.domain,
                "is_external": person.is_external,
                "matched_speaker_display_name": person.display_name if person.attended else None,
            }
            for person in view.invitees
        ],
        "recorded_by": {
            "name": recorder.name,
            "email": recorder.email,
            "email_domain": recorder.email.partition("@")[2].lower(),
            "team": recorder.team,
        },
        "meeting_url": view.meeting_url,
    }
    if include.transcript:
        meeting["transcript"] = transcript(view) if transcript_ready else None
    if include.summary:
        meeting["default_summary"] = summary(view)
    if include.action_items:
        meeting["action_items"] = action_items(view)
    meeting["highlights"] = highlights(view) if include.highlights else None
    meeting["crm_matches"] = crm_matches(view) if include.crm_matches else None
    return meeting


def transcript(view: MeetingView) -> list[dict]:
    rng = record_rng(view.seed, view.account.key, "fathom-transcript", view.recording_id)
    speakers = view.speakers
    invited = {p.email for p in view.invitees}
    lines = LINES[view.language]
    # Utterance start times: the first within seconds, the rest sorted over the recording.
    first = rng.uniform(0, 8)
    end = max(view.duration_s - 5, first + 1)
    times = sorted(rng.uniform(first, end) for _ in range(view.transcript_items - 1))
    items = []
    previous = None
    for at in [first, *times]:
        # Turn-taking: mostly a different speaker than the last line.
        candidates = [p for p in speakers if p is not previous] or speakers
        speaker = rng.choice(candidates)
        previous = speaker
        text = rng.choice(CALL_TOPICS) if view.language == "en" and rng.random() < 0.08 else rng.choice(lines)
        items.append({
            "speaker": {
                "display_name": speaker.display_name,
                "matched_calendar_invitee_email": speaker.email if speaker.email in invited else None,
            },
            "text": text,
            "timestamp": hms(at),
        })
    return items


def summary(view: MeetingView) -> dict | None:
    """Fathom's default summary (always English); None for recordings too short to summarise."""
    if view.duration_s < 300:
        return None
    rng = record_rng(view.seed, view.account.key, "fathom-summary", view.recording_id)
    takeaways = rng.sample(TAKEAWAYS, 3)
    steps = rng.sample(ACTION_ITEMS, 2)
    markdown = (
        f"## Meeting Purpose\n\n{rng.choice(PURPOSES)}\n\n"
        "## Key Takeaways\n\n" + "".join(f"- {t}\n" for t in takeaways) + "\n"
        "## Next Steps\n\n" + "".join(f"- {s}\n" for s in steps)
    )
    return {"template_name": "general", "markdown_formatted": markdown}


def action_items(view: MeetingView) -> list[dict]:
    if view.duration_s < 300:
        return []
    rng = record_rng(view.seed, view.account.key, "fathom-actions", view.recording_id)
    items = []
    for description in rng.sample(ACTION_ITEMS, rng.randint(0, 4)):
        at = int(rng.uniform(view.duration_s * 0.5, view.duration_s))
        who = rng.choice(view.speakers)
        if rng.random() < 0.1:  # nobody was assigned
            assignee = {"name": None, "email": None, "team": None}
        else:
            assignee = {"name": who.display_name, "email": who.email, "team": who.team}
        items.append({
            "description": description,
            "user_generated": rng.random() < 0.15,
            "completed": rng.random() < 0.2,
            "recording_timestamp": hms(at),
            "recording_playback_url": f"{view.url}#t={at}",
            "assignee": assignee,
        })
    return items


def highlights(view: MeetingView) -> list[dict]:
    rng = record_rng(view.seed, view.account.key, "fathom-highlights", view.recording_id)
    items = []
    for _ in range(rng.randint(0, 3)):
        start = round(rng.uniform(0, max(view.duration_s - 60, 1)), 1)
        item: dict = {
            "type": rng.choice(HIGHLIGHT_TYPES),
            "summary": rng.choice(TAKEAWAYS) if rng.random() < 0.9 else None,
            "start_time": start,
            "end_time": round(start + rng.uniform(5, 60), 1),
        }
        if rng.random() < 0.5:  # only present when it differs from the summary
            item["text"] = rng.choice(LINES[view.language])
        items.append(item)
    return items


def crm_matches(view: MeetingView) -> dict:
    """The linked HubSpot portal's records for the external invitees, their company and a deal.
    Record ids are derived from the email/company, not taken from the sandbox's CRM tables."""
    hub_id = view.account.hubspot.hub_id
    seed, key = view.seed, view.account.key

    def record_url(type_id: str, *parts: object) -> str:
        record_id = 1_000 + derive_int(seed, key, "fathom-crm", type_id, *parts) % 10**11
        return f"https://app.hubspot.com/contacts/{hub_id}/record/{type_id}/{record_id}"

    externals = [p for p in view.invitees if p.is_external]
    if not externals:
        return {"contacts": [], "companies": [], "deals": []}
    company = PROSPECT_COMPANIES[view.prospect_index]
    rng = record_rng(seed, key, "fathom-crm", view.recording_id)
    deals = []
    if view.meeting_type in ("Discovery", "Demo", "Quarterly Business Review") or rng.random() < 0.3:
        deals.append({"name": f"{company} – new business", "amount": float(rng.randrange(5, 250) * 1000),
                      "record_url": record_url("0-3", company)})
    return {
        "contacts": [{"name": p.display_name, "email": p.email, "record_url": record_url("0-1", p.email.lower())}
                     for p in externals],
        "companies": [{"name": company, "record_url": record_url("0-2", company)}],
        "deals": deals,
    }
