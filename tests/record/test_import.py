"""The import workflow on both databases: counts, rejects with line/field/article, idempotency,
provenance, chunk atomicity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from xinyong.db import session_scope
from xinyong.models import AuditEvent, Batch, BatchReject, Record, Subject
from xinyong.record import importer, service
from xinyong.subject.identifiers import mask_ric
from xinyong.subject.service import identifier_of

from ..factories import CF_COLUMNS, cf_row, mixed_rows, person_cf_row, to_csv
from ..helpers import add_provider, run_file


def _records(engine):
    with session_scope(engine) as s:
        return list(s.scalars(select(Record).order_by(Record.id)))


def _only_reject(engine, result):
    with session_scope(engine) as s:
        rows = s.execute(select(BatchReject).where(BatchReject.batch_id == result.batch_id)).scalars().all()
        assert len(rows) == 1, [(r.line, r.reason) for r in rows]
        return rows[0]


@pytest.mark.article("Art. 11")
def test_good_rows_stored_with_provenance(engine, tmp_path):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv([cf_row(1), cf_row(2)], CF_COLUMNS))
    assert (result.rows, result.accepted, result.rejected, result.already_present) == (2, 2, 0, 0)
    assert result.exit_code == 0
    recs = _records(engine)
    assert [r.line_no for r in recs] == [2, 3]
    assert {r.batch_id for r in recs} == {result.batch_id}
    assert all(r.received_at is not None and r.unit_id == actor.unit_id for r in recs)
    # 万元 stored in yuan
    assert recs[0].amount_yuan == Decimal("2000.00")
    assert recs[0].content["amount_yuan"] == "2000.00"
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Subject)) == 2
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "record:import")).all()
        assert len(events) == 1 and events[0].details["records"] == 2


@pytest.mark.article("Art. 11")
def test_resubmission_is_idempotent_and_changed_content_points_to_correction(engine, tmp_path):
    actor, _ = add_provider(engine)
    data = to_csv([cf_row(1), cf_row(2)], CF_COLUMNS)
    run_file(engine, actor, tmp_path, data)
    again = run_file(engine, actor, tmp_path, data)
    assert (again.accepted, again.already_present, again.rejected) == (0, 2, 0)
    assert again.exit_code == 0
    changed = run_file(engine, actor, tmp_path, to_csv([cf_row(1, CF_NR="罚款人民币3000元")], CF_COLUMNS))
    assert (changed.accepted, changed.rejected) == (0, 1)
    reject = _only_reject(engine, changed)
    assert reject.article == "Art. 11" and "correction" in reject.reason and reject.line == 2
    assert len(_records(engine)) == 2
    assert _records(engine)[0].content["content"] == "罚款人民币2000元"  # the stored record is intact


def test_same_identity_twice_in_one_file(engine, tmp_path):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv(
        [cf_row(1), cf_row(1), cf_row(1, CF_NR="罚款人民币9000元")], CF_COLUMNS))
    assert (result.accepted, result.already_present, result.rejected) == (1, 1, 1)
    reject = _only_reject(engine, result)
    assert reject.line == 4 and "line 2" in reject.reason


@pytest.mark.article("Art. 11")
def test_unit_may_only_provide_its_items(engine, tmp_path):
    actor, _ = add_provider(engine, provides=("licence",))
    result = run_file(engine, actor, tmp_path, to_csv([cf_row(1)], CF_COLUMNS))
    reject = _only_reject(engine, result)
    assert reject.article == "Art. 11" and reject.field == "catalog_item"
    assert result.exit_code == 4


@pytest.mark.article("Art. 11")
def test_item_not_in_published_catalog_refused(engine, tmp_path):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv([cf_row(1, catalog_item="other-untrust")], CF_COLUMNS))
    reject = _only_reject(engine, result)
    assert reject.article == "Art. 11" and "published catalog" in reject.reason
    result = run_file(engine, actor, tmp_path, to_csv([cf_row(2, catalog_item="no-such-item")], CF_COLUMNS))
    assert _only_reject(engine, result).article == "Art. 11"


@pytest.mark.article("Art. 11")
def test_legal_document_required(engine, tmp_path):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv([cf_row(1, CF_WSH="")], CF_COLUMNS))
    reject = _only_reject(engine, result)
    assert (reject.article, reject.field) == ("Art. 11", "doc_no")


@pytest.mark.article("Art. 11")
def test_required_content_must_be_complete(engine, tmp_path):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv([cf_row(1, CF_SY="")], CF_COLUMNS))
    reject = _only_reject(engine, result)
    assert reject.article == "Art. 11" and "CF_SY" in reject.reason


@pytest.mark.article("Art. 9.2(4)")
@pytest.mark.parametrize("over, field", [
    ({"procedure": "简易程序"}, "procedure"),
    ({"procedure": ""}, "procedure"),
    ({"slight": "是"}, "slight"),
    ({"severity": "slight"}, "severity"),
])
def test_simplified_or_slight_penalties_are_not_untrustworthiness(engine, tmp_path, over, field):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv([cf_row(1, **over)], CF_COLUMNS))
    reject = _only_reject(engine, result)
    assert (reject.article, reject.field) == ("Art. 9.2(4)", field)
    assert _records(engine) == []


@pytest.mark.article("Art. 2")
def test_minor_on_the_date_of_conduct_refused(engine, tmp_path):
    actor, _ = add_provider(engine)
    # 17 on the conduct date (decision date 2024-05-20): refused; 18 the day before: accepted.
    minor = person_cf_row(1, date(2006, 5, 21))
    adult = person_cf_row(2, date(2006, 5, 20))
    result = run_file(engine, actor, tmp_path, to_csv([minor, adult], CF_COLUMNS))
    assert (result.accepted, result.rejected) == (1, 1)
    reject = _only_reject(engine, result)
    assert (reject.line, reject.article) == (2, "Art. 2")
    assert minor["CF_XDR_ZJHM"] not in reject.reason  # never the person's number


@pytest.mark.article("Art. 2")
def test_personal_numbers_never_stored_outside_the_subject_table(engine, tmp_path):
    actor, _ = add_provider(engine)
    row = person_cf_row(3, date(1980, 1, 1), CF_FRDB="")
    row_with_rep = {**row, "CF_FR_ZJHM": "110105194912310029"}
    result = run_file(engine, actor, tmp_path, to_csv([row_with_rep]))
    assert result.accepted == 1
    rec = _records(engine)[0]
    text = str(rec.content)
    assert row["CF_XDR_ZJHM"] not in text and "110105194912310029" not in text
    with session_scope(engine) as s:
        subject = s.get(Subject, rec.subject_id)
        assert subject.kind == "natural_person" and subject.identifier == mask_ric(row["CF_XDR_ZJHM"])
        assert identifier_of(subject) == row["CF_XDR_ZJHM"]  # only encrypted at rest (identifier_enc)
        assert row["CF_XDR_ZJHM"] not in str([e.details for e in s.scalars(select(AuditEvent))])


@pytest.mark.article("Art. 11")
def test_dates_must_be_coherent(engine, tmp_path):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv([
        cf_row(1, CF_JDRQ="2025-06-17"),  # after the pinned today
        cf_row(2, ended_on="2026-01-01"),
    ], CF_COLUMNS))
    assert result.rejected == 2
    with session_scope(engine) as s:
        rejects = s.scalars(select(BatchReject).order_by(BatchReject.line)).all()
    assert [(r.field, r.article) for r in rejects] == [("doc_date", "Art. 11"), ("ended_on", "Art. 11")]


@pytest.mark.article("Art. 35.2")
def test_ended_on_given_defaulted_or_continuing(engine, tmp_path):
    actor, _ = add_provider(engine)
    run_file(engine, actor, tmp_path, to_csv([cf_row(1), cf_row(2, ended_on="2024/3/28")], CF_COLUMNS))
    general = to_csv([{
        "catalog_item": "arrears", "subject_name": "上海欠税测试有限公司", "subject_id": cf_row(3)["CF_XDR_SHXYM"],
        "doc_no": "沪税稽〔2024〕1号", "doc_date": "2024-02-01", "doc_org": "国家税务总局上海市税务局",
        "content": "欠缴增值税", "amount_yuan": "10462.63元", "ended_on": "",
    }])
    run_file(engine, actor, tmp_path, general, name="arrears.csv")
    recs = {r.doc_no: r for r in _records(engine)}
    first = recs[cf_row(1)["CF_WSH"]]
    assert (first.ended_on, first.ended_on_source) == (date(2024, 5, 20), "decision_date")
    second = recs[cf_row(2)["CF_WSH"]]
    assert (second.ended_on, second.ended_on_source) == (date(2024, 3, 28), "provided")
    arrears = recs["沪税稽〔2024〕1号"]
    assert (arrears.ended_on, arrears.ended_on_source) == (None, "continuing")
    assert arrears.amount_yuan == Decimal("10462.63")


@pytest.mark.article("Art. 2")
def test_spreadsheet_mangled_code_explained(engine, tmp_path):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv([cf_row(1, CF_XDR_SHXYM="9.14E+17")], CF_COLUMNS))
    reject = _only_reject(engine, result)
    assert reject.article == "Art. 2" and "spreadsheet" in reject.reason


def test_gb18030_file_reads_like_utf8(engine, tmp_path):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv([cf_row(1)], CF_COLUMNS, encoding="gb18030"))
    assert result.accepted == 1
    assert _records(engine)[0].content["subject_name"] == "上海测试1贸易有限公司"


def test_missing_required_column_rejects_the_file(engine, tmp_path):
    actor, _ = add_provider(engine)
    cols = [c for c in CF_COLUMNS if c != "CF_WSH"]
    result = run_file(engine, actor, tmp_path, to_csv([{k: v for k, v in cf_row(1).items() if k in cols}], cols))
    assert result.exit_code == 4 and result.file_error is not None and "CF_WSH" in result.file_error.reason
    assert _records(engine) == []


def test_many_rows_with_bad_ones_exact_counts_and_rejects(engine, tmp_path):
    actor, _ = add_provider(engine)
    rows, bad = mixed_rows(3000, bad_every=97, seed=7)
    seen: dict[int, str] = {}
    result = run_file(engine, actor, tmp_path, to_csv(rows, CF_COLUMNS), chunk_rows=500,
                      on_reject=lambda r, _values: seen.__setitem__(r.line, r.reason))
    assert result.rows == 3000
    assert result.rejected == len(bad) and set(seen) == set(bad)
    assert result.accepted == 3000 - len(bad)
    for line, why in bad.items():
        assert why in seen[line].lower() or why in seen[line], (line, seen[line])
    assert result.exit_code == 3
    status = importer.batch_status(engine, result.batch_id)
    assert (status["accepted"], status["rejected"], status["status"]) == (result.accepted, len(bad), "done")


def test_a_crash_leaves_whole_chunks(engine, tmp_path, monkeypatch):
    actor, _ = add_provider(engine)
    rows = [cf_row(i) for i in range(1, 26)]
    real = service.insert_records
    calls = {"n": 0}

    def failing(session, batch_rows):
        calls["n"] += 1
        real(session, batch_rows)
        if calls["n"] == 3:
            raise RuntimeError("power cut")

    monkeypatch.setattr(service, "insert_records", failing)
    with pytest.raises(RuntimeError):
        run_file(engine, actor, tmp_path, to_csv(rows, CF_COLUMNS), chunk_rows=10)
    assert len(_records(engine)) == 20  # chunks 1 and 2 whole, chunk 3 none
    with session_scope(engine) as s:
        batch = s.scalars(select(Batch)).one()
        assert batch.status == "failed" and "power cut" in batch.error
    monkeypatch.setattr(service, "insert_records", real)
    again = run_file(engine, actor, tmp_path, to_csv(rows, CF_COLUMNS), chunk_rows=10)
    assert (again.accepted, again.already_present) == (5, 20)
