"""What a HubSpot CRM object type must provide to be served by the generic CRM routes.

An `ObjectKind` generates its columnar `ObjectTable` for a portal and renders one row's
properties on demand. Everything else (auth, paging, `properties`/`archived` parameters, the
response envelope, ground truth) is shared, so adding contacts or notes means writing one
subclass and registering it in `objects/__init__.py`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from provider_sandbox.seeding import derive_int
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account

PropertyValues = dict[str, str | None]
BASE_PROPERTIES = frozenset(("hs_object_id", "hs_createdate", "hs_lastmodifieddate"))

DAY_MS = 86_400_000
# Share of records edited after creation, and how long after at most.
_EDITED_FRACTION = 0.3
_MAX_EDIT_DELAY_MS = 30 * DAY_MS


class ObjectKind(ABC):
    name: ClassVar[str]  # URL name, e.g. "calls"
    object_type_id: ClassVar[str]  # e.g. "0-48"
    aliases: ClassVar[tuple[str, ...]] = ()  # other accepted URL names, e.g. ("call",)
    # Returned when the client sends no `properties` parameter (true for engagement objects).
    default_properties: ClassVar[tuple[str, ...]] = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")

    @abstractmethod
    def generate(self, settings: SandboxSettings, account: Account, count: int) -> ObjectTable:
        """Build this type's table for one portal; must depend only on settings and account."""

    @abstractmethod
    def own_properties(
        self, seed: int, account: Account, table: ObjectTable, row: int, wanted: frozenset[str] | None
    ) -> PropertyValues:
        """The type-specific properties of one row (values are strings or None).

        `wanted` (None = all) lets a kind skip expensive rendering nobody asked for; returning
        more than wanted is fine, the caller filters.
        """

    def property_values(
        self, seed: int, account: Account, table: ObjectTable, row: int, wanted: frozenset[str] | None = None
    ) -> PropertyValues:
        values: PropertyValues = {
            "hs_object_id": str(int(table.ids[row])),
            "hs_createdate": iso_ms(table.created_ms[row]),
            "hs_lastmodifieddate": iso_ms(table.modified_ms[row]),
        }
        if wanted is None or not wanted <= BASE_PROPERTIES:
            values.update(self.own_properties(seed, account, table, row, wanted))
        return values

    def associations(
        self, account: Account, table: ObjectTable, row: int, to_types: list[str]
    ) -> dict[str, list[tuple[str, str]]]:
        """Associated ids per requested type as (id, association label). None exist yet."""
        return {}

    def truth_extras(self, table: ObjectTable, rows: np.ndarray) -> Mapping[str, int]:
        """Extra ground-truth aggregates over the given (non-archived) rows, e.g. sums."""
        return {}

    # --- helpers for subclasses -------------------------------------------------------------

    def id_base(self, settings: SandboxSettings, account: Account) -> int:
        """First id of this type in this portal: 11-digit ids like HubSpot's, distinct per portal."""
        return 10_000_000_000 + derive_int(settings.seed, account.key, self.name, "id-base") % 80_000_000_000


def assemble_table(
    kind: ObjectKind,
    settings: SandboxSettings,
    account: Account,
    rng: np.random.Generator,
    occurred_ms: np.ndarray,
    logged_delay_ms: np.ndarray,
    columns: dict[str, np.ndarray],
) -> ObjectTable:
    """Turn per-record activity times into a full lifecycle and an id-sorted table.

    created = when the activity was logged (after it happened), modified = a later edit for some,
    archived = a soft delete for a few. Ids grow with creation time, as HubSpot's do.
    """
    count = len(occurred_ms)
    anchor = settings.anchor_ms
    created = np.minimum(occurred_ms + logged_delay_ms, anchor)

    edited = rng.random(count) < _EDITED_FRACTION
    edit_delay = rng.integers(1, _MAX_EDIT_DELAY_MS, count, dtype=np.int64)
    modified = np.where(edited, np.minimum(created + edit_delay, anchor), created)

    archived = rng.random(count) < settings.archived_fraction
    span = np.maximum(anchor - modified, 1)
    archived_at = modified + (rng.random(count) * span).astype(np.int64)
    archived_ms = np.where(archived, archived_at, 0)
    # HubSpot bumps updatedAt when it archives a record.
    modified = np.where(archived, archived_at, modified)

    order = np.argsort(created, kind="stable")
    ids = kind.id_base(settings, account) + np.cumsum(rng.integers(1, 40, count, dtype=np.int64))
    return ObjectTable(
        object_type=kind.name,
        ids=ids,
        created_ms=created[order],
        modified_ms=modified[order],
        archived=archived[order],
        archived_ms=archived_ms[order],
        revision=np.zeros(count, dtype=np.uint32),
        columns={name: column[order] for name, column in columns.items()},
    )
