"""Associations between CRM records, stored compactly, and HubSpot's association types.

Storage: one `Links` per stored (from type, to type) pair in CSR form: `offsets` (int64, one per
from-row plus one) and `targets` (int32 row indexes into the to-table, ascending, so ascending
ids), plus an optional per-link `primary` flag for the "Primary" company label. About 4 bytes per
association and 8 per record instead of Python lists; a million engagements' associations take
tens of MB. Only one direction of each pair is stored; the other is derived on first use and
cached until the graph changes.

Rows, not ids, are stored: rows never move (tables only append), so links survive mutations.
Whether an association is visible is decided at read time: links to or from archived records
are not returned (HubSpot drops the associations of deleted records) and are not counted in
ground truth.

Mutation (for `POST /_sandbox/advance`): `relink(from, to, rows, targets_per_row)` replaces the
links of some rows in one O(links) rebuild; call it once per batch, not per row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

SINGULAR = {
    "contacts": "contact", "companies": "company", "deals": "deal", "calls": "call", "emails": "email",
    "meetings": "meeting", "notes": "note", "tasks": "task",
}
ENGAGEMENT_TYPES = ("calls", "emails", "meetings", "notes", "tasks")

# HubSpot-defined association type ids (the "association type IDs" table of the v4 docs):
# (from, to) -> the unlabeled type; PRIMARY_TYPE_IDS holds the "Primary" company label.
UNLABELED_TYPE_IDS: dict[tuple[str, str], int] = {
    ("contacts", "companies"): 279, ("companies", "contacts"): 280,
    ("deals", "contacts"): 3, ("contacts", "deals"): 4,
    ("deals", "companies"): 341, ("companies", "deals"): 342,
    ("contacts", "calls"): 193, ("calls", "contacts"): 194,
    ("companies", "calls"): 181, ("calls", "companies"): 182,
    ("deals", "calls"): 205, ("calls", "deals"): 206,
    ("contacts", "emails"): 197, ("emails", "contacts"): 198,
    ("companies", "emails"): 185, ("emails", "companies"): 186,
    ("deals", "emails"): 209, ("emails", "deals"): 210,
    ("contacts", "meetings"): 199, ("meetings", "contacts"): 200,
    ("companies", "meetings"): 187, ("meetings", "companies"): 188,
    ("deals", "meetings"): 211, ("meetings", "deals"): 212,
    ("contacts", "notes"): 201, ("notes", "contacts"): 202,
    ("companies", "notes"): 189, ("notes", "companies"): 190,
    ("deals", "notes"): 213, ("notes", "deals"): 214,
    ("contacts", "tasks"): 203, ("tasks", "contacts"): 204,
    ("companies", "tasks"): 191, ("tasks", "companies"): 192,
    ("deals", "tasks"): 215, ("tasks", "deals"): 216,
    # HubSpot's other standard types (objects/standard.py): no records, so no links, but the
    # per-record association routes know the pairs HubSpot defines.
    ("contacts", "tickets"): 15, ("tickets", "contacts"): 16,
    ("tickets", "companies"): 339, ("companies", "tickets"): 340,
    ("deals", "tickets"): 27, ("tickets", "deals"): 28,
    ("tickets", "calls"): 219, ("calls", "tickets"): 220,
    ("tickets", "emails"): 223, ("emails", "tickets"): 224,
    ("tickets", "meetings"): 225, ("meetings", "tickets"): 226,
    ("tickets", "notes"): 227, ("notes", "tickets"): 228,
    ("tickets", "tasks"): 229, ("tasks", "tickets"): 230,
    ("deals", "line_items"): 19, ("line_items", "deals"): 20,
    ("deals", "quotes"): 63, ("quotes", "deals"): 64,
    ("quotes", "line_items"): 67, ("line_items", "quotes"): 68,
    ("communications", "contacts"): 81, ("contacts", "communications"): 82,
    ("communications", "deals"): 85, ("deals", "communications"): 86,
    ("communications", "companies"): 87, ("companies", "communications"): 88,
    ("contacts", "invoices"): 178, ("contacts", "subscriptions"): 296, ("contacts", "commerce_payments"): 388,
    ("contacts", "postal_mail"): 454, ("contacts", "orders"): 508, ("contacts", "carts"): 587,
}
PRIMARY_TYPE_IDS: dict[tuple[str, str], int] = {
    ("contacts", "companies"): 1, ("companies", "contacts"): 2,
    ("deals", "companies"): 5, ("companies", "deals"): 6,
}


def v3_type_names(from_type: str, to_type: str) -> tuple[str, str]:
    """(name of the primary label, name of the plain association) in the v3 `associations` shape.

    For pairs with a Primary label HubSpot's v3 lists return the primary association twice:
    `contact_to_company` (Primary) and `contact_to_company_unlabeled`."""
    base = f"{SINGULAR[from_type]}_to_{SINGULAR[to_type]}"
    if (from_type, to_type) in PRIMARY_TYPE_IDS:
        return base, f"{base}_unlabeled"
    return base, base


class Links:
    """Associations from every row of one type to rows of another, in CSR form."""

    __slots__ = ("offsets", "primary", "targets")

    def __init__(self, offsets: np.ndarray, targets: np.ndarray, primary: np.ndarray | None = None) -> None:
        self.offsets = offsets
        self.targets = targets
        self.primary = primary

    @classmethod
    def from_pairs(cls, from_rows: int, sources: np.ndarray, targets: np.ndarray,
                   primary: np.ndarray | None = None) -> Links:
        """Build from (source row, target row) pairs in any order; duplicates are merged and a
        pair is primary if any of its duplicates is."""
        sources = np.asarray(sources, dtype=np.int64)
        targets = np.asarray(targets, dtype=np.int64)
        keys = [targets, sources] if primary is None else [~np.asarray(primary, dtype=bool), targets, sources]
        order = np.lexsort(keys)
        sources, targets = sources[order], targets[order]
        keep = np.ones(len(order), dtype=bool)
        keep[1:] = (sources[1:] != sources[:-1]) | (targets[1:] != targets[:-1])
        offsets = np.zeros(from_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(sources[keep], minlength=from_rows), out=offsets[1:])
        flags = None if primary is None else np.asarray(primary, dtype=bool)[order][keep]
        return cls(offsets, targets[keep].astype(np.int32), flags)

    @property
    def rows(self) -> int:
        return len(self.offsets) - 1

    def sources(self) -> np.ndarray:
        """The source row of every link (same order as `targets`)."""
        return np.repeat(np.arange(self.rows, dtype=np.int64), np.diff(self.offsets))

    def of(self, row: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Target rows of one source row (ascending) and their primary flags."""
        if row >= self.rows:  # appended after the links were built: none yet
            return self.targets[:0], None if self.primary is None else self.primary[:0]
        start, stop = int(self.offsets[row]), int(self.offsets[row + 1])
        return self.targets[start:stop], None if self.primary is None else self.primary[start:stop]

    def reversed(self, to_rows: int) -> Links:
        return Links.from_pairs(to_rows, self.targets, self.sources(), self.primary)

    @property
    def nbytes(self) -> int:
        return self.offsets.nbytes + self.targets.nbytes + (0 if self.primary is None else self.primary.nbytes)


