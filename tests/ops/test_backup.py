"""Backups and restores on both databases: backup → purge → restore into a fresh directory → the audit log
verifies, the counts are the live ones, identifiers are still found, and what was purged after the backup
is absent (Art. 37: a restore never brings back what was deleted). The keys go elsewhere, never with the data."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from xinyong import deletion
from xinyong import config, db, refcache
from xinyong.audit.seal import seal
from xinyong.audit.verify import verify
from xinyong.auth import CONSOLE
from xinyong.cli import app as cli
from xinyong.db import session_scope
from xinyong.models import AuditEvent, Record, RecordTombstone, Subject
from xinyong.ops import backup as ops
from xinyong.ops import health, journal
from xinyong.record import importer, workflows
from xinyong.record.spool import SpoolReader
from xinyong.subject import service as subjects

from ..conftest import POSTGRES_URL
from ..factories import CF_COLUMNS, cf_row, person_cf_row, to_csv
from ..helpers import TODAY, add_provider

PERSON_BIRTH = date(1984, 2, 29)
# The refusals do not depend on the database: SQLite only (the round trip runs on both)
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _import(engine, tmp_path, provider):
    rows = [cf_row(1), cf_row(2), cf_row(3), person_cf_row(4, PERSON_BIRTH), cf_row(5)]
    path = tmp_path / "p.csv"
    path.write_bytes(to_csv(rows, CF_COLUMNS))
    batch_id = importer.open_batch(engine, unit_uscc=provider.unit_uscc, filename="p.csv",
                                   sha256=importer.sha256_of(path), actor=provider)
    copy = importer.keep_copy(batch_id, path, "p.csv")
    result = importer.run_import(engine, batch_id=batch_id, path=copy, actor=provider, today=TODAY)
    assert result.accepted == 5
    return rows, batch_id


def _purge(engine):
    with session_scope(engine) as s:
        report = deletion.purge(s, actor=CONSOLE)
    with session_scope(engine) as s:
        deletion.scrub_storage(s)
    return report


def _revoke(engine, provider, record_id, n):
    with session_scope(engine) as s:
        workflows.revoke(s, record_id=record_id, document=f"沪府复决〔2025〕{n}号", decided_by="reconsideration",
                         reason="", actor=provider)


def _state(engine) -> dict:
    with engine.connect() as conn:
        tables = [r for r in ("record", "subject", "record_tombstone", "record_history", "inquiry_log", "batch")]
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
        ids = sorted(conn.execute(select(Record.id)).scalars())
    return {"counts": counts, "record_ids": ids}


@pytest.fixture
def fresh_target(tmp_path, backend, monkeypatch):
    """Where the restore goes: a new var directory and a new database (SQLite file; PostgreSQL: a new
    database of its own with the same schema name, dropped afterwards — other runs' schemas untouched)."""
    var = tmp_path / "fresh" / "var"
    created = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh' / 'restored.db'}"
    else:
        name = f"xy_restore_{uuid.uuid4().hex[:10]}"
        admin = db.make_engine(POSTGRES_URL)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        schema = ops.pg_target(config.get_settings().database_url).schema
        base = POSTGRES_URL.rsplit("/", 1)[0]
        url = f"{base}/{name}?options=-csearch_path%3D{schema}"
        created = name

    def switch():
        db.get_engine().dispose()
        monkeypatch.setenv("XINYONG_VAR_DIR", str(var))
        monkeypatch.setenv("XINYONG_DATABASE_URL", url)
        config.reset_settings()
        db.reset_engine()
        refcache.invalidate()

    yield switch
    db.get_engine().dispose()
    db.reset_engine()
    if created:
        admin = db.make_engine(POSTGRES_URL)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.article("Art. 37")
def test_backup_purge_restore_brings_back_nothing_deleted(engine, tmp_path, monkeypatch, fresh_target):
    # the journal lives apart from the database's disk (here: outside both var directories)
    monkeypatch.setenv("XINYONG_PURGE_JOURNAL_DIR", str(tmp_path / "offsite" / "purges"))
    provider, _ = add_provider(engine)
    rows, batch_id = _import(engine, tmp_path, provider)
    with session_scope(engine) as s:
        ids = list(s.scalars(select(Record.id).order_by(Record.id)))
        person = s.scalars(select(Subject).where(Subject.kind == "natural_person")).one()
        person_id, person_ric = person.id, subjects.identifier_of(s, person)
    _revoke(engine, provider, ids[0], 1)  # revoked before the backup, purged after it
    seal(engine)
    import io

    from xinyong.restoration import materials

    evidence = materials.store(io.BytesIO(b"%PDF-1.4 evidence"), "缴款凭证.pdf")  # an objection's evidence file

    made = ops.backup(engine, tmp_path / "backups", keys_to=tmp_path / "keys")
    manifest = made.manifest
    assert manifest["database"]["rows"]["record"] == 5 and manifest["audit"]["last_checkpoint"] == 1
    assert {f["path"].split("/")[1] for f in manifest["files"]} == {"checkpoints", "batches", "materials"}
    (materials.folder() / evidence["sha256"]).unlink()  # lost with the disk
    assert not list(made.path.rglob("*.key")) and not list(made.path.rglob("data-keys.json"))  # keys apart
    assert {p.name for p in made.keys_path.rglob("*") if p.is_file()} >= {"data-keys.json", "ed25519.key",
                                                                           "keys-manifest.json"}

    _revoke(engine, provider, ids[3], 2)  # the natural person's record, revoked after the backup
    report = _purge(engine)
    assert sorted(d["record_id"] for d in report.deleted) == [ids[0], ids[3]]
    live = _state(engine)
    assert journal.read().records.keys() == {ids[0], ids[3]}

    fresh_target()
    result = ops.restore(tmp_path / "backups", keys_from=tmp_path / "keys")
    assert sorted(result.replayed_records) == [ids[0], ids[3]] and result.skipped == []
    restored = db.get_engine()

    assert verify(restored).ok, verify(restored).summary()
    assert _state(restored) == live  # the same records, subjects, tombstones, histories, logs, batches
    with session_scope(restored) as s:
        assert s.get(Record, ids[0]) is None and s.get(Record, ids[3]) is None
        assert set(s.scalars(select(RecordTombstone.record_id))) == {ids[0], ids[3]}
        # identifiers are still found: the HMAC key and the data key ring came back with the keys
        found = subjects.find(s, person_ric)
        assert found.id == person_id and subjects.identifier_of(s, found) == person_ric
        assert subjects.find(s, rows[1]["CF_XDR_SHXYM"]).id
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("ops:%"))))
        assert actions == ["ops:restore-replay", "ops:restore"]
    # the restored stored copy lost the purged rows' lines too
    spooled = list(SpoolReader(importer.stored_copy_path(batch_id)))
    assert [r.line for r in spooled] == [3, 4, 6]
    assert rows[0]["CF_WSH"] not in str([r.values for r in spooled])
    assert rows[3]["CF_WSH"] not in str([r.values for r in spooled])
    assert health.check(restored).ready and not health.restore_marker().exists()
    assert materials.read(evidence["sha256"]) == b"%PDF-1.4 evidence"  # the evidence came back, still encrypted


