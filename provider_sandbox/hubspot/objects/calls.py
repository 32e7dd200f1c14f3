"""HubSpot call engagements (object type 0-48), per provider-apis.md "Call properties"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.columns import SearchColumn
from provider_sandbox.hubspot.objects import schema
from provider_sandbox.hubspot.objects.activity import first_contact, logged_before_anchor
from provider_sandbox.hubspot.objects.base import DAY_MS, ObjectKind, PropertyValues, assemble_table
from provider_sandbox.hubspot.objects.contacts import contact_identity
from provider_sandbox.seeding import derive_uuid, numpy_rng, record_rng
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms
from provider_sandbox.vocabulary import (
    CALL_TOPICS,
    CONTACT_FIRST_NAMES,
    CONTACT_LAST_NAMES,
    PROSPECT_COMPANIES,
)

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account

# The six outcomes every portal has (order matters: generated rows store the index).
DEFAULT_CALL_DISPOSITIONS: tuple[tuple[str, str], ...] = (
    ("9d9162e7-6cf3-4944-bf63-4dff82258764", "Busy"),
    ("f240bbac-87c9-4f6e-bf70-924b57d47db7", "Connected"),
    ("a4c4c377-d246-4b32-a13b-75a56a4cd0ff", "Left live message"),
    ("b2cf5968-551e-4856-9783-52b3da59a7d0", "Left voicemail"),
    ("73a0d17f-1163-4015-bdd5-ec830791da20", "No answer"),
    ("17b47fee-58de-441e-a44c-c6300d46f273", "Wrong number"),
)
BUSY, CONNECTED, LIVE_MESSAGE, VOICEMAIL, NO_ANSWER, WRONG_NUMBER, CUSTOM = range(7)
NO_DISPOSITION = 255  # logged by hand without an outcome
# Realistic outcome mix for an outbound-heavy sales team; the last share is the custom outcome.
_DISPOSITION_SHARES = (0.05, 0.42, 0.05, 0.20, 0.17, 0.03, 0.08)
_NO_DISPOSITION_FRACTION = 0.03

CALL_STATUSES = ("COMPLETED", "BUSY", "NO_ANSWER", "FAILED", "CANCELED")
COMPLETED, ST_BUSY, ST_NO_ANSWER, FAILED, CANCELED = range(len(CALL_STATUSES))

OUTBOUND, INBOUND = 0, 1
_INBOUND_FRACTION = 0.25
# Rendered from the per-record seed, only when one of them is requested.
_TEXT_PROPERTIES = frozenset(
    ("hs_call_title", "hs_call_body", "hs_call_from_number", "hs_call_to_number", "hs_call_source")
)
_AREA_CODES = ("212", "312", "415", "512", "617", "646", "720", "206", "305", "404")


class CallKind(ObjectKind):
    name = "calls"
    object_type_id = "0-48"
    aliases = ("call",)
    property_names = (
        "hs_timestamp", "hs_call_title", "hs_call_body", "hs_call_direction", "hs_call_duration",
        "hs_call_disposition", "hs_call_status", "hs_call_from_number", "hs_call_to_number",
        "hs_call_recording_url", "hs_call_source", "hs_call_callee_object_id",
        "hs_call_callee_object_type", "hubspot_owner_id",
    )

    def definitions(self, seed: int, account: Account) -> tuple[schema.PropertyDef, ...]:
        # Outcomes are per portal: the six defaults plus its custom GUIDs.
        outcomes = tuple(account.hubspot.call_dispositions.items())
        group = "call"
        return (
            *schema.engagement_definitions(),
            schema.text("hs_call_title", "Call Title", group),
            schema.html("hs_call_body", "Call notes", group),
            schema.enum("hs_call_direction", "Call direction", group, schema.choices("INBOUND", "OUTBOUND")),
            schema.number("hs_call_duration", "Call duration", group, display_hint="duration",
                          description="Duration of the call in milliseconds."),
            schema.enum("hs_call_disposition", "Call outcome", group, outcomes),
            schema.enum("hs_call_status", "Call status", group, schema.choices(*CALL_STATUSES)),
            schema.PropertyDef("hs_call_from_number", "From number", "string", "phonenumber", group,
                               display_hint="phone_number"),
            schema.PropertyDef("hs_call_to_number", "To number", "string", "phonenumber", group,
                               display_hint="phone_number"),
            schema.text("hs_call_recording_url", "Recording URL", group),
            schema.enum("hs_call_source", "Call source", group,
                        schema.choices("CRM_UI", "INTEGRATIONS_PLATFORM"), read_only=True),
            schema.number("hs_call_callee_object_id", "Callee object id", group, read_only=True),
            schema.enum("hs_call_callee_object_type", "Callee object type", group,
                        (("CONTACT", "Contact"), ("COMPANY", "Company")), read_only=True),
        )

    def generate(self, settings: SandboxSettings, account: Account, count: int) -> ObjectTable:
        rng = numpy_rng(settings.seed, account.key, self.name)
        history_ms = settings.history_days * DAY_MS
        occurred = settings.anchor_ms - rng.integers(0, history_ms, count, dtype=np.int64)

        disposition = rng.choice(7, size=count, p=_DISPOSITION_SHARES).astype(np.uint8)
        duration = np.zeros(count, dtype=np.int64)
        talked = (disposition == CONNECTED) | (disposition == CUSTOM)
        # Conversations: log-normal around 6 minutes, clipped to 15 s .. 2 h.
        conversation = np.clip(rng.lognormal(np.log(360_000), 0.8, count), 15_000, 7_200_000)
        duration = np.where(talked, conversation, duration)
        duration = np.where(disposition == LIVE_MESSAGE, rng.integers(20_000, 120_000, count), duration)
        duration = np.where(disposition == VOICEMAIL, rng.integers(15_000, 75_000, count), duration)
        duration = np.where(disposition == WRONG_NUMBER, rng.integers(5_000, 25_000, count), duration)
        duration = duration.astype(np.int64)

        status = np.full(count, COMPLETED, dtype=np.uint8)
        status[disposition == BUSY] = ST_BUSY
        status[disposition == NO_ANSWER] = ST_NO_ANSWER
        broken = rng.random(count)
        status[broken < 0.02] = FAILED
        status[(broken >= 0.02) & (broken < 0.03)] = CANCELED
        duration[status >= FAILED] = 0
        disposition[rng.random(count) < _NO_DISPOSITION_FRACTION] = NO_DISPOSITION

        direction = (rng.random(count) < _INBOUND_FRACTION).astype(np.uint8)
        owner = rng.integers(0, len(account.hubspot.owners), count).astype(np.int16)
        owner[rng.random(count) < settings.null_owner_fraction] = -1

        # Logged when the call ends, plus up to 10 minutes of note-taking.
        logged_delay = duration + rng.integers(0, 600_000, count)
        logged_delay = logged_before_anchor(settings, account, self.name, occurred, logged_delay)
        return assemble_table(
            self, settings, account, rng, occurred, logged_delay,
            {
                "timestamp_ms": occurred,
                "duration_ms": duration,
                "disposition": disposition,
                "status": status,
                "direction": direction,
                "owner": owner,
            },
        )

    def own_properties(
        self, seed: int, account: Account, table: ObjectTable, row: int, wanted: frozenset[str] | None
    ) -> PropertyValues:
        portal = account.hubspot
        cols = table.columns
        record_id = int(table.ids[row])
        inbound = int(cols["direction"][row]) == INBOUND
        owner_index = int(cols["owner"][row])
        owner = portal.owners[owner_index] if owner_index >= 0 else None
        disposition_code = int(cols["disposition"][row])
        outcomes = tuple(portal.call_dispositions)
        duration = int(cols["duration_ms"][row])
        status = CALL_STATUSES[int(cols["status"][row])]
        recorded = duration > 0 and status == "COMPLETED" and disposition_code != WRONG_NUMBER
        values: PropertyValues = {
            "hs_timestamp": iso_ms(cols["timestamp_ms"][row]),
            "hs_call_direction": "INBOUND" if inbound else "OUTBOUND",
            "hs_call_duration": str(duration),
            "hs_call_disposition": None if disposition_code == NO_DISPOSITION else outcomes[disposition_code],
            "hs_call_status": status,
            "hs_call_recording_url": (
                f"https://recordings.sandbox.test/{portal.hub_id}/{record_id}.mp3" if recorded else None
            ),
            # The first associated contact; HubSpot leaves them empty for unknown callees.
            "hs_call_callee_object_id": None,
            "hs_call_callee_object_type": None,
            "hubspot_owner_id": owner.id if owner else None,
        }
        callee = first_contact(account, self.name, row)
        if callee is not None:
            values["hs_call_callee_object_id"] = str(int(portal.objects["contacts"].ids[callee]))
            values["hs_call_callee_object_type"] = "CONTACT"
        if wanted is not None and wanted.isdisjoint(_TEXT_PROPERTIES):
            return values  # the text below is about two thirds of the rendering cost

        # Text is derived from (record, revision): never stored, always the same for one version.
        rnd = record_rng(seed, account.key, self.name, record_id, int(table.revision[row]))
        contact = f"{rnd.choice(CONTACT_FIRST_NAMES)} {rnd.choice(CONTACT_LAST_NAMES)}"
        company = rnd.choice(PROSPECT_COMPANIES)
        if callee is not None:  # drawn above all the same, so the rest of the text stays put
            first, last, _ = contact_identity(account, portal.objects["contacts"], callee)
            contact = f"{first} {last}"
        counterpart = _phone_number(rnd)
        rep_line = owner.rep.phone if owner else f"+1{_AREA_CODES[portal.hub_id % len(_AREA_CODES)]}5550100"
        if inbound:
            title = f"Inbound call from {contact}"
        else:
            title = rnd.choice(
                (f"Call with {contact}", f"Discovery call - {company}", f"Follow-up: {company}")
            )
        body = None
        if rnd.random() >= 0.15:
            notes = rnd.sample(CALL_TOPICS, k=rnd.randint(1, 3))
            body = "".join(f"<p>{line}</p>" for line in notes)
        values.update({
            "hs_call_title": title,
            "hs_call_body": body,
            "hs_call_from_number": counterpart if inbound else rep_line,
            "hs_call_to_number": rep_line if inbound else counterpart,
            "hs_call_source": rnd.choice(("CRM_UI", "INTEGRATIONS_PLATFORM")),
        })
        return values

    def truth_extras(self, table: ObjectTable, rows: np.ndarray) -> Mapping[str, int]:
        return {"duration_ms_sum": int(table.columns["duration_ms"][rows].sum(dtype=np.int64))}

    def search_columns(self, account: Account, table: ObjectTable) -> dict[str, SearchColumn]:
        cols = table.columns
        dispositions: dict[int, str | None] = dict(enumerate(account.hubspot.call_dispositions))
        dispositions[NO_DISPOSITION] = None
        return {
            **super().search_columns(account, table),
            "hs_call_duration": SearchColumn.number(cols["duration_ms"]),
            "hs_call_disposition": SearchColumn.enum(cols["disposition"], dispositions),
            "hs_call_status": SearchColumn.enum(cols["status"], dict(enumerate(CALL_STATUSES))),
            "hs_call_direction": SearchColumn.enum(cols["direction"], {OUTBOUND: "OUTBOUND", INBOUND: "INBOUND"}),
        }

    def v1_metadata(self, seed: int, account: Account, table: ObjectTable, row: int) -> dict:
        values = self.own_properties(seed, account, table, row, None)  # one render for every key
        metadata = {
            "toNumber": values["hs_call_to_number"],
            "fromNumber": values["hs_call_from_number"],
            "status": values["hs_call_status"],
            "durationMilliseconds": int(table.columns["duration_ms"][row]),
            "recordingUrl": values["hs_call_recording_url"],
            "body": values["hs_call_body"],
            "title": values["hs_call_title"],
            "disposition": values["hs_call_disposition"],
        }
        if values["hs_call_source"] == "INTEGRATIONS_PLATFORM":
            # Calls logged by a calling integration carry its call id and account in v1 only.
            record_id = int(table.ids[row])
            metadata["externalId"] = str(derive_uuid(seed, account.key, self.name, record_id, "external-id"))
            metadata["externalAccountId"] = str(account.hubspot.app_id)
        return {key: value for key, value in metadata.items() if value is not None}


def _phone_number(rnd) -> str:
    if rnd.random() < 0.1:  # some international prospects
        return f"+44 20 7{rnd.randint(100, 999)} {rnd.randint(1000, 9999)}".replace(" ", "")
    return f"+1{rnd.choice(_AREA_CODES)}{rnd.randint(200, 999)}{rnd.randint(1000, 9999)}"
