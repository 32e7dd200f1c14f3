"""Time moves: `POST /_sandbox/advance` creates, modifies, archives and re-associates records.

One call moves the sandbox clock (`store.now_ms()`) forward by `seconds` and, in every selected
account, changes a `fraction` of each table's records (of what its list returns: non-archived
HubSpot records, every Aircall call) at times inside the skipped interval
(`store.advance_window`: with a pinned anchor it starts where the last advance ended, with no
wall-clock drift, so the changes depend only on the seed, the anchor and the advance calls; with
the wall-clock anchor it starts at "now", so nothing is stamped before a moment a client has
already seen). Per-operation fractions (`create`, `modify`, `archive`, `reassociate`) override
`fraction`; `purge` is only applied when given:

- **create**: new rows cloned from random live rows of the same table (so every per-type column
  keeps a realistic distribution, whatever the object kind), with new larger ids, creation
  times in the interval and absolute time columns shifted along (see `_time_columns`). New
  HubSpot records copy their template's associations. Text renders fresh from the new id.
- **modify**: a later `modified_ms` and `revision + 1`, so rendered text (titles, bodies, Aircall
  tags and comments) changes too.
- **archive**: HubSpot's soft delete (`archived`, `archivedAt` = `updatedAt`); Aircall's archive
  flag (archived calls stay listed, as in Aircall).
- **re-associate** (HubSpot, when the portal has associations): one related type's links of a
  row point at other live records, only for the links a row owns (an engagement's CRM records, a
  contact's companies, a deal's contacts and companies). A contact or deal keeps one Primary
  company: the old one if it is still linked, else the first new one. `modified_ms` stays as it
  is, as at HubSpot, unless `hubspot_reassociate_bumps_modified` is set.
- **purge** (HubSpot): live records deleted outright, as HubSpot's permanent (GDPR) deletion or
  the recycle bin's 90-day expiry does: gone from lists (archived ones too), search, batch read,
  associations and truth. The table is compacted and the association graph remapped.
  Companies are never purged (contacts and deals derive their names and email domains from
  their company's row).

Which operations apply: HubSpot object kinds all four, Aircall calls create/modify/archive,
Fathom meetings create only (a processed Fathom meeting does not change or disappear).

New engagements (calls, emails, meetings, notes, tasks) take their ids from the portal's one
engagement id sequence, in creation order across the types, as HubSpot numbers them.

Tables grow at the end and, purges aside, rows never move, so a client paging with HubSpot's
id cursor or Aircall's ascending pages while an advance happens still gets every record that
existed throughout. Results are deterministic per (seed, anchor, advance call number).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from provider_sandbox.hubspot.association_graph import ENGAGEMENT_TYPES, PRIMARY_TYPE_IDS, Links
from provider_sandbox.seeding import numpy_rng
from provider_sandbox.settings import SandboxSettings
from provider_sandbox.store import Account, ObjectTable, SandboxStore

OPERATIONS = ("create", "modify", "archive", "reassociate", "purge")
# Edit existing live rows; each touches distinct records, so their fractions add up to <= 1.
_IN_PLACE = ("modify", "archive", "reassociate", "purge")
# Applied only when asked for by name (not by `fraction`).
_OPT_IN = frozenset(("purge",))
# Contacts and deals take their names and email domains from their company's row.
_NEVER_PURGED = frozenset(("companies",))
PROVIDERS = ("hubspot", "aircall", "fathom")
_ALLOWED = {
    "hubspot": frozenset(OPERATIONS),
    "aircall": frozenset(("create", "modify", "archive")),
    "fathom": frozenset(("create",)),
}
# Absolute time columns of the tables this module knows, with their unit in ms; other kinds may
# declare `time_columns = {"name": unit_ms}` on their ObjectKind, else they are detected.
_KNOWN_TIME_COLUMNS = {
    ("hubspot", "calls"): {"timestamp_ms": 1},
    ("aircall", "aircall_calls"): {},
    ("fathom", "meetings"): {"scheduled_start_s": 1000},
}
# Aircall and Fathom only have whole-second times.
_SECOND_GRANULARITY = frozenset(("aircall", "fathom"))
_YEAR_MS = 365 * 86_400_000


class AdvanceError(ValueError):
    pass


@dataclass(frozen=True)
class AdvanceRequest:
    seconds: float
    fractions: dict[str, float]
    account: str | None
    providers: tuple[str, ...]

    @classmethod
    def parse(cls, payload: object, known_accounts: set[str]) -> AdvanceRequest:
        if not isinstance(payload, dict):
            raise AdvanceError("the body must be a JSON object")
        unknown = sorted(set(payload) - {"fraction", "seconds", "account", "providers", *OPERATIONS})
        if unknown:
            raise AdvanceError(f"unknown fields: {', '.join(unknown)}")
        fraction = _number(payload, "fraction", 0.05)
        if not 0 <= fraction <= 1:
            raise AdvanceError("fraction must be between 0 and 1")
        seconds = _number(payload, "seconds", 3600)
        if seconds < 1:
            raise AdvanceError("seconds must be at least 1")
        fractions = {}
        for operation in OPERATIONS:
            value = _number(payload, operation, 0.0 if operation in _OPT_IN else fraction)
            if not 0 <= value <= 1:
                raise AdvanceError(f"{operation} must be between 0 and 1")
            fractions[operation] = value
        if sum(fractions[op] for op in _IN_PLACE) > 1:
            raise AdvanceError("modify + archive + reassociate + purge must not exceed 1 "
                               "(they touch distinct records)")
        account = payload.get("account")
        if account is not None and account not in known_accounts:
            raise AdvanceError(f"unknown account {account!r}")
        providers = payload.get("providers", list(PROVIDERS))
        if not isinstance(providers, list) or not set(providers) <= set(PROVIDERS):
            raise AdvanceError(f"providers must be a list drawn from {', '.join(PROVIDERS)}")
        return cls(seconds, fractions, account, tuple(providers))


def _number(payload: dict, name: str, default: float) -> float:
    value = payload.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AdvanceError(f"{name} must be a number")
    return float(value)


class Advancer:
    """Applies advance requests to the store; counts calls so results depend on (seed, n)."""

    def __init__(self, store: SandboxStore, settings: SandboxSettings | None = None) -> None:
        self.store = store
        self.calls = 0
        self.reassociate_bumps_modified = bool(settings and settings.hubspot_reassociate_bumps_modified)

    def advance(self, request: AdvanceRequest) -> dict:
        store = self.store
        self.calls += 1
        start_ms, end_ms = store.advance_window(int(request.seconds * 1000))
        changes: dict[str, dict] = {}
        for account in store.accounts:
            if request.account is not None and account.key != request.account:
                continue
            per_provider: dict[str, dict] = {}
            created_engagements: dict[str, int] = {}
            for provider, name, table in _tables(account, request.providers):
                rng = numpy_rng(store.seed, "advance", self.calls, account.key, provider, name)
                window = (start_ms, end_ms)
                summary = _advance_table(account, provider, name, table, rng, request.fractions, window,
                                         self.reassociate_bumps_modified)
                per_provider.setdefault(provider, {})[name] = summary
                if provider == "hubspot" and name in ENGAGEMENT_TYPES and summary["created"]:
                    created_engagements[name] = summary["created"]
            if created_engagements:
                renumber_new_engagements(account, created_engagements,
                                         numpy_rng(store.seed, "advance", self.calls, account.key, "engagement-ids"))
            changes[account.key] = per_provider
        return {
            "advance": self.calls,
            "seed": store.seed,
            "from_ms": start_ms,
            "to_ms": end_ms,
            "seconds": request.seconds,
            "fractions": request.fractions,
            "changes": changes,
        }


def _tables(account: Account, providers: tuple[str, ...]) -> list[tuple[str, str, ObjectTable]]:
    tables: list[tuple[str, str, ObjectTable]] = []
    if "hubspot" in providers:
        tables.extend(("hubspot", name, table) for name, table in sorted(account.hubspot.objects.items()))
    if "aircall" in providers and getattr(account, "aircall", None) is not None:
        tables.append(("aircall", "calls", account.aircall.calls))
    fathom = getattr(account, "fathom", None)
    if "fathom" in providers and isinstance(getattr(fathom, "meetings", None), ObjectTable):
        tables.append(("fathom", "meetings", fathom.meetings))
    return tables


def _advance_table(account: Account, provider: str, name: str, table: ObjectTable, rng: np.random.Generator,
                   fractions: dict[str, float], window: tuple[int, int],
                   reassociate_bumps_modified: bool = False) -> dict[str, int]:
    allowed = _ALLOWED[provider]
    live = np.flatnonzero(~table.archived)
    # The base is what a client's list returns: HubSpot hides archived records, Aircall does not.
    base = len(table) if provider == "aircall" else len(live)
    counts = {op: int(round(fractions[op] * base)) if op in allowed else 0 for op in OPERATIONS}
    if name in _NEVER_PURGED:
        counts["purge"] = 0
    in_place = sum(counts[op] for op in _IN_PLACE)
    if in_place > len(live):  # only live rows are edited; scale down when there are too few
        for op in _IN_PLACE:
            counts[op] = counts[op] * len(live) // in_place
    graph = getattr(account.hubspot, "associations", None) if provider == "hubspot" else None
    if graph is None or not _related_types(graph, name, account):
        counts["reassociate"] = 0

    # Distinct live rows for the in-place operations (the purge's last: it moves rows).
    chosen = rng.permutation(live)
    picked: dict[str, np.ndarray] = {}
    start = 0
    for op in _IN_PLACE:
        picked[op] = np.sort(chosen[start: start + counts[op]])
        start += counts[op]
    modify, archive, reassociate = picked["modify"], picked["archive"], picked["reassociate"]
    seconds_only = provider in _SECOND_GRANULARITY

    if len(modify):
        table.modified_ms[modify] = _times(rng, len(modify), window, seconds_only, sort=False)
        table.revision[modify] += 1
    if len(archive):
        when = _times(rng, len(archive), window, seconds_only, sort=False)
        table.archived[archive] = True
        table.archived_ms[archive] = when
        table.modified_ms[archive] = when
    relinks: dict[str, tuple[list[int], list[np.ndarray], list[np.ndarray]]] = {}
    if len(reassociate):
        _reassociate(account, name, table, graph, reassociate, rng, relinks)
        when = _times(rng, len(reassociate), window, seconds_only, sort=False)
        if reassociate_bumps_modified:
            table.modified_ms[reassociate] = when

    created = 0
    if counts["create"] and len(live):
        created = _create(account, provider, name, table, rng, live, counts["create"], window, seconds_only,
                          graph, relinks)
    # One rebuild per related type: relink is O(all links of the pair).
    for other, (rows, targets, primaries) in relinks.items():
        if rows:
            graph.relink(name, other, len(table), np.asarray(rows, dtype=np.int64), targets, primaries)
    purged = picked["purge"]
    if len(purged):
        purge_rows(account, name, purged)
    if created or len(modify) or len(archive) or len(reassociate):
        table.version += 1
    return {"created": created, "modified": len(modify), "archived": len(archive),
            "reassociated": len(reassociate), "purged": len(purged)}


def purge_rows(account: Account, name: str, rows: np.ndarray) -> None:
    """Delete rows of one HubSpot table outright and remap every association that points at or
    from that table's rows; links of the purged records disappear with them."""
    table = account.hubspot.objects[name]
    old_rows = len(table)
    remap = table.remove(rows)
    graph = account.hubspot.associations
    for source, target in graph.stored_pairs():
        if name not in (source, target):
            continue
        source_rows = old_rows if source == name else len(account.hubspot.objects[source])
        links = graph.links(source, target, source_rows)
        if links is None:
            continue
        sources, targets = links.sources(), links.targets.astype(np.int64)
        if source == name:
            sources = remap[sources]
        if target == name:
            targets = np.where(targets < len(remap), remap[np.minimum(targets, len(remap) - 1)], -1)
        keep = (sources >= 0) & (targets >= 0)
        rows_after = len(table) if source == name else links.rows
        flags = None if links.primary is None else links.primary[keep]
        graph.set(source, target, Links.from_pairs(rows_after, sources[keep], targets[keep], flags))


