"""Exchange between platforms, end to end: platform A (the database under test: SQLite, and PostgreSQL when it is
configured) exports to platform B (SQLite), B imports and exports to C (SQLite) — the round trip is lossless —,
acts on records travel, an altered export is refused whole, an objection goes to the platform a record came from
(Art. 36.2(2)) and its decision comes back."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from xinyong import config, db, deletion, refcache
from xinyong.audit import verify as audit_verify
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.exchange import formats, keys, service
from xinyong.models import Batch, ExchangeReceived, InquiryLog, Objection, Record, Subject
from xinyong.objection import service as objections
from xinyong.record import workflows

from ..factories import cf_row, person_cf_row, to_csv, uscc
from ..helpers import TODAY, add_provider, run_file

A_USCC, B_USCC, C_USCC = uscc(710001, prefix="11310000"), uscc(710002, prefix="11330000"), uscc(710003,
                                                                                                  prefix="11320000")
XK_COLUMNS = ["XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_WSH", "XK_XKLB", "XK_NR", "XK_JDRQ", "XK_XKJG",
              "XK_YXQZ", "XK_YXQZI", "catalog_item"]
GENERAL_COLUMNS = ["catalog_item", "subject_name", "subject_class", "subject_id", "doc_no", "doc_date", "doc_org",
                   "content", "amount_wan", "conduct_date", "ended_on", "facts", "legal_basis"]


@dataclass
class Platform:
    name: str
    url: str
    var: Path
    region: str


@contextmanager
def on(p: Platform):
    """Act as platform ``p``: its database and its var directory (its keys) for the duration."""
    saved = {k: os.environ.get(k) for k in ("XINYONG_DATABASE_URL", "XINYONG_VAR_DIR", "XINYONG_PLATFORM_REGION")}
    os.environ["XINYONG_DATABASE_URL"], os.environ["XINYONG_VAR_DIR"] = p.url, str(p.var)
    os.environ["XINYONG_PLATFORM_REGION"] = p.region
    config.reset_settings()
    db.reset_engine()
    refcache.invalidate()
    try:
        yield db.get_engine()
    finally:
        db.get_engine().dispose()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        config.reset_settings()
        db.reset_engine()
        refcache.invalidate()


@pytest.fixture
def platforms(database_url, tmp_path, _sqlite_template):
    made = {"A": Platform("上海市公共信用信息服务平台", database_url, Path(os.environ["XINYONG_VAR_DIR"]), "CN-SH")}
    for name, label, region in (("B", "浙江省公共信用信息平台", "CN-ZJ"), ("C", "江苏省公共信用信息平台", "CN-JS")):
        path = tmp_path / f"{name}.db"
        shutil.copy(_sqlite_template, path)
        made[name] = Platform(label, f"sqlite:///{path}", tmp_path / f"var-{name}", region)
    public = {}
    for name, p in made.items():
        with on(p):
            k = keys.platform_keys()
            public[name] = (k.verify_key, k.seal_key)
    pairs = [("A", "B", B_USCC, "CN-ZJ"), ("B", "A", A_USCC, "CN-SH"), ("B", "C", C_USCC, "CN-JS"),
             ("C", "B", B_USCC, "CN-ZJ")]
    for here, other, code, region in pairs:
        with on(made[here]) as eng, session_scope(eng) as s:
            service.add_partner(s, kind="province", name=made[other].name, uscc=code, region=region, verify_key=public[other][0],
                                seal_key=public[other][1], items=["penalty", "licence", "commendation", "arrears"],
                                actor=CONSOLE)
    return made


def _seed(engine, tmp_path):
    """A's records: organizations' and natural persons' penalties, licences, a commendation, and arrears — a
    non-public item, which no other platform receives (Art. 17.3)."""
    actor, _ = add_provider(engine)
    cf = [cf_row(1), cf_row(2, CF_NR_FK="1.25", CF_NR="罚款人民币12500元"), cf_row(3, ended_on="2024-06-01"),
          person_cf_row(4, TODAY.replace(year=1980)), person_cf_row(5, TODAY.replace(year=1991))]
    assert run_file(engine, actor, tmp_path, to_csv(cf), name="cf.csv").accepted == 5
    xk = [{"XK_XDR_MC": f"上海许可{n}有限公司", "XK_XDR_LB": "法人及非法人组织", "XK_XDR_SHXYM": uscc(n),
           "XK_WSH": f"沪市监许〔2024〕{n:06d}号", "XK_XKLB": "普通", "XK_NR": "食品经营许可", "XK_JDRQ": "2024-03-01",
           "XK_XKJG": "上海市市场监督管理局", "XK_YXQZ": "2024-03-01", "XK_YXQZI": "2029-02-28", "catalog_item": "licence"}
          for n in (11, 12)]
    assert run_file(engine, actor, tmp_path, to_csv(xk, XK_COLUMNS), name="xk.csv").accepted == 2
    general = [
        {"catalog_item": "commendation", "subject_name": "上海表彰21有限公司", "subject_class": "法人及非法人组织",
         "subject_id": uscc(21), "doc_no": "沪府〔2024〕21号", "doc_date": "2024-04-01", "doc_org": "上海市人民政府",
         "content": "上海市文明单位", "amount_wan": "", "conduct_date": "2024-04-01", "ended_on": "", "facts": "",
         "legal_basis": ""},
        {"catalog_item": "arrears", "subject_name": "上海欠税22有限公司", "subject_class": "法人及非法人组织",
         "subject_id": uscc(22), "doc_no": "沪税欠〔2024〕22号", "doc_date": "2024-04-02",
         "doc_org": "国家税务总局上海市税务局", "content": "欠缴增值税", "amount_wan": "84.307267",
         "conduct_date": "2023-09-10", "ended_on": "", "facts": "欠税", "legal_basis": "《税收征收管理法》第四十五条"},
    ]
    assert run_file(engine, actor, tmp_path, to_csv(general, GENERAL_COLUMNS), name="general.csv").accepted == 2
    return actor


def _export(p: Platform, to: Platform, directory: Path, since: str | None = None, region: str | None = None):
    with on(p) as eng:
        with session_scope(eng) as s:
            result = service.export(s, recipient=to.name, region=region, since=since, actor=CONSOLE,
                                    directory=directory, channel="cli")
        result.publish()
        return result.manifest


def _import(p: Platform, sender: Platform, directory: Path) -> service.ImportResult:
    body, signature, files = service.read_bundle(directory)
    with on(p) as eng:
        return service.import_export(eng, sender=sender.name, body=body, signature=signature, files=files,
                                     actor=CONSOLE)


def _rows(p: Platform, directory: Path) -> Counter:
    """The record rows of an export as its recipient reads them: numbers unsealed, the sender's references
    dropped (they are each platform's own)."""
    out: Counter = Counter()
    with on(p):
        for name in formats.RECORD_FILES:
            path = directory / name
            if not path.exists():
                continue
            unsealer = keys.Unsealer(name)
            for line in path.read_bytes().splitlines():
                row = orjson.loads(line)
                row.pop(formats.REF_COLUMN)
                row = {k: unsealer.unseal(v) if v.startswith(keys.SEALED_PREFIX) else v for k, v in row.items()}
                out[(name, orjson.dumps(row, option=orjson.OPT_SORT_KEYS))] += 1
    return out


@pytest.mark.article("Art. 12")
def test_the_round_trip_is_lossless_and_only_public_information_leaves(platforms, engine, tmp_path):
    A, B, C = platforms["A"], platforms["B"], platforms["C"]
    with on(A) as eng:
        _seed(eng, tmp_path)
    manifest = _export(A, B, tmp_path / "a-to-b", region="CN-ZJ")
    assert manifest["counts"] == {"CF.jsonl": 5, "XK.jsonl": 2, "general.jsonl": 1}  # not the arrears
    assert manifest["watermark"] == "r9.a0" and manifest["since"] == "r0.a0"
    raw = b"".join((tmp_path / "a-to-b" / n).read_bytes() for n in ("CF.jsonl", "XK.jsonl", "general.jsonl"))
    assert b"\xe6\xac\xa0\xe7\xa8\x8e" not in raw  # 欠税: the non-public item is not there
    with on(A) as eng, session_scope(eng) as s:
        numbers = [service.subjects.identifier_of(r) for r in s.execute(
            select(Subject.kind, Subject.identifier, Subject.identifier_enc, Subject.identifier_digest)
            .where(Subject.kind == "natural_person")).mappings()]
        logged = s.scalars(select(InquiryLog).where(InquiryLog.channel == "exchange")).all()
    assert len(numbers) == 2 and all(n.encode() not in raw for n in numbers)  # sealed to B, never in clear
    assert raw.count(keys.SEALED_PREFIX.encode()) == 2
    assert len(logged) == 8 and all(row.decision == "allow" for row in logged)  # every subject whose records left

    result = _import(B, A, tmp_path / "a-to-b")
    assert {n: (f["accepted"], f["rejected"]) for n, f in result.files.items()} == {
        "CF.jsonl": (5, 0), "XK.jsonl": (2, 0), "general.jsonl": (1, 0)}
    with on(B) as eng, session_scope(eng) as s:
        provenance = s.execute(select(ExchangeReceived.origin_ref, ExchangeReceived.file, ExchangeReceived.line)
                               .order_by(ExchangeReceived.id)).all()
        assert len(provenance) == 8 and provenance[0][1].endswith("/CF.jsonl") and provenance[0][2] == 1
        assert s.scalar(select(func.count()).select_from(Record)) == 8
    with on(B) as eng:
        assert audit_verify.verify(eng).ok
    assert _import(B, A, tmp_path / "a-to-b").already_imported  # the same export again: nothing changes

    _export(B, C, tmp_path / "b-to-c", region="CN-JS")
    assert _rows(C, tmp_path / "b-to-c") == _rows(B, tmp_path / "a-to-b")  # what B passes on is what it got
    result = _import(C, B, tmp_path / "b-to-c")
    assert sum(f["accepted"] for f in result.files.values()) == 8
    with on(A) as eng, session_scope(eng) as s:
        a_content = sorted(orjson.dumps(c, option=orjson.OPT_SORT_KEYS) for c in s.scalars(
            select(Record.content).where(Record.item_code != "arrears")))
    with on(C) as eng, session_scope(eng) as s:
        c_content = sorted(orjson.dumps(c, option=orjson.OPT_SORT_KEYS) for c in s.scalars(select(Record.content)))
    assert c_content == a_content
    # nothing goes back to where it came from
    assert _export(B, A, tmp_path / "b-to-a")["counts"] == {}


@pytest.mark.article("Art. 12")
def test_corrections_revocations_and_restorations_travel_to_the_recipient(platforms, engine, tmp_path):
    A, B = platforms["A"], platforms["B"]
    with on(A) as eng:
        provider = _seed(eng, tmp_path)
    first = _export(A, B, tmp_path / "1")
    _import(B, A, tmp_path / "1")
    with on(A) as eng, session_scope(eng) as s:
        ids = s.scalars(select(Record.id).where(Record.item_code == "penalty").order_by(Record.id)).all()
        workflows.correct(s, record_id=ids[0], changes={"content": "罚款人民币3000元"}, reason="金额笔误",
                          document="沪市监更〔2025〕1号", actor=provider)
        workflows.revoke(s, record_id=ids[1], document="沪复〔2025〕2号", decided_by="reconsideration",
                         reason="行政复议撤销", actor=provider)
        workflows.restore(s, record_id=ids[2], document="沪修〔2025〕3号", reason="信用修复", actor=provider)
    second = _export(A, B, tmp_path / "2", since=first["watermark"])
    assert second["counts"] == {"changes.jsonl": 3} and second["since"] == first["watermark"]
    result = _import(B, A, tmp_path / "2")
    assert dict(result.changes) == {"correct": 1, "revoke": 1, "restore": 1}
    with on(B) as eng, session_scope(eng) as s:
        by_ref = {ref: s.get(Record, rid) for ref, rid in s.execute(
            select(ExchangeReceived.origin_ref, ExchangeReceived.record_id))}
        assert by_ref[str(ids[0])].content["content"] == "罚款人民币3000元" and by_ref[str(ids[0])].version == 2
        assert by_ref[str(ids[1])].status == "revoked"  # B deletes it within its own Art. 37 deadline
        assert by_ref[str(ids[2])].status == "restored"
    again = _import(B, A, tmp_path / "2")
    assert again.already_imported
    with on(B) as eng, session_scope(eng) as s:  # B's purge deletes the revoked record, and where it came from
        deletion.purge(s, actor=CONSOLE, on=TODAY.replace(year=TODAY.year + 1))
    with on(B) as eng, session_scope(eng) as s:
        refs = set(s.scalars(select(ExchangeReceived.origin_ref)))
        assert str(ids[1]) not in refs and str(ids[0]) in refs


@pytest.mark.article("Art. 20(2)")
@pytest.mark.parametrize("tamper", ["row", "manifest", "signature", "missing"])
def test_an_altered_export_is_refused_whole(platforms, engine, tmp_path, tamper):
    A, B = platforms["A"], platforms["B"]
    with on(A) as eng:
        _seed(eng, tmp_path)
    d = tmp_path / "out"
    _export(A, B, d)
    if tamper == "row":
        data = (d / "CF.jsonl").read_bytes()
        (d / "CF.jsonl").write_bytes(data.replace("罚款人民币2000元".encode(), "罚款人民币20元".encode(), 1))
    elif tamper == "manifest":
        m = orjson.loads((d / "manifest.json").read_bytes())
        m["counts"]["CF.jsonl"] = 4
        (d / "manifest.json").write_bytes(orjson.dumps(m))
    elif tamper == "signature":
        (d / "manifest.sig").write_text("A" * 86)
    else:
        (d / "XK.jsonl").unlink()
    with pytest.raises(RuleViolation) as exc:
        _import(B, A, d)
    assert exc.value.article == "Art. 20(2)"
    with on(B) as eng, session_scope(eng) as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 0  # nothing of it was kept
        assert s.scalar(select(func.count()).select_from(Record)) == 0


@pytest.mark.article("Art. 20(2)")
def test_an_export_made_for_another_platform_is_refused(platforms, engine, tmp_path):
    A, B, C = platforms["A"], platforms["B"], platforms["C"]
    with on(B) as eng:
        _seed(eng, tmp_path)
    _export(B, C, tmp_path / "for-c")
    with pytest.raises(RuleViolation) as exc:
        _import(A, B, tmp_path / "for-c")  # A knows B, but the export was sealed and addressed to C
    assert exc.value.field == "recipient"


@pytest.mark.article("Art. 12")
def test_an_export_names_its_recipients_region_and_it_must_be_the_registered_one(platforms, engine, tmp_path):
    A, B = platforms["A"], platforms["B"]
    with pytest.raises(RuleViolation) as exc:
        _export(A, B, tmp_path / "x", region="HK")
    assert exc.value.article == "Art. 12" and not (tmp_path / "x").exists()
    with pytest.raises(RuleViolation) as exc:
        _export(A, B, tmp_path / "y", region="CN-JS")  # B is registered in CN-ZJ
    assert "registered in CN-ZJ" in str(exc.value)


@pytest.mark.article("Art. 36.2(2)")
def test_an_objection_to_a_received_record_goes_to_the_platform_it_came_from_and_its_decision_comes_back(
        platforms, engine, tmp_path):
    A, B = platforms["A"], platforms["B"]
    with on(A) as eng:
        _seed(eng, tmp_path)
    first = _export(A, B, tmp_path / "1")
    _import(B, A, tmp_path / "1")
    with on(B) as eng, session_scope(eng) as s:
        rec = s.scalars(select(Record).where(Record.item_code == "penalty").order_by(Record.id)).first()
        obj = objections.file(s, actor=CONSOLE, subject_id=rec.subject_id, kind="error", reason="处罚内容有误",
                              record_ids=[rec.id], channel="cli")
        objections.note(s, objection=obj.id, actor=CONSOLE, path="provider")
        obj = objections.transfer(s, objection=obj.id, actor=CONSOLE)
        assert obj.status == "transferred"
        number, b_record = objections.number_of(obj), rec.id
    to_a = _export(B, A, tmp_path / "2")
    assert to_a["counts"] == {"objections.jsonl": 1}
    got = _import(A, B, tmp_path / "2")
    assert got.objections == 1
    with on(A) as eng, session_scope(eng) as s:
        mine = s.scalars(select(Objection)).one()  # opened at A, about A's record: A's to decide
        assert mine.status == "filed" and mine.received_on == TODAY
        objections.note(s, objection=mine.id, actor=CONSOLE, path="center")
        objections.decide(s, objection=mine.id, actor=CONSOLE, outcome="upheld", document="沪信异〔2025〕1号",
                          reason="经核实，信息无误")
    back = _export(A, B, tmp_path / "3", since=first["watermark"])
    assert back["counts"] == {"objection-decisions.jsonl": 1}
    got = _import(B, A, tmp_path / "3")
    assert got.decisions == 1
    with on(B) as eng, session_scope(eng) as s:
        obj = objections.get(s, number)
        assert (obj.status, obj.outcome, obj.decided_by) == ("decided", "upheld", "provider")
        objections.inform(s, objection=obj.id, actor=CONSOLE)  # B's Center tells the objector
        assert s.get(Record, b_record).objection_open is False
    assert _export(A, B, tmp_path / "4", since=first["watermark"])["counts"] == {}  # sent once


def test_the_exchange_cli_exports_and_imports(platforms, engine, tmp_path):
    from typer.testing import CliRunner

    from xinyong.exchange.cli import app

    A, B = platforms["A"], platforms["B"]
    with on(A) as eng:
        _seed(eng, tmp_path)
    runner = CliRunner()
    with on(A):
        res = runner.invoke(app, ["export", str(tmp_path / "cli"), "--recipient", B.name, "--recipient-region", "CN-ZJ"])
        assert res.exit_code == 0, res.output
        assert "watermark r9.a0" in res.output
        res = runner.invoke(app, ["export", str(tmp_path / "hk"), "--recipient", B.name, "--recipient-region", "HK"])
        assert res.exit_code != 0 and "Art. 12" in res.output and not (tmp_path / "hk").exists()
    with on(B):
        res = runner.invoke(app, ["import", str(tmp_path / "cli"), "--from", A.name])
        assert res.exit_code == 0, res.output
        assert "CF.jsonl: 5 rows — accepted 5" in res.output
        res = runner.invoke(app, ["partner", "list"])
        assert A.name in res.output and "CN-SH" in res.output
