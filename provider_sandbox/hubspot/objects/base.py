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

from provider_sandbox.hubspot.columns import SearchColumn, base_search_columns
from provider_sandbox.hubspot.objects.catalogue import stage_history_definitions, standard_definitions
from provider_sandbox.hubspot.objects.schema import PropertyDef, custom_values, portal_custom_properties
from provider_sandbox.hubspot.v1_metadata import V1_ENGAGEMENT_TYPES, default_v1_metadata
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
    # Returned with whatever `properties` the client asks for (contacts say createdate instead).
    always_properties: ClassVar[tuple[str, ...]] = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")
    # HubSpot-defined properties, as the properties endpoints describe them (objects/schema.py).
    property_defs: ClassVar[tuple[PropertyDef, ...]] = ()

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
            # The portal's custom properties (schema.py), rendered only when asked for.
            custom = portal_custom_properties(seed, account.key, self.name)
            if custom.names and (wanted is None or not wanted.isdisjoint(custom.names)):
                values.update(custom_values(seed, account.key, self.name, int(table.ids[row]),
                                            int(table.revision[row]), custom))
        return values

    def definitions(self, seed: int, account: Account) -> tuple[PropertyDef, ...]:
        """This portal's HubSpot-defined properties; override when options vary per portal."""
        return self.property_defs

    def stage_definitions(self, seed: int, account: Account) -> tuple[PropertyDef, ...]:
        """Per-stage history properties (`hs_v2_date_entered_<stage>`, ...). By default those of
        the lifecycle stages when the kind has `lifecyclestage`; kinds with pipelines override."""
        for definition in self.definitions(seed, account):
            if definition.name == "lifecyclestage":
                stages = tuple((value, f"{label} (Lifecycle Stage Pipeline)") for value, label in definition.options)
                return stage_history_definitions(stages, definition.group)
        return ()

    def all_definitions(self, seed: int, account: Account) -> tuple[PropertyDef, ...]:
        """Every HubSpot-defined property of this type in this portal, as the properties
        endpoints list them: the ones records render first, then the stage history and the rest
        of HubSpot's standard properties (objects/catalogue.py), which records have no value for
        (a request for one answers null, see `defined_names`)."""
        own = self.definitions(seed, account)
        names = {d.name for d in own}
        group = own[0].group if own else self.name
        extra: list[PropertyDef] = []
        for definition in (*self.stage_definitions(seed, account), *standard_definitions(self.name, group)):
            if definition.name not in names:
                names.add(definition.name)
                extra.append(definition)
        return (*own, *extra)

    def defined_names(self, seed: int, account: Account) -> frozenset[str]:
        """Names of every property this type has in this portal (HubSpot-defined and the portal's
        active custom ones): what a record answers for when asked, with null when it has no value."""
        custom = portal_custom_properties(seed, account.key, self.name)
        return frozenset((*(d.name for d in self.all_definitions(seed, account)),
                          *(c.definition.name for c in custom.active)))

    def associations(
        self, account: Account, table: ObjectTable, row: int, to_types: list[str]
    ) -> dict[str, list[tuple[str, str]]]:
        """Every visible associated id per requested type (plural name) as (id, v3 type name),
        unpaged; unknown types are ignored. See hubspot/association_views.py."""
        from provider_sandbox.hubspot.association_views import associated_ids  # imports the registry

        return associated_ids(account, self.name, row, to_types)

    def truth_extras(self, table: ObjectTable, rows: np.ndarray) -> Mapping[str, int]:
        """Extra ground-truth aggregates over the given (non-archived) rows, e.g. sums."""
        return {}

    def search_columns(self, account: Account, table: ObjectTable) -> dict[str, SearchColumn]:
        """Properties CRM search filters and sorts on with numpy over the table's arrays (see
        hubspot/columns.py). Other properties still work but are evaluated row by row, so
        override this (extending super()'s dict) for properties clients filter on."""
        return base_search_columns(account, table)

    @property
    def v1_type(self) -> str | None:
        """`engagement.type` in the legacy v1 engagements API, None if not an engagement."""
        return V1_ENGAGEMENT_TYPES.get(self.name)

    def v1_metadata(self, seed: int, account: Account, table: ObjectTable, row: int) -> dict:
        """The v1 engagement's type-specific `metadata`; by default mapped from this kind's v3
        properties (hubspot/v1_metadata.py). Override to add keys without a v3 property."""
        return default_v1_metadata(self, seed, account, table, row)

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
    # Fold edits that would land after the anchor back into [created, anchor]: clipping them to
    # the anchor put >10,000 rows of a 1M portal on one millisecond, which no search window
    # on hs_lastmodifieddate can split under the 10k cap.
    room = np.maximum(anchor - created, 1)
    edit_delay = np.where(edit_delay < room, edit_delay, edit_delay % room)
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