def renumber_new_engagements(account: Account, created: dict[str, int], rng: np.random.Generator) -> None:
    """Give the engagements an advance just created ids from the portal's one engagement id
    sequence: after every existing engagement id, in creation order across the types."""
    objects = account.hubspot.objects
    names = [name for name in ENGAGEMENT_TYPES if name in objects]
    old_max = max([int(objects[n].ids[len(objects[n]) - created.get(n, 0) - 1])
                   for n in names if len(objects[n]) > created.get(n, 0)]
                  + [objects[n].issued_max_id for n in names] + [10_000_000_000])
    kinds, rows, times = [], [], []
    for index, name in enumerate(names):
        n = created.get(name, 0)
        if n:
            table = objects[name]
            new_rows = np.arange(len(table) - n, len(table))
            kinds.append(np.full(n, index))
            rows.append(new_rows)
            times.append(table.created_ms[new_rows])
    kind, row, when = np.concatenate(kinds), np.concatenate(rows), np.concatenate(times)
    order = np.lexsort((row, kind, when))
    ids = old_max + np.cumsum(rng.integers(1, ENGAGEMENT_ID_STEP + 1, len(order), dtype=np.int64))
    for index, name in enumerate(names):
        mine = order[kind[order] == index]
        if len(mine):
            table = objects[name]
            table.ids[row[mine]] = ids[np.flatnonzero(kind[order] == index)]
            table.version += 1


