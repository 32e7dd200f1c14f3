"""Aircall ground truth per account: what a perfect client of `GET /v1/calls` would have loaded.

`count` is every call the list returns (archived calls included: Aircall lists them with
`archived: true`); `checksum` is the object checksum with `started_at` (unix seconds) as the
timestamp: sha256 hex of `"<id>:<started_at>\\n"` per call, sorted by id. `missed_count` counts
calls with `answered_at` null (missed inbound and unanswered outbound); `duration_sum` sums
`duration` (seconds, ringing included) over all calls. `transcriptions` counts what
`GET /v1/calls/{id}/transcription` answers (recorded calls and voicemails, with the AI add-on;
none without) and `utterances` sums their utterances.

All of it is as of the sandbox's "now": a call still going has no `answered_at` until it is
picked up, and no duration or transcription until it ends (`in_progress_count` counts those).
"""

from __future__ import annotations

import numpy as np

from provider_sandbox.aircall.generator import utterance_counts
from provider_sandbox.store import AircallCompany


def aircall_summary(company: AircallCompany, checksum, now_s: int) -> dict:
    table = company.calls
    cols = table.columns
    started = table.created_ms // 1000
    ring, talk = cols["ring_s"].astype(np.int64), cols["talk_s"].astype(np.int64)
    done = started + ring + talk <= now_s
    answered_now = cols["answered"] & (started + ring <= now_s)
    return {
        "company_id": company.company_id,
        "users": len(company.users),
        "calls": {
            "count": len(table),
            "archived_count": int(table.archived.sum()),
            "checksum": checksum(table.ids, started),
            "missed_count": int((~answered_now).sum()),
            "duration_sum": int((ring + talk)[done].sum()),
            "in_progress_count": int((~done).sum()),
        },
        "transcriptions": _transcriptions(company, done),
    }


def _transcriptions(company: AircallCompany, done: np.ndarray) -> dict:
    cols = company.calls.columns
    has = (cols["recorded"] | cols["voicemail"]) & done if company.ai_addon else np.zeros(len(done), dtype=bool)
    counts = utterance_counts(cols["talk_s"], cols["voicemail"], company.calls.ids)
    return {"count": int(has.sum()), "utterances": int(counts[has].sum())}
