"""Checkpoints witnessed away from the platform (Art. 20(2)): the export directory apart from the key, the
latest checkpoint published without a token, ``audit verify --against FILE``; and the one-line refusals
for a database not migrated or a key that is missing."""

from __future__ import annotations

import json
import shutil

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from xinyong.app import create_app
from xinyong.audit import seal as sealing
from xinyong.audit import service as audit
from xinyong.audit.chain import GENESIS, chain_step, event_bytes, iter_events
from xinyong.audit.rules import ordered
from xinyong.audit.verify import verify
from xinyong.auth import CONSOLE
from xinyong.cli import app as cli
from xinyong.db import make_engine, session_scope
from xinyong.errors import DomainError
from xinyong.models import AuditCheckpoint, AuditEvent

from .test_tampering import forge_checkpoints

pytestmark = pytest.mark.article("Art. 20(2)")
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def _append(engine, n: int, start: int = 0) -> None:
    with session_scope(engine) as s:
        for i in range(start, start + n):
            audit.append(s, action="unit:token-issue", actor=CONSOLE, object_type="unit", object_id=i,
                         details={"i": i})


def _keep(tmp_path, seq: int, name: str = "kept.json"):
    """What a witness does: copy the exported checkpoint somewhere the platform cannot write."""
    kept = tmp_path / "witness" / name
    kept.parent.mkdir(exist_ok=True)
    shutil.copy(sealing.export_dir() / sealing.file_name(seq), kept)
    return kept


def _cut(engine, seq: int) -> None:
    """Cut the tail: the events after checkpoint ``seq - 1``, checkpoints from ``seq`` on, and their files."""
    with session_scope(engine) as s:
        prior = s.get(AuditCheckpoint, seq - 1)
        s.execute(delete(AuditEvent).where(AuditEvent.id > prior.last_event_id))
        s.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq >= seq))
    for n, (path, _doc) in sealing.read_files().items():
        if n >= seq:
            path.unlink()


# --- the key and the export directory ---------------------------------------------------------


def test_the_key_lives_apart_from_the_exports(engine):
    _append(engine, 2)
    res = sealing.seal(engine)
    var = sealing.audit_dir().parent
    assert sealing.key_path() == var / "keys" / "audit" / "ed25519.key"
    assert res.file.parent == var / "audit" / "checkpoints"
    assert not (sealing.export_dir() / "ed25519.key").exists() and not sealing.legacy_key_path().exists()
    assert oct(sealing.keys_dir().stat().st_mode & 0o777) == "0o700"


def test_a_key_at_the_old_place_is_still_read(engine):
    legacy = sealing.legacy_key_path()
    legacy.parent.mkdir(parents=True)
    key = sealing.Ed25519PrivateKey.generate()
    legacy.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    assert sealing.key_path() == legacy
    assert sealing.key_id(sealing.verify_key()) == sealing.key_id(key.public_key())
    _append(engine, 1)
    # …but sealing into a directory below it is refused, with the move that fixes it
    with pytest.raises(DomainError) as exc:
        sealing.seal(engine)
    assert "is inside the audit signing key's directory" in exc.value.message
    assert f"mv {legacy}" in exc.value.message
    sealing.keys_dir().mkdir(parents=True)
    legacy.rename(sealing.keys_dir() / "ed25519.key")
    res = sealing.seal(engine)
    assert orjson.loads(res.file.read_bytes())["key_id"] == sealing.key_id(key.public_key())


@pytest.mark.parametrize("where", ["same", "inside"])
def test_exports_into_the_keys_directory_are_refused(engine, tmp_path, monkeypatch, where):
    keydir = tmp_path / "secrets"
    monkeypatch.setenv("XINYONG_AUDIT_KEY_FILE", str(keydir / "audit.pem"))
    monkeypatch.setenv("XINYONG_AUDIT_EXPORT_DIR", str(keydir if where == "same" else keydir / "cp"))
    _append(engine, 1)
    res = invoke("audit", "seal")
    assert res.exit_code == 1
    assert res.stderr.startswith("error: the checkpoint export directory ") and res.stderr.count("\n") == 1
    with session_scope(engine) as s:
        assert s.scalar(select(AuditCheckpoint.seq)) is None  # nothing sealed