def _small_world(engine, tmp_path):
    provider, _ = add_provider(engine)
    _import(engine, tmp_path, provider)
    return provider


@sqlite_only
def test_keys_never_go_with_the_data(engine, tmp_path):
    _small_world(engine, tmp_path)
    runner = CliRunner()
    for keys in (tmp_path / "b", tmp_path / "b" / "keys", tmp_path):
        r = runner.invoke(cli, ["backup", str(tmp_path / "b"), "--keys-to", str(keys)])
        assert r.exit_code == 1 and "undo encryption at rest" in r.output, r.output
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())
    r = runner.invoke(cli, ["backup", str(tmp_path / "b")])
    assert r.exit_code == 0 and "the keys are not in this backup" in r.output, r.output


@sqlite_only
def test_a_backup_that_does_not_match_its_manifest_is_not_restored(engine, tmp_path, fresh_target, monkeypatch):
    _small_world(engine, tmp_path)
    made = ops.backup(engine, tmp_path / "b", keys_to=tmp_path / "k")
    spool = next((made.path / "files" / "batches").iterdir())
    spool.write_bytes(spool.read_bytes()[:-1] + b"x")
    fresh_target()
    with pytest.raises(ops.BackupError, match="does not match its digest"):
        ops.restore(made.path, keys_from=tmp_path / "k")
    assert not Path(config.var_dir()).exists() or not health.restore_marker().exists()


