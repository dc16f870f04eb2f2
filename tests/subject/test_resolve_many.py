"""``subject.service.resolve_many``, the import's look-up and creation of a chunk's subjects (Art. 2): a chunk
of thousands of subjects is looked up, and its new ones created, in a fixed number of statements on each
database, and what is stored is exactly what was given, whatever its characters."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import event, select

from xinyong import clock
from xinyong.db import session_scope
from xinyong.models import Subject
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import parse_identifier

from ..factories import ric, uscc

DAY = date(2025, 6, 16)
MOMENT = datetime(2025, 6, 16, 23, 41, 7, tzinfo=clock.TZ)  # 15:41 UTC: the Shanghai day is the 16th


def _ident(code: str):
    return parse_identifier(code, today=DAY)


def _statements(engine, fn):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_a):
        seen.append(" ".join(statement.split()).upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        out = fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return out, seen


@pytest.mark.article("Art. 2")
def test_a_chunk_of_thousands_of_new_subjects_takes_a_fixed_number_of_statements(engine):
    # 2,000 subjects: more than one 900-value slice, which PostgreSQL had looked up slice by slice (3 + 3
    # SELECTs around the INSERT, each binding a 900-element array that psycopg quoted element by element)
    codes = [uscc(500_000 + n) for n in range(1_200)] + [ric(date(1960, 1, 1 + n % 28), seq=n % 1000,
                                                              region=("310115", "310104")[n // 1000])
                                                          for n in range(800)]
    wanted = [(_ident(c), f"名称{n}") for n, c in enumerate(codes)]

    def resolve():
        with session_scope(engine) as s:
            return subjects.resolve_many(s, wanted)

    ids, seen = _statements(engine, resolve)
    assert len(set(ids.values())) == 2_000
    touching = [st for st in seen if " SUBJECT" in st]
    inserts = [st for st in touching if st.startswith("INSERT INTO SUBJECT")]
    assert len(inserts) == 1, inserts
    # PostgreSQL: the look-up, then the insert that returns the new ids; SQLite: the look-up, the insert, the
    # new ids looked up (its driver runs an executemany without RETURNING)
    expected = 2 if engine.dialect.name == "postgresql" else 3
    assert len(touching) == expected, touching
    again, seen = _statements(engine, resolve)
    assert again == ids  # found, not created again: one look-up
    assert len([st for st in seen if " SUBJECT" in st]) == 1


@pytest.mark.article("Art. 2")
@pytest.mark.article("Art. 20(4)")
def test_what_is_stored_is_what_was_given_whatever_its_characters(engine, monkeypatch):
    monkeypatch.setattr(clock, "_pinned", lambda: MOMENT)
    names = ['上海"引号"公司', "反斜杠\\公司", "逗号,{花括号}公司", "换行\n公司", "制表\t公司", "null",
             "NULL", "", "é 🏢 公司", "长" * 250]
    codes = [uscc(700_000 + n) for n in range(len(names) - 2)]
    people = [ric(date(1985, 3, 7), seq=412), ric(date(1990, 11, 30), region="310104", seq=88)]
    given = [(_ident(c), name) for c, name in zip([*codes, *people], names, strict=True)]
    with session_scope(engine) as s:
        ids = subjects.resolve_many(s, given)
    with session_scope(engine) as s:
        rows = {r.id: r for r in s.scalars(select(Subject))}
        assert len(rows) == len(given)
        for ident, name in given:
            row = rows[ids[(ident.scheme, ident.code)]]
            assert row.name == name[:200]
            assert (row.kind, row.scheme) == (ident.kind, ident.scheme)
            assert row.identifier == ident.masked()
            assert row.identifier_digest == subjects.identifier_digest(ident)
            assert row.region_code == ident.region_code
            assert row.birth_date == getattr(ident, "birth_date", None)
            # PostgreSQL gives the moment back aware, SQLite the Shanghai wall time it was written as
            at = row.created_at
            assert (at.astimezone(clock.TZ) if at.tzinfo else at.replace(tzinfo=clock.TZ)) == MOMENT
            assert clock.local_date(row.created_at) == DAY
            assert subjects.identifier_of(row) == ident.code
            if ident.is_natural_person:
                assert row.identifier_enc and ident.code not in row.identifier_enc
            else:
                assert row.identifier_enc is None
