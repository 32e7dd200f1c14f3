"""Fast JSON responses (orjson) shared by every provider module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json;charset=utf-8"


class JSONResponse(Response):
    media_type = JSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        # Non-str dict keys are allowed so callers can key counters by status code.
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def json_response(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(payload, status_code=status, headers=dict(headers) if headers else None)
