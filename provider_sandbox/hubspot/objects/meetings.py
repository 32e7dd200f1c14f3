"""HubSpot meeting engagements (object type 0-47), per provider-apis.md "Meeting properties".

Most meetings are booked ahead (created before they start); some are logged afterwards, and a
few are scheduled in the weeks after the anchor (outcome SCHEDULED). `hs_timestamp` is the start.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.columns import SearchColumn
from provider_sandbox.hubspot.objects import schema as s
from provider_sandbox.hubspot.objects.activity import (
    NONE_CODE,
    activity_times,
    attachment_counts,
    attachment_ids,
    coded,
    first_contact,
    logged_before_anchor,
    owner_column,
    owner_value,
)
from provider_sandbox.hubspot.objects.base import DAY_MS, ObjectKind, PropertyValues, assemble_table
from provider_sandbox.hubspot.objects.contacts import contact_identity
from provider_sandbox.hubspot.objects.vocab import (
    MEETING_LOCATIONS,
    MEETING_TITLES,
    MEETING_TYPES,
    NOTE_LINES,
)
from provider_sandbox.seeding import numpy_rng, record_rng
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms
from provider_sandbox.vocabulary import CALL_TOPICS, PROSPECT_COMPANIES

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account

OUTCOMES = ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")
SCHEDULED, COMPLETED = 0, 1
SOURCES = ("CRM_UI", "MEETINGS_PUBLIC", "INTEGRATIONS_PLATFORM")
_DURATIONS_MIN = (15, 30, 30, 45, 60, 60, 90)
_VIDEO = frozenset(("Zoom", "Google Meet", "Microsoft Teams"))
_TEXT_PROPERTIES = frozenset(("hs_meeting_title", "hs_meeting_body", "hs_internal_meeting_notes",
                              "hs_meeting_external_url"))


class MeetingKind(ObjectKind):
    name = "meetings"
    object_type_id = "0-47"
    aliases = ("meeting",)
    # Epoch-ms columns that `POST /_sandbox/advance` shifts when it clones a record.
    time_columns = {"timestamp_ms": 1}
    property_defs = (
        *s.engagement_definitions(),
        s.text("hs_meeting_title", "Meeting name", "meeting"),
        s.html("hs_meeting_body", "Meeting description", "meeting"),
        s.html("hs_internal_meeting_notes", "Internal meeting notes", "meeting"),
        s.text("hs_meeting_external_url", "External URL", "meeting"),
        s.text("hs_meeting_location", "Location", "meeting"),
        s.when("hs_meeting_start_time", "Start Time", "meeting"),
        s.when("hs_meeting_end_time", "End Time", "meeting"),
        s.enum("hs_meeting_outcome", "Meeting outcome", "meeting", s.choices(*OUTCOMES)),
        s.enum("hs_activity_type", "Call and meeting type", "meeting",
               tuple((t, t) for t in MEETING_TYPES if t)),
        s.enum("hs_meeting_source", "Meeting source", "meeting", s.choices(*SOURCES), read_only=True),
    )

    def generate(self, settings: SandboxSettings, account: Account, count: int) -> ObjectTable:
        rng = numpy_rng(settings.seed, account.key, self.name)
        start = activity_times(rng, settings, count)
        upcoming = rng.random(count) < 0.06
        start[upcoming] = settings.anchor_ms + rng.integers(DAY_MS // 2, 30 * DAY_MS, count)[upcoming]
        minutes = rng.choice(_DURATIONS_MIN, size=count).astype(np.uint16)
        # Booked 1 h .. 3 weeks ahead, or (20%) logged up to 2 h after it ended.
        logged_after = ~upcoming & (rng.random(count) < 0.2)
        booked = -rng.integers(3_600_000, 21 * DAY_MS, count, dtype=np.int64)
        after = minutes.astype(np.int64) * 60_000 + rng.integers(0, 7_200_000, count)
        logged_delay = np.where(logged_after, after, booked)

        outcome = 1 + coded(rng, (0.82, 0.06, 0.06, 0.06), count)  # COMPLETED .. CANCELED
        outcome[rng.random(count) < 0.05] = NONE_CODE
        outcome[upcoming] = SCHEDULED
        activity = rng.integers(0, len(MEETING_TYPES), count).astype(np.uint8)
        logged_delay = logged_before_anchor(settings, account, self.name, start, logged_delay)
        return assemble_table(
            self, settings, account, rng, start, logged_delay,
            {
                "timestamp_ms": start, "minutes": minutes, "outcome": outcome, "activity_type": activity,
                "location": rng.integers(0, len(MEETING_LOCATIONS), count).astype(np.uint8),
                "source": coded(rng, (0.5, 0.35, 0.15), count),
                "owner": owner_column(rng, settings, account, count),
                "attachments": attachment_counts(rng, count, 0.08),
            },
        )

    def own_properties(
        self, seed: int, account: Account, table: ObjectTable, row: int, wanted: frozenset[str] | None
    ) -> PropertyValues:
        cols = table.columns
        start = int(cols["timestamp_ms"][row])
        end = start + int(cols["minutes"][row]) * 60_000
        outcome = int(cols["outcome"][row])
        location = MEETING_LOCATIONS[int(cols["location"][row])]
        values: PropertyValues = {
            "hs_timestamp": iso_ms(start),
            "hs_meeting_start_time": iso_ms(start),
            "hs_meeting_end_time": iso_ms(end),
            "hs_meeting_outcome": None if outcome == NONE_CODE else OUTCOMES[outcome],
            "hs_meeting_location": location,
            "hs_activity_type": MEETING_TYPES[int(cols["activity_type"][row])],
            "hs_meeting_source": SOURCES[int(cols["source"][row])],
            "hubspot_owner_id": owner_value(account, table, row),
            "hs_attachment_ids": attachment_ids(table, row),
        }
        if wanted is not None and wanted.isdisjoint(_TEXT_PROPERTIES):
            return values
        record_id = int(table.ids[row])
        rnd = record_rng(seed, account.key, self.name, record_id, int(table.revision[row]))
        contact_row = first_contact(account, self.name, row)
        first = (contact_identity(account, account.hubspot.objects["contacts"], contact_row)[0]
                 if contact_row is not None else "the team")
        topics = rnd.sample(CALL_TOPICS, k=rnd.randint(1, 3))
        values.update({
            "hs_meeting_title": rnd.choice(MEETING_TITLES).format(
                company=rnd.choice(PROSPECT_COMPANIES), quarter=rnd.randint(1, 4)),
            "hs_meeting_body": (None if rnd.random() < 0.25 else
                                "<p>Agenda:</p><ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in topics)
                                + "</ul>"),
            "hs_internal_meeting_notes": (None if rnd.random() < 0.6 else
                                          f"<p>{html.escape(rnd.choice(NOTE_LINES).format(first=first))}</p>"),
            "hs_meeting_external_url": (
                f"https://meet.sandbox.test/{account.hubspot.hub_id}/{record_id}" if location in _VIDEO else None
            ),
        })
        return values

    def truth_extras(self, table: ObjectTable, rows: np.ndarray) -> Mapping[str, int]:
        return {
            "completed_count": int((table.columns["outcome"][rows] == COMPLETED).sum()),
            "null_owner_count": int((table.columns["owner"][rows] < 0).sum()),
        }

    def search_columns(self, account: Account, table: ObjectTable) -> dict[str, SearchColumn]:
        cols = table.columns
        outcomes: dict[int, str | None] = dict(enumerate(OUTCOMES))
        outcomes[NONE_CODE] = None
        end = cols["timestamp_ms"] + cols["minutes"].astype(np.int64) * 60_000
        return {
            **super().search_columns(account, table),
            "hs_meeting_start_time": SearchColumn.datetime(cols["timestamp_ms"]),
            "hs_meeting_end_time": SearchColumn.datetime(end),
            "hs_meeting_outcome": SearchColumn.enum(cols["outcome"], outcomes),
        }
