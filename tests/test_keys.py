"""``xinyong keys``: rotation re-encrypts every value and file under the new key, on both databases and
both ciphers; status counts what each key holds; retirement removes only keys nothing is under; nothing
prints or audits a secret or a number."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from xinyong import crypto, keys
from xinyong.cli import app
from xinyong.config import get_settings
from xinyong.db import session_scope
from xinyong.models import AuditEvent, Subject
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import parse_identifier

from .factories import ric, uscc

DAY = date(2025, 6, 16)
PEOPLE = [ric(date(1970 + n, 1 + n % 12, 1 + n % 27), seq=200 + n) for n in range(5)]
ORG = uscc(525252)
CONTENT = "第1行,沪罚〔2024〕1号\n".encode() * 5000 + "最后一行".encode()  # several chunks' worth below
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def world(engine, monkeypatch):
    return _make_world(engine, monkeypatch)


def _make_world(engine, monkeypatch) -> list[Path]:
    """Five people and an organization, and two encrypted files under var/batches/, all under the first key."""
    monkeypatch.setattr(crypto, "CHUNK", 4096)  # files of several chunks without writing megabytes
    with session_scope(engine) as s:
        subjects.resolve_many(s, [(parse_identifier(c, today=DAY), "某") for c in [*PEOPLE, ORG]])
    batches = get_settings().var_dir / "batches"
    files = [batches / "b1" / "upload.csv", batches / "b2" / "rejects.csv"]
    for path in files:
        with crypto.open_writer(path) as w:
            w.write(CONTENT + path.name.encode())
    (batches / "plain.txt").write_text("not encrypted")  # left alone
    return files


def _values(engine) -> dict[int, tuple[str, str]]:
    with engine.connect() as conn:
        return {r.id: (r.identifier_enc, r.identifier_digest) for r in conn.execute(
            select(Subject.id, Subject.identifier_enc, Subject.identifier_digest)
            .where(Subject.identifier_enc.is_not(None)))}


def _numbers(engine) -> set[str]:
    with session_scope(engine) as s:
        return {subjects.identifier_of(r) for r in s.scalars(select(Subject)) if r.kind == "natural_person"}


def _secrets() -> list[str]:
    path = crypto.key_ring_path()
    return [k["key"] for k in json.loads(path.read_text())["keys"].values()] if path.exists() else []


def _read(path: Path) -> bytes:
    with crypto.open_reader(path) as r:
        return r.read()


@pytest.mark.parametrize(("first", "second"), [("aes", "sm4"), ("sm4", "aes"), ("aes", "aes"), ("sm4", "sm4")])
def test_rotate_reencrypts_every_value_and_file_under_the_new_key(engine, monkeypatch, first, second):
    monkeypatch.setenv("XINYONG_DATA_CIPHER", first)
    files = _make_world(engine, monkeypatch)
    old = crypto.key_ring().active
    assert crypto.key_ring().current.cipher == {"aes": crypto.AES, "sm4": crypto.SM4}[first]
    before = _values(engine)
    secrets_before = _secrets()

    res = invoke("keys", "rotate", "--cipher", second, "--batch", "2", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    ring = crypto.key_ring()
    assert out["new_key"] == ring.active != old and out["previous"] == old
    assert ring.current.cipher == {"aes": crypto.AES, "sm4": crypto.SM4}[second]
    assert out["values_reencrypted"] == len(PEOPLE) and out["files_reencrypted"] == 2
    assert out["retired"] == [] and old in ring.keys  # kept without --retire-old

    after = _values(engine)
    assert after.keys() == before.keys()
    for sid, (enc, _d) in after.items():
        assert crypto.key_id_of(enc) == ring.active and enc != before[sid][0]
    assert _numbers(engine) == set(PEOPLE)
    for path in files:
        assert crypto.file_key_id(path) == ring.active
        assert _read(path) == CONTENT + path.name.encode()
    assert (get_settings().var_dir / "batches" / "plain.txt").read_text() == "not encrypted"
    assert not list(files[0].parent.glob(".*.tmp"))  # nothing left behind

    # nothing secret in what was printed or audited
    with session_scope(engine) as s:
        events = {e.action: e.details for e in s.scalars(select(AuditEvent).where(AuditEvent.action.like("keys:%")))}
    assert set(events) == {"keys:rotate", "keys:reencrypt"}
    assert events["keys:rotate"]["key_id"] == ring.active and events["keys:rotate"]["previous"] == old
    assert events["keys:reencrypt"]["values_reencrypted"] == len(PEOPLE)
    shown = res.output + json.dumps(events)
    for secret in _secrets() + secrets_before:
        assert secret not in shown
    assert not any(p in shown for p in PEOPLE)


def test_status_counts_values_and_files_per_key_and_retire_old_removes_only_unused_keys(engine, world):
    first = crypto.key_ring().active
    res = invoke("keys", "status", "--json")
    assert res.exit_code == 0, res.output
    status = json.loads(res.stdout)
    assert status["active"] == first
    assert status["keys"] == [{"id": first, "cipher": crypto.AES, "active": True, "values": len(PEOPLE),
                               "files": 2, "files_being_written": 0}]
    assert status["natural_persons_not_encrypted"] == 0 and status["values_under_unknown_keys"] == 0

    res = invoke("keys", "rotate", "--retire-old")
    assert res.exit_code == 0, res.output
    ring = crypto.key_ring()
    assert list(ring.keys) == [ring.active] and first not in ring.keys
    assert f"re-encrypted {len(PEOPLE)} values and 2 files" in res.stdout and first in res.stdout
    text_status = invoke("keys", "status").stdout
    assert f"active key: {ring.active} ({crypto.AES})" in text_status
    assert f"{len(PEOPLE)} values, 2 files" in text_status
    for secret in _secrets():
        assert secret not in text_status and secret not in res.output
    assert _numbers(engine) == set(PEOPLE)
    assert all(_read(p) == CONTENT + p.name.encode() for p in world)


def test_a_key_a_file_is_still_being_written_under_is_not_retired(engine, world):
    first = crypto.key_ring().active
    writer = crypto.open_writer(get_settings().var_dir / "batches" / "b3" / "upload.csv")
    writer.write(b"half written")  # an import still running under the old key
    res = invoke("keys", "rotate", "--retire-old", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["retired"] == []
    assert first in crypto.key_ring().keys
    writer.close()  # the import finishes: its file is under the old key
    path = get_settings().var_dir / "batches" / "b3" / "upload.csv"
    assert crypto.file_key_id(path) == first
    res = invoke("keys", "reencrypt", "--retire-old", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["files_reencrypted"] == 1 and out["values_reencrypted"] == 0 and out["retired"] == [first]
    assert _read(path) == b"half written"


def test_a_value_under_a_key_not_in_the_ring_stops_rotation_naming_the_subject_only(engine, world):
    with session_scope(engine) as s:
        sid = s.scalar(select(Subject.id).where(Subject.kind == "natural_person").order_by(Subject.id))
        body = base64.urlsafe_b64encode(b"\0" * 40).decode().rstrip("=")
        s.execute(update(Subject).where(Subject.id == sid).values(identifier_enc=f"v1.klost.a256gcm.{body}"))
    assert json.loads(invoke("keys", "status", "--json").stdout)["values_under_unknown_keys"] == 1
    res = invoke("keys", "rotate", "--retire-old")
    assert res.exit_code == 1
    assert res.stderr.startswith("error:") and f"subject #{sid}" in res.stderr and "klost" in res.stderr
    assert not any(p in res.output for p in PEOPLE)
    assert len(crypto.key_ring().keys) == 2  # the new key was added; nothing retired


def test_rotation_resumes_where_it_stopped(engine, world, monkeypatch):
    first = crypto.key_ring().active
    crypto.rotate()
    calls = {"n": 0}
    real = crypto.encrypt_many

    def failing_after_one_batch(items):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return real(items)

    monkeypatch.setattr(crypto, "encrypt_many", failing_after_one_batch)
    with pytest.raises(RuntimeError):
        keys.reencrypt_values(engine, batch=2)
    monkeypatch.setattr(crypto, "encrypt_many", real)
    active = crypto.key_ring().active
    under = [crypto.key_id_of(e) for e, _d in _values(engine).values()]
    assert under.count(active) == 2 and under.count(first) == len(PEOPLE) - 2  # whole batches only
    assert keys.reencrypt_values(engine, batch=2) == len(PEOPLE) - 2
    assert {crypto.key_id_of(e) for e, _d in _values(engine).values()} == {active}
    assert _numbers(engine) == set(PEOPLE)


def test_rotate_is_refused_when_the_key_comes_from_the_environment(engine, monkeypatch):
    monkeypatch.setenv("XINYONG_DATA_KEY", base64.b64encode(b"k" * 32).decode())
    with session_scope(engine) as s:
        subjects.resolve_many(s, [(parse_identifier(PEOPLE[0], today=DAY), "某")])
    status = json.loads(invoke("keys", "status", "--json").stdout)
    assert status["active"] == crypto.ENV_KEY and status["keys"][0]["values"] == 1
    res = invoke("keys", "rotate")
    assert res.exit_code == 1 and "XINYONG_DATA_KEY" in res.stderr
    assert base64.b64encode(b"k" * 32).decode() not in res.output


def test_an_unknown_cipher_is_refused(engine):
    res = invoke("keys", "rotate", "--cipher", "des")
    assert res.exit_code == 1 and "aes or sm4" in res.stderr


def test_the_key_ring_folder_is_never_scanned_as_data(engine, world):
    ring_dir = crypto.key_ring_path().parent
    assert ring_dir.is_dir()
    assert all(ring_dir not in p.parents for p in keys.encrypted_files())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM subject WHERE identifier_enc IS NOT NULL")).scalar() == 5


def test_moving_from_an_environment_key_to_a_ring_file_then_rotating(engine, monkeypatch, tmp_path):
    """docs/keys.md: the same key under the id ``__env__`` in a ring file, then ``keys rotate``."""
    secret = base64.b64encode(b"e" * 32).decode()
    monkeypatch.setenv("XINYONG_DATA_KEY", secret)
    with session_scope(engine) as s:
        subjects.resolve_many(s, [(parse_identifier(c, today=DAY), "某") for c in PEOPLE])
    monkeypatch.delenv("XINYONG_DATA_KEY")
    ring = tmp_path / "secrets" / "ring.json"
    ring.parent.mkdir()
    ring.write_text(json.dumps({"format": 1, "active": "__env__",
                                "keys": {"__env__": {"cipher": "aes-256-gcm", "key": secret}}}))
    ring.chmod(0o600)
    monkeypatch.setenv("XINYONG_DATA_KEY_FILE", str(ring))
    assert _numbers(engine) == set(PEOPLE)
    res = invoke("keys", "rotate", "--retire-old", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["previous"] == "__env__" and out["values_reencrypted"] == len(PEOPLE) and out["retired"] == ["__env__"]
    assert list(json.loads(ring.read_text())["keys"]) == [out["new_key"]]
    assert _numbers(engine) == set(PEOPLE)


_RACER = """
import sys, time
from xinyong import crypto
start = float(sys.argv[1])
while time.time() < start:
    pass
