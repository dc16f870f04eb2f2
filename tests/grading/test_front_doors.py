"""Grades over HTTP (the subject itself; an organ's officer, as a logged inquiry) and the console."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from xinyong.app import create_app
from xinyong.cli import app as cli
from xinyong.db import session_scope
from xinyong.inquiry import service as inquiries
from xinyong.models import InquiryLog

from ..factories import uscc
from ..inquiry.conftest import ORG_USCC, subject_token, world  # noqa: F401


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def _logs(engine):
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(InquiryLog))


def _last_log(engine) -> InquiryLog:
    with session_scope(engine) as s:
        row = s.scalar(select(InquiryLog).order_by(InquiryLog.id.desc()).limit(1))
        s.expunge(row)
        return row


@pytest.mark.article("Art. 23")
def test_api_my_grade_and_organ_grade_is_a_logged_inquiry(engine, world, monkeypatch):  # noqa: F811
    monkeypatch.delenv("XINYONG_GRADING_NATURAL_PERSONS_BASIS", raising=False)
    with TestClient(create_app(engine)) as c:
        mine = c.get("/api/v1/me/grade", headers=auth(subject_token(engine, world.org_id)))
        assert mine.status_code == 200, mine.text
        assert (mine.json()["grade"], mine.json()["score"]) == ("C", 65)
        assert c.get("/api/v1/me/grade", headers=auth(world.organ_token)).status_code == 403
        res = c.get("/api/v1/me/grade", headers=auth(subject_token(engine, world.person_id)))
        assert res.status_code in (403, 409, 422) and res.json()["article"] == "Art. 23"
        assert world.person_ric not in res.text

        before = _logs(engine)
        res = c.post("/api/v1/grades", headers=auth(world.organ_token), json={"subject": ORG_USCC, "purpose": "permit"})
        assert res.status_code == 200, res.text
        body = res.json()
        # Reproduced on main: the organ's grade counted the arrears it may not see (C, 65), shown as "hidden"
        # points — telling it that non-public information exists. The grade an organ gets is computed from
        # what it may see, and from nothing else.
        assert (body["grade"], body["score"]) == ("B", 80) and body["inquiry_id"] and _logs(engine) == before + 1
        assert {c_["record_id"] for c_ in body["contributions"]} == {world.records["current"],
                                                                      world.records["objection"]}
        assert not any(c_.get("hidden") for c_ in body["contributions"])
        assert "arrears" not in res.text
        assert "沪税〔2024〕7号" not in res.text
        res = c.post("/api/v1/grades", headers=auth(world.organ_token), json={"subject": ORG_USCC, "purpose": "gossip"})
        assert res.status_code == 403 and res.json()["article"] == "Art. 28.1"
        assert _logs(engine) == before + 2  # the denial is logged too
        res = c.post("/api/v1/grades", headers=auth(world.agency_token), json={"subject": ORG_USCC, "purpose": "permit"})
        assert res.status_code == 403
        res = c.post("/api/v1/grades", headers=auth(world.organ_token),
                     json={"subject": world.person_ric, "purpose": "permit"})
        assert res.status_code == 403 and res.json()["article"] == "Art. 23"
        assert _logs(engine) == before + 3  # refused before the inquiry policy runs, and logged
        assert world.person_ric not in res.text
        refusal = _last_log(engine)
        assert (refusal.subject_id, refusal.decision, refusal.article) == (world.person_id, "deny", "Art. 23")
        assert (refusal.unit_id, refusal.purpose, refusal.channel) == (world.organ.unit_id, "permit", "api")
        assert res.json()["details"]["inquiry_id"] == refusal.id and not refusal.record_ids
        with session_scope(engine) as s:  # the person sees who asked, and that it was refused (Art. 34)
            seen = inquiries.inquiries_about(s, world.person_id)
        assert [(r["inquiry_id"], r["decision"], r["article"]) for r in seen] == [(refusal.id, "deny", "Art. 23")]
        assert c.get("/api/v1/grading-rules", headers=auth(world.organ_token)).json()["scale"][0] == {"grade": "A",
                                                                                                     "min": 90}


@pytest.mark.article("Art. 23")
def test_cli_grade_is_a_logged_inquiry(engine, world, monkeypatch):  # noqa: F811
    monkeypatch.delenv("XINYONG_GRADING_NATURAL_PERSONS_BASIS", raising=False)
    organ = ["--unit", world.organ.unit_uscc, "--purpose", "permit"]
    before = _logs(engine)
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test: graded at the Center for the organ")
    res = CliRunner().invoke(cli, ["grade", ORG_USCC, *organ, "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["grade"] == "B" and len(out["contributions"]) == 2 and _logs(engine) == before + 1
    log = _last_log(engine)
    assert out["inquiry_id"] == log.id
    assert (log.subject_id, log.unit_id, log.officer_label, log.channel, log.purpose, log.decision) == (
        world.org_id, world.organ.unit_id, "console", "cli", "permit", "allow")
    with session_scope(engine) as s:  # the subject sees it among who inquired (Art. 34)
        seen = inquiries.inquiries_about(s, world.org_id)
    assert seen[0]["inquiry_id"] == log.id and seen[0]["by"]["uscc"] == world.organ.unit_uscc
    res = CliRunner().invoke(cli, ["grade", ORG_USCC, *organ])
    assert res.exit_code == 0 and "grade B" in res.stdout and "沪罚〔2024〕1号" in res.stdout
    assert "information this inquirer may not see" not in res.stdout  # nothing hidden is counted or hinted
    assert "沪税〔2024〕7号" not in res.stdout and _logs(engine) == before + 2

    # the Center without a case sees what the public sees of an organization, and nothing more; logged
    res = CliRunner().invoke(cli, ["grade", ORG_USCC])
    assert res.exit_code == 0 and "沪税" not in res.stdout and _logs(engine) == before + 3
    assert (_last_log(engine).actor_role, _last_log(engine).article) == ("console", "Art. 15")

    # a natural person without a legal basis: refused (Art. 23) and logged, the number never printed
    res = CliRunner().invoke(cli, ["grade", world.person_ric, *organ])
    assert res.exit_code == 1 and "error [Art. 23]" in res.stderr and _logs(engine) == before + 4
    assert (_last_log(engine).subject_id, _last_log(engine).article) == (world.person_id, "Art. 23")
    assert world.person_ric not in res.stdout + res.stderr
    monkeypatch.setenv("XINYONG_GRADING_NATURAL_PERSONS_BASIS", "《某法》第十条")
    res = CliRunner().invoke(cli, ["grade", world.person_ric, *organ])
    assert res.exit_code == 0 and "grade A" in res.stdout and _logs(engine) == before + 5
    assert world.person_ric not in res.stdout

    # a subject the platform does not know is logged as asked for (by digest), as any inquiry is
    res = CliRunner().invoke(cli, ["grade", uscc(999), *organ])
    assert res.exit_code == 1 and "is known to the platform" in res.stderr and _logs(engine) == before + 6
    assert _last_log(engine).decision == "notfound"
    # grades go to organs and the Center; another unit acting through the console is refused
    res = CliRunner().invoke(cli, ["grade", ORG_USCC, "--unit", world.agency.unit_uscc, "--purpose", "x"])
    assert res.exit_code == 1 and _logs(engine) == before + 6
