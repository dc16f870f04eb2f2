"""A short-lived, process-local cache of reference data read on hot paths (the catalog, organs'
published inquiry lists).

Writes through the platform's services invalidate it at once in this process; other processes see a
change within ``TTL_SECONDS``. Published lists and the catalog change by deliberate acts, rarely.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
TTL_SECONDS = 2.0
_store: dict[Hashable, tuple[float, object]] = {}


def get(key: Hashable, loader: Callable[[], T]) -> T:
    now = time.monotonic()
    hit = _store.get(key)
    if hit is not None and now - hit[0] < TTL_SECONDS:
        return hit[1]  # type: ignore[return-value]
    value = loader()
    _store[key] = (now, value)
    return value


def invalidate() -> None:
    _store.clear()