# Mean gap between consecutive engagement ids is about half of this (generator.py uses it too).
ENGAGEMENT_ID_STEP = 12


def _times(rng: np.random.Generator, n: int, window: tuple[int, int], seconds_only: bool,
           sort: bool = True) -> np.ndarray:
    """n times in (start, end] ms; whole seconds for providers that only have seconds."""
    start, end = window
    if seconds_only:
        low, high = start // 1000 + 1, max(end // 1000, start // 1000 + 1)
        times = rng.integers(low, high + 1, n, dtype=np.int64) * 1000
    else:
        times = rng.integers(start + 1, end + 1, n, dtype=np.int64)
    return np.sort(times) if sort else times


def _create(account: Account, provider: str, name: str, table: ObjectTable, rng: np.random.Generator,
            live: np.ndarray, n: int, window: tuple[int, int], seconds_only: bool, graph,
            relinks: dict[str, tuple[list[int], list[np.ndarray], list[np.ndarray]]]) -> int:
    old_rows = len(table)
    templates = live[rng.integers(0, len(live), n)]
    floor = int(table.created_ms[-1]) if old_rows else window[0]
    created = np.maximum(_times(rng, n, window, seconds_only), floor)
    # Keep the table's typical id spacing, so new ids look like the generated ones.
    tail = np.diff(table.ids[-200:])
    step = int(np.median(tail)) if len(tail) else 10
    ids = max(int(table.ids[-1]), table.issued_max_id) + np.cumsum(
        rng.integers(1, 2 * max(step, 1) + 1, n, dtype=np.int64))

    shift = created - table.created_ms[templates]
    for column, unit in _time_columns(provider, name, table, account).items():
        values = table.columns[column]
        cloned = values[templates].astype(np.int64)
        timelike = np.abs(cloned * unit - table.created_ms[templates]) < 20 * _YEAR_MS
        cloned = np.where(timelike, cloned + shift // unit, cloned)
        table.columns[column] = np.concatenate([values, cloned.astype(values.dtype)])
    for column, values in table.columns.items():
        if len(values) == old_rows:  # not a time column: copy the template's value
            table.columns[column] = np.concatenate([values, values[templates]])

    table.ids = np.concatenate([table.ids, ids])
    table.created_ms = np.concatenate([table.created_ms, created])
    table.modified_ms = np.concatenate([table.modified_ms, created])
    table.archived = np.concatenate([table.archived, np.zeros(n, dtype=bool)])
    table.archived_ms = np.concatenate([table.archived_ms, np.zeros(n, dtype=table.archived_ms.dtype)])
    table.revision = np.concatenate([table.revision, np.zeros(n, dtype=table.revision.dtype)])
    if graph is not None:
        _copy_associations(account, name, graph, old_rows, templates, relinks)
    return n


def _time_columns(provider: str, name: str, table: ObjectTable, account: Account) -> dict[str, int]:
    known = _KNOWN_TIME_COLUMNS.get((provider, name))
    if known is not None:
        return known
    if provider == "hubspot":
        from provider_sandbox.hubspot.objects import OBJECT_KINDS

        declared = getattr(OBJECT_KINDS.get(name), "time_columns", None)
        if declared is not None:
            return dict(declared)
    return detect_time_columns(table)


def detect_time_columns(table: ObjectTable) -> dict[str, int]:
    """Integer columns that hold epoch ms or s: near `created_ms` for nearly all sampled rows
    (durations, codes and offsets are nowhere near 1.7e12 ms)."""
    if not len(table):
        return {}
    sample = np.linspace(0, len(table) - 1, min(len(table), 256)).astype(np.int64)
    created = table.created_ms[sample]
    found: dict[str, int] = {}
    for column, values in table.columns.items():
        if values.dtype.kind not in "iu" or values.dtype.itemsize < 4:
            continue
        picked = values[sample].astype(np.int64)
        for unit in (1, 1000):
            near = np.abs(picked * unit - created) < 5 * _YEAR_MS
            if near.mean() >= 0.9:
                found[column] = unit
                break
    return found


def _related_types(graph, name: str, account: Account) -> list[str]:
    """Types whose links a row of `name` owns: the pairs the graph stores from `name` (a call's
    contacts, a contact's companies), never engagements. A company's contacts or a contact's
    calls are not rewired (or copied) from the company's or contact's side: that would move
    many links of other records at once."""
    stored = getattr(graph, "stored_pairs", None)
    if stored is None:
        return []
    return sorted(other for source, other in stored()
                  if source == name and other in account.hubspot.objects and other not in ENGAGEMENT_TYPES)


def _copy_associations(account: Account, name: str, graph, old_rows: int, templates: np.ndarray,
                       relinks: dict[str, tuple[list[int], list[np.ndarray], list[np.ndarray]]]) -> None:
    """New rows get their template's associations and labels (queued for one relink per
    related type)."""
    for other in _related_types(graph, name, account):
        links = graph.links(name, other, old_rows)
        if links is None:
            continue
        rows, targets, primaries = relinks.setdefault(other, ([], [], []))
        for offset, template in enumerate(templates.tolist()):
            found, primary = links.of(template)
            if len(found):
                rows.append(old_rows + offset)
                targets.append(found.astype(np.int64))
                primaries.append(np.zeros(len(found), dtype=bool) if primary is None else primary.copy())


def _reassociate(account: Account, name: str, table: ObjectTable, graph, rows: np.ndarray,
                 rng: np.random.Generator,
                 relinks: dict[str, tuple[list[int], list[np.ndarray], list[np.ndarray]]]) -> None:
    """Point one related type's links of each row at other live records of that type. A row
    that had a Primary company keeps exactly one: the same if still linked, else the first new."""
    related = _related_types(graph, name, account)
    pick = rng.integers(0, len(related), len(rows))
    for index, other in enumerate(related):
        mine = rows[pick == index]
        if not len(mine):
            continue
        other_table = account.hubspot.objects[other]
        candidates = np.flatnonzero(~other_table.archived)
        if not len(candidates):
            continue
        links = graph.links(name, other, len(table))
        labelled = (name, other) in PRIMARY_TYPE_IDS
        queued_rows, queued_targets, queued_primary = relinks.setdefault(other, ([], [], []))
        for row in mine.tolist():
            found, primary = links.of(row) if links is not None else (np.zeros(0, dtype=np.int64), None)
            chosen = rng.choice(candidates, size=min(max(len(found), 1), len(candidates)), replace=False)
            targets = np.sort(chosen).astype(np.int64)
            flags = np.zeros(len(targets), dtype=bool)
            if labelled and primary is not None and primary.any():
                old_primary = int(found[primary][0])
                flags[np.flatnonzero(targets == old_primary)[:1] if old_primary in targets
                      else np.flatnonzero(targets == int(chosen[0]))] = True
            queued_rows.append(row)
            queued_targets.append(targets)
            queued_primary.append(flags)
