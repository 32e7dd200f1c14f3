"""Fathom's ground truth per account, for `/_sandbox/truth` (cached by truth.GroundTruth)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from provider_sandbox.store import FathomWorkspace

# Same construction as HubSpot's checksum, with Fathom's `created_at` (meetings never change).
CHECKSUM_OF = "sha256 hex of ''.join(f'{recording_id}:{created_at_epoch_ms}\\n') sorted by recording_id"


def fathom_summary(workspace: FathomWorkspace, checksum: Callable[[np.ndarray, np.ndarray], str]) -> dict:
    table = workspace.meetings
    recorders = table.columns["recorder"]
    counts = np.bincount(recorders.astype(np.int64), minlength=len(workspace.users)) if len(table) else []
    return {
        "meetings": {
            "count": len(table),
            "checksum": checksum(table.ids, table.created_ms),
            "checksum_of": CHECKSUM_OF,
            "transcript_items": int(table.columns["transcript_items"].astype(np.int64).sum()),
            "by_recorder": {user.email: int(counts[i]) for i, user in enumerate(workspace.users)
                            if len(table) and counts[i]},
        },
    }
