"""HubSpot task engagements (object type 0-27): subject, body, status, priority, type.

`hs_timestamp` is the due date: most tasks are due in the past (and mostly completed), some in
the coming month. A completed task was last modified no earlier than its completion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.columns import SearchColumn
from provider_sandbox.hubspot.objects import schema as s
from provider_sandbox.hubspot.objects.activity import (
    NONE_CODE,
    activity_times,
    coded,
    first_contact,
    logged_before_anchor,
    owner_column,
    owner_value,
)
from provider_sandbox.hubspot.objects.base import DAY_MS, ObjectKind, PropertyValues, assemble_table
from provider_sandbox.hubspot.objects.contacts import contact_identity
from provider_sandbox.hubspot.objects.vocab import NOTE_LINES, TASK_SUBJECTS
from provider_sandbox.seeding import numpy_rng, record_rng
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms
from provider_sandbox.vocabulary import CONTACT_FIRST_NAMES, CONTACT_LAST_NAMES, PROSPECT_COMPANIES

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account

STATUSES = ("NOT_STARTED", "IN_PROGRESS", "WAITING", "DEFERRED", "COMPLETED")
NOT_STARTED, IN_PROGRESS, WAITING, DEFERRED, COMPLETED = range(len(STATUSES))
PRIORITIES = ("LOW", "MEDIUM", "HIGH")
TYPES = ("EMAIL", "CALL", "TODO")
_TEXT_PROPERTIES = frozenset(("hs_task_subject", "hs_task_body"))


class TaskKind(ObjectKind):
    name = "tasks"
    object_type_id = "0-27"
    aliases = ("task",)
    # Epoch-ms columns that `POST /_sandbox/advance` shifts when it clones a record (0 = none).
    time_columns = {"timestamp_ms": 1, "completed_ms": 1}
    property_defs = (
        *s.engagement_definitions(),
        s.text("hs_task_subject", "Task Title", "task"),
        s.html("hs_task_body", "Notes", "task"),
        s.enum("hs_task_status", "Task Status", "task", s.choices(*STATUSES)),
        s.enum("hs_task_priority", "Priority", "task", s.choices(*PRIORITIES)),
        s.enum("hs_task_type", "Task Type", "task", s.choices(*TYPES)),
        s.when("hs_task_completion_date", "Completed at", "task", read_only=True),
    )

    def generate(self, settings: SandboxSettings, account: Account, count: int) -> ObjectTable:
        rng = numpy_rng(settings.seed, account.key, self.name)
        anchor = settings.anchor_ms
        due = activity_times(rng, settings, count)
        upcoming = rng.random(count) < 0.1
        due[upcoming] = anchor + rng.integers(3_600_000, 30 * DAY_MS, count)[upcoming]
        # Created up to two weeks before the due date, and before the anchor (logged_before_anchor).
        logged_delay = -rng.integers(0, 14 * DAY_MS, count, dtype=np.int64)

        status = coded(rng, (0.15, 0.05, 0.05, 0.05, 0.70), count)
        status[upcoming] = coded(rng, (0.8, 0.1, 0.1), count)[upcoming]
        priority = coded(rng, (0.3, 0.4, 0.2, 0.1), count)
        priority[priority == 3] = NONE_CODE
        completed = np.where(status == COMPLETED, due + rng.integers(-2 * DAY_MS, 2 * DAY_MS, count), 0)
        logged_delay = logged_before_anchor(settings, account, self.name, due, logged_delay)
        table = assemble_table(
            self, settings, account, rng, due, logged_delay,
            {
                "timestamp_ms": due, "status": status, "priority": priority,
                "task_type": coded(rng, (0.3, 0.3, 0.4), count), "completed_ms": completed.astype(np.int64),
                "owner": owner_column(rng, settings, account, count, null_fraction=0.02),
            },
        )
        # Completion happens after creation and is an update: keep created <= completed <= modified.
        done = table.columns["completed_ms"] > 0
        # A completion the anchor has not reached yet happened between creation and the anchor.
        completed = table.columns["completed_ms"]
        pending = done & (completed >= anchor)
        span = np.maximum(anchor - table.created_ms, 1)
        spread = (numpy_rng(settings.seed, account.key, self.name, "completed").random(len(table)) * span)
        completed = np.where(pending, table.created_ms + spread.astype(np.int64), completed)
        completed = np.clip(completed, table.created_ms, anchor - 1)
        live = done & ~table.archived
        table.modified_ms[live] = np.maximum(table.modified_ms[live], completed[live])
        table.columns["completed_ms"] = np.where(done, np.minimum(completed, table.modified_ms), 0)
        return table

    def own_properties(
        self, seed: int, account: Account, table: ObjectTable, row: int, wanted: frozenset[str] | None
    ) -> PropertyValues:
        cols = table.columns
        priority = int(cols["priority"][row])
        completed = int(cols["completed_ms"][row])
        values: PropertyValues = {
            "hs_timestamp": iso_ms(cols["timestamp_ms"][row]),
            "hs_task_status": STATUSES[int(cols["status"][row])],
            "hs_task_priority": None if priority == NONE_CODE else PRIORITIES[priority],
            "hs_task_type": TYPES[int(cols["task_type"][row])],
            "hs_task_completion_date": iso_ms(completed) if completed else None,
            "hubspot_owner_id": owner_value(account, table, row),
        }
        if wanted is not None and wanted.isdisjoint(_TEXT_PROPERTIES):
            return values
        rnd = record_rng(seed, account.key, self.name, int(table.ids[row]), int(table.revision[row]))
        contact_row = first_contact(account, self.name, row)
        if contact_row is not None:
            first, last, _ = contact_identity(account, account.hubspot.objects["contacts"], contact_row)
        else:
            first, last = rnd.choice(CONTACT_FIRST_NAMES), rnd.choice(CONTACT_LAST_NAMES)
        values["hs_task_subject"] = rnd.choice(TASK_SUBJECTS).format(
            first=first, last=last, company=rnd.choice(PROSPECT_COMPANIES))
        values["hs_task_body"] = None if rnd.random() < 0.3 else f"<p>{rnd.choice(NOTE_LINES).format(first=first)}</p>"
        return values

    def truth_extras(self, table: ObjectTable, rows: np.ndarray) -> Mapping[str, int]:
        return {
            "completed_count": int((table.columns["status"][rows] == COMPLETED).sum()),
            "null_owner_count": int((table.columns["owner"][rows] < 0).sum()),
        }

    def search_columns(self, account: Account, table: ObjectTable) -> dict[str, SearchColumn]:
        cols = table.columns
        priorities: dict[int, str | None] = dict(enumerate(PRIORITIES))
        priorities[NONE_CODE] = None
        return {
            **super().search_columns(account, table),
            "hs_task_status": SearchColumn.enum(cols["status"], dict(enumerate(STATUSES))),
            "hs_task_priority": SearchColumn.enum(cols["priority"], priorities),
            "hs_task_type": SearchColumn.enum(cols["task_type"], dict(enumerate(TYPES))),
            "hs_task_completion_date": SearchColumn.datetime(cols["completed_ms"], present=cols["completed_ms"] > 0),
        }
