"""CRM search semantics: parse the request body, match records, order them.

Kept apart from the HTTP handler (hubspot/search.py) so it can be benchmarked and unit-tested on
a table directly. Matching is columnar: every filter on a property with a `SearchColumn` becomes
a numpy mask over the whole table (filters in a group AND-ed, groups OR-ed), so windowing one
million calls by hs_lastmodifieddate costs a few milliseconds. Filters on other properties, and
the free-text `query`, render only the rows the columnar filters left over.

Value semantics (HubSpot documents them loosely): numbers compare numerically, datetimes accept
epoch ms or ISO 8601, strings compare case-insensitively; a record without a value matches only
NEQ, NOT_IN, NOT_CONTAINS_TOKEN and NOT_HAS_PROPERTY. Nulls sort last in either direction; ties
are broken by id, in the sort's direction.
"""

from __future__ import annotations

import re
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from provider_sandbox.hubspot.columns import SearchColumn
from provider_sandbox.hubspot.table_index import modified_order
from provider_sandbox.timefmt import parse_iso_to_ms

if TYPE_CHECKING:
    from provider_sandbox.hubspot.objects.base import ObjectKind
    from provider_sandbox.store import Account, ObjectTable

DEFAULT_LIMIT = 10
MAX_LIMIT = 200
# "The search endpoints are limited to 10,000 total results for any given query."
MAX_RESULTS = 10_000
MAX_QUERY_CHARS = 3000
# PublicObjectSearchRequest's fields, plus the top-level `filters` of HubSpot's search guide.
BODY_FIELDS = frozenset(("after", "filterGroups", "filters", "limit", "properties", "query", "sorts"))

OPERATORS = frozenset((
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
    "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
))
_NEEDS_VALUE = frozenset(("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"))
_NEEDS_VALUES = frozenset(("IN", "NOT_IN"))
# Operators a record without a value satisfies.
_NEGATIVE = frozenset(("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN", "NOT_HAS_PROPERTY"))
_MODIFIED_PROPERTIES = frozenset(("hs_lastmodifieddate", "lastmodifieddate"))
_WORD = re.compile(r"\w+")
# Row-by-row verdicts per (table, predicate), so paging through a query on a property without a
# column renders each candidate once, not once per page. A few recent predicates are kept.
_VERDICTS: OrderedDict[tuple, tuple[weakref.ref, np.ndarray, np.ndarray]] = OrderedDict()
_VERDICTS_KEPT = 16


