"""JSON responses encoded with orjson (FastAPI's default encoder halves an endpoint's throughput)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class JSON(JSONResponse):
    """A JSONResponse (so that the OpenAPI document shows a route's model), rendered by orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=str, option=orjson.OPT_NON_STR_KEYS)
