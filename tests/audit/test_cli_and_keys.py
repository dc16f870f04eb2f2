"""``xinyong audit seal|verify`` on the console; the key; concurrent seals; the rule itself."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select
from typer.testing import CliRunner

from xinyong.audit import seal as sealing
from xinyong.audit import service as audit
from xinyong.audit.rules import Problem, content_digest, require_intact
from xinyong.audit.verify import verify
from xinyong.auth import CONSOLE
from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.errors import DomainError, RuleViolation
from xinyong.models import AuditCheckpoint, AuditEvent
from xinyong.record.rules import digest as record_digest

pytestmark = pytest.mark.article("Art. 20(2)")
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _append(engine, n: int) -> None:
    with session_scope(engine) as s:
        for i in range(n):
            audit.append(s, action="unit:token-issue", actor=CONSOLE, object_type="unit", object_id=i,
                         details={"i": i})


def test_cli_seal_and_verify(engine, log):
    res = invoke("audit", "seal", "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["sealed"] == 1 and summary["checkpoint"] == 4
    assert invoke("audit", "seal").stdout.startswith("nothing new to seal")
    res = invoke("audit", "verify")
    assert res.exit_code == 0 and "audit log verified: intact" in res.stdout
    res = invoke("audit", "verify", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["ok"] is True

    with session_scope(engine) as s:
        target = s.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(3)).first().id
        s.execute(delete(AuditEvent).where(AuditEvent.id == target))
    res = invoke("audit", "verify")
    assert res.exit_code == 1
    assert f"error [Art. 20(2)]: audit log verification failed at event {target + 1}: " in res.stderr
    res = invoke("audit", "verify", "--json")
    assert res.exit_code == 1
    report = json.loads(res.stdout)
    assert report["ok"] is False and report["problems"][0]["event_id"] == target + 1


def test_cli_seal_refuses_on_a_cut_log(engine, log):
    with session_scope(engine) as s:
        s.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq == 3))
    res = invoke("audit", "seal")
    assert res.exit_code == 1
    assert res.stderr.startswith("error [Art. 20(2)]: the exported checkpoint #3 is missing from the database")


def test_generated_key_is_private_and_reused(engine):
    _append(engine, 3)
    sealing.seal(engine)
    key = sealing.key_path()
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert key.with_suffix(".pub").exists()
    first = key.read_bytes()
    _append(engine, 1)
    sealing.seal(engine)
    assert key.read_bytes() == first
    doc = json.loads((sealing.export_dir() / "checkpoint-000002.json").read_text())
    assert doc["key_id"] == sealing.key_id(sealing.verify_key())
    assert doc["previous"]["seq"] == 1 and doc["tree_size"] == 4 and doc["consistency_proof"]


def test_key_and_export_dir_from_the_environment(engine, tmp_path, monkeypatch):
    key = Ed25519PrivateKey.generate()
    (tmp_path / "hsm").mkdir()
    path = tmp_path / "hsm" / "hsm-export.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    monkeypatch.setenv("XINYONG_AUDIT_KEY_FILE", str(path))
    monkeypatch.setenv("XINYONG_AUDIT_EXPORT_DIR", str(tmp_path / "worm"))
    _append(engine, 2)
    sealing.seal(engine)
    doc = json.loads((tmp_path / "worm" / "checkpoint-000001.json").read_text())
    assert doc["key_id"] == sealing.key_id(key.public_key())
    assert verify(engine).ok
    # an auditor's machine holds only the public key
    pub = tmp_path / "audit.pub"
    pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    monkeypatch.setenv("XINYONG_AUDIT_PUBLIC_KEY_FILE", str(pub))
    monkeypatch.setenv("XINYONG_AUDIT_KEY_FILE", str(tmp_path / "absent.pem"))
    assert verify(engine).ok
    monkeypatch.delenv("XINYONG_AUDIT_PUBLIC_KEY_FILE")
    with pytest.raises(DomainError) as exc:  # no key to verify with: not silently accepted
        verify(engine)
    assert exc.value.message.startswith("no audit public key: 1 checkpoint(s) to verify, but no key at ")


def test_concurrent_seals_do_not_fork(engine):
    _append(engine, 20)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker(extra: int) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                _append(engine, extra)
                sealing.seal(engine)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2, 3)]
    for t in threads:
        t.start()
    barrier.wait()
    for t in threads:
        t.join()
    assert not errors, errors
    sealing.seal(engine)
    report = verify(engine)
    assert report.ok, report.problems
    assert report.unsealed == 0 and report.events == 20 + 3 * (1 + 2 + 3)
    with session_scope(engine) as s:
        seqs = list(s.scalars(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq)))
    assert seqs == list(range(1, len(seqs) + 1))


def test_require_intact_names_the_first_bad_event():
    require_intact([])
    with pytest.raises(RuleViolation) as exc:
        require_intact([Problem("record-unaccounted", "no event", record_id=3),
                        Problem("event-altered", "changed", event_id=9),
                        Problem("event-altered", "changed", event_id=7)])
    assert exc.value.article == "Art. 20(2)"
    assert exc.value.message == "audit log verification failed at event 7: changed (and 2 more problem(s))"


def test_content_digest_is_the_record_digest():
    content = {"b": "2000.00", "a": "罚款", "n": None, "list": [1, "x"]}
    assert content_digest(content) == record_digest(content)


def test_chunk_digest_is_the_keyed_digest_of_the_member_list(engine):
    from xinyong.audit.verify import Chunk
    from xinyong.config import get_settings

    members = [(1, "penalty", "沪〔2024〕1号", "ab" * 32), (2, "licence", "x", "cd" * 32)]
    key = get_settings().hmac_key
    for n in range(3):
        c = Chunk(first=1, last=2, records=n, digest="", event_id=1)
        for m in members[:n]:
            c.add(key, m)
        assert c.hexdigest(key) == audit.keyed_digest(members[:n])
