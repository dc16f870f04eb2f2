"""Compiling the catalog in the portal (Art. 10): a clerk proposes an item on /unit/catalog; the supervisor assesses
it, compiles a draft, puts it out for comment, records and answers a comment, records the approval and publishes it on
/oversight/catalog; the public reads it on /catalog/drafts/{id}. Refusals name their article; others are refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.models import CatalogDraft, CatalogItem, CatalogProposal
from xinyong.unit import service as units

from ..factories import uscc
from ..helpers import TODAY, add_provider
from .support import portal_client
from .test_unit_pages import officer_token


def _supervisor_client(engine):
    with session_scope(engine) as s:
        _unit, token = units.add_unit(s, name="上海市发展和改革委员会", kind="supervisor",
                                      uscc=uscc(5, prefix="11310000"), published_on=TODAY, actor=CONSOLE)
    client = portal_client(engine)
    assert client.sign_in(token).status_code == 303
    return client


PROPOSAL = {"code": "grade-a-taxpayer", "name_zh": "纳税信用A级纳税人", "name_en": "Grade-A taxpayers",
            "item_class": "positive", "article": "Art. 9.1", "legal_basis": "《纳税信用管理办法》第二十九条",
            "disclosure": "public", "record_format": "general", "fields": "", "providers": "上海市税务局",
            "reasons": "守信激励，依法公开", "contested": "1"}


@pytest.mark.article("Art. 10.1")
def test_a_clerk_proposes_and_the_supervisor_takes_it_to_publication(engine):
    add_provider(engine)
    clerk = portal_client(engine)
    clerk.sign_in(officer_token(engine))
    page = clerk.get("/unit/catalog")
    assert page.status_code == 200 and "提出拟纳入目录的事项" in page.text and "/articles/10" in page.text
    refused = clerk.post("/unit/catalog", data={**PROPOSAL, "reasons": " "})
    assert refused.status_code == 422 and "应当说明理由" in refused.text and 'id="refusal"' in refused.text
    assert clerk.post("/unit/catalog", data=PROPOSAL, follow_redirects=False).status_code == 303
    assert "grade-a-taxpayer" in clerk.get("/unit/catalog").text

    boss = _supervisor_client(engine)
    page = boss.get("/oversight/catalog")
    assert page.status_code == 200 and "须先评估" in page.text
    with session_scope(engine) as s:
        proposal = s.scalars(select(CatalogProposal)).one().id
    early = boss.post("/oversight/catalog/draft", data={"proposal": str(proposal), "title": "2027年版草案"})
    assert early.status_code == 422 and "组织评估" in early.text  # contested: assessed first (Art. 10.1)
    done = boss.post("/oversight/catalog/assess", data={"proposal": str(proposal), "held_on": TODAY.isoformat(),
                                                        "representatives": "纳税人代表", "experts": "某大学教授",
                                                        "conclusion": "同意纳入"}, follow_redirects=False)
    assert done.status_code == 303
    assert boss.post("/oversight/catalog/draft", data={"proposal": str(proposal), "title": "2027年版草案",
                                                       "procedures": "按月报送"}, follow_redirects=False).status_code == 303
    with session_scope(engine) as s:
        draft = s.scalars(select(CatalogDraft)).one().id
    short = boss.post("/oversight/catalog/comment-period", data={
        "draft": str(draft), "comment_from": TODAY.isoformat(), "comment_to": (TODAY + timedelta(days=5)).isoformat()})
    assert short.status_code == 422 and "不少于 30 日" in short.text
    before = boss.post("/oversight/catalog/comment-period", data={
        "draft": str(draft), "comment_from": (TODAY - timedelta(days=1)).isoformat(),
        "comment_to": (TODAY + timedelta(days=40)).isoformat()})
    assert before.status_code == 422 and "早于草案形成之日" in before.text and "/articles/10" in before.text
    with session_scope(engine) as s:  # the draft was compiled earlier: its period may be over by today
        s.get(CatalogDraft, draft).compiled_on = TODAY - timedelta(days=41)
    boss.post("/oversight/catalog/comment-period", data={
        "draft": str(draft), "comment_from": (TODAY - timedelta(days=40)).isoformat(),
        "comment_to": (TODAY - timedelta(days=1)).isoformat()})
    boss.post("/oversight/catalog/comment", data={"draft": str(draft), "received_on": (TODAY - timedelta(days=20))
                                                  .isoformat(), "summary": "建议写明更新频率"})
    unanswered = boss.post("/oversight/catalog/approve", data={"draft": str(draft), "document": "纪要〔2025〕3号",
                                                               "approved_on": TODAY.isoformat()})
    assert unanswered.status_code == 422 and "未予答复" in unanswered.text
    comment = re.search(r'name="comment" value="(\d+)"', boss.get("/oversight/catalog").text).group(1)
    boss.post("/oversight/catalog/respond", data={"comment": comment, "response": "采纳：按年度更新"})
    assert boss.post("/oversight/catalog/approve", data={"draft": str(draft), "document": "纪要〔2025〕3号",
                                                         "approved_on": TODAY.isoformat()},
                     follow_redirects=False).status_code == 303
    assert boss.post("/oversight/catalog/publish", data={"draft": str(draft)},
                     follow_redirects=False).status_code == 303
    with session_scope(engine) as s:
        assert s.get(CatalogItem, "grade-a-taxpayer").state == "published"
    public = portal_client(engine).get(f"/catalog/drafts/{draft}")
    assert public.status_code == 200 and "采纳：按年度更新" in public.text and "纪要〔2025〕3号" in public.text
    english = portal_client(engine).get(f"/catalog/drafts/{draft}?lang=en")
    assert "Grade-A taxpayers" in english.text and "Published" in english.text


@pytest.mark.article("Art. 10.2")
def test_only_the_supervisor_compiles_and_a_form_without_its_token_is_refused(engine):
    add_provider(engine)
    clerk = portal_client(engine)
    clerk.sign_in(officer_token(engine))
    refused = clerk.get("/oversight/catalog")
    assert refused.status_code == 403 and "/articles/10" in refused.text
    boss = _supervisor_client(engine)
    assert boss.post("/oversight/catalog/draft", data={"title": "x"}, no_csrf=True).status_code == 403
    assert portal_client(engine).get("/oversight/catalog", follow_redirects=False).status_code in (302, 303)
