"""The public's comments on a draft of the catalog (Art. 10.2), a retirement proposed and shown (Art. 10, 11), and the
catalog version of a record on the subject's own page and in its report — on both databases.

Anyone, signed in or not, comments on /catalog/drafts/{id} during its comment period; the form carries the browser's
CSRF token (double submit) and a POST without it is refused; outside the period the form is absent and a POST is
refused naming the article. The contact a commenter gives reaches the supervisor's page only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from xinyong.db import session_scope
from xinyong.models import CatalogComment, CatalogProposal, Subject
from xinyong.report import render
from xinyong.report import service as reports

from ..catalog.test_retire import ORG_USCC, SUPERVISOR, _import, _open_draft, through_publication
from ..factories import OTHER_PROVIDER_USCC
from ..helpers import TODAY, add_provider, issue_subject_token
from .support import portal_client
from .test_catalog_pages import _supervisor_client
from .test_unit_pages import officer_token


@pytest.mark.article("Art. 10.2")
def test_anyone_comments_on_a_draft_during_its_period_and_the_supervisor_answers(engine):
    organ, _ = add_provider(engine)
    draft = _open_draft(engine, organ, start=TODAY - timedelta(days=2))
    later = _open_draft(engine, organ, start=TODAY + timedelta(days=3))
    public = portal_client(engine)
    page = public.get(f"/catalog/drafts/{draft}")
    assert page.status_code == 200 and 'id="public-comment-form"' in page.text and "提交意见" in page.text
    assert public.post(f"/catalog/drafts/{draft}/comments", data={"text": "建议"}, no_csrf=True).status_code == 403
    empty = public.post(f"/catalog/drafts/{draft}/comments", data={"text": "  ", "contact": "a@b.cn"})
    assert empty.status_code == 422 and "请填写意见" in empty.text and 'value="a@b.cn"' in empty.text
    sent = public.post(f"/catalog/drafts/{draft}/comments",
                       data={"text": "建议写明有效期 310115198001011234", "contact": "联系电话 13800000000"},
                       follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith(f"/catalog/drafts/{draft}?sent=1")
    shown = public.get(sent.headers["location"])
    assert 'id="comment-sent"' in shown.text and "建议写明有效期" in shown.text
    assert "310115198001011234" not in shown.text and "13800000000" not in shown.text
    english = portal_client(engine).get(f"/catalog/drafts/{draft}?lang=en")
    assert "Send a comment" in english.text and "13800000000" not in english.text

    # outside its period: no form, and a POST is refused with the article
    closed = public.get(f"/catalog/drafts/{later}")
    assert closed.status_code == 200 and 'id="public-comment-form"' not in closed.text
    refused = public.post(f"/catalog/drafts/{later}/comments", data={"text": "建议"})
    assert refused.status_code == 422 and "/articles/10" in refused.text and "征求意见期" in refused.text
    assert public.post("/catalog/drafts/987654/comments", data={"text": "建议"}).status_code == 404
    with session_scope(engine) as s:
        assert s.scalars(select(CatalogComment.channel)).all() == ["portal"]

    # a signed-in party comments the same way (the session's token)
    clerk = portal_client(engine)
    clerk.sign_in(officer_token(engine))
    assert clerk.post(f"/catalog/drafts/{draft}/comments", data={"text": "建议按月更新"},
                      follow_redirects=False).status_code == 303

    # the supervisor sees the contact, and answers on the oversight page
    boss = _supervisor_client(engine)
    oversight = boss.get("/oversight/catalog")
    assert "联系电话 13800000000" in oversight.text and "社会公众提交" in oversight.text
    with session_scope(engine) as s:
        first = s.scalars(select(CatalogComment.id).order_by(CatalogComment.id)).first()
    assert boss.post("/oversight/catalog/respond", data={"comment": str(first), "response": "采纳：写明有效期"},
                     follow_redirects=False).status_code == 303
    assert "采纳：写明有效期" in public.get(f"/catalog/drafts/{draft}").text


@pytest.mark.article("Art. 10.1")
def test_a_unit_proposes_to_retire_an_item_and_the_catalog_shows_it_retired(engine, tmp_path):
    add_provider(engine)
    clerk = portal_client(engine)
    clerk.sign_in(officer_token(engine))
    unknown = clerk.post("/unit/catalog/retire", data={"code": "no-such-item", "reasons": "理由"})
    assert unknown.status_code == 422 and "无可移出" in unknown.text and "/articles/10" in unknown.text
    assert clerk.post("/unit/catalog/retire", data={"code": "commendation", "reasons": "已由其他渠道公示"},
                      follow_redirects=False).status_code == 303
    assert "拟移出目录" in clerk.get("/unit/catalog").text
    with session_scope(engine) as s:
        p = s.scalars(select(CatalogProposal)).one()
        assert (p.kind, p.item_code) == ("retire", "commendation")
    boss = _supervisor_client(engine)
    assert "拟移出目录" in boss.get("/oversight/catalog").text
    with session_scope(engine) as s:
        from xinyong.catalog import compilation

        d = compilation.compile_draft(s, title="草案", proposal_ids=[p.id], procedures=None, actor=SUPERVISOR,
                                      on=TODAY - timedelta(days=40))
        compilation.put_out_for_comment(s, draft_id=d.id, comment_from=TODAY - timedelta(days=40),
                                        comment_to=TODAY - timedelta(days=2), actor=SUPERVISOR)
        compilation.approve(s, draft_id=d.id, document="纪要〔2025〕9号", approved_on=TODAY - timedelta(days=1),
                            actor=SUPERVISOR)
        draft_id = d.id
    draft_page = portal_client(engine).get(f"/catalog/drafts/{draft_id}")
    assert "将该事项移出目录" in draft_page.text and "已由其他渠道公示" in draft_page.text
    assert boss.post("/oversight/catalog/publish", data={"draft": str(draft_id)},
                     follow_redirects=False).status_code == 303
    page = portal_client(engine).get("/catalog")
    assert page.status_code == 200
    item = page.text.split('id="catalog-item-commendation"')[1].split("</section>")[0]
    assert "retired-note" in item and "第 1 版" in item and "不再归集" in item
    english = portal_client(engine).get("/catalog?lang=en").text
    item = english.split('id="catalog-item-commendation"')[1].split("</section>")[0]
    assert "Retired" in item and "version 1" in item
    assert "移出目录：commendation" in boss.get("/oversight/catalog").text


@pytest.mark.article("Art. 10.2")
def test_the_record_shows_the_catalog_version_it_was_received_under(engine, tmp_path):
    organ, _ = add_provider(engine)
    assert through_publication(engine, organ, start=TODAY - timedelta(days=40)) == 1
    provider, _ = add_provider(engine, uscc=OTHER_PROVIDER_USCC, provides=("tax-credit-a",))
    assert _import(engine, tmp_path, provider, TODAY, "a.csv", "沪税A〔2025〕1号").accepted == 1
    with session_scope(engine) as s:
        subject = s.scalars(select(Subject).where(Subject.identifier == ORG_USCC)).one()
        token = issue_subject_token(s, subject)
        subject_id = subject.id
    me = portal_client(engine)
    me.sign_in(token)
    page = me.get("/me")
    assert page.status_code == 200 and "目录版本" in page.text and "第 1 版" in page.text
    assert "Catalog version" in me.get("/me?lang=en").text
    from xinyong.auth import Actor

    with session_scope(engine) as s:
        report = reports.issue(s, actor=Actor(role="subject", subject_id=subject_id))
        snapshot = report.snapshot
    [rec] = [r for sec in snapshot["sections"] for g in sec["groups"] for r in g["records"]]
    assert rec["source"]["catalog_version"] == 1
    html = render.to_html(snapshot)
    assert '目录版本 <span class="en">Catalog version</span> 1' in html
