"""The check over HTTP (an organ's officer) and the CLI; applications; the subject sees its measures."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from xinyong.app import create_app
from xinyong.cli import app as cli

from ..inquiry.conftest import subject_token
from .conftest import ORG_USCC, RESPONSIBLE_RIC


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.article("Art. 32.1")
def test_api_check_apply_and_subject_sees_measure_basis_and_grounds(engine, joint):
    w = joint.w
    with TestClient(create_app(engine)) as c:
        res = c.post("/api/v1/checks", headers=auth(w.agency_token), json={"subjects": [ORG_USCC], "context": "permit"})
        assert res.status_code == 403 and "Art. 28.1" in res.json()["message"]
        res = c.post("/api/v1/checks", headers=auth("xy_not_a_token"), json={"subjects": [ORG_USCC], "context": "permit"})
        assert res.status_code == 401
        res = c.post("/api/v1/checks", headers=auth(w.organ_token),
                     json={"subjects": [ORG_USCC, RESPONSIBLE_RIC], "context": "permit"})
        assert res.status_code == 200, res.text
        body = res.json()
        assert RESPONSIBLE_RIC not in res.text
        assert {m["code"] for m in body["subjects"][1]["measures"]} == {"R-MARKET"}
        res = c.post(f"/api/v1/checks/{body['check_id']}/applications", headers=auth(w.organ_token),
                     json={"measure": "P-DRAFT", "subject": ORG_USCC, "document": "d"})
        assert res.status_code == 422 and res.json()["article"] == "Art. 32.2"
        res = c.post(f"/api/v1/checks/{body['check_id']}/applications", headers=auth(w.organ_token),
                     json={"measure": "R-MARKET", "subject": ORG_USCC, "document": "沪府许〔2025〕2号"})
        assert res.status_code == 201, res.text
        mine = c.get("/api/v1/me/measures", headers=auth(subject_token(engine, w.org_id))).json()
        assert mine[0]["measure"]["code"] == "R-MARKET" and mine[0]["measure"]["basis"]["level"] == "law"
        assert mine[0]["grounds"][0]["article"] == "Art. 25.2(2)"
        assert c.get("/api/v1/measures", headers=auth(w.organ_token)).json()[0]["state"] == "published"


REASON = ["--console-reason", "organ's system down, request by phone 2025-06-16"]


def test_cli_check(engine, joint):
    res = CliRunner().invoke(cli, [*REASON, "check", RESPONSIBLE_RIC, "--context", "procurement", "--unit",
                                   joint.w.organ.unit_uscc, "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [m["code"] for m in out["subjects"][0]["measures"]] == ["R-MARKET"]
    res = CliRunner().invoke(cli, [*REASON, "check", ORG_USCC, "--context", "nonsense", "--unit",
                                   joint.w.organ.unit_uscc])
    assert res.exit_code == 1 and "error [Art. 28.1]" in res.stderr
    res = CliRunner().invoke(cli, [*REASON, "check", ORG_USCC, "--context", "permit", "--unit",
                                   joint.w.organ.unit_uscc])
    assert res.exit_code == 0 and "P-PENALTY" in res.stdout
    assert "P-ARREARS cannot be evaluated by you" in res.stdout


def test_cli_check_names_an_invalid_identifier_and_checks_the_others(engine, joint):
    res = CliRunner().invoke(cli, [*REASON, "check", ORG_USCC, "abc", "--context", "permit", "--unit",
                                   joint.w.organ.unit_uscc])
    assert res.exit_code == 3, res.output
    assert "P-PENALTY" in res.stdout and "error [Art. 2]: subjects[1]:" in res.stderr


def test_api_check_of_many_subjects_and_an_invalid_identifier(engine, joint):
    """A procurement's bidders in one check: an answer per subject, in order, an invalid identifier among them."""
    subjects = [ORG_USCC] * 10 + ["abc", RESPONSIBLE_RIC]
    with TestClient(create_app(engine)) as c:
        res = c.post("/api/v1/checks", headers=auth(joint.w.organ_token),
                     json={"subjects": subjects, "context": "procurement"})
    assert res.status_code == 200, res.text
    answers = res.json()["subjects"]
    assert len(answers) == len(subjects) and answers[-2]["error"]["article"] == "Art. 2"
    assert {m["code"] for m in answers[-1]["measures"]} == {"R-MARKET"} and RESPONSIBLE_RIC not in res.text
