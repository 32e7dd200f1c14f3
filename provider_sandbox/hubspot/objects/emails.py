"""HubSpot email engagements (object type 0-49), per provider-apis.md "Email properties".

Bodies range from a two-character reply ("ok", "👍") to 1 MB quoted threads, with accents, CJK,
Arabic and Hebrew (right-to-left) paragraphs and multi-codepoint emoji. Only the target length
is stored (`body_chars`); the text is rendered on demand and only when hs_email_text or
hs_email_html is requested. Every portal with at least two emails has one body of exactly
`MAX_BODY_CHARS` and one tiny one, so the extremes are always there to test against.

Participants are the owner's rep and the email's associated contacts (from the association
graph), so `hs_email_to_email` of an outgoing email is the email of a contact it is associated
with.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.association_views import linked_rows
from provider_sandbox.hubspot.columns import SearchColumn
from provider_sandbox.hubspot.objects import schema as s
from provider_sandbox.hubspot.objects.activity import (
    NONE_CODE,
    activity_times,
    attachment_counts,
    attachment_ids,
    clipped_text,
    coded,
    logged_before_anchor,
    owner_column,
    owner_of,
)
from provider_sandbox.hubspot.objects.base import DAY_MS, ObjectKind, PropertyValues, assemble_table
from provider_sandbox.hubspot.objects.companies import company_identity
from provider_sandbox.hubspot.objects.contacts import contact_identity
from provider_sandbox.hubspot.objects.vocab import (
    EMAIL_GREETINGS,
    EMAIL_PARAGRAPHS,
    EMAIL_SIGNOFFS,
    EMAIL_SUBJECTS,
    PERSONAL_EMAIL_DOMAINS,
)
from provider_sandbox.seeding import numpy_rng, record_rng
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms
from provider_sandbox.vocabulary import CONTACT_FIRST_NAMES, CONTACT_LAST_NAMES, PROSPECT_COMPANIES, ascii_slug

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account

DIRECTIONS = ("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL")
OUTGOING, INCOMING, FORWARDED = range(3)
STATUSES = ("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT")
BOUNCED, ST_FAILED, SCHEDULED, SENDING, SENT = range(len(STATUSES))
MAX_BODY_CHARS = 1_000_000  # "from tiny to 1 MB"; the HTML version adds markup on top
_TINY_BODIES = ("ok", "👍", "Thx!", "نعم", "了解", "k", "OK 👌")
_PEOPLE_PROPERTIES = frozenset(
    f"hs_email_{who}_{part}" for who in ("from", "to", "cc", "bcc") for part in ("email", "firstname", "lastname")
) | {"hs_email_headers", "hs_email_subject"}
_BODY_PROPERTIES = frozenset(("hs_email_text", "hs_email_html"))
_RTL = ("\u0600", "\u06ff", "\u0590", "\u05ff")


class EmailKind(ObjectKind):
    name = "emails"
    object_type_id = "0-49"
    aliases = ("email",)
    # Epoch-ms columns that `POST /_sandbox/advance` shifts when it clones a record.
    time_columns = {"timestamp_ms": 1}
    property_defs = (
        *s.engagement_definitions(),
        s.enum("hs_email_direction", "Email direction", "email", s.choices(*DIRECTIONS)),
        s.enum("hs_email_status", "Email send status", "email", s.choices(*STATUSES)),
        s.text("hs_email_subject", "Email subject", "email"),
        s.textarea("hs_email_text", "Email body", "email"),
        s.html("hs_email_html", "Email HTML body", "email"),
        s.textarea("hs_email_headers", "Email headers", "email", description="JSON of from, to, cc and bcc."),
        *(s.text(f"hs_email_{who}_{part}", f"{who.title()} {part}", "email", read_only=True)
          for who in ("from", "to", "cc", "bcc") for part in ("email", "firstname", "lastname")),
    )

    def generate(self, settings: SandboxSettings, account: Account, count: int) -> ObjectTable:
        rng = numpy_rng(settings.seed, account.key, self.name)
        occurred = activity_times(rng, settings, count)
        direction = coded(rng, (0.55, 0.40, 0.05), count)
        status = coded(rng, (0.04, 0.02, 0.02, 0.02, 0.90), count)
        incoming = direction == INCOMING
        status[incoming] = np.where(rng.random(count) < 0.5, SENT, NONE_CODE)[incoming]
        status[direction == FORWARDED] = SENT
        # Emails are logged as they are sent (tracked inbox), within a couple of minutes.
        logged_delay = rng.integers(0, 120_000, count, dtype=np.int64)
        scheduled = status == SCHEDULED  # queued to go out in the coming week
        occurred[scheduled] = settings.anchor_ms + rng.integers(3_600_000, 7 * DAY_MS, count)[scheduled]
        logged_delay[scheduled] = -rng.integers(7 * DAY_MS + 3_600_000, 14 * DAY_MS, count)[scheduled]
        sending = status == SENDING
        occurred[sending] = settings.anchor_ms - rng.integers(0, 300_000, count)[sending]

        body = np.clip(rng.lognormal(np.log(700), 1.1, count), 12, 20_000)
        thread, huge = rng.random(count), rng.random(count)
        body = np.where(thread < 0.02, rng.integers(20_000, 200_000, count), body)
        body = np.where(huge < 0.002, rng.integers(200_000, MAX_BODY_CHARS, count), body).astype(np.uint32)
        if count >= 2:  # the extremes always exist
            extremes = rng.choice(count, size=2, replace=False)
            body[extremes[0]], body[extremes[1]] = MAX_BODY_CHARS, 2
        logged_delay = logged_before_anchor(settings, account, self.name, occurred, logged_delay)
        return assemble_table(
            self, settings, account, rng, occurred, logged_delay,
            {
                "timestamp_ms": occurred, "direction": direction, "status": status, "body_chars": body,
                "owner": owner_column(rng, settings, account, count),
                "attachments": attachment_counts(rng, count, 0.12),
            },
        )

    def own_properties(
        self, seed: int, account: Account, table: ObjectTable, row: int, wanted: frozenset[str] | None
    ) -> PropertyValues:
        cols = table.columns
        status = int(cols["status"][row])
        direction = int(cols["direction"][row])
        values: PropertyValues = {
            "hs_timestamp": iso_ms(cols["timestamp_ms"][row]),
            "hs_email_direction": DIRECTIONS[direction],
            "hs_email_status": None if status == NONE_CODE else STATUSES[status],
            "hubspot_owner_id": (owner.id if (owner := owner_of(account, table, row)) else None),
            "hs_attachment_ids": attachment_ids(table, row),
        }
        record_id, revision = int(table.ids[row]), int(table.revision[row])
        wants_people = wanted is None or not wanted.isdisjoint(_PEOPLE_PROPERTIES)
        wants_body = wanted is None or not wanted.isdisjoint(_BODY_PROPERTIES)
        if not (wants_people or wants_body):
            return values
        # Separate streams, so rendering only the people gives the same values as rendering all.
        people_rnd = record_rng(seed, account.key, self.name, record_id, revision, "people")
        sender, recipients, cc, subject = self._people(people_rnd, account, table, row, direction)
        if wants_people:
            for who, people in (("from", [sender]), ("to", recipients), ("cc", cc), ("bcc", [])):
                for part, index in (("email", 2), ("firstname", 0), ("lastname", 1)):
                    joined = ";".join(p[index] or "" for p in people)
                    values[f"hs_email_{who}_{part}"] = joined or None
            values["hs_email_subject"] = subject
            values["hs_email_headers"] = json.dumps({
                "from": _header(sender), "to": [_header(p) for p in recipients],
                "cc": [_header(p) for p in cc], "bcc": [],
            }, ensure_ascii=False)
        if wants_body:
            body_rnd = record_rng(seed, account.key, self.name, record_id, revision, "body")
            values["hs_email_text"], values["hs_email_html"] = _bodies(
                body_rnd, int(cols["body_chars"][row]), recipients[0][0] if recipients else None, sender)
        return values

    def _people(self, rnd, account: Account, table: ObjectTable, row: int, direction: int):
        """(sender, recipients, cc, subject); a person is (first, last, email)."""
        portal = account.hubspot
        owner = owner_of(account, table, row)
        rep = owner.rep if owner else rnd.choice(account.reps)
        rep_person = (rep.first_name, rep.last_name, rep.email)
        contacts = portal.objects.get("contacts")
        people = [contact_identity(account, contacts, int(r)) for r in linked_rows(account, self.name, row, "contacts")]
        people = [p for p in people if p[2]] or [_stranger(rnd)]
        company_row = self._company_of(account, row) if "companies" in portal.objects else -1
        company = (company_identity(portal.objects["companies"], company_row)[0] if company_row >= 0
                   else rnd.choice(PROSPECT_COMPANIES))
        cc = [] if rnd.random() < 0.8 else [_colleague(rnd, account, rep)]
        if direction == INCOMING:
            sender, recipients = people[0], [rep_person, *people[1:]]
        else:
            sender, recipients = rep_person, people
        subject = None if rnd.random() < 0.01 else rnd.choice(EMAIL_SUBJECTS).format(
            company=company, first=people[0][0], rep=rep.first_name, number=rnd.randint(1000, 99999),
            quarter=rnd.randint(1, 4))
        return sender, recipients, cc, subject

    def _company_of(self, account: Account, row: int) -> int:
        rows = linked_rows(account, self.name, row, "companies")
        return int(rows[0]) if len(rows) else -1

    def truth_extras(self, table: ObjectTable, rows: np.ndarray) -> Mapping[str, int]:
        return {
            "incoming_count": int((table.columns["direction"][rows] == INCOMING).sum()),
            "null_owner_count": int((table.columns["owner"][rows] < 0).sum()),
        }

    def search_columns(self, account: Account, table: ObjectTable) -> dict[str, SearchColumn]:
        cols = table.columns
        statuses: dict[int, str | None] = dict(enumerate(STATUSES))
        statuses[NONE_CODE] = None
        return {
            **super().search_columns(account, table),
            "hs_email_direction": SearchColumn.enum(cols["direction"], dict(enumerate(DIRECTIONS))),
            "hs_email_status": SearchColumn.enum(cols["status"], statuses),
        }


def _header(person: tuple[str | None, str | None, str | None]) -> dict:
    first, last, email = person
    return {key: value for key, value in (("email", email), ("firstName", first), ("lastName", last)) if value}


def _stranger(rnd) -> tuple[str, str, str]:
    first, last = rnd.choice(CONTACT_FIRST_NAMES), rnd.choice(CONTACT_LAST_NAMES)
    local = ascii_slug(f"{first} {last}") or "contact"
    return first, last, f"{local}@{rnd.choice(PERSONAL_EMAIL_DOMAINS)}"


def _colleague(rnd, account: Account, rep) -> tuple[str, str, str]:
    others = [r for r in account.reps if r is not rep] or account.reps
    other = rnd.choice(others)
    return other.first_name, other.last_name, other.email


def _is_rtl(text: str) -> bool:
    return any(_RTL[0] <= ch <= _RTL[1] or _RTL[2] <= ch <= _RTL[3] for ch in text[:40])


def _bodies(rnd, target: int, first_name: str | None, sender) -> tuple[str, str | None]:
    """(text, html or None) of about `target` characters of text."""
    if target < 12:
        word = rnd.choice([w for w in _TINY_BODIES if len(w) <= max(target, 2)])
        return word, f"<div>{html.escape(word)}</div>"
    first = first_name or "there"
    head = [rnd.choice(EMAIL_GREETINGS).format(first=first),
            *rnd.sample(EMAIL_PARAGRAPHS, k=rnd.randint(1, 3)),
            rnd.choice(EMAIL_SIGNOFFS), f"{sender[0]} {sender[1]}"]
    paragraphs = clipped_text(rnd, target, head, EMAIL_PARAGRAPHS)  # a long tail = the quoted thread
    text = "\n".join(paragraphs)[:target]
    if rnd.random() < 0.15:
        return text, None  # plain-text email: HubSpot stores no HTML version
    parts = []
    for paragraph in paragraphs:
        escaped = html.escape(paragraph, quote=False).replace("\n", "<br>")
        direction = ' dir="rtl"' if _is_rtl(paragraph) else ""
        parts.append(f"<p{direction}>{escaped}</p>")
    markup = f'<html><body><div style="font-family: Arial, sans-serif">{"".join(parts)}</div></body></html>'
    return text, markup
