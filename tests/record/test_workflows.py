"""The lawful workflows on both databases: provider corrections and withdrawals (Art. 11), revocation
and deletion (Art. 37), restoration (Art. 38)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from xinyong import deletion
from xinyong import crypto
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.inquiry import service as inquiry
from xinyong.law.errors import UnknownCalendarYear
from xinyong.models import AuditEvent, Record, RecordAction, RecordHistory, RecordTombstone
from xinyong.record import importer, workflows
from xinyong.record.spool import SpoolReader

from ..factories import CF_COLUMNS, OTHER_PROVIDER_USCC, cf_row, to_csv
from ..helpers import add_provider, run_file


@pytest.fixture
def stored(engine, tmp_path):
    provider, _ = add_provider(engine)
    data = to_csv([cf_row(1), cf_row(2), cf_row(3)], CF_COLUMNS)
    path = tmp_path / "p.csv"
    path.write_bytes(data)
    batch_id = importer.open_batch(engine, unit_uscc=provider.unit_uscc, filename="p.csv",
                                   sha256=importer.sha256_of(path), actor=provider)
    copy = importer.keep_copy(batch_id, path, "p.csv")
    importer.run_import(engine, batch_id=batch_id, path=copy, actor=provider, today=date(2025, 6, 16))
    with session_scope(engine) as s:
        ids = [r for r in s.scalars(select(Record.id).order_by(Record.id))]
    return provider, ids, copy


@pytest.mark.article("Art. 11")
def test_provider_corrects_with_document_and_reason_history_kept(engine, stored):
    provider, ids, _ = stored
    with session_scope(engine) as s:
        rec = workflows.correct(s, record_id=ids[0], changes={"content": "罚款人民币1500元", "fine_wan": "0.15"},
                                reason="金额录入错误", document="沪市监更〔2025〕1号", actor=provider)
        assert rec.version == 2 and str(rec.amount_yuan) == "1500.00"
    with session_scope(engine) as s:
        hist = workflows.history_of(s, ids[0])
    assert hist[0]["previous_content"]["content"] == "罚款人民币2000元"
    assert (hist[0]["reason"], hist[0]["document"]) == ("金额录入错误", "沪市监更〔2025〕1号")
    with session_scope(engine) as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "record:correct")).one()
        assert ev.object_id == str(ids[0]) and ev.details["version"] == 2


@pytest.mark.article("Art. 11")
def test_only_the_provider_corrects_and_identity_is_fixed(engine, stored):
    provider, ids, _ = stored
    other, _ = add_provider(engine, uscc=OTHER_PROVIDER_USCC)
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        workflows.correct(s, record_id=ids[0], changes={"content": "x"}, reason="r", document="d", actor=other)
    assert exc.value.article == "Art. 11"
    with session_scope(engine) as s, pytest.raises(RuleViolation):
        workflows.correct(s, record_id=ids[0], changes={"doc_no": "新号"}, reason="r", document="d", actor=provider)
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        workflows.correct(s, record_id=ids[0], changes={"slight": "是"}, reason="r", document="d", actor=provider)
    assert exc.value.article == "Art. 9.2(4)"  # a correction still passes every aggregation rule


@pytest.mark.article("Art. 11")
def test_withdrawn_record_is_never_served(engine, stored):
    provider, ids, _ = stored
    with session_scope(engine) as s:
        workflows.withdraw(s, record_id=ids[1], reason="重复报送", document="撤回函〔2025〕2号", actor=provider)
    with session_scope(engine) as s:
        a = inquiry.inquire(s, actor=CONSOLE.__class__(role="public"), subject=cf_row(2)["CF_XDR_SHXYM"],
                            channel="api")
    assert a.records == []


@pytest.mark.article("Art. 37")
def test_revoked_hidden_at_once_deleted_by_purge_with_tombstone(engine, stored):
    provider, ids, copy = stored
    code = cf_row(1)["CF_XDR_SHXYM"]
    with session_scope(engine) as s:
        act = workflows.revoke(s, record_id=ids[0], document="沪府复决〔2025〕9号", decided_by="reconsideration",
                               reason="复议撤销", actor=provider)
        # received Monday 2025-06-16: three working days -> Thursday 2025-06-19
        assert (act.due_on, act.basis_article, act.basis_value) == (date(2025, 6, 19), "Art. 37", 3)
    with session_scope(engine) as s:
        a = inquiry.inquire(s, actor=CONSOLE.__class__(role="public"), subject=code, channel="api")
    assert a.records == []  # never served from the moment it is reported
    assert crypto.is_encrypted_file(copy) and "沪市监浦处〔2024〕000001号".encode() not in copy.read_bytes()
    assert [row.line for row in SpoolReader(copy)] == [2, 3, 4]
    assert "沪市监浦处〔2024〕000001号" in str([row.values for row in SpoolReader(copy)])
    with session_scope(engine) as s:
        report = deletion.purge(s, actor=CONSOLE)
    with session_scope(engine) as s:
        deletion.scrub_storage(s)
    assert [d["record_id"] for d in report.deleted] == [ids[0]] and report.late == []
    with session_scope(engine) as s:
        assert s.get(Record, ids[0]) is None
        assert s.scalar(select(func.count()).select_from(RecordHistory).where(RecordHistory.record_id == ids[0])) == 0
        tomb = s.scalars(select(RecordTombstone)).one()
        assert (tomb.record_id, tomb.item_code, tomb.revoking_document) == (ids[0], "penalty", "沪府复决〔2025〕9号")
        assert not hasattr(tomb, "content")
        assert s.scalars(select(AuditEvent.action).where(AuditEvent.action == "record:delete")).one()
    # the stored copy (encrypted) is rewritten without the deleted record's row
    assert crypto.is_encrypted_file(copy)
    rows = list(SpoolReader(copy))
    assert [row.line for row in rows] == [3, 4]  # the other rows keep their line numbers
    assert "沪市监浦处〔2024〕000001号" not in str([row.values for row in rows])
    assert rows[0].values["CF_WSH"] == "沪市监浦处〔2024〕000002号"
    with session_scope(engine) as s:
        assert deletion.purge(s, actor=CONSOLE).deleted == []  # safe to run again


@pytest.mark.article("Art. 37")
def test_only_the_original_provider_reports_revocation_in_writing(engine, stored):
    provider, ids, _ = stored
    other, _ = add_provider(engine, uscc=OTHER_PROVIDER_USCC)
    for actor, doc, by in ((other, "d", "court"), (provider, " ", "court"), (provider, "d", "neighbour")):
        with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
            workflows.revoke(s, record_id=ids[0], document=doc, decided_by=by, reason="", actor=actor)
        assert exc.value.article == "Art. 37"


@pytest.mark.article("Art. 37")
def test_late_purge_is_reported(engine, stored):
    provider, ids, _ = stored
    with session_scope(engine) as s:
        workflows.revoke(s, record_id=ids[0], document="判决书", decided_by="court", reason="", actor=provider)
    with session_scope(engine) as s:
        report = deletion.purge(s, actor=CONSOLE, on=date(2025, 6, 20))
    assert [r["record_id"] for r in report.late] == [ids[0]]


@pytest.mark.article("Art. 37")
def test_unknown_calendar_year_noted_and_record_still_hidden(engine, stored, monkeypatch):
    provider, ids, _ = stored
    monkeypatch.setenv("XINYONG_TODAY", "2027-12-28")
    with session_scope(engine) as s:
        act = workflows.revoke(s, record_id=ids[0], document="判决书", decided_by="court", reason="", actor=provider)
        assert act.due_on is None and "2027" in act.deadline_note or "2028" in act.deadline_note
    with session_scope(engine) as s:
        assert s.get(Record, ids[0]).status == "revoked"
        report = deletion.purge(s, actor=CONSOLE)
    assert report.unknown_deadline and report.deleted


@pytest.mark.article("Art. 38")
def test_restored_leaves_inquiry_at_once_subject_still_sees_it(engine, stored):
    from xinyong.auth import Actor

    provider, ids, _ = stored
    with session_scope(engine) as s:
        act = workflows.restore(s, record_id=ids[2], document="信用修复证明〔2025〕3号", reason="已履行",
                                actor=provider)
        assert act.due_on == date(2025, 6, 19) and act.done_at is not None
        subject_id = s.get(Record, ids[2]).subject_id
    code = cf_row(3)["CF_XDR_SHXYM"]
    with session_scope(engine) as s:
        assert inquiry.inquire(s, actor=Actor(role="public"), subject=code, channel="api").records == []
        own = inquiry.inquire(s, actor=Actor(role="subject", subject_id=subject_id), subject_id=subject_id,
                              channel="api")
    assert [r["markers"] for r in own.records] == [["restored"]]


@pytest.mark.article("Art. 38")
def test_restoration_only_for_untrustworthiness_with_written_proof(engine, tmp_path):
    provider, _ = add_provider(engine)
    xk = to_csv([{"XK_XDR_MC": "上海测试1贸易有限公司", "XK_XDR_LB": "法人及非法人组织",
                  "XK_XDR_SHXYM": cf_row(1)["CF_XDR_SHXYM"], "XK_WSH": "沪许〔2024〕1号", "XK_XKLB": "普通",
                  "XK_NR": "食品经营许可", "XK_JDRQ": "2024-01-05", "XK_XKJG": "上海市市场监督管理局",
                  "XK_XKWS": "准予行政许可决定书"}])
    assert run_file(engine, provider, tmp_path, xk, name="xk.csv").accepted == 1
    with session_scope(engine) as s:
        rid = s.scalars(select(Record.id)).one()
        with pytest.raises(RuleViolation) as exc:
            workflows.restore(s, record_id=rid, document="证明", reason="", actor=provider)
    assert exc.value.article == "Art. 38"


@pytest.mark.article("Art. 11")
def test_correction_names_real_fields_only(engine, stored):
    provider, ids, _ = stored
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        workflows.correct(s, record_id=ids[0], changes={"CF_NR": "x"}, reason="r", document="d", actor=provider)
    assert exc.value.field == "CF_NR" and "not a record field" in exc.value.message
