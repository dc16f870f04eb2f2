"""PostgreSQL's statistics during imports (``record.service.ensure_statistics``): a table is analyzed when it has
doubled since it was last analyzed, only on the columns the import's statements look up and join by."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from xinyong.db import session_scope
from xinyong.record import service


def _add_subjects(engine, first: int, count: int) -> None:
    """``count`` subjects by plain SQL, their table statistics flushed at the commit (PostgreSQL 15: a backend
    otherwise reports them at most once a second)."""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO subject (kind, scheme, identifier, identifier_digest, name, created_at) "
            "SELECT 'organization', 'uscc', 'X' || i, md5(i::text) || md5((-i)::text), 'n', now() "
            "FROM generate_series(CAST(:a AS integer), CAST(:b AS integer)) AS i"), {"a": first, "b": first + count - 1})
        conn.execute(text("SELECT pg_stat_force_next_flush()"))


def _analyzed(engine) -> list[str]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_a):
        if statement.lstrip().upper().startswith("ANALYZE"):
            seen.append(statement.strip())

    event.listen(engine, "before_cursor_execute", record)
    try:
        with session_scope(engine) as s:
            service.ensure_statistics(s)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _size(engine, table: str) -> float:
    with engine.connect() as conn:
        return conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                            {"t": table}).scalar()


def test_a_table_is_analyzed_when_it_has_doubled_on_the_columns_the_import_uses(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner statistics (SQLite's planner needs none here)")
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
