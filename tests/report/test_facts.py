"""The report states the subject's list entries in force, its credit grade and the measures applied (Art. 34.1)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.listing import service as listing
from xinyong.report import render, service

from ..factories import ric
from .conftest import ORG_USCC, person_actor

LIST_NAME = "严重违法失信名单"
KEEPER = "上海市市场监督管理局"
ENTRY_DOC = "沪市监〔2025〕9号"


def _list_org(engine, organ):
    with session_scope(engine) as s:
        lst = listing.define(s, code="BL-R", name=LIST_NAME, kind="black", keeper_organ=KEEPER,
                             entry_standard="严重违法行为", legal_basis="《市场监督管理严重违法失信名单管理办法》",
                             entry_requirements="受到较重行政处罚", removal_requirements="公示满三年",
                             remedy_paths="行政复议、行政诉讼", comment_from=date(2025, 3, 1),
                             comment_to=date(2025, 4, 30), actor=organ)
        listing.publish(s, list_id=lst.id, on=date(2025, 5, 6), actor=organ)
        listing.enter(s, list_id=lst.id, subject=ORG_USCC, ground="(2)", ground_text="串通投标",
                      document=ENTRY_DOC, decided_on=date(2025, 6, 1), actor=organ,
                      persons=[{"role": "legal-representative", "name": "王某",
                                "identifier": ric(date(1975, 8, 9), seq=321)}])


def _org_report(engine, world):
    with session_scope(engine) as s:
        issued = service.issue(s, actor=Actor(role="subject", subject_id=world.org_id))
    issued.answer.raise_if_denied()
    return issued.snapshot


def _section(snapshot, key):
    return next(s for s in snapshot["sections"] if s["key"] == key)


@pytest.mark.article("Art. 34.1")
def test_a_listed_organizations_report_shows_its_entry_with_its_document(cjk_font, engine, world):
    before = _section(_org_report(engine, world), "lists")
    assert before["count"] == 0 and before["entries"] == [] and before["none"]
    _list_org(engine, world.organ)
    snap = _org_report(engine, world)
    lists = _section(snap, "lists")
    assert lists["count"] == 1 and lists["none"] is None
    (entry,) = lists["entries"]
    assert entry["list"]["name"] == LIST_NAME and entry["organ"] == KEEPER
    assert entry["article"] == "Art. 25.2(2)" and entry["document"] == {"number": ENTRY_DOC, "date": "2025-06-01"}
    assert {s["key"]: s["count"] for s in snap["summary"]}["lists"] == 1
    assert _section(snap, "honours")["entries"] == []
    html = render.render(snap, "html").decode()
    assert ENTRY_DOC in html and KEEPER in html
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(render.render(snap, "pdf"))).pages)
    assert ENTRY_DOC in text.replace(" ", "") or "沪市监" in text


@pytest.mark.article("Art. 34.1")
def test_an_organizations_report_shows_its_grade_and_explains_each_contribution(cjk_font, engine, world):
    _list_org(engine, world.organ)
    snap = _org_report(engine, world)
    ev = _section(snap, "evaluation")
    g = ev["grade"]
    assert g["graded"] and g["grade"] and g["rules"]["version"] and ev["count"] == 1
    assert {s["key"]: s["count"] for s in snap["summary"]}["evaluation"] == 1
    kinds = {c["type"] for c in g["contributions"]}
    assert "list-entry" in kinds and "record" in kinds
    listed = next(c for c in g["contributions"] if c["type"] == "list-entry")
    assert listed["document"]["number"] == ENTRY_DOC and listed["rule"]["text"] and listed["points"]
    assert g["score"] != g["start"] and listed["points"] < 0
    html = render.render(snap, "html").decode()
    assert listed["rule"]["text"] in html and f"<td>{g['grade']}</td>" in html
    assert render.render(snap, "pdf").startswith(b"%PDF")


@pytest.mark.article("Art. 34.1")
def test_a_natural_person_is_not_graded_without_a_configured_basis(engine, world, monkeypatch):
    monkeypatch.delenv("XINYONG_GRADING_NATURAL_PERSONS_BASIS", raising=False)
    with session_scope(engine) as s:
        snap = service.issue(s, actor=person_actor(world)).snapshot
    ev = _section(snap, "evaluation")
    assert ev["grade"]["graded"] is False and ev["count"] == 0
    assert "not graded (no legal basis configured)" in render.render(snap, "html").decode()
