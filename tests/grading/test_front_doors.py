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
from xinyong.models import InquiryLog

from ..inquiry.conftest import ORG_USCC, subject_token, world  # noqa: F401


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def _logs(engine):
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(InquiryLog))


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
        assert body["grade"] == "C" and body["inquiry_id"] and _logs(engine) == before + 1
        shown = [c_ for c_ in body["contributions"] if not c_.get("hidden")]
        hidden = [c_ for c_ in body["contributions"] if c_.get("hidden")]
        assert {c_["record_id"] for c_ in shown} == {world.records["current"], world.records["objection"]}
        # arrears is not public and the organ has no authorization: it counts, shown as points only
        assert hidden == [{"type": "record", "hidden": True, "article": "Art. 17.3",
                           "note": "information this inquirer may not see", "points": -15}]
        assert "arrears" not in res.text
        assert "沪税〔2024〕7号" not in res.text
        res = c.post("/api/v1/grades", headers=auth(world.organ_token), json={"subject": ORG_USCC, "purpose": "gossip"})
        assert res.status_code == 403 and res.json()["article"] == "Art. 28.1"
        assert _logs(engine) == before + 2  # the denial is logged too
        res = c.post("/api/v1/grades", headers=auth(world.agency_token), json={"subject": ORG_USCC, "purpose": "permit"})
        assert res.status_code == 403
        res = c.post("/api/v1/grades", headers=auth(world.organ_token),
                     json={"subject": world.person_ric, "purpose": "permit"})
        assert res.json()["article"] == "Art. 23" and _logs(engine) == before + 2
        assert world.person_ric not in res.text
        assert c.get("/api/v1/grading-rules", headers=auth(world.organ_token)).json()["scale"][0] == {"grade": "A",
                                                                                                     "min": 90}


@pytest.mark.article("Art. 23")
def test_cli_grade(engine, world, monkeypatch):  # noqa: F811
    monkeypatch.delenv("XINYONG_GRADING_NATURAL_PERSONS_BASIS", raising=False)
    res = CliRunner().invoke(cli, ["grade", ORG_USCC, "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["grade"] == "C" and len(out["contributions"]) == 3
    res = CliRunner().invoke(cli, ["grade", ORG_USCC])
    assert res.exit_code == 0 and "grade C" in res.stdout and "沪罚〔2024〕1号" in res.stdout and "R5" in res.stdout
    res = CliRunner().invoke(cli, ["grade", world.person_ric])
    assert res.exit_code == 1 and "error [Art. 23]" in res.stderr
    monkeypatch.setenv("XINYONG_GRADING_NATURAL_PERSONS_BASIS", "《某法》第十条")
    res = CliRunner().invoke(cli, ["grade", world.person_ric])
    assert res.exit_code == 0 and "grade A" in res.stdout
