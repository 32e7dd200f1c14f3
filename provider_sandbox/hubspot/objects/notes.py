"""HubSpot note engagements (object type 0-46): `hs_note_body` is HTML, from one line to ~64 KB."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.objects import schema as s
from provider_sandbox.hubspot.objects.activity import (
    activity_times,
    attachment_counts,
    attachment_ids,
    clipped_text,
    first_contact,
    logged_before_anchor,
    owner_column,
    owner_value,
)
from provider_sandbox.hubspot.objects.base import ObjectKind, PropertyValues, assemble_table
from provider_sandbox.hubspot.objects.contacts import contact_identity
from provider_sandbox.hubspot.objects.vocab import EMAIL_PARAGRAPHS, NOTE_LINES
from provider_sandbox.seeding import numpy_rng, record_rng
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account

# HubSpot caps string property values at 65,536 characters; long notes are pasted documents.
MAX_NOTE_CHARS = 65_536


class NoteKind(ObjectKind):
    name = "notes"
    object_type_id = "0-46"
    aliases = ("note",)
    # Epoch-ms columns that `POST /_sandbox/advance` shifts when it clones a record.
    time_columns = {"timestamp_ms": 1}
    property_defs = (
        *s.engagement_definitions(),
        s.html("hs_note_body", "Note body", "engagement"),
    )

    def generate(self, settings: SandboxSettings, account: Account, count: int) -> ObjectTable:
        rng = numpy_rng(settings.seed, account.key, self.name)
        occurred = activity_times(rng, settings, count)
        size = np.clip(rng.lognormal(np.log(180), 0.9, count), 1, 8_000)
        size = np.where(rng.random(count) < 0.005, rng.integers(8_000, MAX_NOTE_CHARS, count), size)
        # Notes are typed after the fact: a minute to a day later.
        logged_delay = rng.integers(60_000, 86_400_000, count, dtype=np.int64)
        logged_delay = logged_before_anchor(settings, account, self.name, occurred, logged_delay)
        return assemble_table(
            self, settings, account, rng, occurred, logged_delay,
            {
                "timestamp_ms": occurred, "body_chars": size.astype(np.uint32),
                "owner": owner_column(rng, settings, account, count),
                "attachments": attachment_counts(rng, count, 0.1),
            },
        )

    def own_properties(
        self, seed: int, account: Account, table: ObjectTable, row: int, wanted: frozenset[str] | None
    ) -> PropertyValues:
        cols = table.columns
        values: PropertyValues = {
            "hs_timestamp": iso_ms(cols["timestamp_ms"][row]),
            "hubspot_owner_id": owner_value(account, table, row),
            "hs_attachment_ids": attachment_ids(table, row),
        }
        if wanted is not None and "hs_note_body" not in wanted:
            return values
        rnd = record_rng(seed, account.key, self.name, int(table.ids[row]), int(table.revision[row]))
        contact_row = first_contact(account, self.name, row)
        first = (contact_identity(account, account.hubspot.objects["contacts"], contact_row)[0]
                 if contact_row is not None else "the customer")
        target = int(cols["body_chars"][row])
        head = [line.format(first=first) for line in rnd.sample(NOTE_LINES, k=rnd.randint(1, 3))]
        lines = clipped_text(rnd, target, head, EMAIL_PARAGRAPHS)
        # Lines that already are markup (<b>…) are kept; the rest is escaped like the editor does.
        body = "".join(f"<p>{line if line.startswith('<') else html.escape(line, quote=False)}</p>"
                       for line in lines)
        values["hs_note_body"] = f'<div style="" dir="auto" data-top-level="true">{body}</div>'[:MAX_NOTE_CHARS]
        return values

    def truth_extras(self, table: ObjectTable, rows: np.ndarray) -> Mapping[str, int]:
        return {"null_owner_count": int((table.columns["owner"][rows] < 0).sum())}
