"""Test set-up: a pinned clock, a private var/ directory, and the database fixtures.

Storage tests take the ``engine`` fixture and run on SQLite and, when XINYONG_TEST_POSTGRES_URL is
set, on PostgreSQL too — in a schema of this run's own, migrated once from the real migrations.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

# A Monday, at a time of day of its own: no test depends on the real date or the real time of day. The
# pinned clock starts there and runs at real speed (xinyong.clock), far from midnight in either direction.
PINNED_TODAY = "2025-06-16T10:00:00"

_session_var = Path(os.environ.get("PYTEST_XINYONG_TMP", "/tmp")) / f"xinyong-tests-{uuid.uuid4().hex[:8]}"
os.environ["XINYONG_TODAY"] = PINNED_TODAY
os.environ["XINYONG_VAR_DIR"] = str(_session_var / "var")
os.environ["XINYONG_CALENDAR_DIR"] = str(_session_var / "calendar")
os.environ["XINYONG_HMAC_KEY"] = "test-hmac-key-not-secret"
os.environ.pop("XINYONG_DATABASE_URL", None)
# The rate limits (xinyong.guard) run in every test, high enough that none is met by accident; the tests of the
# limits (tests/test_ratelimit.py) set small ones of their own. No shared store: each app counts in memory.
os.environ["XINYONG_RATE_PORTAL"] = "1000000/minute"
os.environ["XINYONG_RATE_API"] = "1000000/minute"
os.environ["XINYONG_RATE_AUTH_FAILURES"] = "1000000/minute"
os.environ.pop("XINYONG_REDIS_URL", None)
os.environ.pop("XINYONG_TRUSTED_PROXIES", None)

from sqlalchemy import inspect, text  # noqa: E402

from xinyong import config, db, refcache  # noqa: E402
from xinyong.migrations import upgrade  # noqa: E402

POSTGRES_URL = os.environ.get("XINYONG_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(autouse=True)
def _pinned_clock(monkeypatch):
    monkeypatch.setenv("XINYONG_TODAY", PINNED_TODAY)
    yield


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = db.make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_schema():
    if not POSTGRES_URL:
        pytest.skip("XINYONG_TEST_POSTGRES_URL is not set")
    schema = f"xy_test_{uuid.uuid4().hex[:10]}"
    admin = db.make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _pg_url(schema)
    engine = db.make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        catalog = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM catalog_item"))]
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    yield url, engine, tables, catalog
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _pg_url(schema: str) -> str:
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, monkeypatch):
    """A freshly migrated database (SQLite file, or this run's PostgreSQL schema emptied)."""
    if request.param == "sqlite":
        path = tmp_path / "xinyong.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url, engine, tables, catalog = request.getfixturevalue("_postgres_schema")
        _reset_postgres(engine, tables, catalog)  # once a test, when it starts: it finds an empty schema
    refcache.invalidate()
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    monkeypatch.setenv("XINYONG_VAR_DIR", str(tmp_path / "var"))
    config.reset_settings()
    db.reset_engine()
    yield url
    db.get_engine().dispose()
    db.reset_engine()
    config.reset_settings()


_RESET: dict[int, tuple] = {}


def _reset_postgres(engine, tables, catalog) -> None:
    """Empty every table and restart every sequence, then put the shipped catalog back.

    DELETE with the foreign-key triggers off (``session_replication_role = replica``, the test database's owner is a
    superuser) rather than TRUNCATE: TRUNCATE gives each of the ~45 tables new files, ~0.7 s a test, DELETE of a
    test's few rows ~0.08 s. Where that role cannot be set, TRUNCATE as before."""
    from sqlalchemy import MetaData, Table

    if id(engine) not in _RESET:
        with engine.connect() as conn:
            sequences = [r[0] for r in conn.execute(text(
                "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()"))]
            _RESET[id(engine)] = (Table("catalog_item", MetaData(), autoload_with=conn), sequences)
    catalog_table, sequences = _RESET[id(engine)]
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("; ".join([f'DELETE FROM "{t}"' for t in tables]
                                        + [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences])))
            conn.execute(catalog_table.insert(), catalog)
        return
    except Exception:  # not allowed to set the role: the slower way, which needs no privilege
        pass
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        conn.execute(catalog_table.insert(), catalog)


@pytest.fixture
def engine(database_url):
    return db.get_engine()


@pytest.fixture
def backend(engine) -> str:
    return engine.dialect.name


@pytest.fixture
def cjk_font():
    """The CJK TrueType font PDF reports embed; a test that renders a PDF skips, naming the package, without it
    (``./dev test`` installs it when it can: apt busy or failing, the rest of the suite still runs)."""
    from xinyong.report.pdf import FontMissing, find_font

    try:
        return find_font()
    except FontMissing as exc:
        pytest.skip(f"PDF reports need a CJK TrueType font: {exc.message}")
