"""Reads one portal: the streams of a sync, run concurrently, yielding rows per raw table.

A sync is a set of streams (owners, pipelines, each object type, …). They run on threads at
once, so the portal's rate budget, not round-trip latency, sets the pace; their pages meet in
one bounded queue, so memory stays flat however large the portal. A stream that lacks a scope
(403 MISSING_SCOPES) is skipped with a message and the others go on; any other error ends the
sync of this portal. A record that cannot become a row goes to the `quarantine` table with its
reason, counted per object type; a page holding one id twice keeps the newest version.

Modes:
- `full`: every live record, read from both ends of each type's id range at once until they meet:
  the object list upward (100 a call, associations inline) and search downward (200 a call in
  its own rate bucket, associations in batch reads of 1,000), so search's bucket adds to the
  list's; plus the archived records. Optionally the legacy v1 engagements API (250 a call) while
  HubSpot answers it.
- `incremental`: records modified since the bookmark minus a lookback, through search (200 a
  call, its own rate bucket, past the 10,000 cap) or v1 `modified/after` (1,000 a call), their
  associations in batch reads of 1,000. HubSpot dates no archive where search finds it, so one
  search call counts each type's live records; only when that count differs from what
  raw_hubspot would hold is the archived list (which grows with every archive ever made) read.
- `reconcile`: every live id and its associations, so association-only changes and records
  purged outright (never seen as archived) are fixed; `seen_ids` lets the caller mark the rest.
- a window `[start, end)` on creation time: exactly the records created in it (backfills).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dlt_sources.http import MissingScopes
from dlt_sources.hubspot.api import ASSOCIATION_BATCH_IDS, BATCH_READ_IDS, HubSpotApi, LegacyUnavailable
from dlt_sources.hubspot.objects import (
    ENGAGEMENTS,
    OBJECTS,
    V1_TYPES,
    BadRecord,
    ObjectSpec,
    associated_ids,
    association_row,
    quarantine_row,
    record_id,
    row_from_v1,
    row_from_v3,
    v1_associated_ids,
    v1_only_missing,
)

log = logging.getLogger("revsync.sources.hubspot")

MODES = ("incremental", "full", "reconcile")
DEFAULT_LOOKBACK_SECONDS = 300  # covers search's indexing delay ("a few moments")
# Streams at once: every type's list and search, so that when the small types are done the
# largest ones still keep both rate buckets busy (the budget, not the threads, sets the pace).
DEFAULT_WORKERS = 16
READ_AHEAD_PAGES = 96

Batch = tuple[str, list[dict]]  # (raw table, rows)


@dataclass
class SyncPlan:
    account_id: str
    mode: str = "incremental"
    bookmarks: dict[str, int] = field(default_factory=dict)  # object type -> epoch ms
    window: tuple[datetime, datetime] | None = None
    use_v1: bool = False
    object_types: tuple[str, ...] = tuple(OBJECTS)
    specs: dict[str, ObjectSpec] = field(default_factory=lambda: dict(OBJECTS))
    lookback_seconds: int = DEFAULT_LOOKBACK_SECONDS
    workers: int = DEFAULT_WORKERS
    # (object type, ids) -> {id: updated_at} of the rows already loaded; lets a sync drop what its
    # lookback reads again unchanged, before spending association calls on it.
    loaded_versions: Callable[[str, list[str]], dict[str, datetime]] | None = None
    # object type -> ids of the live rows already loaded; lets a reconcile add what is missing.
    loaded_ids: Callable[[str], set[int]] | None = None
    # (object type, ids read live, ids read archived) -> how many live rows raw_hubspot holds once
    # they are loaded; an incremental sync reads an archived list only when HubSpot counts otherwise.
    live_count: Callable[[str, set[str], set[str]], int] | None = None


@dataclass
class Meeting:
    """A full read of one type from both ends: the list upward from the lowest id, search downward
    from the highest. Each page is checked against where the other has got to, under a lock, so
    together they read every id, and both stop where they meet."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    listed_to: int = 0  # every id up to this one was listed
    found_from: float = float("inf")  # every id from this one up was found by search

    def listed(self, ids: set[int]) -> tuple[float, bool]:
        """The list read a page: (keep its ids below this, stop after it)."""
        with self.lock:
            below = self.found_from
            if not ids:  # a page of unreadable ids says nothing of where the list is: go on
                return below, False
            if max(ids) < below:
                self.listed_to = max(self.listed_to, max(ids))
                return below, False
            self.listed_to = below  # met: the list now holds everything below search's part
            return below, True

    def found(self, ids: set[int]) -> tuple[float, bool]:
        """Search read a page, highest ids first: (keep its ids above this, stop after it)."""
        with self.lock:
            above = self.listed_to
            if not ids:
                return above, False
            if min(ids) > above:
                self.found_from = min(self.found_from, min(ids))
                return above, False
            self.found_from = above  # met: search now holds everything above the list's part
            return above, True


