"""Time formats the providers use on the wire."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_ms(epoch_ms: int) -> str:
    """Epoch milliseconds -> `2024-01-15T10:30:00.123Z` (HubSpot's CRM v3 format).

    time.gmtime + strftime is ~2x faster than datetime here, and this runs for every timestamp
    of every record served."""
    ms = int(epoch_ms)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def parse_iso_to_ms(text: str) -> int:
    """ISO 8601 (with `Z` or an offset) -> epoch milliseconds."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1)
