"""Sealing and verifying the audit log on both databases: a clean log passes; tampering is caught."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from xinyong.audit import seal as sealing
from xinyong.audit.verify import verify
from xinyong.db import session_scope
from xinyong.models import AuditEvent

pytestmark = pytest.mark.article("Art. 20(2)")


def test_clean_log_verifies_after_many_seals(engine, log):
    report = verify(engine)
    assert report.ok, report.problems
    assert report.checkpoints == 3 and report.unsealed == 1 and report.sealed == report.events - 1
    assert report.records == 12 and report.import_events == 6
    assert "not yet sealed" in report.notes[0]
    report.raise_if_failed()
    res = sealing.seal(engine)
    assert res.sealed == 1 and res.seq == 4
    again = sealing.seal(engine)  # idempotent when nothing is new
    assert again.sealed == 0 and again.seq == 4
    report = verify(engine)
    assert report.ok and report.unsealed == 0 and report.checkpoints == 4
    files = sorted(p.name for p in sealing.export_dir().iterdir())
    assert files == [f"checkpoint-00000{i}.json" for i in range(1, 5)]
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.chain_hash.is_(None))) == 0


def test_empty_log(engine):
    assert sealing.seal(engine).seq is None
    assert verify(engine).ok