# --- one-line refusals --------------------------------------------------------------------------


def test_verify_and_seal_on_a_database_not_migrated_say_so_in_one_line(tmp_path, monkeypatch):
    from xinyong import config, db

    path = tmp_path / "fresh.db"
    monkeypatch.setenv("XINYONG_DATABASE_URL", f"sqlite:///{path}")
    config.reset_settings()
    db.reset_engine()
    try:
        for command in ("verify", "seal"):
            res = invoke("audit", command)
            assert res.exit_code == 1, res.output
            assert res.stderr == f"error: the database at sqlite:///{path} is not migrated (run xinyong db upgrade)\n"
            assert "Traceback" not in res.output
    finally:
        db.get_engine().dispose()
        db.reset_engine()
        config.reset_settings()


def test_a_database_at_an_older_revision_is_not_migrated(tmp_path):
    from xinyong.migrations import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine, "0010")
        with pytest.raises(DomainError) as exc:
            verify(engine)
        assert "is at revision 0010, not " in exc.value.message and "run xinyong db upgrade" in exc.value.message
    finally:
        engine.dispose()


def test_no_key_where_checkpoints_exist_says_so_in_one_line(engine):
    _append(engine, 2)
    sealing.seal(engine)
    sealing.key_path().unlink()
    sealing.key_path().with_suffix(".pub").unlink()
    res = invoke("audit", "verify")
    assert res.exit_code == 1
    assert res.stderr.startswith("error: no audit public key: 1 checkpoint(s) to verify, but no key at ")
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.output
    _append(engine, 1)
    res = invoke("audit", "seal")  # never a new key: it would not verify the checkpoints there are
    assert res.exit_code == 1
    assert res.stderr.startswith("error: no audit signing key at ") and "1 checkpoint(s) signed with key" in res.stderr
    assert not sealing.key_path().exists()


def test_only_the_public_key_verifies(engine, tmp_path, monkeypatch):
    _append(engine, 2)
    sealing.seal(engine)
    pub = tmp_path / "audit.pub"
    pub.write_bytes(sealing.key_path().with_suffix(".pub").read_bytes())
    sealing.key_path().unlink()
    monkeypatch.setenv("XINYONG_AUDIT_PUBLIC_KEY_FILE", str(pub))
    assert verify(engine).ok


# --- verify --against ---------------------------------------------------------------------------


def test_against_a_kept_checkpoint_the_intact_log_verifies(engine, log, tmp_path):
    kept = _keep(tmp_path, 2)
    report = verify(engine, against=sealing.load_witness(kept))
    assert report.ok, report.problems
    assert report.witness["seq"] == 2
    res = invoke("audit", "verify", "--against", str(kept))
    assert res.exit_code == 0, res.output
    assert "held to the witnessed checkpoint #2" in res.stdout and "audit log verified: intact" in res.stdout


def test_a_tail_cut_with_its_checkpoints_and_their_files_is_caught_only_against_the_witness(engine, tmp_path):
    """The issue: the newest checkpoint cut together with its exported file leaves the log looking whole.
    (Events that wrote no row, so that no bound row betrays the cut.)"""
    for n in range(3):
        _append(engine, 3, start=10 * n)
        sealing.seal(engine)
    kept = _keep(tmp_path, 3)
    _cut(engine, 3)
    assert verify(engine).ok  # what is left is consistent: without a witness, nothing shows
    report = verify(engine, against=sealing.load_witness(kept))
    assert not report.ok
    kinds = {p.kind for p in report.problems}
    assert {"checkpoint-missing", "events-missing"} <= kinds, report.problems
    res = invoke("audit", "verify", "--against", str(kept))
    assert res.exit_code == 1 and "error [Art. 20(2)]: audit log verification failed at event " in res.stderr


