"""A checkpoint forged and appended to the log — in the database and in the export directory, by someone
with write access to both but not the platform's signing key — is refused: ``audit verify`` names it, and
``audit seal`` refuses to extend the log on top of it (the trust issue's tamper trials; the others are in
``test_tampering.py``, ``test_coverage.py`` and ``test_witness.py``)."""

from __future__ import annotations

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update

from xinyong import deletion
from xinyong.audit import seal as sealing
from xinyong.audit.rules import ordered
from xinyong.audit.verify import verify
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.models import AuditCheckpoint, Record
from xinyong.record import workflows

from .test_tampering import checkpoints, fails, run

pytestmark = pytest.mark.article("Art. 20(2)")


def _append_forged(engine, monkeypatch, key: Ed25519PrivateKey) -> AuditCheckpoint:
    """Seal the unsealed tail the way the platform would, but signed with ``key`` and past the platform's
    own checks: a well-formed checkpoint #4 (right tree, right chain head, right consistency proof), stored
    and exported."""
    with monkeypatch.context() as m:
        m.setattr(sealing, "signing_key", lambda create=True: key)
        m.setattr(sealing, "_check_previous",
                  lambda s, last, pub, files: sealing.Frontier.from_hex(last.tree_size, last.frontier))
        sealing.seal(engine)
    return checkpoints(engine)[-1]


def test_a_checkpoint_appended_with_another_key_is_refused(engine, log, monkeypatch):
    assert len(checkpoints(engine)) == 3
    forged = _append_forged(engine, monkeypatch, Ed25519PrivateKey.generate())
    assert forged.seq == 4 and (sealing.export_dir() / sealing.file_name(4)).exists()
    report = fails(engine, event_id=forged.last_event_id, kind="checkpoint-forged")
    assert "not signed by the platform's audit key" in ordered(report.problems)[0].message
    with pytest.raises(RuleViolation, match="checkpoint #4 is not signed by the platform's audit key"):
        sealing.seal(engine)
    # later lawful work (a revocation, a purge, their events) does not launder it
    with session_scope(engine) as s:
        rid = s.scalar(select(Record.id).where(Record.batch_id.is_not(None)).limit(1))
        workflows.revoke(s, record_id=rid, document="沪撤销〔2025〕7号", decided_by="court", reason="判决撤销",
                         actor=CONSOLE)
    with session_scope(engine) as s:
        deletion.purge(s, actor=CONSOLE)
    report = verify(engine)
    assert not report.ok and "checkpoint-forged" in {p.kind for p in report.problems}


def test_a_checkpoint_appended_with_a_signature_copied_from_another_is_refused(engine, log, monkeypatch):
    forged = _append_forged(engine, monkeypatch, sealing.signing_key())
    assert verify(engine).ok  # signed with the platform's key: the platform's own checkpoint
    # the forger cannot sign: it copies checkpoint #3's signature onto its own #4
    signature = checkpoints(engine)[2].signature
    doc = {**orjson.loads(forged.document), "signature": signature}
    document = sealing.render(doc)
    run(engine, update(AuditCheckpoint).where(AuditCheckpoint.seq == 4).values(signature=signature,
                                                                                 document=document))
    (sealing.export_dir() / sealing.file_name(4)).write_text(document, encoding="utf-8")
    fails(engine, event_id=forged.last_event_id, kind="checkpoint-forged")
    with pytest.raises(RuleViolation, match="checkpoint #4 is not signed"):
        sealing.seal(engine)


def test_a_checkpoint_whose_stored_fields_disagree_with_its_signed_document_is_refused_by_seal(engine, log):
    """The signed document is intact, the row's own columns (what seal extends from) are not."""
    last = checkpoints(engine)[-1]
    run(engine, update(AuditCheckpoint).where(AuditCheckpoint.seq == last.seq).values(chain_head="0" * 64))
    fails(engine, kind="checkpoint-forged")
    with pytest.raises(RuleViolation, match=f"checkpoint #{last.seq} does not match its signed document"):
        sealing.seal(engine)
