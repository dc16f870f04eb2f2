"""Declarations and credit commitments (Art. 13.2): the subject's guarantee, the accepting unit's acceptance
(the commitment becomes a record of the catalog item 'commitment'), its fulfilment, through the API."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from xinyong.app import create_app
from xinyong.auth import CONSOLE
from xinyong.commitment import rules
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.models import AuditEvent, CreditCommitment, Record, RecordHistory, Subject
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import parse_uscc
from xinyong import tokens
from xinyong.unit import service as units

from ..factories import OTHER_PROVIDER_USCC, PROVIDER_USCC, uscc
from ..helpers import TODAY, issue_subject_token

ORG_USCC = uscc(515151)
DECLARATION = {"form": "commitment", "kind": "approval_substitute", "accepting_unit": PROVIDER_USCC,
               "reason": "申请食品经营许可（告知承诺制）", "content": "本单位承诺所提交材料真实、合法、有效",
               "liability": "如有虚假，愿意承担相应法律责任并接受失信惩戒", "valid_until": "2026-06-15",
               "disclosure": "public", "guaranteed": True}


def _ok(**over):
    args = dict(form="commitment", kind="voluntary", reason="为何", content="承诺内容", liability="违诺责任",
                guaranteed=True, made_on=date(2025, 6, 16), valid_until=None, disclosure="public",
                today=date(2025, 6, 16))
    return {**args, **over}


@pytest.mark.article("Art. 13.2")
@pytest.mark.parametrize("over", [dict(guaranteed=False), dict(liability=" ")])
def test_a_commitment_without_the_guarantee_or_its_liability_is_refused_with_art_13_2(over):
    rules.check_declaration(**_ok())
    rules.check_declaration(**_ok(form="declaration", kind="other", liability=""))  # a declaration names none
    with pytest.raises(RuleViolation) as exc:
        rules.check_declaration(**_ok(**over))
    assert exc.value.article == "Art. 13.2"


def test_the_code_is_the_national_one():
    assert rules.commitment_code("310000", date(2025, 6, 16), 7) == "31000020250616000007"
    assert rules.region_of_uscc(PROVIDER_USCC) == PROVIDER_USCC[2:8]


@pytest.fixture
def world(engine):
    with session_scope(engine) as s:
        unit, _ = units.add_unit(s, name="上海市测试审批局", kind="administrative", uscc=PROVIDER_USCC,
                                 provides=["commitment", "penalty"], published_on=TODAY, actor=CONSOLE)
        other, _ = units.add_unit(s, name="上海市另一局", kind="administrative", uscc=OTHER_PROVIDER_USCC,
                                  provides=["penalty"], published_on=TODAY, actor=CONSOLE)
        ident = parse_uscc(ORG_USCC, today=TODAY)
        sid = subjects.resolve_many(s, [(ident, "上海承诺测试有限公司")])[(ident.scheme, ident.code)]
        org = issue_subject_token(s, s.get(Subject, sid))
        accepting = tokens.issue(s, actor=CONSOLE, label="clerk", unit=unit)[1]
        stranger = tokens.issue(s, actor=CONSOLE, label="clerk", unit=other)[1]
    return {"org": org, "unit": accepting, "other": stranger, "subject_id": sid}


def _h(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.article("Art. 13.2")
def test_a_commitment_is_declared_accepted_stored_as_a_record_and_its_breach_recorded(engine, world):
    client = TestClient(create_app(engine))
    r = client.post("/api/v1/me/commitments", headers=_h(world["org"]), json=DECLARATION)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["code"] == f"{PROVIDER_USCC[2:8]}20250616000001" and body["status"] == "declared"
    cid = body["id"]
    # a second one the same day takes the next serial
    second = client.post("/api/v1/me/commitments", headers=_h(world["org"]), json=DECLARATION).json()
    assert second["code"].endswith("000002")

    # only the unit it was made to sees and accepts it
    assert client.get(f"/api/v1/commitments/{cid}", headers=_h(world["other"])).status_code == 404
    assert [c["id"] for c in client.get("/api/v1/commitments/inbox", headers=_h(world["unit"])).json()] == [cid, second["id"]]
    r = client.post(f"/api/v1/commitments/{cid}/acceptance", headers=_h(world["unit"]),
                    json={"accept": True, "document": "沪测审〔2025〕承字1号"})
    assert r.status_code == 200, r.text
    with session_scope(engine) as s:
        rec = s.get(Record, r.json()["record_id"])
        assert (rec.item_code, rec.doc_no, rec.subject_id) == ("commitment", body["code"], world["subject_id"])
        assert "履约中" in rec.content["remarks"] and rec.untrustworthy is False

    # a breach needs its reasons (Art. 34.1); then the record is corrected, its history kept
    r = client.post(f"/api/v1/commitments/{cid}/fulfilment", headers=_h(world["unit"]),
                    json={"outcome": "not_fulfilled", "document": "沪测审〔2025〕核字3号", "reason": ""})
    assert r.status_code == 422 and r.json()["article"] == "Art. 34.1"
    r = client.post(f"/api/v1/commitments/{cid}/fulfilment", headers=_h(world["unit"]),
                    json={"outcome": "not_fulfilled", "document": "沪测审〔2025〕核字3号",
                          "reason": "核查发现所提交的场地证明与实际不符"})
    assert r.status_code == 200 and r.json()["status"] == "not_fulfilled"
    again = client.post(f"/api/v1/commitments/{cid}/fulfilment", headers=_h(world["unit"]),
                        json={"outcome": "fulfilled", "document": "x", "reason": ""})
    assert again.status_code == 409 and again.json()["article"] == "Art. 13.2"
    with session_scope(engine) as s:
        rec = s.get(Record, r.json()["record_id"])
        assert "未履约" in rec.content["remarks"] and rec.version == 2
        assert s.scalar(select(RecordHistory.id).where(RecordHistory.record_id == rec.id)) is not None
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.object_type == "credit_commitment"))]
        assert {"commitment:declare", "commitment:accept", "commitment:fulfilment"} <= set(actions)

    # the subject sees its commitments, and the record is in its own report's commitments section
    mine = client.get("/api/v1/me/commitments", headers=_h(world["org"])).json()
    assert [c["status"] for c in mine] == ["declared", "not_fulfilled"]
    report = client.post("/api/v1/me/reports", headers=_h(world["org"]), json={})
    assert report.status_code == 201, report.text
    assert body["code"] in report.text


@pytest.mark.article("Art. 11")
def test_a_unit_that_does_not_provide_the_item_accepts_no_commitment(engine, world):
    client = TestClient(create_app(engine))
    r = client.post("/api/v1/me/commitments", headers=_h(world["org"]),
                    json={**DECLARATION, "accepting_unit": OTHER_PROVIDER_USCC})
    assert r.status_code == 422 and r.json()["article"] == "Art. 11"
    r = client.post("/api/v1/me/commitments", headers=_h(world["org"]), json={**DECLARATION, "guaranteed": False})
    assert r.status_code == 422 and r.json()["article"] == "Art. 13.2"
    with session_scope(engine) as s:
        assert s.scalar(select(CreditCommitment.id)) is None


@pytest.mark.article("Art. 34.1")
def test_a_declined_commitment_gives_reasons_and_never_becomes_a_record(engine, world):
    client = TestClient(create_app(engine))
    cid = client.post("/api/v1/me/commitments", headers=_h(world["org"]), json=DECLARATION).json()["id"]
    r = client.post(f"/api/v1/commitments/{cid}/acceptance", headers=_h(world["unit"]),
                    json={"accept": False, "document": "不予受理通知书 1号", "reason": ""})
    assert r.status_code == 422 and r.json()["article"] == "Art. 34.1"
    r = client.post(f"/api/v1/commitments/{cid}/acceptance", headers=_h(world["unit"]),
                    json={"accept": False, "document": "不予受理通知书 1号", "reason": "不属于告知承诺事项"})
    assert r.status_code == 200 and r.json()["status"] == "declined" and r.json()["record_id"] is None
    with session_scope(engine) as s:
        assert s.scalar(select(Record.id).where(Record.item_code == "commitment")) is None


@pytest.mark.article("Art. 13.2")
def test_the_subject_and_the_accepting_unit_do_it_on_their_pages(engine, world):
    from ..portal.support import portal_client

    company = portal_client(engine)
    assert company.sign_in(world["org"]).status_code == 303
    page = company.get("/me/commitments")
    assert page.status_code == 200 and "第十三条" in page.text and "信用承诺" in page.text
    form = {k: str(v) for k, v in DECLARATION.items() if k != "guaranteed"}
    refused = company.post("/me/commitments", data=form)  # without the guarantee: refused, the form kept
    assert refused.status_code == 422 and "合法、真实、完整" in refused.text and DECLARATION["reason"] in refused.text
    sent = company.post("/me/commitments", data={**form, "guaranteed": "yes"}, follow_redirects=True)
    assert sent.status_code == 200 and f"{PROVIDER_USCC[2:8]}20250616000001" in sent.text

    clerk = portal_client(engine)
    assert clerk.sign_in(world["unit"]).status_code == 303
    inbox = clerk.get("/unit/commitments")
    assert inbox.status_code == 200 and DECLARATION["content"] in inbox.text
    with session_scope(engine) as s:
        cid = s.scalar(select(CreditCommitment.id))
    done = clerk.post(f"/unit/commitments/{cid}", data={"step": "accept", "document": "沪测审〔2025〕承字1号"},
                      follow_redirects=True)
    assert done.status_code == 200 and "已记录" in done.text
    clerk.cookies.set("xinyong_lang", "en")
    english = clerk.get("/unit/commitments")
    assert "Accepted: being fulfilled" in english.text
    with session_scope(engine) as s:
        assert s.get(CreditCommitment, cid).status == "accepted"


@pytest.mark.article("Art. 13.2")
def test_the_console_accepts_and_records_the_fulfilment_for_the_unit(engine, world, monkeypatch):
    import json

    from typer.testing import CliRunner

    from xinyong.cli import app as cli

    client = TestClient(create_app(engine))
    cid = client.post("/api/v1/me/commitments", headers=_h(world["org"]), json=DECLARATION).json()["id"]
    runner = CliRunner()
    refused = runner.invoke(cli, ["commitment", "accept", str(cid), "--unit", PROVIDER_USCC, "--document", "d"])
    assert refused.exit_code == 1 and "--console-reason" in refused.stderr
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test: the unit's paper acceptance entered at the Center")
    res = runner.invoke(cli, ["commitment", "inbox", "--unit", PROVIDER_USCC, "--json"], catch_exceptions=False)
    assert [c["id"] for c in json.loads(res.stdout)] == [cid]
    res = runner.invoke(cli, ["commitment", "accept", str(cid), "--unit", PROVIDER_USCC, "--document", "承字1号"],
                        catch_exceptions=False)
    assert res.exit_code == 0 and "accepted" in res.stdout and "record" in res.stdout
    res = runner.invoke(cli, ["commitment", "fulfilment", str(cid), "--unit", PROVIDER_USCC, "--outcome",
                              "partly_fulfilled", "--document", "核字2号"])
    assert res.exit_code == 1 and "Art. 34.1" in res.stderr  # reasons required
    res = runner.invoke(cli, ["commitment", "fulfilment", str(cid), "--unit", PROVIDER_USCC, "--outcome",
                              "fulfilled", "--document", "核字2号", "--json"], catch_exceptions=False)
    assert res.exit_code == 0 and json.loads(res.stdout)["status"] == "fulfilled"


@pytest.mark.article("Art. 13.2")
def test_two_declarations_that_read_the_same_serial_both_land_with_distinct_codes(engine, world, monkeypatch):
    """Side by side, two declarations read the same highest serial of the day; the unique code refuses the
    later insert, which reads again inside a savepoint instead of failing (the stale read simulated)."""
    from xinyong.commitment import service as commitments

    client = TestClient(create_app(engine))
    first = client.post("/api/v1/me/commitments", headers=_h(world["org"]), json=DECLARATION).json()
    real, calls = commitments._next_code, []

    def stale_once(session, region, day):
        calls.append(day)
        return first["code"] if len(calls) == 1 else real(session, region, day)  # the read before `first` landed

    monkeypatch.setattr(commitments, "_next_code", stale_once)
    r = client.post("/api/v1/me/commitments", headers=_h(world["org"]), json=DECLARATION)
    assert r.status_code == 201, r.text
    assert len(calls) == 2 and r.json()["code"].endswith("000002") and r.json()["code"] != first["code"]
    with session_scope(engine) as s:
        codes = sorted(s.scalars(select(CreditCommitment.code)))
        assert codes == [first["code"], r.json()["code"]]
        declared = s.scalars(select(AuditEvent).where(AuditEvent.action == "commitment:declare")).all()
        assert len(declared) == 2  # the refused insert left no event behind

    monkeypatch.setattr(commitments, "_next_code", lambda session, region, day: first["code"])
    r = client.post("/api/v1/me/commitments", headers=_h(world["org"]), json=DECLARATION)
    assert r.status_code == 409 and r.json()["article"] == "Art. 13.2"
