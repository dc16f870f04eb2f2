"""The subject's own report states the changes of its name and identifiers (issue 13 §6) in every format — day,
kind, before → after, the providing unit and the document — and the day it was deregistered; a report issued to
an organ states no such section; a person's numbers stay masked in the stored report."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from xinyong.auth import CONSOLE, Actor
from xinyong.db import Base, session_scope
from xinyong.report import render, service
from xinyong.report.schemas import ReportRead
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import mask_ric

from ..factories import uscc
from .conftest import ORG_USCC, PERSON_RIC, person_actor

DOC = {"doc_no": "沪公户〔2025〕8号", "doc_date": date(2025, 6, 10), "doc_org": "上海市公安局浦东分局"}
FIFTEEN = PERSON_RIC[:6] + PERSON_RIC[8:17]


def _life(engine, world) -> None:
    with session_scope(engine) as s:
        subjects.record_change(s, actor=world.provider, subject=PERSON_RIC, kind="former_identifier",
                               former_identifier=FIFTEEN, **DOC)
        subjects.record_change(s, actor=world.provider, subject=PERSON_RIC, kind="name_changed", new_name="李晓明明",
                               effective_on=date(2025, 6, 11), **DOC)
        subjects.record_change(s, actor=world.provider, subject=PERSON_RIC, kind="deregistered",
                               effective_on=date(2025, 6, 13), **{**DOC, "doc_no": "沪公户销〔2025〕3号"})


def test_the_subjects_report_lists_its_changes_and_its_deregistration(engine, world):
    _life(engine, world)
    with session_scope(engine) as s:
        snap = service.issue(s, actor=person_actor(world)).snapshot
    ReportRead.model_validate(snap)
    assert snap["subject"]["deregistered_on"] == "2025-06-13"
    rows = snap["changes"]
    assert [(c["day"], c["kind"]) for c in rows] == [("2025-06-10", "former_identifier"),
                                                     ("2025-06-11", "name_changed"), ("2025-06-13", "deregistered")]
    former, renamed, gone = rows
    assert (former["old"], former["new"]) == (mask_ric(FIFTEEN), mask_ric(PERSON_RIC))  # masked: a stored report
    assert (renamed["old"], renamed["new"]) == ("李晓明", "李晓明明")
    assert (renamed["zh"], renamed["en"]) == ("名称变更", "name changed")
    assert renamed["unit"] == "上海市测试监督管理局"
    assert renamed["document"] == {"number": "沪公户〔2025〕8号", "date": "2025-06-10", "organ": "上海市公安局浦东分局"}
    assert gone["document"]["number"] == "沪公户销〔2025〕3号" and gone["old"] is None and gone["new"] is None
    html = render.render(snap, "html").decode()
    assert 'id="changes"' in html and "名称和标识变更" in html and "Changes of name and identifiers" in html
    assert "李晓明明" in html and "沪公户销〔2025〕3号" in html and mask_ric(FIFTEEN) in html
    assert "注销日期" in html and "2025-06-13" in html
    with engine.connect() as conn:  # the stored report holds no number of the person in full
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                assert PERSON_RIC not in str(tuple(row)) and FIFTEEN not in str(tuple(row)), table.name


def test_the_changes_section_in_the_pdf(engine, world, cjk_font):
    _life(engine, world)
    with session_scope(engine) as s:
        snap = service.issue(s, actor=person_actor(world)).snapshot
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(render.render(snap, "pdf"))).pages)
    assert "名称和标识变更" in text and "李晓明明" in text and "沪公户销〔2025〕3号" in text and "注销日期" in text


def test_a_subject_without_changes_is_told_so_in_one_line_and_an_organs_report_has_no_section(engine, world):
    with session_scope(engine) as s:
        own = service.issue(s, actor=person_actor(world)).snapshot
    assert own["changes"] == [] and "deregistered_on" not in own["subject"]
    html = render.render(own, "html").decode()
    section = html[html.index('id="changes"'):]
    section = section[:section.index("</section>")]
    assert "暂无记录" in section and "<table" not in section and "注销日期" not in html
    _life(engine, world)
    with session_scope(engine) as s:
        organ = service.issue(s, actor=world.organ, subject_id=world.person_id, purpose="procurement").snapshot
    assert organ["changes"] is None
    html = render.render(organ, "html").decode()
    assert "李晓明明" not in html.split('id="changes"')[1].split("</section>")[0]
    old = {k: v for k, v in own.items() if k != "changes"}  # a report issued before the section existed
    ReportRead.model_validate(old)
    assert 'id="changes"' in render.render(old, "html").decode()


def test_an_organizations_report_names_the_other_subject_of_a_split(engine, world):
    other = uscc(626262)
    with session_scope(engine) as s:
        subjects.split(s, actor=CONSOLE, source=ORG_USCC, new=other, new_name="上海报告测试分立有限公司",
                       reason="派生分立", **DOC)
    with session_scope(engine) as s:
        snap = service.issue(s, actor=Actor(role="subject", subject_id=world.org_id)).snapshot
    [row] = snap["changes"]
    assert row["kind"] == "split_into" and row["other"] == {"name": "上海报告测试分立有限公司", "identifier": other}
    assert row["reason"] == "派生分立"
    assert other in render.render(snap, "html").decode()
