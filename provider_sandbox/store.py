"""In-memory data model of the generated world.

Storage choice: records are kept *columnar*, one numpy array per field per object type per
portal (ids, timestamps, small integer codes). Free text (titles, bodies, phone numbers) is never
stored: it is rendered on demand from a per-record seed (`seeding.record_rng`). A call costs
about 50 bytes this way, so a million engagements fit in tens of MB instead of the ~1.5 GB that
one Python dict per record would take.

Rows of an `ObjectTable` are always sorted by id, which makes the CRM `after` cursor a binary
search and keeps it stable while records are archived or modified during a client's pagination.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Rows scanned per step when looking for the next page of a filtered listing.
_SEARCH_CHUNK = 1024


@dataclass(frozen=True)
class Rep:
    """A salesperson. The same person shows up as a HubSpot owner, a Fathom recorder and an
    Aircall user; providers may spell the email with different letter case."""

    first_name: str
    last_name: str
    email: str
    phone: str


@dataclass(frozen=True)
class HubSpotOwner:
    id: str
    user_id: int
    rep: Rep
    created_ms: int
    updated_ms: int


@dataclass
class ObjectTable:
    """All records of one CRM object type in one portal, column by column, sorted by id."""

    object_type: str
    ids: np.ndarray  # int64, strictly increasing
    created_ms: np.ndarray  # int64
    modified_ms: np.ndarray  # int64; equals archived_ms for archived rows
    archived: np.ndarray  # bool
    archived_ms: np.ndarray  # int64, 0 when not archived
    revision: np.ndarray  # uint32, bumped on modification so rendered text changes too
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    # Bumped by every mutation; caches (ground truth) key on it.
    version: int = 0

    def __post_init__(self) -> None:
        lengths = {len(a) for a in (self.ids, self.created_ms, self.modified_ms, self.archived,
                                    self.archived_ms, self.revision, *self.columns.values())}
        if len(lengths) > 1:
            raise ValueError(f"{self.object_type}: columns differ in length {sorted(lengths)}")
        if len(self.ids) > 1 and not bool(np.all(np.diff(self.ids) > 0)):
            raise ValueError(f"{self.object_type}: ids must be strictly increasing")

    def __len__(self) -> int:
        return len(self.ids)

    def page(self, start_id: int, limit: int, archived: bool) -> tuple[list[int], int | None]:
        """Row indexes of up to `limit` records with id >= start_id and the wanted archived flag,
        plus the id of the next matching record (None on the last page)."""
        position = int(np.searchsorted(self.ids, start_id, side="left"))
        found: list[int] = []
        # Scan in chunks so that a sparse filter (archived=true) stays O(page), not O(table).
        chunk = max(_SEARCH_CHUNK, 4 * (limit + 1))
        while position < len(self.ids) and len(found) <= limit:
            stop = min(position + chunk, len(self.ids))
            hits = np.flatnonzero(self.archived[position:stop] == archived) + position
            found.extend(hits[: limit + 1 - len(found)].tolist())
            position = stop
        if len(found) > limit:
            return found[:limit], int(self.ids[found[limit]])
        return found, None

    def mask(self, archived: bool) -> np.ndarray:
        return self.archived == archived


@dataclass
class HubSpotPortal:
    hub_id: int
    private_app_token: str
    app_id: int
    owners: list[HubSpotOwner]
    # Call outcome GUID -> label: the six HubSpot defaults plus this portal's custom ones.
    call_dispositions: dict[str, str]
    objects: dict[str, ObjectTable] = field(default_factory=dict)


@dataclass
class Account:
    """One customer company: its reps and its presence at each provider."""

    key: str
    name: str
    domain: str
    reps: list[Rep]
    hubspot: HubSpotPortal


@dataclass
class SandboxStore:
    seed: int
    anchor_ms: int
    accounts: list[Account]
    _by_key: dict[str, Account] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key = {account.key: account for account in self.accounts}

    def account(self, key: str) -> Account:
        return self._by_key[key]
