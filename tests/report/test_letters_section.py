"""The subject's own report states the letters the platform sent it (Art. 32.1, 36, 37, 38) — when, what kind,
the article, read or not — in every format; a report issued to an organ does not; no letter's text is copied into
the stored report."""

from __future__ import annotations

import io

from pypdf import PdfReader

from xinyong.db import session_scope
from xinyong.notice import service as notices
from xinyong.report import render, service
from xinyong.report.schemas import ReportRead

from .conftest import person_actor


def test_the_subjects_report_lists_the_letters_it_was_sent(engine, world):
    with session_scope(engine) as s:
        inbox = notices.inbox(s, world.person_id)
        kinds = sorted(n["kind"] for n in inbox)
        assert kinds == ["record_restored", "record_revoked"]  # the world restored one record and revoked one
        revoked = next(n for n in inbox if n["kind"] == "record_revoked")
        notices.open_letter(s, subject_id=world.person_id, notice_id=revoked["id"])
    with session_scope(engine) as s:
        snap = service.issue(s, actor=person_actor(world)).snapshot
    ReportRead.model_validate(snap)
    letters = {n["kind"]: n for n in snap["letters"]}
    assert set(letters) == {"record_restored", "record_revoked"}
    assert letters["record_revoked"]["article"] == "Art. 37" and letters["record_revoked"]["read_on"] is not None
    assert letters["record_restored"]["read_on"] is None
    assert all(set(n) == {"id", "kind", "zh", "en", "article", "sent_on", "read_on", "mail"} for n in snap["letters"])
    html = render.render(snap, "html").decode()
    assert 'id="letters"' in html and "信息撤销告知" in html and "信用修复告知" in html and "未读" in html
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(render.render(snap, "pdf"))).pages)
    assert "书面告知" in text and "信息撤销告知" in text


def test_an_organs_report_states_no_letters(engine, world):
    with session_scope(engine) as s:
        organ = service.issue(s, actor=world.organ, subject_id=world.person_id, purpose="procurement").snapshot
    assert organ["letters"] is None
    assert "仅在信息主体本人的报告中载明" in render.render(organ, "html").decode().split('id="letters"')[1][:400]
