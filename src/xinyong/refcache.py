"""A short-lived, process-local cache of reference data read on hot paths (the catalog, organs'
published inquiry lists).

Writes through the platform's services invalidate it at once in this process; other processes see a
change within ``TTL_SECONDS``. Published lists and the catalog change by deliberate acts, rarely.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

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


_database_keys: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def database_key(session: Any) -> str:
    """The database a session is bound to, as a cache key: two engines on one database share entries.
    Rendered once per engine (rendering a PostgreSQL URL with options costs tens of µs)."""
    engine = session.get_bind()
    engine = getattr(engine, "engine", engine)  # a session bound to a Connection (a read-only unit of work)
    key = _database_keys.get(engine)
    if key is None:
        key = _database_keys[engine] = engine.url.render_as_string(hide_password=False)
    return key
