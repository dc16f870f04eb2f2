"""Reports over HTTP and the CLI: the subject's own (counted), another format (not counted), an organ's."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from typer.testing import CliRunner

from xinyong.app import create_app
from xinyong.cli import app as cli
from xinyong.db import session_scope
from xinyong.models import CreditReport, InquiryLog

from .conftest import ORGAN_NAME, PERSON_NAME, PERSON_RIC


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(engine):
    with TestClient(create_app(engine)) as c:
        yield c


def count_reports(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(CreditReport))


@pytest.mark.article("Art. 34.2")
def test_another_format_of_the_same_report_does_not_count(cjk_font, client, engine, world):
    r = client.post("/api/v1/me/reports", json={"format": "json"}, headers=auth(world.person_token))
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    assert r.json()["charge"]["counted_free"] and r.headers["x-report-number"] == number
    pdf = client.get(f"/api/v1/me/reports/{number}", params={"format": "pdf"}, headers=auth(world.person_token))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert number in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    html = client.get(f"/api/v1/me/reports/{number}", params={"format": "html"}, headers=auth(world.person_token))
    assert html.headers["content-type"].startswith("text/html") and PERSON_NAME in html.text
    again = client.get(f"/api/v1/me/reports/{number}", headers=auth(world.person_token)).json()
    assert again == r.json()
    assert count_reports(engine) == 1
    listed = client.get("/api/v1/me/reports", headers=auth(world.person_token)).json()
    assert [(x["number"], x["counted_free"], x["chargeable"]) for x in listed] == [(number, True, False)]
    # The next issue is the second free one, not the third.
    second = client.post("/api/v1/me/reports", json={"format": "html"}, headers=auth(world.person_token))
    assert second.status_code == 201 and "本年度第2次免费信用报告" in second.text
    third = client.post("/api/v1/me/reports", json={}, headers=auth(world.person_token)).json()
    assert third["charge"]["chargeable"] and not third["charge"]["counted_free"]


def test_a_subject_cannot_read_anothers_report(client, world):
    number = client.post("/api/v1/me/reports", json={}, headers=auth(world.person_token)).json()["number"]
    r = client.get(f"/api/v1/me/reports/{number}", headers=auth(world.org_token))
    assert r.status_code == 404


@pytest.mark.article("Art. 41")
def test_organ_requests_a_procurement_report_with_the_subject_in_the_body(cjk_font, client, engine, world):
    r = client.post("/api/v1/reports", json={"subject": PERSON_RIC, "purpose": "procurement", "format": "pdf"},
                    headers=auth(world.organ_token))
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert ORGAN_NAME in text and "政府采购" in text
    number = r.headers["x-report-number"]
    same = client.get(f"/api/v1/reports/{number}", headers=auth(world.organ_token)).json()
    assert same["charge"]["payer"] != "subject" and same["charge"]["article"] == "Art. 41"
    assert same["requested_by"]["unit"] == ORGAN_NAME
    own = client.post("/api/v1/me/reports", json={}, headers=auth(world.person_token)).json()
    assert own["charge"]["free"]["used_before"] == 0  # the organ's report did not count
    assert client.post("/api/v1/reports", json={"subject": PERSON_RIC, "purpose": "procurement"},
                       headers=auth(world.person_token)).status_code == 403


@pytest.mark.article("Art. 17.2")
def test_organ_refused_outside_its_list_names_the_article_and_is_logged(client, engine, world):
    r = client.post("/api/v1/reports", json={"subject": PERSON_RIC, "purpose": "tendering"},
                    headers=auth(world.organ_token))
    assert r.status_code == 403 and r.json()["article"] == "Art. 17.2"
    assert count_reports(engine) == 0
    with session_scope(engine) as s:
        log = s.scalars(select(InquiryLog).order_by(InquiryLog.id.desc())).first()
        assert (log.channel, log.decision) == ("report", "deny")


def test_cli_report_json_html_and_pdf(cjk_font, engine, world, tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test: report requested at the Center's window")
    r = runner.invoke(cli, ["report", PERSON_RIC, "--format", "json"])
    assert r.exit_code == 0, r.output
    snap = json.loads(r.stdout)
    assert snap["subject"]["name"] == PERSON_NAME and snap["requested_by"]["via"] == "console"
    r = runner.invoke(cli, ["report", PERSON_RIC, "--format", "pdf"])
    assert r.exit_code != 0 and "--out" in r.output
    assert count_reports(engine) == 1  # the refused PDF issued nothing
    out = tmp_path / "r.pdf"
    r = runner.invoke(cli, ["report", "show", snap["number"], "--format", "pdf", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"%PDF") and count_reports(engine) == 1
    r = runner.invoke(cli, ["report", "show", snap["number"], "--format", "html"])
    assert r.exit_code == 0 and "行政管理信息" in r.stdout
    r = runner.invoke(cli, ["report", PERSON_RIC, "--unit", world.organ.unit_uscc, "--purpose", "procurement"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["charge"]["article"] == "Art. 41"
    r = runner.invoke(cli, ["report", PERSON_RIC, "--unit", world.organ.unit_uscc, "--purpose", "tendering"])
    assert r.exit_code == 1 and "error [Art. 17.2]" in r.output
    r = runner.invoke(cli, ["report", "list", PERSON_RIC])
    assert [x["counted_free"] for x in json.loads(r.stdout)] == [False, True]