def test_a_log_rewritten_and_re_signed_with_the_key_is_caught_against_the_witness(engine, log, tmp_path):
    """A forger holding the signing key rewrites an event, rechains and re-signs every checkpoint and its
    file: only a copy kept elsewhere shows it."""
    kept = _keep(tmp_path, 3)
    target = verify(engine).sealed - 1
    with session_scope(engine) as s:
        ev = s.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(target // 2)).first()
        s.execute(update(AuditEvent).where(AuditEvent.id == ev.id).values(actor="unit:forger"))
    with engine.begin() as conn:
        prev = GENESIS
        sealed_upto = conn.execute(select(AuditCheckpoint.last_event_id).order_by(AuditCheckpoint.seq.desc())).first()[0]
        for e in list(iter_events(conn, upto_id=sealed_upto)):
            prev = chain_step(prev, event_bytes(e))
            conn.execute(update(AuditEvent).where(AuditEvent.id == e.id).values(chain_hash=prev.hex()))
    forge_checkpoints(engine, sealing.signing_key(), files=True)
    assert verify(engine).ok  # everything the platform holds agrees with itself
    report = verify(engine, against=sealing.load_witness(kept))
    first = ordered(report.problems)[0]
    assert first.kind in {"witness-mismatch", "checkpoint-fork"}, report.problems
    assert "witness-mismatch" in {p.kind for p in report.problems}


def test_a_witness_not_signed_by_the_platform_is_refused(engine, log, tmp_path):
    kept = _keep(tmp_path, 2)
    doc = json.loads(kept.read_text())
    doc["root_hash"] = "1" * 64
    kept.write_text(json.dumps(doc))
    report = verify(engine, against=sealing.load_witness(kept))
    assert [p.kind for p in report.problems] == ["witness-forged"]


def test_against_a_file_that_is_no_checkpoint(engine, log, tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{}")
    res = invoke("audit", "verify", "--against", str(bad))
    assert res.exit_code == 1 and res.stderr == f"error: {bad} is not a checkpoint of the xinyong audit log\n"
    res = invoke("audit", "verify", "--against", str(tmp_path / "absent.json"))
    assert res.exit_code == 1 and res.stderr.startswith("error: no checkpoint file ")


# --- published: API and portal ----------------------------------------------------------------


@pytest.fixture
def client(engine):
    with TestClient(create_app(engine)) as c:
        yield c


def test_the_latest_checkpoint_is_published_without_a_token(engine, log, client, tmp_path):
    assert client.get("/api/v1/public/checkpoint").status_code == 200
    sealing.seal(engine)
    res = client.get("/api/v1/public/checkpoint")  # no Authorization header
    assert res.status_code == 200
    body = res.json()
    exported = (sealing.export_dir() / sealing.file_name(4)).read_text(encoding="utf-8")
    assert body["document"] == exported and body["checkpoint"] == json.loads(exported)
    assert body["checkpoint"]["seq"] == 4 and body["signature_valid"] is True
    assert body["public_key"] == sealing.key_path().with_suffix(".pub").read_text()
    raw = client.get("/api/v1/public/checkpoint/document")
    assert raw.status_code == 200 and raw.text == exported
    assert "checkpoint-000004.json" in raw.headers["content-disposition"]
    # what the API gave is a witness: saved, it verifies the log, in either form
    for name, content in (("api.json", res.text), ("document.json", raw.text)):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        assert verify(engine, against=sealing.load_witness(path)).ok


def test_before_any_seal_there_is_nothing_to_publish(client):
    res = client.get("/api/v1/public/checkpoint")
    assert res.status_code == 404 and res.json()["error"] == "not_found"
    page = client.get("/transparency")
    assert page.status_code == 200 and "审计日志尚未封存任何检查点" in page.text


def test_the_transparency_page_shows_the_checkpoint_the_key_and_how_to_verify(engine, log, client):
    doc = json.loads((sealing.export_dir() / sealing.file_name(3)).read_text())
    zh = client.get("/transparency")
    assert zh.status_code == 200
    for text in ("审计日志公开核验", doc["root_hash"], doc["signature"], "BEGIN PUBLIC KEY",
                 "xinyong audit verify --against checkpoint.json", "签名有效", "/api/v1/public/checkpoint/document"):
        assert text in zh.text, text
    en = client.get("/transparency?lang=en")
    for text in ("Audit log transparency", doc["root_hash"], "How to verify", "Signature valid",
                 "xinyong audit verify --against checkpoint.json"):
        assert text in en.text, text
    assert '<html lang="en">' in en.text