class SearchError(ValueError):
    """A request HubSpot answers with 400 VALIDATION_ERROR; `field` names the offending input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Filter:
    property_name: str
    operator: str
    value: str | None = None
    high_value: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sort:
    property_name: str
    descending: bool = False


@dataclass(frozen=True)
class FilterLimits:
    groups: int = 5
    per_group: int = 10
    total: int = 25


@dataclass(frozen=True)
class SearchQuery:
    groups: tuple[tuple[Filter, ...], ...] = ()
    sort: Sort | None = None
    properties: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    text: str | None = None


# --- parsing -------------------------------------------------------------------------------------

def _scalar(raw: Any, field: str) -> str | None:
    """Filter values are strings in the spec; clients also send numbers and booleans."""
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
    raise SearchError(f"{field} must be a string, got {type(raw).__name__}", field)


def _parse_filter(raw: Any, field: str) -> Filter:
    if not isinstance(raw, dict):
        raise SearchError(f"{field} must be an object", field)
    name = raw.get("propertyName")
    if not isinstance(name, str) or not name:
        raise SearchError(f"{field}.propertyName is required", f"{field}.propertyName")
    operator = raw.get("operator")
    if operator not in OPERATORS:
        raise SearchError(
            f"{field}.operator: unknown operator '{operator}'; expected one of {', '.join(sorted(OPERATORS))}",
            f"{field}.operator",
        )
    value = _scalar(raw.get("value"), f"{field}.value")
    high_value = _scalar(raw.get("highValue"), f"{field}.highValue")
    raw_values = raw.get("values")
    if raw_values is not None and not isinstance(raw_values, list):
        raise SearchError(f"{field}.values must be an array", f"{field}.values")
    values = tuple(v for v in (_scalar(x, f"{field}.values") for x in raw_values or ()) if v is not None)
    if operator in _NEEDS_VALUE and value is None:
        raise SearchError(f"{field}: operator {operator} needs a value", f"{field}.value")
    if operator == "BETWEEN" and (value is None or high_value is None):
        raise SearchError(f"{field}: operator BETWEEN needs value and highValue", f"{field}.highValue")
    if operator in _NEEDS_VALUES and not values:
        raise SearchError(f"{field}: operator {operator} needs a non-empty values array", f"{field}.values")
    return Filter(name, operator, value, high_value, values)


def _parse_sort(raw: Any) -> Sort:
    if isinstance(raw, str):
        # The spec types sorts as strings: a property name, "-name" for descending.
        name = raw.removeprefix("-")
        if not name:
            raise SearchError("sorts[0] must name a property", "sorts")
        return Sort(name, raw.startswith("-"))
    if not isinstance(raw, dict) or not isinstance(raw.get("propertyName"), str):
        raise SearchError("sorts[0] must be {\"propertyName\", \"direction\"} or a property name", "sorts")
    direction = raw.get("direction", "ASCENDING")
    if direction not in ("ASCENDING", "DESCENDING"):
        raise SearchError(f"sorts[0].direction must be ASCENDING or DESCENDING, got '{direction}'", "sorts")
    return Sort(raw["propertyName"], direction == "DESCENDING")


def parse_search_body(body: Any, limits: FilterLimits) -> SearchQuery:
    """Validate a search request body as HubSpot does; raises SearchError for a 400."""
    if not isinstance(body, dict):
        raise SearchError("The request body must be a JSON object", "body")
    unknown = sorted(set(body) - BODY_FIELDS)
    if unknown:
        # Never drop a field silently: one that would change the answer must not be ignored.
        raise SearchError(
            f"Invalid input JSON: unrecognized field(s) {', '.join(unknown)}; a search takes "
            f"{', '.join(sorted(BODY_FIELDS))}", unknown[0])

    raw_groups = body.get("filterGroups") or []
    if not isinstance(raw_groups, list):
        raise SearchError("filterGroups must be an array", "filterGroups")
    top_filters = body.get("filters")
    if top_filters is not None:
        # HubSpot's search guide also sends one AND group as a top-level `filters` list.
        if not isinstance(top_filters, list):
            raise SearchError("filters must be an array", "filters")
        if raw_groups and top_filters:
            raise SearchError("Send either filters (one group) or filterGroups, not both", "filters")
        if top_filters:
            raw_groups = [{"filters": top_filters}]
    if len(raw_groups) > limits.groups:
        raise SearchError(
            f"Too many filter groups: {len(raw_groups)}; a search allows at most {limits.groups}", "filterGroups"
        )
    groups: list[tuple[Filter, ...]] = []
    total_filters = 0
    for g, raw_group in enumerate(raw_groups):
        filters = raw_group.get("filters") if isinstance(raw_group, dict) else None
        if not isinstance(filters, list):
            raise SearchError(f"filterGroups[{g}].filters must be an array", f"filterGroups[{g}].filters")
        if len(filters) > limits.per_group:
            raise SearchError(
                f"Too many filters in filterGroups[{g}]: {len(filters)}; a group allows at most {limits.per_group}",
                f"filterGroups[{g}].filters",
            )
        total_filters += len(filters)
        if filters:  # an empty group constrains nothing
            groups.append(tuple(_parse_filter(f, f"filterGroups[{g}].filters[{i}]") for i, f in enumerate(filters)))
    if total_filters > limits.total:
        raise SearchError(
            f"Too many filters: {total_filters}; a search allows at most {limits.total} across all groups",
            "filterGroups",
        )

    raw_sorts = body.get("sorts") or []
    if not isinstance(raw_sorts, list):
        raise SearchError("sorts must be an array", "sorts")
    if len(raw_sorts) > 1:
        raise SearchError("Only one sort is supported per search", "sorts")
    sort = _parse_sort(raw_sorts[0]) if raw_sorts else None

    raw_properties = body.get("properties") or []
    if not isinstance(raw_properties, list) or not all(isinstance(p, str) for p in raw_properties):
        raise SearchError("properties must be an array of property names", "properties")

    limit = body.get("limit", DEFAULT_LIMIT)
    if limit is None:
        limit = DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise SearchError(f"limit must be an integer, got {limit!r}", "limit")
    if limit < 0 or limit > MAX_LIMIT:
        raise SearchError(f"limit must be between 0 and {MAX_LIMIT}, got {limit}", "limit")

    offset = _parse_after(body.get("after"))

    text = body.get("query")
    if text is not None and not isinstance(text, str):
        raise SearchError("query must be a string", "query")
    if text is not None and len(text) > MAX_QUERY_CHARS:
        raise SearchError(f"query must be at most {MAX_QUERY_CHARS} characters, got {len(text)}", "query")

    return SearchQuery(tuple(groups), sort, tuple(raw_properties), limit, offset, text or None)


def _parse_after(raw: Any) -> int:
    if raw is None or raw == "":
        return 0
    text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(text, str) or not text.isdigit():
        raise SearchError(f"after must be the paging.next.after value of a previous page, got {raw!r}", "after")
    offset = int(text)
    if offset >= MAX_RESULTS:
        raise SearchError(
            f"Search results are limited to {MAX_RESULTS} per query: paging to after={offset} is not allowed. "
            "Narrow the query with filters (e.g. an hs_lastmodifieddate window) instead.",
            "after",
        )
    return offset


# --- value semantics -----------------------------------------------------------------------------

def _number(text: str) -> float | int | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def _epoch_ms(text: str) -> int | None:
    if text.lstrip("-").isdigit():
        return int(text)
    if not text[:4].isdigit():  # not ISO-shaped: spare fromisoformat the exception
        return None
    try:
        return parse_iso_to_ms(text)
    except ValueError:
        return None


def _compare(actual: str, wanted: str) -> int | None:
    """-1/0/1 comparing a rendered property value with a filter value, None if incomparable."""
    a_num, w_num = _number(actual), _number(wanted)
    if a_num is not None and w_num is not None:
        return (a_num > w_num) - (a_num < w_num)
    if a_num is None:
        a_ms = _epoch_ms(actual)
        if a_ms is not None:
            w_ms = _epoch_ms(wanted)
            if w_ms is None:
                return None
            return (a_ms > w_ms) - (a_ms < w_ms)
    a_text, w_text = actual.casefold(), wanted.casefold()
    return (a_text > w_text) - (a_text < w_text)


def _contains_token(actual: str, token: str) -> bool:
    """HubSpot tokenizes text into words; `*` is a wildcard (e.g. "*@example.com")."""
    token = token.casefold()
    text = actual.casefold()
    if "*" in token:
        pattern = re.compile(".*".join(re.escape(part) for part in token.split("*")))
        return bool(pattern.fullmatch(text)) or any(pattern.fullmatch(word) for word in text.split())
    words = set(_WORD.findall(text))
    wanted = _WORD.findall(token)
    return bool(wanted) and all(word in words for word in wanted)


def value_matches(actual: str | None, flt: Filter) -> bool:
    """Does one rendered property value (string or None) satisfy the filter?"""
    op = flt.operator
    missing = actual is None or actual == ""
    if op == "HAS_PROPERTY":
        return not missing
    if missing:
        return op in _NEGATIVE
    assert actual is not None
    if op == "NOT_HAS_PROPERTY":
        return False
    if op == "CONTAINS_TOKEN":
        return _contains_token(actual, flt.value or "")
    if op == "NOT_CONTAINS_TOKEN":
        return not _contains_token(actual, flt.value or "")
    if op in ("IN", "NOT_IN"):
        found = any(_compare(actual, v) == 0 for v in flt.values)
        return found if op == "IN" else not found
    if op == "BETWEEN":
        low, high = _compare(actual, flt.value or ""), _compare(actual, flt.high_value or "")
        return low is not None and high is not None and low >= 0 and high <= 0
    result = _compare(actual, flt.value or "")
    if result is None:
        return op == "NEQ"
    return {
        "EQ": result == 0, "NEQ": result != 0, "LT": result < 0,
        "LTE": result <= 0, "GT": result > 0, "GTE": result >= 0,
    }[op]


# --- columnar evaluation -------------------------------------------------------------------------

def _typed(column: SearchColumn, text: str, field: str) -> float | int:
    parsed = _epoch_ms(text) if column.kind == "datetime" else _number(text)
    if parsed is None:
        expected = "epoch milliseconds or an ISO 8601 date" if column.kind == "datetime" else "a number"
        raise SearchError(f"{field}: '{text}' is not {expected}", field)
    return parsed


def _lookup(column: SearchColumn, per_label: Callable[[str | None], Any], dtype: type,
            rows: np.ndarray | None = None) -> np.ndarray:
    """Evaluate per label once, then broadcast through the codes (of `rows`, or every row)."""
    assert column.labels is not None
    codes = column.values if rows is None else column.values[rows]
    low = min(min(column.labels), 0)
    table = np.zeros(max(column.labels) - low + 1, dtype=dtype)
    for code, label in column.labels.items():
        table[code - low] = per_label(label)
    return table[codes] if low == 0 else table[codes.astype(np.int64) - low]


def column_mask(column: SearchColumn, flt: Filter, field: str) -> np.ndarray | None:
    """Rows satisfying the filter, or None when this column cannot answer it (row by row then)."""
    if column.kind == "enum":
        return _lookup(column, lambda label: value_matches(label, flt), bool)
    op = flt.operator
    values = column.values
    present = column.present
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        return None  # token semantics are textual
    if op == "HAS_PROPERTY":
        return present.copy() if present is not None else np.ones(len(values), dtype=bool)
    if op == "NOT_HAS_PROPERTY":
        return ~present if present is not None else np.zeros(len(values), dtype=bool)
    if op in ("IN", "NOT_IN"):
        hits = np.isin(values, [_typed(column, v, field) for v in flt.values])
        if op == "NOT_IN":
            hits = ~hits
    elif op == "BETWEEN":
        low, high = _typed(column, flt.value or "", field), _typed(column, flt.high_value or "", field)
        hits = (values >= low) & (values <= high)
    else:
        wanted = _typed(column, flt.value or "", field)
        hits = {
            "EQ": np.equal, "NEQ": np.not_equal, "LT": np.less,
            "LTE": np.less_equal, "GT": np.greater, "GTE": np.greater_equal,
        }[op](values, wanted)
    if present is None:
        return hits
    return (hits | ~present) if op in _NEGATIVE else (hits & present)


@dataclass
class TableView:
    """One kind's table in one portal, with what search needs to read it."""

    kind: ObjectKind
    account: Account
    table: ObjectTable
    seed: int

    def __post_init__(self) -> None:
        self.columns = self.kind.search_columns(self.account, self.table)

    def render(self, row: int, names: frozenset[str] | None) -> dict[str, str | None]:
        return self.kind.property_values(self.seed, self.account, self.table, row, names)