sealed = crypto.encrypt_text("secret of " + sys.argv[2], context="race")
print(sealed)
"""


def test_two_processes_creating_the_first_key_ring_at_once_keep_one_ring_both_can_read(tmp_path, monkeypatch):
    """The ring is created only if absent: a second process that lost the race reads the first one's
    ring, rather than replacing it (which left what the first sealed unreadable)."""
    import subprocess
    import sys
    import time

    ring = tmp_path / "keys" / "data-keys.json"
    env = {**__import__("os").environ, "XINYONG_DATA_KEY_FILE": str(ring), "XINYONG_VAR_DIR": str(tmp_path)}
    env.pop("XINYONG_DATA_KEY", None)
    for trial in range(3):
        ring.unlink(missing_ok=True)
        start = time.time() + 1.5  # both wait for the same moment, after their imports
        procs = [subprocess.Popen([sys.executable, "-c", _RACER, str(start), str(n)], env=env,
                                  stdout=subprocess.PIPE, text=True) for n in range(2)]
        sealed = [p.communicate(timeout=60)[0].strip() for p in procs]
        assert all(p.returncode == 0 for p in procs), trial
        monkeypatch.setenv("XINYONG_DATA_KEY_FILE", str(ring))
        monkeypatch.delenv("XINYONG_DATA_KEY", raising=False)
        crypto._cache.clear()
        assert [crypto.decrypt_text(s, context="race") for s in sealed] == ["secret of 0", "secret of 1"], trial
        assert not list(ring.parent.glob(".*.tmp"))  # nothing left aside


def test_rotate_reencrypts_a_persons_former_numbers_and_status_counts_them(engine, world):
    """A natural person's former numbers (``subject_identifier``, issue 13 §6) are under the ring as well."""
    from xinyong.models import SubjectIdentifier

    from .helpers import add_provider

    provider, _ = add_provider(engine)
    with session_scope(engine) as s:
        subjects.record_change(s, actor=provider, subject=PEOPLE[0], kind="identifier_changed",
                               new_identifier=ric(date(1970, 1, 1), region="310104", seq=900), doc_no="沪公〔2025〕1号",
                               doc_date=DAY, doc_org="上海市公安局")
    old = crypto.key_ring().active
    assert keys.usage(engine).values[old] == len(PEOPLE) + 1  # the former number too
    res = invoke("keys", "rotate", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["values_reencrypted"] == len(PEOPLE) + 1
    with session_scope(engine) as s:
        [former] = s.scalars(select(SubjectIdentifier)).all()
        assert crypto.key_id_of(former.identifier_enc) == crypto.key_ring().active != old
        assert crypto.decrypt_text(former.identifier_enc, context=former.identifier_digest) == PEOPLE[0]
    assert keys.usage(engine).values[old] == 0
    assert PEOPLE[0] not in res.output
