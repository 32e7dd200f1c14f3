"""Shared pieces of the engagement kinds (emails, meetings, notes, tasks) and CRM records.

Column conventions that other modules rely on (hubspot/columns.py, v1_metadata.py):
`timestamp_ms` is `hs_timestamp`, `owner` is an index into `portal.owners` with -1 for none.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.association_views import linked_rows
from provider_sandbox.hubspot.objects.base import DAY_MS
from provider_sandbox.seeding import numpy_rng

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account, HubSpotOwner, ObjectTable

NONE_CODE = 255  # uint8 code columns: the record has no value for this property


def activity_times(rng: np.random.Generator, settings: SandboxSettings, count: int) -> np.ndarray:
    """When each activity happened: uniform over the history window, ending at the anchor."""
    return settings.anchor_ms - rng.integers(0, settings.history_days * DAY_MS, count, dtype=np.int64)


def logged_before_anchor(settings: SandboxSettings, account: Account, name: str, occurred: np.ndarray,
                         logged_delay: np.ndarray) -> np.ndarray:
    """`logged_delay` with every record created strictly before the anchor (the sandbox's start):
    a past activity that would be logged after it is logged between the activity and the
    anchor; a scheduled one (due or starting later) was booked up to two weeks before it.
    Nothing is created in the future or exactly on the anchor. Drawn from its own stream, so
    the kind's other columns do not move."""
    anchor = settings.anchor_ms
    late = occurred + logged_delay >= anchor
    if not late.any():
        return logged_delay
    rng = numpy_rng(settings.seed, account.key, name, "logged-before-anchor")
    room = np.where(occurred < anchor, anchor - occurred, 14 * DAY_MS)  # >= 1
    before = 1 + (rng.random(len(occurred)) * np.maximum(room - 1, 0)).astype(np.int64)
    return np.where(late, anchor - before - occurred, logged_delay)


def owner_column(rng: np.random.Generator, settings: SandboxSettings, account: Account, count: int,
                 null_fraction: float | None = None) -> np.ndarray:
    owner = rng.integers(0, len(account.hubspot.owners), count).astype(np.int16)
    share = settings.null_owner_fraction if null_fraction is None else null_fraction
    owner[rng.random(count) < share] = -1
    return owner


def coded(rng: np.random.Generator, shares: tuple[float, ...], count: int) -> np.ndarray:
    """uint8 codes 0..len(shares)-1 drawn with the given shares (which must add up to 1)."""
    return rng.choice(len(shares), size=count, p=shares).astype(np.uint8)


def owner_of(account: Account, table: ObjectTable, row: int) -> HubSpotOwner | None:
    index = int(table.columns["owner"][row])
    return account.hubspot.owners[index] if index >= 0 else None


def owner_value(account: Account, table: ObjectTable, row: int) -> str | None:
    owner = owner_of(account, table, row)
    return owner.id if owner else None


def attachment_ids(table: ObjectTable, row: int) -> str | None:
    """`hs_attachment_ids`: `;`-separated file ids, derived from the record id (no storage)."""
    count = int(table.columns["attachments"][row])
    if count == 0:
        return None
    record_id = int(table.ids[row])
    return ";".join(str(90_000_000_000 + (record_id * 7 + n * 104_729) % 9_000_000_000) for n in range(count))


def attachment_counts(rng: np.random.Generator, count: int, share: float) -> np.ndarray:
    return np.where(rng.random(count) < share, rng.integers(1, 4, count), 0).astype(np.uint8)


def first_contact(account: Account, object_type: str, row: int) -> int | None:
    """Row of the record's first associated contact, if any (for names in rendered text)."""
    rows = linked_rows(account, object_type, row, "contacts")
    return int(rows[0]) if len(rows) else None


def paragraphs_html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def clipped_text(rnd, target_chars: int, head: list[str], filler: tuple[str, ...]) -> list[str]:
    """`head` plus filler paragraphs until about `target_chars` characters.

    Long bodies (quoted threads, pasted documents) repeat a block of filler with string
    multiplication rather than drawing every word, so even a 1 MB body renders in milliseconds."""
    size = sum(len(p) + 1 for p in head)
    if size >= target_chars:
        return head
    block = "\n".join(rnd.sample(filler, k=min(len(filler), 6))) + "\n"
    repeats = (target_chars - size) // len(block) + 1
    tail = (block * repeats)[: target_chars - size]
    return [*head, tail]


def duplicate_rank(*keys: np.ndarray) -> np.ndarray:
    """Per record, how many earlier records (by position) share all of `keys`: 0 for the first.

    Used to make emails and domains unique the way people do it (jane.doe2@…)."""
    count = len(keys[0])
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((np.arange(count), *reversed(keys)))
    new_group = np.zeros(count, dtype=bool)
    new_group[0] = True
    for key in keys:
        ordered = key[order]
        new_group[1:] |= ordered[1:] != ordered[:-1]
    positions = np.arange(count)
    group_start = np.maximum.accumulate(np.where(new_group, positions, 0))
    rank = np.empty(count, dtype=np.int64)
    rank[order] = positions - group_start
    return rank