def match_mask(view: TableView, query: SearchQuery, visible_until_ms: int | None) -> np.ndarray:
    """Boolean mask of the records the query finds: live, indexed (modified at or before
    `visible_until_ms`, None = no indexing delay) and matching any filter group."""
    table = view.table
    base = ~table.archived
    if visible_until_ms is not None:
        base &= table.modified_ms <= visible_until_ms
    if not query.groups:
        found = base
    else:
        found = np.zeros(len(table), dtype=bool)
        for g, group in enumerate(query.groups):
            found |= _group_mask(view, group, base, g)
    if query.text:
        found = _refine(view, found, _text_predicate(query.text), None, ("query", query.text))
    return found


def _group_mask(view: TableView, group: Sequence[Filter], base: np.ndarray, g: int) -> np.ndarray:
    mask = base.copy()
    slow: list[Filter] = []
    for i, flt in enumerate(group):
        column = view.columns.get(flt.property_name)
        hits = column_mask(column, flt, f"filterGroups[{g}].filters[{i}].value") if column else None
        if hits is None:
            slow.append(flt)
        else:
            mask &= hits
    if not slow:
        return mask
    names = frozenset(f.property_name for f in slow)
    return _refine(view, mask, lambda values: all(value_matches(values.get(f.property_name), f) for f in slow),
                   names, ("filters", *slow))


