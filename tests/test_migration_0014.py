"""Migration 0014 on both databases: a database at 0013 whose highest record id was purged (Art. 37), upgraded,
gives the next record a fresh id; every row (list entries with their persons and remedies, which reference
them, included) comes through the rebuild unchanged, and ``audit verify`` stays intact."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from xinyong import config, db, refcache
from xinyong.audit.verify import verify
from xinyong.auth import Actor
from xinyong.cli import app as cli_app
from xinyong.db import make_engine, session_scope
from xinyong.listing import service as listing
from xinyong.migrations import current, upgrade
from xinyong.models import Record, RecordTombstone, Unit
from xinyong.record import workflows
from xinyong.unit import service as units

from .conftest import POSTGRES_URL
from .helpers import PROVIDER_USCC
from .inquiry.conftest import world  # noqa: F401
from .measure.conftest import joint  # noqa: F401
from .reliability.test_stateful import _import, _record_id, row_for, sqlite_reuses_ids, tag

TABLES = ("record", "record_history", "list_entry", "list_entry_person", "list_remedy")
ADDED: list[tuple[str, str]] = []  # (table, column) added for the set-up
LATER_TABLES = ("subject_contact", "notice", "notice_mail", "credit_commitment", "credit_report_pdf", "subject_change",
                "subject_identifier", "exchange_partner", "exchange_received")


def _add_later_columns(engine) -> None:
    """The columns of today's models that the tables at 0013 lack (added by later migrations), as nullable
    columns: the services that build the world write them."""
    from sqlalchemy import inspect

    from xinyong.db import Base

    ADDED.clear()
    found = inspect(engine)
    tables = set(found.get_table_names())
    # tables the services and the purge write or read beside the world's (0020, 0021, 0023, 0027, 0029), none of which 0014
    # rebuilds
    later = [Base.metadata.tables[name] for name in LATER_TABLES if name not in tables]
    Base.metadata.create_all(engine, tables=later)
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name not in tables:
                continue
            have = {c["name"] for c in found.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}'))
                    ADDED.append((table.name, column.name))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch):
    """Overrides the suite's: a fresh database migrated to 0013 only."""
    admin = schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'm14.db'}"
    else:
        if not POSTGRES_URL:
            pytest.skip("XINYONG_TEST_POSTGRES_URL is not set")
        schema = f"xy_m14_{uuid.uuid4().hex[:10]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    monkeypatch.setenv("XINYONG_VAR_DIR", str(tmp_path / "var"))
    config.reset_settings()
    db.reset_engine()
    refcache.invalidate()
    upgrade(db.get_engine(), "0013")
    # The world is built with today's services, which write the columns later migrations added to the tables
    # it touches: they are added for the set-up, and the test then upgrades to 0014 only.
    _add_later_columns(db.get_engine())
    yield url
    db.get_engine().dispose()
    db.reset_engine()
    config.reset_settings()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _provider(engine) -> Actor:
    with session_scope(engine) as s:
        return units.actor_for(s.scalar(select(Unit).where(Unit.uscc == PROVIDER_USCC)))


def _revoke_and_purge(engine, actor, rid: int) -> None:
    with session_scope(engine) as s:
        workflows.revoke(s, record_id=rid, document="沪撤销〔2025〕1号", decided_by="court", reason="判决撤销",
                         actor=actor)
    result = CliRunner().invoke(cli_app, ["purge"])
    assert result.exit_code == 0, result.output


def _rows(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))] for t in TABLES}


@pytest.mark.article("Art. 37")
def test_upgrade_after_the_highest_record_was_purged_gives_the_next_record_a_fresh_id(engine, joint, tmp_path):  # noqa: F811
    assert current(engine) == "0013"
    provider = _provider(engine)
    with session_scope(engine) as s:  # a pending remedy: list_remedy references the entry too
        listing.apply_remedy(s, entry_id=joint.entry_id, reason="已整改",
                             actor=Actor(role="subject", subject_id=joint.w.org_id))
    top = joint.w.records["arrears"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT max(id) FROM record")).scalar() == top
    _revoke_and_purge(engine, provider, top)
    before = _rows(engine)
    assert before["list_entry_person"] and before["list_remedy"] and top not in {r[0] for r in before["record"]}

    engine.dispose()
    upgrade(engine, "0014")  # the migration under test (the columns added above stay: later migrations' work)
    refcache.invalidate()
    assert current(engine) == "0014"
    assert _rows(engine) == before  # every row through the rebuild as it was
    if engine.dialect.name == "sqlite":
        assert not sqlite_reuses_ids(engine)
        with engine.connect() as conn:
            ddl = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
            seq = dict(conn.execute(text("SELECT name, seq FROM sqlite_sequence")).all())
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert not any("_hold_" in n or "_alembic_tmp" in n for n in ddl)
        assert all("AUTOINCREMENT" in ddl[t] for t in TABLES)
        assert seq["record"] == top  # the purged id counts as used
        assert seq["list_entry"] == joint.entry_id
    # on to today's schema for the rest: the later migrations' columns are there already; their tables next
    from alembic import command

    from xinyong.db import Base
    from xinyong.migrations import alembic_config

    Base.metadata.create_all(engine)  # only the tables that are missing
    command.stamp(alembic_config(engine), "head")
    report = verify(engine)
    assert report.ok, report.problems[:3]

    _import(engine, provider, tmp_path, [row_for("orgB", 0, tag(3), 1)], "b.csv")
    new = _record_id(engine, "orgB", 0)
    assert new > top
    report = verify(engine)
    assert report.ok, report.problems[:3]
    _revoke_and_purge(engine, provider, new)  # a second tombstone: no clash on record_id
    with session_scope(engine) as s:
        assert sorted(s.scalars(select(RecordTombstone.record_id))) == [top, new]
    assert verify(engine).ok