@sqlite_only
def test_a_damaged_journal_stops_the_restore_before_anything_changes(engine, tmp_path, fresh_target, monkeypatch):
    monkeypatch.setenv("XINYONG_PURGE_JOURNAL_DIR", str(tmp_path / "journal"))
    _small_world(engine, tmp_path)
    made = ops.backup(engine, tmp_path / "b", keys_to=tmp_path / "k")
    (tmp_path / "journal").mkdir()
    (tmp_path / "journal" / "purge-20250616T000000000000Z-deadbeef.json").write_text("{not json")
    fresh_target()
    with pytest.raises(journal.JournalDamaged):
        ops.restore(made.path, keys_from=tmp_path / "k")
    assert not (tmp_path / "fresh" / "var").exists()  # no key placed, no database written


@sqlite_only
def test_without_its_keys_a_restore_refuses_and_creates_none(engine, tmp_path, fresh_target):
    _small_world(engine, tmp_path)
    made = ops.backup(engine, tmp_path / "b", keys_to=tmp_path / "k")
    fresh_target()
    with pytest.raises(ops.BackupError, match="--keys-from"):
        ops.restore(made.path)
    var = Path(config.var_dir())
    assert not (var / "keys" / "data-keys.json").exists()  # none made up that would stand in the real one's way
    result = ops.restore(made.path, keys_from=tmp_path / "k")  # and with them it works
    assert result.rows_match


def test_prune_keeps_the_retention_period_and_always_the_newest(tmp_path):
    def fake(name: str, created: str) -> Path:
        path = tmp_path / name
        path.mkdir()
        (path / ops.MANIFEST).write_bytes(orjson.dumps({"format": 1, "kind": "xinyong backup",
                                                        "created_at": created}))
        return path

    old = fake("xinyong-20250101T000000000000Z", "2025-01-01T00:00:00+00:00")
    edge = fake("xinyong-20250512T000000000000Z", "2025-05-12T00:00:00+00:00")  # 35 days before 2025-06-16
    new = fake("xinyong-20250616T000000000000Z", "2025-06-16T00:00:00+00:00")
    (tmp_path / "not-a-backup").mkdir()
    assert ops.prune(tmp_path, on=date(2025, 6, 16)) == [old]
    assert ops.prune(tmp_path, on=date(2026, 6, 16)) == [edge]  # the newest stays, however old
    assert new.exists() and (tmp_path / "not-a-backup").exists()


@sqlite_only
def test_the_purge_journal_holds_no_content_and_no_identifier(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_PURGE_JOURNAL_DIR", str(tmp_path / "j"))
    provider, _ = add_provider(engine)
    rows, _ = _import(engine, tmp_path, provider)
    with session_scope(engine) as s:
        person_record = s.scalars(select(Record.id).join(Subject, Subject.id == Record.subject_id)
                                  .where(Subject.kind == "natural_person")).one()
    _revoke(engine, provider, person_record, 7)
    _purge(engine)
    [path] = (tmp_path / "j").iterdir()
    written = path.read_text(encoding="utf-8")
    person = rows[3]
    for secret in (person["CF_XDR_ZJHM"], person["CF_XDR_MC"], person["CF_WSH"], person["CF_WFXW"]):
        assert secret not in written
    entry = orjson.loads(written)["entries"][0]
    assert entry["record_id"] == person_record and entry["document"] == "沪府复决〔2025〕7号"
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(RecordTombstone)) == 1
