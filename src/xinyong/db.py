"""Engine, declarative Base with a naming convention, and the session scope.

SQLite is the embedded default (WAL, synchronous=FULL: an acknowledged inquiry-log entry must
survive a power cut); PostgreSQL is the production database. Services flush and never commit:
the front door that opened the session scope commits once.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import orjson

from sqlalchemy import BigInteger, Integer, MetaData, create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .config import TIMEZONE, get_settings

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
    # Checkpoints run on a thread of their own (WalCheckpointer); this is only the bound the WAL may
    # reach if that thread falls behind (SQLite's default, 1,000 pages, puts one in every ~100th commit).
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    cur.close()


WAL_AUTOCHECKPOINT_PAGES = 16_000  # ~64 MB
WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024
WAL_CHECKPOINT_EVERY_S = 0.5


class WalCheckpointer:
    """Copies SQLite's write-ahead log into the database on a thread of its own, off the request path.

    With SQLite's default, the commit that crosses 1,000 WAL pages runs the checkpoint itself (copy and
    fsync the database file): that was the p99 of a committed check (bench/README.md). Here a daemon
    thread runs a PASSIVE checkpoint (never blocks writers or readers) whenever the WAL has grown past
    ``WAL_CHECKPOINT_BYTES``. One per database file and process; it stops when its engine is gone.
    """

    _running: dict[str, WalCheckpointer] = {}
    _lock = threading.Lock()

    def __init__(self, path: str) -> None:
        self.path = path
        self.stop = threading.Event()
        self._conn: sqlite3.Connection | None = None
        self._seen: tuple[int, int] | None = None  # the WAL's (size, mtime) at the last checkpoint

    @classmethod
    def start_for(cls, engine: Engine) -> None:
        path = engine.url.database
        if not path or path == ":memory:":
            return
        path = os.path.abspath(path)
        with cls._lock:
            if path in cls._running and not cls._running[path].stop.is_set():
                return
            cp = cls._running[path] = cls(path)
        weakref.finalize(engine, cp.stop.set)
        threading.Thread(target=cp._loop, name=f"wal-checkpoint {os.path.basename(path)}", daemon=True).start()

    def run_once(self) -> tuple[int, int, int] | None:
        """One PASSIVE checkpoint if the WAL is past the threshold and was written since the last one:
        SQLite's (busy, log frames, checkpointed frames), or None when nothing was due. (The WAL file
        keeps its size after a checkpoint; SQLite writes it again from the start.)"""
        try:
            st = os.stat(self.path + "-wal")
        except OSError:
            return None
        seen = (st.st_size, st.st_mtime_ns)
        if st.st_size < WAL_CHECKPOINT_BYTES or seen == self._seen:
            return None
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        result = tuple(self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
        self._seen = seen
        return result

    def _loop(self) -> None:
        try:
            while not self.stop.wait(WAL_CHECKPOINT_EVERY_S):
                try:
                    self.run_once()
                except sqlite3.Error:  # pragma: no cover - a locked or vanished file: next round
                    pass
        finally:
            if self._conn is not None:
                self._conn.close()
            with self._lock:
                if self._running.get(self.path) is self:
                    del self._running[self.path]


def _json_text(value) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _postgres_options(url: URL, schema: str | None) -> str:
    given = url.query.get("options")
    if given is None:
        given = os.environ.get("PGOPTIONS")  # libpq ignores it once ``options`` is passed: keep it
    parts = [given] if isinstance(given, str) else list(given or ())
    if schema:
        parts.append(f"-csearch_path={schema}")
    parts.append(f"-cTimeZone={TIMEZONE}")  # last: a repeated setting takes the last value
    return " ".join(p for p in parts if p)


def make_engine(url: str, *, schema: str | None = None, echo: bool = False) -> Engine:
    # orjson writes and parses the JSON columns (record content, log ids, check results) several times
    # faster than the json module; keys are strings as json.dumps makes them.
    # hide_parameters: a database error's text never carries the bound values (identifiers, record content)
    kwargs: dict = {"echo": echo, "future": True, "hide_parameters": True, "json_deserializer": orjson.loads,
                    "json_serializer": _json_text}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    elif url.startswith("postgresql"):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        parsed = make_url(url)
        # One libpq ``options`` string (it is sent with the startup packet: no round trip) carries the
        # URL's own options, the schema, and the platform's time zone, so that timestamps come back and
        # SQL-side dates are computed in Asia/Shanghai; connect_args would otherwise replace the URL's.
        # (The URL keeps its options: refcache tells databases apart by it.)
        kwargs["connect_args"] = {"options": _postgres_options(parsed, schema)}
        # No pre-ping: it costs a round trip on every checkout of the hot path; stale connections
        # are recycled instead.
        kwargs["pool_recycle"] = 1800
        # The connections a process keeps: past them SQLAlchemy opens "overflow" connections and closes each as
        # it is returned — a new PostgreSQL backend (a few ms) for every request beyond the pool, which under
        # load was the hot path's largest single cost (issue 12: 8 concurrent inquiries against the default 5).
        kwargs["pool_size"] = _pool_size()
        kwargs["max_overflow"] = 10
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        WalCheckpointer.start_for(engine)
    return engine


def _pool_size() -> int:
    from .config import env

    text = env("XINYONG_DB_POOL_SIZE") or "10"
    try:
        size = int(text)
    except ValueError:
        size = 0
    if size < 1:
        raise ValueError(f"XINYONG_DB_POOL_SIZE={text!r}: a number of connections, at least 1")
    return size


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


def json_text_values(values: list[str]):
    """PostgreSQL: the strings as a one-column relation (``value``) made by the server from one JSON text
    parameter (``json_array_elements_text``).

    psycopg dumps a Python list of strings element by element, with a regular-expression search per element
    to decide its quoting: 1.8 ms of client CPU for 900 identifier digests, against 0.1 ms for the same
    digests as one JSON text written by orjson (measured here, 2026-12-04). An import's chunk binds such
    lists for its subjects and its documents. (A long ``IN (…)`` of separate parameters is worse: PostgreSQL
    plans it slowly, and the statement's plan is not reused.)"""
    from sqlalchemy import Text, bindparam, cast, func
    from sqlalchemy.dialects.postgresql import JSON

    return func.json_array_elements_text(cast(bindparam(None, orjson.dumps(values).decode(), type_=Text),
                                              JSON)).table_valued("value")


def json_text_array(values: list[str]):
    """PostgreSQL: the strings as one ``text[]`` (``ARRAY(SELECT …)`` of ``json_text_values``), for ``= ANY``."""
    from sqlalchemy import func, select

    return func.array(select(json_text_values(values).c.value).scalar_subquery())


class Prepared:
    """A Core statement compiled once per dialect and run on the driver's own cursor.

    Only for the few statements every inquiry and check runs (loading the subject, writing the log):
    there SQLAlchemy's per-execution work (about 150–200 µs on the machines here) costs more than the
    statement. Values pass through the bind and result processors SQLAlchemy itself would apply (dates
    on SQLite, JSON, booleans); rows come back as named tuples. Runs inside the session's transaction
    (``session.connection()``). Not for expanding (IN-list) parameters.
    """

    def __init__(self, statement) -> None:
        self.statement = statement
        self._forms: dict[str, tuple] = {}

    def _form(self, dialect) -> tuple:
        form = self._forms.get(dialect.name)
        if form is None:
            compiled = self.statement.compile(dialect=dialect)
            sql = str(compiled)
            if "POSTCOMPILE" in sql:
                raise ValueError("Prepared does not take expanding parameters")
            by_name = {compiled.bind_names[b]: b for b in compiled.binds.values()}
            names = list(compiled.positiontup) if dialect.positional else list(by_name)
            bind = {n: by_name[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names}
            columns = list(getattr(self.statement, "exported_columns", ()) or ())
            row = namedtuple("Row", [c.key for c in columns], rename=True) if columns else None
            form = self._forms[dialect.name] = [sql, dialect.positional, names, dict(compiled.params), bind,
                                                columns, row, None]
        return form

    def _args(self, form: list, params: dict):
        _sql, positional, names, defaults, bind = form[:5]
        values = {**defaults, **params}
        if positional:
            return tuple(bind[n](values[n]) if bind[n] else values[n] for n in names)
        return {n: (bind[n](values[n]) if bind[n] else values[n]) for n in names}

    def rows(self, conn, params: dict) -> list:
        """Execute with ``params`` (bind name → value) on the SQLAlchemy ``conn``; the rows it returns."""
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            self.send(cursor, conn.dialect, params)
            return self.fetch(cursor, conn.dialect)
        finally:
            cursor.close()

    def send(self, cursor, dialect, params: dict) -> None:
        """Execute on a driver cursor of the caller's (``fetch`` reads the rows): in a psycopg pipeline,
        several statements go out together and ``fetch`` reads each once the pipeline has synced."""
        form = self._form(dialect)
        cursor.execute(form[0], self._args(form, params))

    def fetch(self, cursor, dialect) -> list:
        """The rows of the statement ``send`` executed on ``cursor``."""
        form = self._form(dialect)
        columns, row = form[5], form[6]
        if row is None:
            return []
        raw = cursor.fetchall()
        if form[7] is None:  # result processors need the driver's column types (PostgreSQL OIDs);
            # read once: psycopg builds the description anew on every access
            procs = [c.type.dialect_impl(dialect).result_processor(dialect, d[1])
                     for c, d in zip(columns, cursor.description, strict=True)]
            form[7] = procs if any(procs) else ()
        procs = form[7]
        if not procs:
            return [row._make(r) for r in raw]
        return [row._make([p(v) if p else v for p, v in zip(procs, r)]) for r in raw]

    def execute_many(self, conn, params: list[dict]) -> None:
        """Execute once per parameter set (``executemany``); nothing is returned."""
        form = self._form(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.executemany(form[0], [self._args(form, p) for p in params])
        finally:
            cursor.close()
