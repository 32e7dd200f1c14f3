"""Search columns: how CRM search reads a property straight from an `ObjectTable`'s numpy arrays.

A filter on a property with a `SearchColumn` costs a few vectorised comparisons over the whole
table (about a millisecond per million rows); any other property is evaluated by rendering the
candidate rows one by one. Object kinds list their columns in `ObjectKind.search_columns()`;
`base_search_columns` covers what every kind has (ids and lifecycle times) plus two columns most
kinds share by convention: `timestamp_ms` (hs_timestamp) and `owner` (hubspot_owner_id).

A column must give exactly the value the kind renders for that property, or search and the list
endpoint disagree (tests/sandbox/test_search.py checks every registered kind).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from provider_sandbox.store import Account, ObjectTable

ColumnKind = Literal["number", "datetime", "enum"]


@dataclass(frozen=True)
class SearchColumn:
    """One property as an array.

    - number / datetime: `values` holds the number (datetime: epoch ms); `present` marks rows
      that have a value (None = every row has one).
    - enum: `values` holds small integer codes and `labels` maps each code to the rendered
      property value (None = the record has no value). Filters are evaluated once per label and
      broadcast through the codes, so any operator works on them at numpy speed.
    """

    kind: ColumnKind
    values: np.ndarray
    labels: Mapping[int, str | None] | None = None
    present: np.ndarray | None = None

    @classmethod
    def number(cls, values: np.ndarray, present: np.ndarray | None = None) -> SearchColumn:
        return cls("number", values, present=present)

    @classmethod
    def datetime(cls, epoch_ms: np.ndarray, present: np.ndarray | None = None) -> SearchColumn:
        return cls("datetime", epoch_ms, present=present)

    @classmethod
    def enum(cls, codes: np.ndarray, labels: Mapping[int, str | None]) -> SearchColumn:
        return cls("enum", codes, labels=labels)


def base_search_columns(account: Account, table: ObjectTable) -> dict[str, SearchColumn]:
    created = SearchColumn.datetime(table.created_ms)
    modified = SearchColumn.datetime(table.modified_ms)
    columns = {
        "hs_object_id": SearchColumn.number(table.ids),
        "hs_createdate": created,
        "hs_lastmodifieddate": modified,
        # Contacts, companies and deals name them without the hs_ prefix.
        "createdate": created,
        "lastmodifieddate": modified,
    }
    timestamp = table.columns.get("timestamp_ms")
    if timestamp is not None:
        columns["hs_timestamp"] = SearchColumn.datetime(timestamp)
    owner = table.columns.get("owner")
    if owner is not None and np.issubdtype(owner.dtype, np.integer):
        # Convention (calls.py): index into portal.owners, -1 for records without an owner.
        labels: dict[int, str | None] = {index: o.id for index, o in enumerate(account.hubspot.owners)}
        labels[-1] = None
        columns["hubspot_owner_id"] = SearchColumn.enum(owner, labels)
    return columns