@dataclass
class SyncOutcome:
    """What a read did, for the caller's state, deletion marking and summary."""

    rows: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)  # records new or changed since the bookmark
    seen_ids: dict[str, set[int]] = field(default_factory=dict)  # complete live id sets (reconcile)
    skipped: dict[str, str] = field(default_factory=dict)  # object type -> why
    quarantined: dict[str, int] = field(default_factory=dict)  # object type -> records set aside
    new_bookmarks: dict[str, int] = field(default_factory=dict)
    v1_used: bool | None = None
    seconds: float = 0.0


class PortalReader:
    def __init__(self, api: HubSpotApi, plan: SyncPlan, progress: Callable[[str], None] | None = None):
        self.api, self.plan = api, plan
        self.outcome = SyncOutcome()
        self._progress = progress or (lambda message: log.info("%s", message))
        self._lock = threading.Lock()
        self._local_start_ms = int(time.time() * 1000)
        self._newest: dict[str, datetime] = {}  # object type -> newest updated_at read
        self._completed: set[str] = set()  # object types read to the end
        self._meetings: dict[str, Meeting] = {}  # object types read from both ends
        self._unlisted: set[str] = set()  # object types with a record of no readable id: mark none gone

    # --- running the streams ---------------------------------------------------------------

    def batches(self) -> Iterator[Batch]:
        started = time.monotonic()
        self._local_start_ms = int(time.time() * 1000)
        streams = self._streams()
        # Room for the pages read while the previous part is normalized and loaded (see
        # source.ReadInLoads), so reading does not stall on loading.
        pages: queue.Queue = queue.Queue(maxsize=max(READ_AHEAD_PAGES, 4 * self.plan.workers))
        done = object()
        stop = threading.Event()

        def offer(item) -> None:
            # Never blocks for good: once the consumer has stopped, items are dropped.
            while not stop.is_set():
                try:
                    pages.put(item, timeout=0.5)
                    return
                except queue.Full:
                    continue

        def run(name: str, stream: Callable[[], Iterator[Batch]]) -> None:
            try:
                for batch in stream():
                    if stop.is_set():
                        return
                    offer(batch)
            except MissingScopes as exc:
                self.outcome.skipped[name] = str(exc)
                log.warning("account %s: skipping %s, the token lacks a scope: %s", self.plan.account_id, name, exc)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
                offer(exc)
            finally:
                offer(done)

        threads = [threading.Thread(target=run, args=(name, stream), name=f"hubspot-{name}", daemon=True)
                   for name, stream in streams]
        # At most `workers` streams at once: start the rest as earlier ones finish.
        waiting = list(threads)
        running = 0
        for _ in range(min(self.plan.workers, len(waiting))):
            waiting.pop(0).start()
            running += 1
        try:
            while running:
                item = pages.get()
                if item is done:
                    running -= 1
                    if waiting:
                        waiting.pop(0).start()
                        running += 1
                    continue
                if isinstance(item, BaseException):
                    raise item
                table, rows = item
                if rows:
                    self._count(table, rows)
                    yield item
            self._bookmarks()
        finally:
            stop.set()
            while True:  # unblock producers so their threads end
                try:
                    pages.get_nowait()
                except queue.Empty:
                    break
            self.outcome.seconds = time.monotonic() - started

    def _count(self, table: str, rows: list[dict]) -> None:
        if table == "quarantine":
            with self._lock:
                for row in rows:
                    kind = row["table_name"]
                    self.outcome.quarantined[kind] = self.outcome.quarantined.get(kind, 0) + 1
        # Records new or changed, for object types only: metadata and association rows are
        # rewritten whole on every read and would count as changes that are not.
        changed = len(rows) if table in OBJECTS else 0
        bookmark = self.plan.bookmarks.get(table) if table in OBJECTS else None
        if bookmark is not None:
            threshold = datetime.fromtimestamp(bookmark / 1000, tz=UTC)
            changed = sum(1 for r in rows if r.get("updated_at") is None or r["updated_at"] > threshold
                          or (r.get("deleted_at") is not None and r["deleted_at"] > threshold))
        newest = max((r["updated_at"] for r in rows if table in OBJECTS and r.get("updated_at")), default=None)
        with self._lock:
            if newest is not None and (table not in self._newest or newest > self._newest[table]):
                self._newest[table] = newest
            self.outcome.rows[table] = self.outcome.rows.get(table, 0) + len(rows)
            if table in OBJECTS:
                self.outcome.changed[table] = self.outcome.changed.get(table, 0) + changed

    def _streams(self) -> list[tuple[str, Callable[[], Iterator[Batch]]]]:
        plan = self.plan
        streams: list[tuple[str, Callable[[], Iterator[Batch]]]] = []
        if plan.window is None and plan.mode != "reconcile":
            streams += [("owners", self._owners), ("deal_pipelines", self._pipelines),
                        ("call_dispositions", self._dispositions)]
        engagement_types = [t for t in plan.object_types if t in ENGAGEMENTS]
        other_types = [t for t in plan.object_types if t not in ENGAGEMENTS]
        # v1 for a whole read, or for changes when every engagement type has a bookmark.
        bookmarked = [t in plan.bookmarks for t in engagement_types]
        v1 = plan.use_v1 and plan.window is None and engagement_types and (
            plan.mode != "incremental" or all(bookmarked) or not any(bookmarked))
        if v1:
            streams.append(("engagements_v1", lambda: self._v1_engagements(engagement_types)))
        else:
            other_types = list(plan.object_types)
        for object_type in other_types:
            streams.append((object_type, lambda t=object_type: self._object_stream(t)))
            first_read = plan.mode == "full" or (plan.mode == "incremental" and object_type not in plan.bookmarks)
            if plan.window is None and first_read:
                self._meetings[object_type] = Meeting()
                streams.append((object_type, lambda t=object_type: self._search_down(t)))
        if plan.mode != "reconcile":
            for object_type in plan.object_types:
                if not self._counts_before_archived(object_type):
                    streams.append((f"{object_type} (archived)", lambda t=object_type: self._archived(t)))
        return streams

    def _counts_before_archived(self, object_type: str) -> bool:
        """Whether this type's change read ends by checking counts (and then reads the archived
        list itself, if they differ)."""
        plan = self.plan
        return (plan.mode == "incremental" and plan.window is None and plan.live_count is not None
                and object_type in plan.bookmarks)

    def progress(self, message: str) -> None:
        self._progress(f"account {self.plan.account_id}: {message}")

    # --- portal metadata -------------------------------------------------------------------

    def _owners(self) -> Iterator[Batch]:
        rows = []
        for archived in (False, True):
            for owner in self.api.owners(archived):
                rows.append({
                    "account_id": self.plan.account_id, "id": str(owner["id"]), "email": owner.get("email"),
                    "first_name": owner.get("firstName"), "last_name": owner.get("lastName"),
                    "user_id": owner.get("userId"),
                    "user_id_including_inactive": owner.get("userIdIncludingInactive"),
                    "type": owner.get("type"), "teams": owner.get("teams") or [],
                    "archived": bool(owner.get("archived")), "is_active": not archived,
                    "created_at": owner.get("createdAt"), "updated_at": owner.get("updatedAt"),
                })
        yield "owners", rows

    def _pipelines(self) -> Iterator[Batch]:
        pipelines, stages = [], []
        for pipeline in self.api.pipelines("deals"):
            pipelines.append({
                "account_id": self.plan.account_id, "id": str(pipeline["id"]), "label": pipeline.get("label"),
                "display_order": pipeline.get("displayOrder"), "archived": bool(pipeline.get("archived")),
                "created_at": pipeline.get("createdAt"), "updated_at": pipeline.get("updatedAt"),
            })
            for stage in pipeline.get("stages") or []:
                metadata = stage.get("metadata") or {}
                probability = metadata.get("probability")
                stages.append({
                    "account_id": self.plan.account_id, "id": str(stage["id"]), "pipeline_id": str(pipeline["id"]),
                    "label": stage.get("label"), "display_order": stage.get("displayOrder"),
                    "probability": float(probability) if probability not in (None, "") else None,
                    "is_closed": str(metadata.get("isClosed", "false")).lower() == "true",
                    "archived": bool(stage.get("archived")),
                    "created_at": stage.get("createdAt"), "updated_at": stage.get("updatedAt"),
                })
        yield "deal_pipelines", pipelines
        yield "deal_stages", stages

    def _dispositions(self) -> Iterator[Batch]:
        definition = self.api.property_definition("calls", "hs_call_disposition")
        yield "call_dispositions", [
            {"account_id": self.plan.account_id, "id": option["value"], "label": option.get("label"),
             "display_order": option.get("displayOrder"), "is_hidden": bool(option.get("hidden"))}
            for option in definition.get("options") or []
        ]

    # --- objects ---------------------------------------------------------------------------

    def _object_stream(self, object_type: str) -> Iterator[Batch]:
        plan, spec = self.plan, self.plan.specs[object_type]
        if plan.window is not None:
            start, end = plan.window
            filters = [{"propertyName": spec.created_property, "operator": "GTE", "value": _ms(start)},
                       {"propertyName": spec.created_property, "operator": "LT", "value": _ms(end)}]
            yield from self._search(spec, filters)
        elif plan.mode == "incremental" and object_type in plan.bookmarks:  # changes since the bookmark
            since = plan.bookmarks[object_type] - plan.lookback_seconds * 1000
            filters = [{"propertyName": spec.modified_property, "operator": "GTE", "value": str(since)}]
            read = yield from self._search(spec, filters)
            yield from self._archived_if_counts_differ(object_type, read)
        else:
            yield from self._list(spec, reconcile=plan.mode == "reconcile", meeting=self._meetings.get(object_type))
        self._set_bookmark(object_type)

    def _list(self, spec: ObjectSpec, reconcile: bool, meeting: Meeting | None = None) -> Iterator[Batch]:
        """The object list, 100 a call with associations inline; with a `meeting`, only up to
        where search (reading down from the top) has got."""
        properties = ("hs_object_id",) if reconcile else spec.all_properties()
        seen: set[int] = set()
        complete = True  # every listed record had a readable id
        count = 0
        for page, _ in self.api.list_pages(spec.name, properties, spec.associations):
            rows, results, ids, bad = self._checked(spec, page)
            seen |= ids
            complete = complete and all(_has_id(record) for record in page)
            met = False
            if meeting is not None:
                below, met = meeting.listed(ids)
                rows = [row for row in rows if int(row["id"]) < below]
                results = [record for record in results if int(record["id"]) < below]
            if bad:
                yield "quarantine", bad
            links: list[dict] = []
            truncated: dict[str, list[str]] = {}
            for record in results:
                for to_type in spec.associations:
                    ids = associated_ids(record, to_type)
                    if ids is None:
                        truncated.setdefault(to_type, []).append(str(record["id"]))
                    else:
                        links.append(association_row(self.plan.account_id, spec.name, str(record["id"]), to_type, ids))
            for to_type, from_ids in truncated.items():  # records with more than 100 inline links
                for from_id, ids in self.api.associations(spec.name, to_type, from_ids).items():
                    links.append(association_row(self.plan.account_id, spec.name, from_id, to_type, ids))
            if not reconcile:
                yield spec.name, rows
            yield "associations", links
            count += len(results)
            if count % 10_000 < len(results):
                self.progress(f"{spec.name}: {count:,} read")
            if met:
                break
        self._saw(spec.name, seen, complete)
        if reconcile:
            yield from self._load_missing(spec, seen)
        self.progress(f"{spec.name}: {count:,} read" + (" from the list" if meeting else ""))

    def _search_down(self, object_type: str) -> Iterator[Batch]:
        """The other end of a full read (see Meeting): search from the highest id down."""
        spec, meeting = self.plan.specs[object_type], self._meetings[object_type]
        seen: set[int] = set()
        pending: list[dict] = []
        count = 0
        for results in self.api.search_pages(object_type, [], spec.all_properties(), descending=True):
            rows, _, ids, bad = self._checked(spec, results)
            seen |= ids
            above, met = meeting.found(ids)
            yield "quarantine", bad
            pending.extend(row for row in rows if int(row["id"]) > above)
            if len(pending) >= ASSOCIATION_BATCH_IDS or (met and pending):
                yield from self._with_associations(spec, pending)
                count += len(pending)
                pending = []
            if met:
                break
        if pending:
            yield from self._with_associations(spec, pending)
            count += len(pending)
        self._saw(object_type, seen, True)
        self.progress(f"{object_type}: {count:,} read through search, from the highest id down")

    def _saw(self, object_type: str, ids: set[int], complete: bool) -> None:
        """Live ids a full read found (its parts add up); a record with no readable id might be
        any loaded one, so then none is marked gone."""
        with self._lock:
            if not complete:
                self._unlisted.add(object_type)
                self.outcome.seen_ids.pop(object_type, None)
            elif object_type not in self._unlisted:
                self.outcome.seen_ids.setdefault(object_type, set()).update(ids)

    def _load_missing(self, spec: ObjectSpec, seen: set[int]) -> Iterator[Batch]:
        """Live records HubSpot lists that raw_hubspot lacks (a change search never showed):
        read in batches of 100 and loaded."""
        if self.plan.loaded_ids is None:
            return
        missing = sorted(seen - self.plan.loaded_ids(spec.name))
        if missing:
            self.progress(f"{spec.name}: {len(missing):,} missing records loaded")
            rows, _, _, bad = self._checked(spec, self.api.batch_read(spec.name, [str(i) for i in missing],
                                                                      spec.all_properties()))
            yield "quarantine", bad
            yield spec.name, rows

    def _search(self, spec: ObjectSpec, filters: list[dict]) -> Iterator[Batch]:
        """Search pages (200 a call); their associations once 1,000 records are in hand. Returns
        the ids read."""
        count = 0
        pending: list[dict] = []
        read: set[str] = set()
        for results in self.api.search_pages(spec.name, filters, spec.all_properties()):
            rows, _, ids, bad = self._checked(spec, results)
            read.update(str(i) for i in ids)
            yield "quarantine", bad
            pending.extend(self._unseen(spec.name, rows))
            if len(pending) >= ASSOCIATION_BATCH_IDS:
                yield from self._with_associations(spec, pending)
                count += len(pending)
                pending = []
                if count % 10_000 < ASSOCIATION_BATCH_IDS:
                    self.progress(f"{spec.name}: {count:,} changed so far")
        if pending:
            yield from self._with_associations(spec, pending)
            count += len(pending)
        self.progress(f"{spec.name}: {count:,} changed")
        return read

    def _unseen(self, object_type: str, rows: list[dict]) -> list[dict]:
        """Rows minus those the lookback read again at the version already loaded."""
        bookmark = self.plan.bookmarks.get(object_type)
        if self.plan.mode != "incremental" or self.plan.loaded_versions is None or bookmark is None or not rows:
            return rows  # a full read or a reconcile rewrites everything it reads
        threshold = datetime.fromtimestamp(bookmark / 1000, tz=UTC)
        old = [row["id"] for row in rows if row["updated_at"] is not None and row["updated_at"] <= threshold]
        if not old:
            return rows
        loaded = self.plan.loaded_versions(object_type, old)
        return [row for row in rows if row["id"] not in loaded or loaded[row["id"]] != row["updated_at"]]

    def _with_associations(self, spec: ObjectSpec, rows: list[dict]) -> Iterator[Batch]:
        yield spec.name, rows
        yield "associations", self._batch_associations(spec, [row["id"] for row in rows])

    def _batch_associations(self, spec: ObjectSpec, ids: list[str]) -> list[dict]:
        links = []
        for to_type in spec.associations:
            for from_id, to_ids in self.api.associations(spec.name, to_type, ids).items():
                links.append(association_row(self.plan.account_id, spec.name, from_id, to_type, to_ids))
        return links

    def _archived(self, object_type: str) -> Iterator[Batch]:
        """The archived list (100 a call), marked deleted; returns the ids read."""
        spec = self.plan.specs[object_type]
        window = self.plan.window
        archived: set[str] = set()
        for results, _ in self.api.list_pages(object_type, spec.all_properties(), archived=True):
            rows, _, ids, bad = self._checked(spec, results)
            archived.update(str(i) for i in ids)
            yield "quarantine", bad
            if window is not None:
                rows = [r for r in rows if r["created_at"] and window[0] <= r["created_at"] < window[1]]
            yield object_type, rows
        return archived

    def _archived_if_counts_differ(self, object_type: str, read: set[str]) -> Iterator[Batch]:
        """After an incremental change read: the archived list only if HubSpot's count of live
        records differs from what raw_hubspot holds once `read` is loaded (one search call instead
        of a list that grows with every archive ever made). A record archived since the last sync
        makes them differ; so does one purged or never loaded, which only a reconcile fixes."""
        count = self.plan.live_count
        assert count is not None
        theirs = self.api.live_total(object_type)
        ours = count(object_type, read, set())
        if theirs == ours:
            return
        self.progress(f"{object_type}: HubSpot holds {theirs:,} live, raw_hubspot {ours:,}: reading the archived list")
        archived = yield from self._archived(object_type)
        ours = count(object_type, read, archived)
        if ours != theirs:
            self.progress(f"{object_type}: HubSpot holds {theirs:,} live, raw_hubspot {ours:,} after marking the "
                          f"archived ones; records purged or never loaded are fixed by a reconcile "
                          f"(`revsync sync hubspot --reconcile`)")

    # --- legacy v1 engagements -------------------------------------------------------------

    def _v1_engagements(self, engagement_types: list[str]) -> Iterator[Batch]:
        """Engagements through v1 (250 a call full, 1,000 incremental, associations inline);
        the date-based API when HubSpot no longer answers it."""
        plan = self.plan
        wanted = {ENGAGEMENTS[t].v1_type for t in engagement_types}
        incremental = plan.mode == "incremental" and all(t in plan.bookmarks for t in engagement_types)
        if incremental:
            since = min(plan.bookmarks[t] for t in engagement_types) - plan.lookback_seconds * 1000
            pages = self.api.v1_modified_after(since)
        else:
            pages = self.api.v1_paged()
        seen: dict[str, set[int]] = {t: set() for t in engagement_types}
        unfilled: dict[str, list[dict]] = {t: [] for t in engagement_types}  # awaiting a full batch read
        count = 0
        try:
            for items in pages:
                by_type: dict[str, list[dict]] = {}
                links, bad = [], []
                for item in items:
                    engagement = (item.get("engagement") if isinstance(item, dict) else None) or {}
                    v1_type = engagement.get("type") if isinstance(engagement, dict) else None
                    if v1_type not in wanted:
                        continue
                    spec = V1_TYPES[v1_type]
                    try:
                        row = row_from_v1(spec, plan.account_id, item)
                        item_links = [association_row(plan.account_id, spec.name, row["id"], to_type,
                                                      v1_associated_ids(item, to_type))
                                      for to_type in spec.associations]
                    except (BadRecord, TypeError, ValueError) as exc:
                        reason = exc.reason if isinstance(exc, BadRecord) else f"associations unreadable: {exc}"
                        bad.append(quarantine_row(plan.account_id, spec.name, item, reason))
                        continue
                    seen[spec.name].add(int(row["id"]))
                    if plan.mode != "reconcile":
                        by_type.setdefault(spec.name, []).append(row)
                    links.extend(item_links)
                if bad:
                    yield "quarantine", bad
                for name, rows in by_type.items():
                    fresh = self._unseen(name, rows)
                    if len(fresh) < len(rows):
                        keep = {row["id"] for row in fresh}
                        links = [link for link in links if link["from_type"] != name or link["from_id"] in keep]
                    unfilled[name].extend(fresh)
                    while len(unfilled[name]) >= BATCH_READ_IDS:  # fill in full batches of 100
                        chunk, unfilled[name] = unfilled[name][:BATCH_READ_IDS], unfilled[name][BATCH_READ_IDS:]
                        yield from self._fill_v3_only(plan.specs[name], chunk)
                yield "associations", links
                count += len(items)
                if count % 10_000 < len(items):
                    self.progress(f"engagements (v1): {count:,} read")
        except LegacyUnavailable as exc:
            self.outcome.v1_used = False
            self.progress(f"the legacy v1 engagements API is gone ({exc}); reading engagements through "
                          f"the date-based API instead")
            for object_type in engagement_types:
                yield from self._object_stream(object_type)
            return
        for name, rows in unfilled.items():
            if rows:
                yield from self._fill_v3_only(plan.specs[name], rows)
        self.outcome.v1_used = True
        if not incremental:
            self.outcome.seen_ids.update(seen)
        for object_type in engagement_types:
            if incremental and self._counts_before_archived(object_type):
                yield from self._archived_if_counts_differ(object_type, {str(i) for i in seen[object_type]})
        if plan.mode == "reconcile":
            for object_type in engagement_types:
                yield from self._load_missing(plan.specs[object_type], seen[object_type])
        for object_type in engagement_types:
            self._set_bookmark(object_type)
        self.progress(f"engagements (v1): {count:,} read")

    def _fill_v3_only(self, spec: ObjectSpec, rows: list[dict]) -> Iterator[Batch]:
        """v1 lacks a few kept properties (call direction, email direction and status, …): read
        just those for these records through the date-based batch read."""
        missing = v1_only_missing(spec)
        if not missing or not rows:
            yield spec.name, rows
            return
        found = {str(r.get("id")): r for r in self.api.batch_read(spec.name, [row["id"] for row in rows], missing)
                 if isinstance(r, dict)}
        filled_rows, bad = [], []
        for row in rows:
            values = (found.get(row["id"]) or {}).get("properties") or {}
            try:
                filled = row_from_v3(spec, self.plan.account_id, {"id": row["id"], "properties": values})
            except BadRecord as exc:
                bad.append(quarantine_row(self.plan.account_id, spec.name, found.get(row["id"]), exc.reason))
                continue
            for name in missing:
                row[name] = filled[name]
            filled_rows.append(row)
        yield "quarantine", bad
        yield spec.name, filled_rows

    def _checked(self, spec: ObjectSpec, records: list) -> tuple[list[dict], list[dict], set[int], list[dict]]:
        """(rows, the records they came from, every readable id, quarantine rows) of one page.

        One row per id: when a page holds an id twice, the version modified last wins (the later
        one on a tie). A record that cannot be a row is quarantined, but its id still counts as
        listed (HubSpot has it), so it is never marked deleted for being unreadable.
        """
        kept: dict[str, tuple[dict, dict]] = {}
        ids: set[int] = set()
        bad: list[dict] = []
        for record in records:
            try:
                row = row_from_v3(spec, self.plan.account_id, record)
            except BadRecord as exc:
                bad.append(quarantine_row(self.plan.account_id, spec.name, record, exc.reason))
                try:
                    ids.add(int(record_id(record.get("id") if isinstance(record, dict) else None)))
                except BadRecord:
                    pass
                continue
            ids.add(int(row["id"]))
            earlier = kept.get(row["id"])
            if earlier is None or _modified(earlier[0]) <= _modified(row):
                kept[row["id"]] = (row, record)
        return [row for row, _ in kept.values()], [record for _, record in kept.values()], ids, bad

    def _set_bookmark(self, object_type: str) -> None:
        """This type was read to the end; its bookmark is set once every row is consumed."""
        if self.plan.window is None and self.plan.mode != "reconcile":
            with self._lock:
                self._completed.add(object_type)

    def _bookmarks(self) -> None:
        """The next incremental read starts here, minus the lookback: the newest last-modified time
        this read saw (a cursor in HubSpot's own clock), never later than the provider's clock at
        this sync's first answer (its `Date` header; ours if it sent none), and never earlier than
        the previous bookmark. A record changed while we read is newer than both."""
        started = self.api.server_now_ms or self._local_start_ms
        for object_type in self._completed:
            previous = self.plan.bookmarks.get(object_type) if self.plan.mode == "incremental" else None
            newest = self._newest.get(object_type)
            if newest is None:
                bookmark = previous if previous is not None else started
            else:
                bookmark = min(int(newest.timestamp() * 1000), started)
                if previous is not None:
                    bookmark = max(bookmark, previous)
            self.outcome.new_bookmarks[object_type] = bookmark


def _has_id(record: object) -> bool:
    try:
        record_id(record.get("id") if isinstance(record, dict) else None)
    except BadRecord:
        return False
    return True


def _modified(row: dict) -> datetime:
    return row["updated_at"] or datetime.min.replace(tzinfo=UTC)


def _ms(value: datetime) -> str:
    return str(int(value.timestamp() * 1000))
