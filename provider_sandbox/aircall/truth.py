"""Aircall ground truth per account: what a perfect client of `GET /v1/calls` would have loaded.

`count` is every call the list returns (archived calls included: Aircall lists them with
`archived: true`); `checksum` is the object checksum with `started_at` (unix seconds) as the
timestamp: sha256 hex of `"<id>:<started_at>\\n"` per call, sorted by id. `missed_count` counts
calls with `answered_at` null (missed inbound and unanswered outbound); `duration_sum` sums
`duration` (seconds, ringing included) over all calls. `transcriptions` counts what
`GET /v1/calls/{id}/transcription` answers (recorded calls and voicemails, with the AI add-on;
none without) and `utterances` sums their utterances.
"""

from __future__ import annotations

import numpy as np

from provider_sandbox.aircall.generator import utterance_counts
from provider_sandbox.store import AircallCompany


def aircall_summary(company: AircallCompany, checksum) -> dict:
    table = company.calls
    cols = table.columns
    duration = cols["ring_s"].astype(np.int64) + cols["talk_s"].astype(np.int64)
    return {
        "company_id": company.company_id,
        "users": len(company.users),
        "calls": {
            "count": len(table),
            "archived_count": int(table.archived.sum()),
            "checksum": checksum(table.ids, table.created_ms // 1000),
            "missed_count": int((~cols["answered"]).sum()),
            "duration_sum": int(duration.sum()),
        },
        "transcriptions": _transcriptions(company),
    }


def _transcriptions(company: AircallCompany) -> dict:
    cols = company.calls.columns
    has = (cols["recorded"] | cols["voicemail"]) if company.ai_addon else np.zeros(len(company.calls), dtype=bool)
    counts = utterance_counts(cols["talk_s"], cols["voicemail"], company.calls.ids)
    return {"count": int(has.sum()), "utterances": int(counts[has].sum())}