@dataclass
class PairTruth:
    count: int
    checksum: str


class AssociationGraph:
    """All associations of one portal."""

    def __init__(self) -> None:
        self._stored: dict[tuple[str, str], Links] = {}
        self._derived: dict[tuple[str, str], tuple[int, int, Links]] = {}
        self._truth: dict[tuple[str, str], tuple[tuple, PairTruth]] = {}
        # Bumped by every change; caches (reverse links, ground truth) key on it.
        self.version = 0

    def set(self, from_type: str, to_type: str, links: Links) -> None:
        self._stored.pop((to_type, from_type), None)
        self._stored[(from_type, to_type)] = links
        self.version += 1

    def stored_pairs(self) -> list[tuple[str, str]]:
        return list(self._stored)

    def related_types(self, object_type: str) -> list[str]:
        """Types that `object_type` has associations with, in either direction."""
        related = {b for a, b in self._stored if a == object_type} | {a for a, b in self._stored if b == object_type}
        return sorted(related)

    def links(self, from_type: str, to_type: str, from_rows: int) -> Links | None:
        """Links from `from_type` (which has `from_rows` rows) to `to_type`, or None if that pair
        has no associations at all."""
        stored = self._stored.get((from_type, to_type))
        if stored is not None:
            return stored
        reverse = self._stored.get((to_type, from_type))
        if reverse is None:
            return None
        cached = self._derived.get((from_type, to_type))
        if cached and cached[0] == self.version and cached[1] == from_rows:
            return cached[2]
        derived = reverse.reversed(from_rows)
        self._derived[(from_type, to_type)] = (self.version, from_rows, derived)
        return derived

    def relink(self, from_type: str, to_type: str, from_rows: int, rows: np.ndarray,
               targets_per_row: list[np.ndarray], primary_per_row: list[np.ndarray] | None = None) -> None:
        """Replace the associations of `rows` (of `from_type`, which has `from_rows` rows now)
        with the given target rows, labelled Primary where `primary_per_row` says so (default:
        none); links of other rows keep their label."""
        rows = np.asarray(rows, dtype=np.int64)
        current = self.links(from_type, to_type, from_rows)
        if current is not None:
            sources, targets = current.sources(), current.targets.astype(np.int64)
            flags = current.primary
        else:
            sources = targets = np.zeros(0, dtype=np.int64)
            flags = None
        keep = ~np.isin(sources, rows)
        counts = [len(t) for t in targets_per_row]
        new_sources = np.repeat(rows, counts)
        new_targets = (np.concatenate([np.asarray(t, dtype=np.int64) for t in targets_per_row]) if counts
                       else targets[:0])
        sources = np.concatenate([sources[keep], new_sources])
        targets = np.concatenate([targets[keep], new_targets])
        new_flags = (np.concatenate([np.asarray(f, dtype=bool) for f in primary_per_row])
                     if primary_per_row and counts else np.zeros(len(new_sources), dtype=bool))
        if flags is None and new_flags.any():
            flags = np.zeros(len(keep), dtype=bool)
        if flags is not None:
            flags = np.concatenate([flags[keep], new_flags])
        forward = Links.from_pairs(max(from_rows, current.rows if current else 0), sources, targets, flags)
        if (to_type, from_type) in self._stored:  # keep the stored orientation
            to_rows = int(targets.max()) + 1 if len(targets) else 0
            to_rows = max(to_rows, self._stored[(to_type, from_type)].rows)
            self.set(to_type, from_type, forward.reversed(to_rows))
        else:
            self.set(from_type, to_type, forward)

    @property
    def nbytes(self) -> int:
        return sum(links.nbytes for links in self._stored.values())

    # --- ground truth ----------------------------------------------------------------------

    def pair_truth(self, from_type: str, to_type: str, from_ids: np.ndarray, from_live: np.ndarray,
                   to_ids: np.ndarray, to_live: np.ndarray, versions: tuple) -> PairTruth:
        """Count and checksum of the visible (both ends non-archived) associations.

        Checksum: sha256 hex of one line "<from id>:<to id>\\n" per association, sorted by
        from id then to id; the same definition as object checksums, one line per pair."""
        key = (from_type, to_type)
        cache_key = (self.version, *versions)
        cached = self._truth.get(key)
        if cached and cached[0] == cache_key:
            return cached[1]
        links = self.links(from_type, to_type, len(from_ids))
        if links is None:
            truth = PairTruth(0, hashlib.sha256(b"").hexdigest())
        else:
            sources, targets = links.sources(), links.targets
            visible = from_live[sources] & to_live[targets]
            lines = zip(from_ids[sources[visible]].tolist(), to_ids[targets[visible]].tolist(), strict=True)
            text = "".join(f"{a}:{b}\n" for a, b in lines)  # CSR order is already (from, to) sorted
            truth = PairTruth(int(visible.sum()), hashlib.sha256(text.encode()).hexdigest())
        self._truth[key] = (cache_key, truth)
        return truth
