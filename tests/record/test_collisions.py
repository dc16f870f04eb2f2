"""Two imports of one file at once never crash (Art. 11, 20(4)): a chunk whose rows (or subjects) the other
import committed first is stored again, its rows then counted as already present (same content) or
rejected as conflicts (different content) — exact totals on both databases. An import that does fail
stores and raises a text with no full ID number in it."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from xinyong.audit.verify import verify
from xinyong.db import make_engine, session_scope
from xinyong.models import Batch, Record, Subject
from xinyong.record import importer, service

from ..factories import CF_COLUMNS, cf_row, person_cf_row, to_csv
from ..helpers import TODAY, add_provider
from .ingest_support import files_holding

pytestmark = pytest.mark.article("Art. 11")

ROWS = 600
CHUNK = 50


def _rows(seed: int) -> list[dict[str, str]]:
    """Organizations and natural persons (seeded), so that both imports also create the same subjects."""
    import random

    rnd = random.Random(seed)
    rows = []
    for i in range(ROWS):
        if rnd.random() < 0.3:
            rows.append(person_cf_row(1000 + i, date(1970 + rnd.randrange(30), 1 + rnd.randrange(12), 1)))
        else:
            rows.append(cf_row(1000 + i))
    return rows


def _meet_before_first_insert(monkeypatch, parties: int = 2) -> None:
    """Both imports meet before their first chunk writes anything (its subjects come first): a collision
    on the first chunk whatever the scheduling (the later chunks race as they come). Meeting any later
    would wait on a lock the other holds until the barrier's timeout."""
    barrier = threading.Barrier(parties, timeout=30)
    seen: set[int] = set()
    real = service.subjects.resolve_many

    def resolve_many(session, pairs):
        me = threading.get_ident()
        if me not in seen:
            seen.add(me)
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
        return real(session, pairs)

    monkeypatch.setattr(service.subjects, "resolve_many", resolve_many)


def _count_collisions(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = importer._collided

    def collided(exc):
        found = real(exc)
        if found:
            seen.append(type(exc).__name__)
        return found

    monkeypatch.setattr(importer, "_collided", collided)
    return seen


def _import_concurrently(database_url, actor, tmp_path, files: list[bytes]) -> list:
    results: list = [None] * len(files)
    start = threading.Barrier(len(files), timeout=30)

    def run(i: int) -> None:
        eng = make_engine(database_url)  # each import its own engine, sessions and connections
        try:
            path = tmp_path / f"upload-{i}.csv"
            path.write_bytes(files[i])
            batch_id = importer.open_batch(eng, unit_uscc=actor.unit_uscc, filename=path.name, actor=actor)
            start.wait()
            results[i] = importer.run_import(eng, batch_id=batch_id, path=path, actor=actor, today=TODAY,
                                             chunk_rows=CHUNK)
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[i] = exc
        finally:
            eng.dispose()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(files))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_two_imports_of_one_file_at_once_count_exactly(engine, database_url, tmp_path, monkeypatch):
    actor, _ = add_provider(engine)
    _meet_before_first_insert(monkeypatch)
    collisions = _count_collisions(monkeypatch)
    data = to_csv(_rows(seed=11), CF_COLUMNS)
    first, second = _import_concurrently(database_url, actor, tmp_path, [data, data])
    assert not isinstance(first, BaseException), first
    assert not isinstance(second, BaseException), second
    assert (first.rows, second.rows) == (ROWS, ROWS)
    assert first.accepted + second.accepted == ROWS
    assert first.already_present + second.already_present == ROWS
    assert first.rejected == second.rejected == 0
    assert collisions  # they did collide, and the chunk was stored again
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Record)) == ROWS
        assert s.scalar(select(func.count()).select_from(Subject)) == ROWS
        batches = s.execute(select(Batch.status, Batch.error, Batch.accepted, Batch.already_present)).all()
    assert sorted(b[0] for b in batches) == ["done", "done"] and all(b[1] is None for b in batches)
    assert sorted(b[2] for b in batches) == sorted([first.accepted, second.accepted])
    report = verify(engine)
    assert report.ok, report.summary()["problems"]


def test_different_content_at_once_is_a_conflict_not_a_crash(engine, database_url, tmp_path, monkeypatch):
    actor, _ = add_provider(engine)
    _meet_before_first_insert(monkeypatch)
    collisions = _count_collisions(monkeypatch)
    rows = _rows(seed=12)
    changed = [dict(r, CF_NR="罚款人民币9999元") if i % 7 == 0 else r for i, r in enumerate(rows)]
    n_changed = sum(1 for i in range(ROWS) if i % 7 == 0)
    first, second = _import_concurrently(database_url, actor, tmp_path,
                                         [to_csv(rows, CF_COLUMNS), to_csv(changed, CF_COLUMNS)])
    assert not isinstance(first, BaseException), first
    assert not isinstance(second, BaseException), second
    assert first.accepted + second.accepted == ROWS
    assert first.already_present + second.already_present == ROWS - n_changed
    assert first.rejected + second.rejected == n_changed and collisions
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Record)) == ROWS
    assert verify(engine).ok


def test_a_failed_import_stores_and_raises_no_full_id(engine, tmp_path, monkeypatch):
    actor, _ = add_provider(engine)
    row = person_cf_row(1, date(1980, 1, 1))
    full = row["CF_XDR_ZJHM"]

    def failing(session, rows):
        # what a driver says: the statement's parameters, a full ID number among them
        raise sqlite3.IntegrityError(f"FOREIGN KEY constraint failed [parameters: ('{full}', 1)]")

    monkeypatch.setattr(service, "insert_records", failing)
    path = tmp_path / "p.csv"
    path.write_bytes(to_csv([row], CF_COLUMNS))
    batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename="p.csv", actor=actor)
    with pytest.raises(importer.ImportFailed) as exc:
        importer.run_import(engine, batch_id=batch_id, path=path, actor=actor, today=TODAY)
    assert full not in str(exc.value) and f"{full[:6]}********{full[-4:]}" in str(exc.value)
    assert exc.value.__suppress_context__ and exc.value.__cause__ is None  # the driver's text is not shown
    with session_scope(engine) as s:
        batch = s.get(Batch, batch_id)
        assert batch.status == "failed" and "FOREIGN KEY" in batch.error and full not in batch.error
    assert files_holding(full) == []


def test_a_collision_that_persists_is_not_retried_for_ever(engine, tmp_path, monkeypatch):
    actor, _ = add_provider(engine)
    calls = {"n": 0}

    def colliding(session, rows):
        calls["n"] += 1
        raise sqlite3.IntegrityError("UNIQUE constraint failed: record.unit_id, record.item_code")

    monkeypatch.setattr(service, "insert_records", colliding)
    monkeypatch.setattr(importer.time, "sleep", lambda _s: None)
    path = tmp_path / "p.csv"
    path.write_bytes(to_csv([cf_row(1)], CF_COLUMNS))
    batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename="p.csv", actor=actor)
    with pytest.raises(importer.ImportFailed):
        importer.run_import(engine, batch_id=batch_id, path=path, actor=actor, today=TODAY)
    assert calls["n"] == importer.STORE_ATTEMPTS
