"""The oversight register (Art. 19, 20, 49–51): possible breaches computed from what the platform records, and
the competent authority's decisions — recorded by the supervisor only, within the ranges the regulation sets."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from xinyong.auth import CONSOLE, Actor
from xinyong.cli import app as cli_app
from xinyong.db import session_scope
from xinyong.errors import InvalidInput, RuleViolation
from xinyong.objection import service as objections
from xinyong.oversight import register, rules
from xinyong.unit import service as units

from ..factories import CF_COLUMNS, cf_row, to_csv, uscc
from ..helpers import TODAY, add_provider, run_file
from ..portal.support import portal_client

SUPERVISOR_USCC = uscc(7272, prefix="11310000")
ORG_USCC = uscc(737373)
SUPERVISOR = Actor(role="supervisor", unit_uscc=SUPERVISOR_USCC, unit_id=None)


@pytest.fixture
def late_step(engine, tmp_path, monkeypatch) -> dict:
    """An objection filed on 2025-06-03 and not noted by the Center: on 2025-06-16 its step is late (Art. 36.2)."""
    provider, _ = add_provider(engine)
    result = run_file(engine, provider, tmp_path, to_csv([cf_row(1, CF_XDR_MC="上海监督登记测试有限公司",
                                                                 CF_XDR_SHXYM=ORG_USCC)], CF_COLUMNS))
    assert result.accepted == 1, result
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-03T10:00:00")
    from xinyong.models import Record, Subject

    with session_scope(engine) as s:
        org_id = s.query(Subject.id).filter(Subject.identifier == ORG_USCC).scalar()
        record_id = s.query(Record.id).scalar()
        obj = objections.file(s, actor=Actor(role="subject", subject_id=org_id), subject_id=org_id, kind="error",
                              reason="金额错误", record_ids=[record_id], channel="portal")
        number = objections.number_of(obj)
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T10:00:00")
    with session_scope(engine) as s:
        _, token = units.add_unit(s, name="上海市发展和改革委员会", kind="supervisor", uscc=SUPERVISOR_USCC,
                                  published_on=TODAY, actor=CONSOLE)
        [entry] = [e for e in register.entries(s) if e["kind"] == "center-late-step"]
    return {"number": number, "key": entry["key"], "token": token}


def _decide(engine, key: str, **kw):
    with session_scope(engine) as s:
        return register.decide(s, key=key, actor=SUPERVISOR, decided_by="王科长", document="沪信监〔2025〕1号", **kw)


@pytest.mark.article("Art. 51.3")
def test_an_overdue_objection_step_appears_with_art_51_3_and_the_supervisor(engine, late_step):
    with session_scope(engine) as s:
        entry = register.entry(s, late_step["key"])
    assert (entry["article"], entry["duty"], entry["party"], entry["authority"], entry["state"]) == \
        ("Art. 51.3", "Art. 36.2", "center", "supervisor", "open")
    assert entry["found"]["objection"] == late_step["number"] and "fine" in entry["outcomes"]
    # a fine at once is refused: only after an order to correct whose deadline passed uncorrected
    with pytest.raises(RuleViolation) as refused:
        _decide(engine, late_step["key"], outcome="fine", amount_yuan=20000)
    assert refused.value.article == "Art. 51.3"


@pytest.mark.article("Art. 51.2")
@pytest.mark.article("Art. 51.3")
def test_an_order_to_corrects_passed_deadline_shows_and_then_a_fine_may_follow(engine, late_step, monkeypatch):
    with pytest.raises(InvalidInput) as no_deadline:
        _decide(engine, late_step["key"], outcome="order_to_correct", deadline=date(2025, 6, 16))
    assert no_deadline.value.article == "Art. 51.2"
    entry = _decide(engine, late_step["key"], outcome="order_to_correct", deadline=date(2025, 6, 30))
    assert (entry["state"], entry["deadline"]) == ("order_pending", "2025-06-30")
    monkeypatch.setenv("XINYONG_TODAY", "2025-07-01T10:00:00")
    with session_scope(engine) as s:
        entry = register.entry(s, late_step["key"])
    assert (entry["state"], entry["deadline"]) == ("deadline_passed", "2025-06-30")
    with pytest.raises(RuleViolation) as too_much:  # Art. 51.3's range: 10,000-50,000 yuan
        _decide(engine, late_step["key"], outcome="fine", amount_yuan=60000)
    assert too_much.value.article == "Art. 51.3"
    entry = _decide(engine, late_step["key"], outcome="fine", amount_yuan=30000)
    assert entry["state"] == "decided" and entry["decisions"][-1]["amount_yuan"] == 30000


@pytest.mark.article("Art. 51.1")
def test_a_fine_outside_the_dated_range_is_refused():
    rules.check_fine_range(10000, low=10000, high=100000, article="Art. 51.1")
    for amount in (9999, 100001, None):
        with pytest.raises(RuleViolation) as refused:
            rules.check_fine_range(amount, low=10000, high=100000, article="Art. 51.1")
        assert refused.value.article == "Art. 51.1"


@pytest.mark.article("Art. 50.2")
def test_only_the_outcomes_the_regulation_attaches_and_none_for_an_attempt():
    row = register.BY_KIND["provider-late-step"]
    with pytest.raises(RuleViolation) as no_fine:  # Art. 50.2 attaches no fine
        rules.check_outcome("fine", allowed=row.outcomes, article=row.article, document="d", reasons="")
    assert no_fine.value.article == "Art. 50.2"
    attempt = register.BY_KIND["refused-inquiry"]
    with pytest.raises(RuleViolation):
        rules.check_outcome("interview", allowed=attempt.outcomes, article=attempt.article, document="d", reasons="")
    with pytest.raises(InvalidInput):  # no breach gives its reasons
        rules.check_outcome("no_breach", allowed=row.outcomes, article=row.article, document="d", reasons=" ")


@pytest.mark.article("Art. 51")
def test_the_operator_cannot_record_a_decision(engine, late_step):
    for who in (CONSOLE, Actor(role="operator", unit_uscc=uscc(7474, prefix="12310000"))):
        with session_scope(engine) as s, pytest.raises(RuleViolation) as refused:
            register.decide(s, key=late_step["key"], actor=who, outcome="no_breach", decided_by="x",
                            document="x", reasons="x")
        assert (refused.value.article, refused.value.status) == ("Art. 51", 403)
    with session_scope(engine) as s:
        assert register.entry(s, late_step["key"])["decisions"] == []


@pytest.mark.article("Art. 51.3")
def test_the_cli_lists_the_register(engine, late_step):
    res = CliRunner().invoke(cli_app, ["oversight", "list", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    [entry] = [e for e in json.loads(res.stdout) if e["key"] == late_step["key"]]
    assert (entry["article"], entry["authority"], entry["state"]) == ("Art. 51.3", "supervisor", "open")
    text = CliRunner().invoke(cli_app, ["oversight", "list"], catch_exceptions=False).stdout
    assert f"{late_step['key']} [Art. 51.3] center → supervisor: open" in text


@pytest.mark.article("Art. 51.3")
def test_the_page_shows_the_register_and_records_a_decision(engine, late_step):
    client = portal_client(engine)
    client.sign_in(late_step["token"])
    page = client.get("/oversight")
    assert page.status_code == 200, page.text
    table = page.text.split('id="register-table"')[1].split("</table>")[0]
    assert late_step["key"] in table and "第五十一条第三款" in table
    res = client.post("/oversight/register/decision", data={
        "key": late_step["key"], "outcome": "fine", "decided_by": "王科长", "document": "沪信监〔2025〕2号",
        "amount_yuan": "20000"}, follow_redirects=False)
    assert res.status_code == 409 and 'href="/articles/51"' in res.text
    res = client.post("/oversight/register/decision", data={
        "key": late_step["key"], "outcome": "order_to_correct", "decided_by": "王科长",
        "document": "沪信监〔2025〕2号", "deadline": "2025-06-30"}, follow_redirects=False)
    assert res.status_code == 303, res.text
    table = client.get("/oversight").text.split('id="register-table"')[1].split("</table>")[0]
    assert "沪信监〔2025〕2号" in table and "state-order_pending" in table


def test_the_api_lists_and_refuses_the_operator(engine, late_step):
    from xinyong.app import create_app
    from fastapi.testclient import TestClient

    client = TestClient(create_app(engine))
    sup = {"Authorization": f"Bearer {late_step['token']}"}
    res = client.get("/api/v1/oversight/register", headers=sup)
    assert res.status_code == 200 and late_step["key"] in {e["key"] for e in res.json()}
    with session_scope(engine) as s:
        _, op = units.add_unit(s, name="上海市公共信用信息服务中心", kind="operator", uscc=uscc(7575, prefix="12310000"),
                               published_on=TODAY, actor=CONSOLE)
    body = {"outcome": "no_breach", "decided_by": "x", "document": "x", "reasons": "x"}
    res = client.post(f"/api/v1/oversight/register/{late_step['key']}/decision", json=body,
                      headers={"Authorization": f"Bearer {op}"})
    assert res.status_code == 403 and res.json()["article"] == "Art. 51"
    res = client.post(f"/api/v1/oversight/register/{late_step['key']}/decision", json=body, headers=sup)
    assert res.status_code == 200 and res.json()["state"] == "decided"


def test_the_table_is_rendered_in_the_docs():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "oversight.md").read_text(encoding="utf-8")
    for row in register.TABLE:
        assert f"| `{row.kind}` | {row.breach} | {row.party} | {row.duty} | {row.article} | {row.authority} |" in docs
