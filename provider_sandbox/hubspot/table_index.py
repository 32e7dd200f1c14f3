"""Rows of an `ObjectTable` ordered by (hs_lastmodifieddate, id), cached per table version.

Tables are stored in id order; incremental readers want modification order. v1
`modified/after` resumes from a (lastUpdated, id) cursor with two binary searches, and search
sorted by hs_lastmodifieddate reads its result order from here instead of sorting up to a
million hits per page. Sorting one million rows takes ~0.1 s, so it happens once per table
version (mutations bump `table.version`), not per request.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from provider_sandbox.store import ObjectTable


@dataclass(frozen=True)
class ModifiedOrder:
    order: np.ndarray  # row indexes sorted by (modified_ms, id)
    modified: np.ndarray  # modified_ms[order]
    ids: np.ndarray  # ids[order]

    def position_after(self, modified_ms: int, record_id: int) -> int:
        """Index in `order` of the first row whose (modified, id) is greater than the given."""
        low = int(np.searchsorted(self.modified, modified_ms, side="left"))
        high = int(np.searchsorted(self.modified, modified_ms, side="right"))
        # Within equal modification times rows are in id order.
        return low + int(np.searchsorted(self.ids[low:high], record_id, side="right"))

    def end_at(self, modified_ms: int) -> int:
        """Index in `order` past the last row modified at or before `modified_ms`."""
        return int(np.searchsorted(self.modified, modified_ms, side="right"))


# id(table) -> (weak ref to the table, its version and length when built, the order).
_CACHE: dict[int, tuple[weakref.ref, int, int, ModifiedOrder]] = {}


def modified_order(table: ObjectTable) -> ModifiedOrder:
    key = id(table)
    cached = _CACHE.get(key)
    if cached and cached[0]() is table and cached[1] == table.version and cached[2] == len(table):
        return cached[3]
    for stale in [k for k, entry in _CACHE.items() if entry[0]() is None]:
        del _CACHE[stale]
    order = np.lexsort((table.ids, table.modified_ms))
    built = ModifiedOrder(order=order, modified=table.modified_ms[order], ids=table.ids[order])
    _CACHE[key] = (weakref.ref(table), table.version, len(table), built)
    return built
