"""Engine, declarative Base with a naming convention, and the session scope.

SQLite is the embedded default (WAL, synchronous=FULL: an acknowledged inquiry-log entry must
survive a power cut); PostgreSQL is the production database. Services flush and never commit:
the front door that opened the session scope commits once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import orjson

from sqlalchemy import BigInteger, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Integer on SQLite so that the primary key is the rowid (autoincrement); BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - exercised by every test
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # Deleted content must not linger in free pages (Art. 37 deletion).
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def make_engine(url: str, *, schema: str | None = None, echo: bool = False) -> Engine:
    # orjson parses the JSON columns (record content, log ids) several times faster than json.loads.
    kwargs: dict = {"echo": echo, "future": True, "json_deserializer": orjson.loads}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    elif url.startswith("postgresql"):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        if schema:
            kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
        # No pre-ping: it costs a round trip on every checkout of the hot path; stale connections
        # are recycled instead.
        kwargs["pool_recycle"] = 1800
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


_sessionmakers: dict[int, sessionmaker] = {}


def session_factory(engine: Engine | None = None) -> sessionmaker:
    engine = engine or get_engine()
    key = id(engine)
    if key not in _sessionmakers:
        _sessionmakers[key] = sessionmaker(bind=engine, expire_on_commit=False, future=True)
    return _sessionmakers[key]


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def reset_engine() -> None:
    get_engine.cache_clear()
    _sessionmakers.clear()


def one_of(column, values: list, dialect: str):
    """``column IN values`` as one array parameter on PostgreSQL (``= ANY``), an IN list elsewhere.

    PostgreSQL plans a long ``IN (…)`` of separate parameters slowly; one array keeps the
    statement small and its plan cached.
    """
    if dialect == "postgresql":
        from sqlalchemy import any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))
