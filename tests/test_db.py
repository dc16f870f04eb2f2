"""``db.Prepared``: the hot-path statements run on the driver's cursor must read and write exactly what
SQLAlchemy itself would (dates on SQLite, JSON, booleans, time zones), inside the session's transaction."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import bindparam, insert, select

from xinyong.db import Prepared, session_scope
from xinyong.models import AuditEvent, CatalogItem, InquiryLog


def test_prepared_writes_and_reads_what_sqlalchemy_would(engine):
    log = InquiryLog.__table__
    cols = [c.name for c in log.columns if c.name != "id"]
    write = Prepared(insert(log).values({c: bindparam(c, type_=log.c[c].type) for c in cols}).returning(log.c.id))
    at = datetime(2025, 6, 16, 9, 30, 15, 123456, tzinfo=timezone.utc)
    row = {"at": at, "actor_role": "administrative", "channel": "api", "decision": "allow", "article": "Art. 17.2",
           "reason": "published list", "items": ["penalty", "licence"], "record_ids": [3, 1, 2]}
    with session_scope(engine) as s:
        [(new_id,)] = write.rows(s.connection(), row)
    read = Prepared(select(log.c.id, log.c.at, log.c["items"], log.c.record_ids, log.c.subject_id)
                    .where(log.c.id == bindparam("key")))
    with session_scope(engine) as s:
        [mine] = read.rows(s.connection(), {"key": new_id})
        theirs = s.execute(select(log.c.id, log.c.at, log.c["items"], log.c.record_ids, log.c.subject_id)
                           .where(log.c.id == new_id)).one()
    assert tuple(mine) == tuple(theirs)
    assert mine.items == ["penalty", "licence"] and mine.record_ids == [3, 1, 2] and mine.subject_id is None
    assert (mine.at.replace(tzinfo=timezone.utc) if mine.at.tzinfo is None else mine.at) == at


def test_prepared_reads_booleans_and_binds_literals(engine):
    c = CatalogItem.__table__
    q = Prepared(select(c.c.code, c.c.untrustworthy)
                 .where(c.c.code == bindparam("code"), c.c.disclosure != "nobody").limit(1))
    with session_scope(engine) as s:
        [mine] = q.rows(s.connection(), {"code": "penalty"})
        theirs = s.execute(select(c.c.code, c.c.untrustworthy).where(c.c.code == "penalty")).one()
    assert mine.code == "penalty" and mine.untrustworthy is theirs.untrustworthy is True


def test_prepared_runs_in_the_sessions_transaction(engine):
    ev = AuditEvent.__table__
    cols = ["at", "action", "actor", "object_type", "object_id", "digest"]
    write = Prepared(insert(ev).values({c: bindparam(c, type_=ev.c[c].type) for c in cols}))
    event = {"at": datetime(2025, 6, 16, tzinfo=timezone.utc), "action": "test:rollback", "actor": "console",
             "object_type": "test", "object_id": "1", "digest": "0" * 64}
    with session_scope(engine) as s:
        before = s.query(ev).count()
    try:
        with session_scope(engine) as s:
            write.execute_many(s.connection(), [event, {**event, "object_id": "2"}])
            assert s.query(ev).count() == before + 2  # seen by the session's own statements
            raise RuntimeError("the unit of work fails")
    except RuntimeError:
        pass
    with session_scope(engine) as s:
        assert s.query(ev).count() == before  # rolled back with it


def test_sqlite_checkpoints_run_off_the_commit_path(tmp_path):
    import gc

    from sqlalchemy import text

    from xinyong import db

    path = str(tmp_path / "wal.db")
    engine = db.make_engine(f"sqlite:///{path}")
    with engine.begin() as c:
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == db.WAL_AUTOCHECKPOINT_PAGES
        c.execute(text("CREATE TABLE t (x BLOB)"))
        for _ in range(6):
            c.execute(text("INSERT INTO t VALUES (randomblob(1000000))"))
    del c
    running = db.WalCheckpointer._running[path]  # started with the engine
    own = db.WalCheckpointer(path)  # the same work, run here rather than on the thread
    busy, frames, done = own.run_once()  # the WAL is past the threshold: copied back
    assert busy == 0 and frames > 0 and done == frames
    assert own.run_once() is None  # nothing written since
    engine.dispose()
    del engine
    gc.collect()
    assert running.stop.is_set()  # gone with its engine


def test_postgresql_keeps_as_many_connections_as_concurrent_requests_need(monkeypatch):
    """Past its pool SQLAlchemy opens a connection per checkout and closes it on return: 8 concurrent
    inquiries against the default 5 opened 168 PostgreSQL connections in 2,200 requests (issue 12)."""
    import pytest

    from xinyong.db import make_engine

    url = "postgresql://postgres@127.0.0.1:5432/test"  # not connected to: only the pool's shape is read
    assert make_engine(url).pool.size() == 10
    monkeypatch.setenv("XINYONG_DB_POOL_SIZE", "24")
    assert make_engine(url).pool.size() == 24
    for bad in ("0", "many"):
        monkeypatch.setenv("XINYONG_DB_POOL_SIZE", bad)
        with pytest.raises(ValueError, match="XINYONG_DB_POOL_SIZE"):
            make_engine(url)
