"""In-memory data model of the generated world.

Storage choice: records are kept *columnar*, one numpy array per field per object type per
portal (ids, timestamps, small integer codes). Free text (titles, bodies, phone numbers) is never
stored: it is rendered on demand from a per-record seed (`seeding.record_rng`). A call costs
about 50 bytes this way, so a million engagements fit in tens of MB instead of the ~1.5 GB that
one Python dict per record would take.

Rows of an `ObjectTable` are always sorted by id, which makes the CRM `after` cursor a binary
search and keeps it stable while records are archived or modified during a client's pagination.
Rows only move when records are purged (`ObjectTable.remove`, `POST /_sandbox/advance` with
`purge`); the id cursor is unaffected, and whoever holds row indexes (the association graph) is
remapped in the same step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from provider_sandbox.hubspot.association_graph import AssociationGraph

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
    # A deactivated user: listed by `GET /crm/v3/owners?archived=true` only, yet still the
    # owner of the records they had.
    archived: bool = False


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
    # The largest id ever issued, purged rows included: ids are never reused.
    issued_max_id: int = 0

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

    def remove(self, rows: np.ndarray) -> np.ndarray:
        """Delete rows outright (a purge: no archived trace is left). Returns the old-row ->
        new-row map, -1 for removed rows, for whoever stores row indexes."""
        if len(self.ids):
            self.issued_max_id = max(self.issued_max_id, int(self.ids[-1]))
        keep = np.ones(len(self.ids), dtype=bool)
        keep[np.asarray(rows, dtype=np.int64)] = False
        remap = np.where(keep, np.cumsum(keep) - 1, -1).astype(np.int64)
        for name in ("ids", "created_ms", "modified_ms", "archived", "archived_ms", "revision"):
            setattr(self, name, getattr(self, name)[keep])
        self.columns = {name: values[keep] for name, values in self.columns.items()}
        self.version += 1
        return remap


@dataclass(frozen=True)
class OAuthApp:
    """An account's OAuth app registration at one provider (oauth.py): what the authorize and
    token endpoints check. Every listed scope in `required_scopes` must be requested."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]  # exact-match allow list
    required_scopes: tuple[str, ...]
    name: str


@dataclass(frozen=True)
class FathomUser:
    """A rep as a Fathom user: `email` as typed at sign-up, so its letter case may differ from
    the HubSpot owner's; `team` is None for users on no team."""

    rep_index: int  # index into Account.reps
    name: str
    email: str
    team: str | None


@dataclass
class FathomWorkspace:
    """One account's Fathom: the API key and OAuth app of its owner (users[0]), who sees every
    meeting, and the meetings as an `ObjectTable` rendered on demand (fathom/render.py)."""

    api_key: str
    oauth_app: OAuthApp
    users: list[FathomUser]
    meetings: ObjectTable


@dataclass
class HubSpotPortal:
    hub_id: int
    private_app_token: str
    app_id: int
    owners: list[HubSpotOwner]
    # Call outcome GUID -> label: the six HubSpot defaults plus this portal's custom ones.
    call_dispositions: dict[str, str]
    objects: dict[str, ObjectTable] = field(default_factory=dict)
    # Record-to-record associations by row (hubspot/association_graph.py).
    associations: AssociationGraph = field(default_factory=AssociationGraph)
    # The account's public OAuth app, installed into this portal (hubspot/oauth.py).
    oauth_app: OAuthApp | None = None


@dataclass(frozen=True)
class AircallUser:
    """A rep as an Aircall user. Aircall keeps the email as typed at invite time, so its letter
    case may differ from the HubSpot owner's (clients must match emails case-insensitively)."""

    id: int
    rep: Rep
    email: str
    created_ms: int
    team: int  # index into AircallCompany.teams


@dataclass(frozen=True)
class AircallNumber:
    id: int
    name: str
    digits: str  # formatted like Aircall shows it: "+1 415-555-0100"
    country: str  # ISO 3166 alpha-2
    time_zone: str
    created_ms: int