def _refine(view: TableView, mask: np.ndarray, keep: Callable[[dict], bool], names: frozenset[str] | None,
            predicate_key: tuple) -> np.ndarray:
    """Apply a per-record predicate to the rows still in `mask`, rendering only rows not judged
    before for this table version."""
    table = view.table
    key = (id(table), table.version, len(table), view.account.key, predicate_key)
    entry = _VERDICTS.get(key)
    if entry is None or entry[0]() is not table:
        entry = (weakref.ref(table), np.zeros(len(table), dtype=bool), np.zeros(len(table), dtype=bool))
        _VERDICTS[key] = entry
        while len(_VERDICTS) > _VERDICTS_KEPT:
            _VERDICTS.popitem(last=False)
    _VERDICTS.move_to_end(key)
    _, judged, passed = entry
    todo = np.flatnonzero(mask & ~judged)
    passed[[row for row in todo.tolist() if keep(view.render(row, names))]] = True
    judged[todo] = True
    return mask & passed


def _text_predicate(text: str) -> Callable[[dict], bool]:
    """`query`: every word must start a word of some property value (HubSpot's default
    searchable text properties are approximated by all rendered properties)."""
    wanted = _WORD.findall(text.casefold())

    def keep(values: dict) -> bool:
        words = {w for value in values.values() if value for w in _WORD.findall(value.casefold())}
        return all(any(word.startswith(prefix) for word in words) for prefix in wanted)

    return keep


