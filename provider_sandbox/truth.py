"""Ground truth for tests: what a perfect client would have loaded.

Per account, provider and object type: the number of records (non-archived and archived
separately), a checksum of each set, and type-specific aggregates (`duration_ms_sum` for calls).

Checksum definition (also in README.md): lowercase hex SHA-256 of the UTF-8 text made of one
line `"<id>:<hs_lastmodifieddate as epoch milliseconds>\n"` per record, records sorted by numeric
id ascending. Epoch milliseconds (not the ISO string) so that a client can recompute it from any
timestamp type it stored.
"""

from __future__ import annotations

import hashlib

import numpy as np

from provider_sandbox.aircall.truth import aircall_summary
from provider_sandbox.fathom.truth import fathom_summary
from provider_sandbox.hubspot.association_views import association_summary
from provider_sandbox.hubspot.objects import OBJECT_KINDS
from provider_sandbox.store import Account, ObjectTable, SandboxStore
from provider_sandbox.timefmt import iso_ms

CHECKSUM_DEFINITION = (
    "sha256 hex of ''.join(f'{id}:{hs_lastmodifieddate_epoch_ms}\\n') over records sorted by numeric id"
)


def checksum(ids: np.ndarray, modified_ms: np.ndarray) -> str:
    order = np.argsort(ids, kind="stable")
    pairs = zip(ids[order].tolist(), modified_ms[order].tolist(), strict=True)
    text = "".join(f"{record_id}:{modified}\n" for record_id, modified in pairs)
    return hashlib.sha256(text.encode()).hexdigest()


class GroundTruth:
    def __init__(self, store: SandboxStore) -> None:
        self._store = store
        # (account, type) -> (table version, summary); a 1M-row checksum takes ~1 s, so cache it.
        self._cache: dict[tuple[str, str], tuple[int, dict]] = {}

    def table_summary(self, account_key: str, table: ObjectTable) -> dict:
        cache_key = (account_key, table.object_type)
        cached = self._cache.get(cache_key)
        if cached and cached[0] == table.version:
            return cached[1]
        live = table.mask(archived=False)
        gone = ~live
        summary = {
            "count": int(live.sum()),
            "archived_count": int(gone.sum()),
            "checksum": checksum(table.ids[live], table.modified_ms[live]),
            "archived_checksum": checksum(table.ids[gone], table.modified_ms[gone]),
        }
        summary.update(OBJECT_KINDS[table.object_type].truth_extras(table, live))
        self._cache[cache_key] = (table.version, summary)
        return summary

    def fathom_section(self, account: Account) -> dict:
        """{"fathom": summary} when the account has a Fathom workspace (see fathom/truth.py)."""
        if account.fathom is None:
            return {}
        cache_key = (account.key, "fathom")
        cached = self._cache.get(cache_key)
        if cached and cached[0] == account.fathom.meetings.version:
            return cached[1]
        section = {"fathom": fathom_summary(account.fathom, checksum)}
        self._cache[cache_key] = (account.fathom.meetings.version, section)
        return section

    def aircall_section(self, account: Account) -> dict:
        """{"aircall": summary} when the account has an Aircall company (see aircall/truth.py)."""
        if account.aircall is None:
            return {}
        # As of the sandbox's now (calls still going at it): cached per table version and second.
        now_s = self._store.now_ms() // 1000
        cache_key = (account.key, "aircall")
        cached = self._cache.get(cache_key)
        if cached and cached[0] == (account.aircall.calls.version, now_s):
            return cached[1]
        section = {"aircall": aircall_summary(account.aircall, checksum, now_s)}
        self._cache[cache_key] = ((account.aircall.calls.version, now_s), section)
        return section

    def snapshot(self) -> dict:
        return {
            "seed": self._store.seed,
            "anchor": iso_ms(self._store.anchor_ms),
            "anchor_pinned": self._store.anchor_pinned,
            "checksum_definition": CHECKSUM_DEFINITION,
            "accounts": {
                account.key: {
                    "hubspot": {
                        "hub_id": account.hubspot.hub_id,
                        "objects": {
                            name: {**self.table_summary(account.key, table),
                                   "associations": association_summary(account, name)}
                            for name, table in sorted(account.hubspot.objects.items())
                        },
                    },
                    **self.aircall_section(account),
                    **self.fathom_section(account),
                }
                for account in self._store.accounts
            },
        }