@dataclass
class AircallCompany:
    """One account's Aircall company: Basic-auth credentials, users, numbers and calls.

    `calls` is an `ObjectTable` whose `created_ms` is `started_at` (whole seconds) and whose ids
    grow with it, so a `from`/`to` window is a binary search. Other call times are stored as
    offsets from `started_at`, which keeps rows relocatable when `advance` clones them."""

    company_id: int
    api_id: str
    api_token: str
    users: list[AircallUser]
    numbers: list[AircallNumber]
    teams: list[str]
    calls: ObjectTable
    ai_addon: bool = False  # Aircall's AI add-on: call transcriptions


@dataclass
class Account:
    """One customer company: its reps and its presence at each provider."""

    key: str
    name: str
    domain: str
    reps: list[Rep]
    hubspot: HubSpotPortal
    aircall: AircallCompany | None = None
    fathom: FathomWorkspace | None = None


@dataclass
class SandboxStore:
    seed: int
    anchor_ms: int
    accounts: list[Account]
    # False (the default): the anchor is the wall-clock start and "now" is the wall clock.
    # True (`--anchor ISO`): "now" starts at the anchor, whatever the date.
    anchor_pinned: bool = False
    _by_key: dict[str, Account] = field(init=False, repr=False)
    # The sandbox clock (see now_ms): what it read at `_clock_origin` (monotonic), the total
    # jumps made by advances, and the latest time an advance stamped.
    _clock_origin: float = field(init=False, repr=False, default_factory=time.monotonic)
    _origin_ms: int = field(init=False, repr=False, default=0)
    _clock_offset_ms: int = field(init=False, repr=False, default=0)
    _frontier_ms: int = field(init=False, repr=False, default=0)

    def __post_init__(self) -> None:
        self._by_key = {account.key: account for account in self.accounts}
        # Never behind the generated history, even for an anchor given in the future.
        self._origin_ms = self.anchor_ms if self.anchor_pinned else max(self.anchor_ms, int(time.time() * 1000))
        self._frontier_ms = self.anchor_ms

    def account(self, key: str) -> Account:
        return self._by_key[key]

    def now_ms(self) -> int:
        """The sandbox's "now" in epoch ms. Unpinned: the wall clock (read once at start, then
        run on the monotonic clock so it never steps back). Pinned: the anchor when the store was
        built, running at wall-clock speed. Plus every advance. It never runs behind a time the
        sandbox stamped. Search's indexing delay and v1 `modified/after` hide rows modified
        within `hubspot_search_index_delay_ms` of it; `Date` headers show it."""
        elapsed_ms = int((time.monotonic() - self._clock_origin) * 1000)
        return self._origin_ms + self._clock_offset_ms + elapsed_ms

    def advance_clock(self, ms: int) -> None:
        """Jump the clock forward (simulated time passing, e.g. before a mutation batch)."""
        if ms < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._clock_offset_ms += ms

    def advance_window(self, ms: int) -> tuple[int, int]:
        """Move the clock `ms` forward for one advance and return the interval (start, end] its
        changes are stamped in.

        Pinned: the interval starts at the previous advance's end (the anchor at first), with no
        wall-clock drift, so the same advances give the same stamps on any machine. Unpinned: it
        starts at "now" (or the previous end if that is later), so no change is stamped before a
        moment a client has already seen as "now". Either way the clock reads at least `end`
        afterwards and keeps running from there."""
        if ms < 0:
            raise ValueError("the sandbox clock only moves forward")
        now = self.now_ms()
        start = self._frontier_ms if self.anchor_pinned else max(self._frontier_ms, now)
        end = start + ms
        self._clock_offset_ms += max(ms, end - now)
        self._frontier_ms = end
        return start, end

    def simulated_ms(self) -> int:
        """The end of the last advance's interval (the anchor before any): the latest time the
        sandbox stamped a change with."""
        return self._frontier_ms
