"""The subject's report states its consents (Art. 14.2, 17.3) in every format; reports for others do not."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.inquiry import authorizations
from xinyong.report import render, service
from xinyong.report.schemas import ReportRead

from .conftest import person_actor


def _graded_consent(engine, world) -> int:
    with session_scope(engine) as s:
        authorizations.publish_notice(s, text_zh="提供收入信息可能对您产生不利影响", text_en="may affect you",
                                      published_on=date(2025, 1, 1), actor=CONSOLE)
        auth = authorizations.grant(s, subject_id=world.person_id, unit_uscc=world.organ.unit_uscc,
                                    items=["arrears", "penalty"], purpose="procurement", valid_from=date(2025, 6, 1),
                                    valid_until=date(2025, 11, 30), document="收入信息授权书 2025-77",
                                    actor=person_actor(world), form="written", restricted_kinds=["income"],
                                    adverse_consequences_told=True)
        authorizations.withdraw(s, authorization_id=world.authorization_id, reason="不再同意", actor=CONSOLE)
        return auth.id


@pytest.mark.article("Art. 14.2")
def test_the_subjects_report_has_a_consents_section_in_json_and_html(engine, world):
    auth_id = _graded_consent(engine, world)
    with session_scope(engine) as s:
        snap = service.issue(s, actor=person_actor(world)).snapshot
    ReportRead.model_validate(snap)
    by_id = {c["id"]: c for c in snap["consents"]}
    graded, older = by_id[auth_id], by_id[world.authorization_id]
    assert graded["unit"]["uscc"] == world.organ.unit_uscc and graded["items"] == ["arrears", "penalty"]
    assert graded["purpose"] == "procurement" and graded["valid_until"] == "2025-11-30"
    assert graded["notice_version"] == 1 and graded["form"] == "written"
    assert graded["restricted_kinds"] == [{"code": "income", "zh": "收入", "en": "income", "opened": True}]
    assert graded["adverse_consequences_told_at"] and graded["adverse_text"] == "may affect you"
    assert graded["withdrawn_at"] is None
    assert older["withdrawn_at"] is not None and older["restricted_kinds"] == [] and older["notice_version"] is None
    html = render.render(snap, "html").decode()
    assert 'id="consents"' in html and "收入信息授权书 2025-77" in html and "告知书第1版" in html
    assert "已告知不利后果" in html


@pytest.mark.article("Art. 14.2")
def test_the_consents_section_in_the_pdf(engine, world, cjk_font):
    _graded_consent(engine, world)
    with session_scope(engine) as s:
        snap = service.issue(s, actor=person_actor(world)).snapshot
    pdf = render.render(snap, "pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "授权同意记录" in text and "告知书第1版" in text and "收入" in text


@pytest.mark.article("Art. 14.2")
def test_a_report_for_an_organ_states_no_consents_and_an_old_snapshot_still_renders(engine, world):
    _graded_consent(engine, world)
    with session_scope(engine) as s:
        snap = service.issue(s, actor=world.organ, subject_id=world.person_id, purpose="procurement").snapshot
    assert snap["consents"] is None
    html = render.render(snap, "html").decode()
    assert "收入信息授权书" not in html and "stated in the subject's own reports only" in html
    old = {k: v for k, v in snap.items() if k != "consents"}  # issued before the section existed
    ReportRead.model_validate(old)
    assert 'id="consents"' in render.render(old, "html").decode()
