"""PostgreSQL's statistics during imports (``record.service.ensure_statistics``): a table is analyzed when it has
doubled since it was last analyzed, only on the columns the import's statements look up and join by."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from xinyong.db import make_engine
from xinyong.record import service

from ..conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's planner statistics (SQLite's needs none here)")


@pytest.fixture
def stats_engine():
    """Tables of their own, new (the shared test schema's are emptied by DELETE between tests, and the counts
    of live rows the statistics views give lag behind other connections' writes): ``record`` and ``subject``
    with the columns ``ensure_statistics`` names, in a schema dropped afterwards."""
    schema = f"xytest_stats_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text(f'CREATE TABLE "{schema}".subject (id bigint PRIMARY KEY, identifier_digest text, '
                          "name text)"))
        conn.execute(text(f'CREATE TABLE "{schema}".record (id bigint PRIMARY KEY, subject_id bigint, '
                          "unit_id bigint, item_code text, doc_no text, content text)"))
    sep = "&" if "?" in POSTGRES_URL else "?"
    engine = make_engine(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _add_subjects(engine, first: int, count: int) -> None:
    """``count`` subjects, their table's counts flushed at the commit (PostgreSQL 15: a backend otherwise
    reports them at most once a second)."""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO subject SELECT i, md5(i::text), 'n' "
            "FROM generate_series(CAST(:a AS integer), CAST(:b AS integer)) AS i"), {"a": first, "b": first + count - 1})
        conn.execute(text("SELECT pg_stat_force_next_flush()"))


def _analyzed(engine) -> list[str]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_a):
        if statement.lstrip().upper().startswith("ANALYZE"):
            seen.append(statement.strip())

    event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as s, s.begin():
            service.ensure_statistics(s)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _size(engine, table: str) -> float:
    with engine.connect() as conn:
        return conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                            {"t": table}).scalar()


def test_a_table_is_analyzed_when_it_has_doubled_on_the_columns_the_import_uses(stats_engine):
    engine = stats_engine
    assert _analyzed(engine) == []  # empty tables: nothing to analyze
    _add_subjects(engine, 1, 3_000)
    assert _analyzed(engine) == ["ANALYZE subject (identifier_digest)"]
    assert _size(engine, "subject") == 3_000
    with engine.connect() as conn:
        stats = conn.execute(text("SELECT attname FROM pg_stats WHERE tablename = 'subject' "
                                  "AND schemaname = current_schema()")).scalars().all()
    assert stats == ["identifier_digest"]  # not every column (a record's content is the costly one)
    _add_subjects(engine, 3_001, 2_000)  # 5,000: not yet twice 3,000
    assert _analyzed(engine) == []
    _add_subjects(engine, 5_001, 1_500)  # 6,500
    assert _analyzed(engine) == ["ANALYZE subject (identifier_digest)"]
    assert _size(engine, "subject") == 6_500
    assert _analyzed(engine) == []