# --- ordering ------------------------------------------------------------------------------------

def ordered_rows(view: TableView, mask: np.ndarray, sort: Sort | None) -> np.ndarray:
    """Row indexes of the mask's records in result order."""
    table = view.table
    if sort is None:
        return np.flatnonzero(mask)  # id order, as HubSpot's unsorted search
    descending = sort.descending
    if sort.property_name in _MODIFIED_PROPERTIES:
        # The common sync query: read the cached (modified, id) order instead of sorting.
        order = modified_order(table).order
        rows = order[mask[order]]
        return rows[::-1] if descending else rows
    rows = np.flatnonzero(mask)
    column = view.columns.get(sort.property_name)
    if column is None:
        return _sort_rendered(view, rows, sort)
    if column.kind == "enum":
        texts = sorted({label.casefold() for label in (column.labels or {}).values() if label is not None})
        position = {text: index for index, text in enumerate(texts)}
        missing_rank = len(position)
        keys = _lookup(column, lambda label: missing_rank if label is None else position[label.casefold()],
                       np.int64, rows)
        missing = keys == missing_rank
    else:
        keys = column.values[rows].astype(np.float64 if column.values.dtype.kind == "f" else np.int64)
        missing = ~column.present[rows] if column.present is not None else np.zeros(len(rows), dtype=bool)
    ids = table.ids[rows]
    if descending:
        keys, ids = -keys, -ids
    # lexsort: last key is primary; records without a value go last in either direction.
    return rows[np.lexsort((ids, keys, missing))]


def _sort_rendered(view: TableView, rows: np.ndarray, sort: Sort) -> np.ndarray:
    """Sort by a property without a column: render it for every hit (slow on huge result sets)."""
    names = frozenset((sort.property_name,))
    present: list[tuple[tuple, int]] = []
    missing: list[int] = []
    for row in rows.tolist():
        value = view.render(row, names).get(sort.property_name)
        if value is None or value == "":
            missing.append(row)
            continue
        number = _number(value)
        key = (0, number, "") if number is not None else (1, 0, value.casefold())
        present.append(((*key, int(view.table.ids[row])), row))
    present.sort(key=lambda item: item[0], reverse=sort.descending)
    if sort.descending:
        missing.reverse()
    return np.array([row for _, row in present] + missing, dtype=np.int64)
