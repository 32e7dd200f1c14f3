"""Reading associations the way the HubSpot APIs show them.

The graph (association_graph.py) stores rows; this module turns one record's links into what a
client sees: only non-archived targets, ids ascending, v3 type names (`call_to_contact`, and
for Primary company links both `contact_to_company` and `contact_to_company_unlabeled`) or v4
association types (`{"category": "HUBSPOT_DEFINED", "typeId": 194, "label": null}`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.association_graph import PRIMARY_TYPE_IDS, UNLABELED_TYPE_IDS, v3_type_names

if TYPE_CHECKING:
    from provider_sandbox.store import Account

# GET /crm/v3/objects/{type}?associations=…: at most 100 associated ids per type and record,
# then a `paging.next` pointing at the per-record associations endpoint (HubSpot's Jan 2021
# change; dlt-hub/verified-sources#593 shows loaders that stopped at 100).
V3_INLINE_LIMIT = 100
_EMPTY_ROWS = np.zeros(0, dtype=np.int32)


def _resolve(name: str):
    # Imported here: the object kinds import this module, and the registry imports the kinds.
    from provider_sandbox.hubspot.objects import resolve

    return resolve(name)


def resolve_types(names: list[str]) -> list[str]:
    """Plural object names for the requested types, unknown names dropped, order kept."""
    resolved: list[str] = []
    for name in names:
        kind = _resolve(name)
        if kind is not None and kind.name not in resolved:
            resolved.append(kind.name)
    return resolved


def visible_links(account: Account, from_type: str, row: int, to_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Target rows (ascending) of one record's visible associations, and their Primary flags.
    An archived record has none, and archived targets are left out: both ends must be live."""
    portal = account.hubspot
    from_table, to_table = portal.objects.get(from_type), portal.objects.get(to_type)
    if from_table is None or to_table is None or (row < len(from_table) and from_table.archived[row]):
        return _EMPTY_ROWS, np.zeros(0, dtype=bool)
    links = portal.associations.links(from_type, to_type, len(from_table))
    if links is None:
        return _EMPTY_ROWS, np.zeros(0, dtype=bool)
    targets, primary = links.of(row)
    live = ~to_table.archived[targets]
    flags = np.zeros(len(targets), dtype=bool) if primary is None else primary
    return targets[live], flags[live]


def linked_rows(account: Account, from_type: str, row: int, to_type: str) -> np.ndarray:
    return visible_links(account, from_type, row, to_type)[0]


def v3_entries(from_type: str, to_type: str, ids: np.ndarray, primary: np.ndarray) -> list[dict]:
    primary_name, plain_name = v3_type_names(from_type, to_type)
    entries: list[dict] = []
    for to_id, is_primary in zip(ids.tolist(), primary.tolist(), strict=True):
        if is_primary:
            entries.append({"id": str(to_id), "type": primary_name})
        entries.append({"id": str(to_id), "type": plain_name})
    return entries


def associated_ids(account: Account, from_type: str, row: int, to_types: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Every visible association of one record per requested type, unpaged."""
    result: dict[str, list[tuple[str, str]]] = {}
    for to_type in resolve_types(to_types):
        rows, primary = visible_links(account, from_type, row, to_type)
        ids = account.hubspot.objects[to_type].ids[rows]
        result[to_type] = [(e["id"], e["type"]) for e in v3_entries(from_type, to_type, ids, primary)]
    return result


def v3_inline(account: Account, from_type: str, row: int, to_types: list[str], base_url: str) -> dict:
    """The `associations` member of one v3 list result: {type: {"results": [...], "paging"?}}.
    Types without associations are left out, as HubSpot does."""
    from_table = account.hubspot.objects[from_type]
    record_id = int(from_table.ids[row])
    from_type_id = _resolve(from_type).object_type_id
    block: dict = {}
    for to_type in resolve_types(to_types):
        rows, primary = visible_links(account, from_type, row, to_type)
        if len(rows) == 0:
            continue
        ids = account.hubspot.objects[to_type].ids[rows]
        shown = slice(0, V3_INLINE_LIMIT)
        entry: dict = {"results": v3_entries(from_type, to_type, ids[shown], primary[shown])}
        if len(ids) > V3_INLINE_LIMIT:
            after = str(int(ids[V3_INLINE_LIMIT]))
            to_type_id = _resolve(to_type).object_type_id
            link = f"{base_url}crm/v3/objects/{from_type_id}/{record_id}/associations/{to_type_id}?after={after}"
            entry["paging"] = {"next": {"after": after, "link": link}}
        block[to_type] = entry
    return block


def v4_association_types(from_type: str, to_type: str, is_primary: bool, keep_null_label: bool) -> list[dict]:
    plain: dict = {"category": "HUBSPOT_DEFINED", "typeId": UNLABELED_TYPE_IDS[(from_type, to_type)]}
    if keep_null_label:
        plain["label"] = None
    if not is_primary:
        return [plain]
    return [{"category": "HUBSPOT_DEFINED", "typeId": PRIMARY_TYPE_IDS[(from_type, to_type)], "label": "Primary"},
            plain]


def page_after(ids: np.ndarray, after: int, limit: int) -> tuple[slice, int | None]:
    """The slice of ascending `ids` starting at the first id >= after, and the next cursor."""
    start = int(np.searchsorted(ids, after, side="left"))
    stop = min(start + limit, len(ids))
    return slice(start, stop), (int(ids[stop]) if stop < len(ids) else None)


def association_summary(account: Account, object_type: str) -> dict[str, dict]:
    """Ground truth of one type's visible associations per related type: {"contacts":
    {"count": n, "checksum": sha256}} (definition in AssociationGraph.pair_truth)."""
    portal = account.hubspot
    graph = portal.associations
    table = portal.objects[object_type]
    summary: dict[str, dict] = {}
    for to_type in graph.related_types(object_type):
        other = portal.objects.get(to_type)
        if other is None:
            continue
        truth = graph.pair_truth(
            object_type, to_type, table.ids, ~table.archived, other.ids, ~other.archived,
            versions=(table.version, len(table), other.version, len(other)),
        )
        summary[to_type] = {"count": truth.count, "checksum": truth.checksum}
    return summary
