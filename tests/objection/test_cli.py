"""The operator's console for objections: exit codes, article lines, the overdue listing, the
Center's case inquiry, and an unknown calendar year added with `law calendar add`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from xinyong.cli import app

from .conftest import AGENCY_USCC, EXAMPLE_2027, ORG_USCC

runner = CliRunner()


@pytest.fixture(autouse=True)
def _console_reason(monkeypatch):
    """`--unit` needs the console's recorded reason (Art. 19(2)); these tests act for units throughout."""
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test: the unit's own terminal is down")


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _json(*args: str):
    res = invoke(*args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.mark.article("Art. 36.2(1)")
def test_cli_center_path_overdue_and_case(world, pin):
    w = world
    pin("2025-09-30")
    obj = _json("objection", "file", ORG_USCC, "--reason", "金额错误", "--record", str(w.records["a"]),
                "--evidence", "缴款凭证")
    number = obj["number"]
    # the Center inquires into the objection's records under its number, while it is open
    res = invoke("inquire", ORG_USCC, "--case", number, "--json")
    assert res.exit_code == 0, res.output
    assert w.records["a"] in [r["id"] for r in json.loads(res.stdout)["records"]]
    res = invoke("objection", "decide", number, "--outcome", "upheld", "--document", "d", "--reason", "r")
    assert res.exit_code == 1 and "error [Art. 36.2]:" in res.stderr
    pin("2025-10-10")
    res = invoke("objection", "overdue", "--json")
    assert res.exit_code == 0
    rows = json.loads(res.stdout)
    assert [(r["objection"], r["step"], r["party"], r["due_on"], r["basis"]["parameter"], r["basis"]["article"])
            for r in rows] == [(number, "note", "center", "2025-10-09", "objection.center.note_working_days",
                                "Art. 36.2")]
    res = invoke("objection", "overdue")
    assert res.exit_code == 0 and number in res.stdout
    _json("objection", "note", number, "--path", "center")
    inbox = _json("objection", "inbox")
    # decide due 5 working days after 09-30: 10-09, 10-10, 10-11 (Sat, in lieu), 10-13, 10-14
    assert [(i["step"], i["due_on"]) for i in inbox] == [("decide", "2025-10-14")]
    v = _json("objection", "decide", number, "--outcome", "corrected", "--document", "沪信用异议〔2025〕3号",
              "--reason", "归集错误", "--set", "content=罚款人民币200元", "--set", "fine_wan=0.02")
    assert v["status"] == "closed" and v["decision"]["changes"] == {"content": "罚款人民币200元", "fine_wan": "0.02"}
    res = invoke("inquire", ORG_USCC, "--case", number)
    assert res.exit_code == 1 and "error [Art. 20(1)]:" in res.stderr
    shown = invoke("objection", "show", number)
    assert shown.exit_code == 0 and "LATE" in shown.stdout  # the note was made after its deadline
    mine = _json("objection", "inbox", "--subject", ORG_USCC)
    assert mine[0]["decision"]["outcome"] == "corrected"


@pytest.mark.article("Art. 36.2(2)")
def test_cli_provider_path_with_unit(world, pin):
    w = world
    number = _json("objection", "file", ORG_USCC, "--reason", "r", "--record", str(w.records["b"]))["number"]
    _json("objection", "note", number, "--path", "provider")
    res = invoke("objection", "decide", number, "--outcome", "deleted", "--document", "d", "--reason", "r")
    assert res.exit_code == 1 and "error [Art. 36.2(2)]:" in res.stderr
    _json("objection", "transfer", number)
    res = invoke("objection", "decide", number, "--outcome", "deleted", "--document", "d", "--reason", "r",
                 "--unit", w.other_provider.unit_uscc)
    assert res.exit_code == 1 and "error [Art. 36.2(2)]:" in res.stderr
    inbox = _json("objection", "inbox", "--unit", w.provider.unit_uscc)
    assert [i["step"] for i in inbox] == ["provider-decide"]
    v = _json("objection", "decide", number, "--outcome", "deleted", "--document", "沪市监撤〔2025〕1号",
              "--reason", "信息有误，予以删除", "--unit", w.provider.unit_uscc)
    assert v["status"] == "decided" and v["records"][0]["outcome"] == "deleted"
    v = _json("objection", "inform", number)
    assert v["status"] == "closed"


@pytest.mark.article("Art. 36.3")
def test_cli_credit_service(world):
    w = world
    number = _json("objection", "file", ORG_USCC, "--reason", "r", "--record", str(w.records["c"]),
                   "--to", AGENCY_USCC)["number"]
    res = invoke("objection", "note", number)
    assert res.exit_code == 1 and "error [Art. 36.3]:" in res.stderr
    _json("objection", "note", number, "--unit", AGENCY_USCC)
    res = invoke("objection", "decide", number, "--outcome", "upheld", "--document", "d", "--reason", "r",
                 "--unit", AGENCY_USCC)
    assert res.exit_code == 1 and "error [Art. 36.3]:" in res.stderr and "source" in res.stderr
    v = _json("objection", "decide", number, "--outcome", "upheld", "--document", "d", "--reason", "信息无误",
              "--source", "上海市公共信用信息服务平台", "--unit", AGENCY_USCC)
    assert v["decision"]["information_source"] == "上海市公共信用信息服务平台"


@pytest.mark.article("Art. 36.2")
def test_cli_unknown_calendar_year_then_added(world, pin, empty_calendar_dir):
    w = world
    pin("2026-12-30")
    number = _json("objection", "file", ORG_USCC, "--reason", "r", "--record", str(w.records["a"]))["number"]
    res = invoke("objection", "note", number, "--path", "provider")
    assert res.exit_code == 1
    assert "the working-day calendar does not know the year 2027" in res.stderr
    assert "xinyong law calendar add" in res.stderr
    res = invoke("law", "calendar", "add", str(EXAMPLE_2027))
    assert res.exit_code == 0, res.output
    v = _json("objection", "note", number, "--path", "provider")
    # transfer within 2 working days of 2026-12-30: 12-31 (1); example 2027 has Jan 1–3 off → 01-04 (2)
    assert next(s for s in v["steps"] if s["step"] == "transfer")["due_on"] == "2027-01-04"
