"""Retiring a catalog item through a draft (Art. 10: an item leaves the catalog by the procedure it enters it), the
comments the public sends on a draft during its comment period (Art. 10.2), the comment period starting on or after
the draft's compilation, and the catalog version of a record looked up for many records at once — on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from xinyong import refcache
from xinyong.auth import Actor
from xinyong.catalog import compilation, rules
from xinyong.catalog import service as catalog
from xinyong.clock import now
from xinyong.db import session_scope
from xinyong.errors import Conflict, InvalidInput, NotFound, RuleViolation
from xinyong.inquiry import service as inquiries
from xinyong.models import AuditEvent, BatchReject, CatalogComment, CatalogItem, CatalogVersion, Record, Subject
from xinyong.record import importer

from ..factories import OTHER_PROVIDER_USCC, to_csv, uscc
from ..helpers import TODAY, add_provider
from .test_compilation import ITEM

SUPERVISOR = Actor(role="supervisor")
ORG_USCC = uscc(77)


def through_publication(engine, organ: Actor, *, item: dict | None = None, retire: str | None = None,
                        start: date = TODAY, reasons: str = "理由") -> int:
    """A proposal (an item to include, or ``retire``: the code of one to retire) taken through the draft, a 30-day
    comment period from ``start``, the approval the day after it ends, and the publication the day after that
    (``start`` + 31). Returns the version's number."""
    with session_scope(engine) as s:
        if retire:
            p = compilation.propose(s, item={"code": retire}, reasons=reasons, contested=False, actor=organ,
                                    on=start, kind="retire")
        else:
            p = compilation.propose(s, item=item or ITEM, reasons=reasons, contested=False, actor=organ, on=start)
        d = compilation.compile_draft(s, title=f"草案 {p.id}", proposal_ids=[p.id], procedures=None,
                                      actor=SUPERVISOR, on=start)
        compilation.put_out_for_comment(s, draft_id=d.id, comment_from=start, comment_to=start + timedelta(days=29),
                                        actor=SUPERVISOR)
        compilation.approve(s, draft_id=d.id, document="纪要〔2025〕3号", approved_on=start + timedelta(days=30),
                            actor=SUPERVISOR)
        return compilation.publish(s, draft_id=d.id, actor=SUPERVISOR, on=start + timedelta(days=31)).version


def _import(engine, tmp_path, provider: Actor, day: date, name: str, doc_no: str):
    row = {"catalog_item": "tax-credit-a", "subject_name": "上海某某贸易有限公司", "subject_id": ORG_USCC,
           "doc_no": doc_no, "doc_date": TODAY.isoformat(), "doc_org": "国家税务总局上海市税务局",
           "content": "2024年度纳税信用A级"}
    path = tmp_path / name
    path.write_bytes(to_csv([row]))
    batch = importer.open_batch(engine, unit_uscc=OTHER_PROVIDER_USCC, filename=name,
                                sha256=importer.sha256_of(path), actor=provider)
    return importer.run_import(engine, batch_id=batch, path=path, actor=provider, today=day)


@pytest.mark.article("Art. 11")
def test_a_retirement_published_through_a_draft_stops_new_records_from_its_day_and_keeps_the_old_ones(engine,
                                                                                                      tmp_path):
    organ, _ = add_provider(engine)
    assert through_publication(engine, organ) == 1  # tax-credit-a published on TODAY + 31
    provider, _ = add_provider(engine, uscc=OTHER_PROVIDER_USCC, provides=("tax-credit-a",))
    assert _import(engine, tmp_path, provider, TODAY + timedelta(days=40), "a.csv", "沪税A〔2025〕1号").accepted == 1

    start = TODAY + timedelta(days=41)
    assert through_publication(engine, organ, retire="tax-credit-a", start=start,
                               reasons="该名单已由全国信用信息共享平台统一公示，无需重复归集") == 2
    retired_on = start + timedelta(days=31)
    with session_scope(engine) as s:
        item = s.get(CatalogItem, "tax-credit-a")
        assert (item.state, item.retired_on) == ("retired", retired_on)
        version = s.get(CatalogVersion, 2)
        assert version.items == [] and [r["code"] for r in version.retired] == ["tax-credit-a"]
        assert compilation.versions(s)[0]["retired"] == ["tax-credit-a"]
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "catalog:publish-version")
                          .order_by(AuditEvent.id.desc())).first()
        assert event.details["retired"] == ["tax-credit-a"]
        [shown] = [i for i in catalog.published_catalog(s) if i["code"] == "tax-credit-a"]
        assert (shown["state"], shown["retired_on"], shown["retired_in_version"]) == \
            ("retired", retired_on.isoformat(), 2)
        draft = compilation.public_drafts(s)[0]
        assert draft["proposals"][0]["kind"] == "retire" and draft["proposals"][0]["item"]["name_zh"]

    # the day before the retirement a record is still aggregated; from its day the importer refuses (Art. 11)
    assert _import(engine, tmp_path, provider, retired_on - timedelta(days=1), "b.csv",
                   "沪税A〔2025〕2号").accepted == 1
    refused = _import(engine, tmp_path, provider, retired_on, "c.csv", "沪税A〔2025〕3号")
    assert refused.accepted == 0 and refused.rejected == 1
    with session_scope(engine) as s:
        [reject] = s.scalars(select(BatchReject).where(BatchReject.batch_id == refused.batch_id)).all()
        assert reject.article == "Art. 11" and "retired on" in reject.reason and reject.field == "catalog_item"

    # the records aggregated before are served as before
    with session_scope(engine) as s:
        subject_id = s.scalar(select(Subject.id).where(Subject.identifier == ORG_USCC))
        kept = set(s.scalars(select(Record.doc_no).where(Record.subject_id == subject_id)))
        assert kept == {"沪税A〔2025〕1号", "沪税A〔2025〕2号"}
        answer = inquiries.inquire(s, actor=Actor(role="subject", subject_id=subject_id), subject_id=subject_id,
                                   channel="api", on=retired_on + timedelta(days=10))
        assert {r["document"]["number"] for r in answer.records} == kept


@pytest.mark.article("Art. 11")
def test_an_item_retired_for_a_later_day_is_aggregated_until_then():
    on = date(2025, 6, 16)
    rules.check_item_aggregable("x", "retired", date(2017, 10, 1), on + timedelta(days=1), on)
    for retired in (on, None):
        with pytest.raises(RuleViolation) as exc:
            rules.check_item_aggregable("x", "retired", date(2017, 10, 1), retired, on)
        assert exc.value.article == "Art. 11"


@pytest.mark.article("Art. 10.1")
def test_only_an_item_in_the_catalog_is_proposed_for_retirement_with_reasons(engine):
    organ, _ = add_provider(engine)
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation) as unknown:
            compilation.propose(s, item={"code": "no-such-item"}, reasons="理由", contested=False, actor=organ,
                                kind="retire")
        assert unknown.value.article == "Art. 10.1" and "nothing to retire" in unknown.value.message
        with pytest.raises(RuleViolation) as no_reasons:
            compilation.propose(s, item={"code": "penalty"}, reasons=" ", contested=False, actor=organ,
                                kind="retire")
        assert no_reasons.value.field == "reasons"
        with pytest.raises(InvalidInput):
            compilation.propose(s, item={"code": "penalty"}, reasons="理由", contested=False, actor=organ,
                                kind="delete")
        s.get(CatalogItem, "licence").state = "retired"
        s.get(CatalogItem, "licence").retired_on = TODAY
        with pytest.raises(RuleViolation) as retired:
            compilation.propose(s, item={"code": "licence"}, reasons="理由", contested=False, actor=organ,
                                kind="retire")
        assert retired.value.article == "Art. 10.1"
        p = compilation.propose(s, item={"code": "penalty"}, reasons="理由", contested=False, actor=organ,
                                kind="retire")
        assert p.kind == "retire" and p.item["code"] == "penalty" and set(p.item) == {"code", "name_zh", "name_en"}
        # one proposal per item in a draft: not both kept and retired
        q = compilation.propose(s, item={**ITEM, "code": "penalty", "name_zh": "行政处罚"}, reasons="改定义",
                                contested=False, actor=organ)
        with pytest.raises(Conflict):
            compilation.compile_draft(s, title="草案", proposal_ids=[p.id, q.id], procedures=None, actor=SUPERVISOR)


@pytest.mark.article("Art. 10.2")
def test_a_retirement_already_done_by_another_version_is_refused_at_publication(engine):
    organ, _ = add_provider(engine)
    with session_scope(engine) as s:
        ids = [compilation.propose(s, item={"code": "commendation"}, reasons="理由", contested=False, actor=organ,
                                   kind="retire").id for _ in range(2)]
        drafts = []
        for pid in ids:
            d = compilation.compile_draft(s, title=f"草案 {pid}", proposal_ids=[pid], procedures=None,
                                          actor=SUPERVISOR, on=TODAY)
            compilation.put_out_for_comment(s, draft_id=d.id, comment_from=TODAY,
                                            comment_to=TODAY + timedelta(days=29), actor=SUPERVISOR)
            compilation.approve(s, draft_id=d.id, document="纪要", approved_on=TODAY + timedelta(days=30),
                                actor=SUPERVISOR)
            drafts.append(d.id)
        compilation.publish(s, draft_id=drafts[0], actor=SUPERVISOR, on=TODAY + timedelta(days=31))
        with pytest.raises(RuleViolation) as twice:
            compilation.publish(s, draft_id=drafts[1], actor=SUPERVISOR, on=TODAY + timedelta(days=32))
        assert twice.value.article == "Art. 10.2"


@pytest.mark.article("Art. 10.2")
def test_the_comment_period_starts_on_or_after_the_draft_is_compiled(engine):
    rules.check_comment_period_start(TODAY, TODAY)
    with pytest.raises(RuleViolation) as early:
        rules.check_comment_period_start(TODAY, TODAY - timedelta(days=1))
    assert early.value.article == "Art. 10.2" and early.value.field == "comment_from"
    organ, _ = add_provider(engine)
    with session_scope(engine) as s:
        p = compilation.propose(s, item=ITEM, reasons="理由", contested=False, actor=organ)
        d = compilation.compile_draft(s, title="草案", proposal_ids=[p.id], procedures=None, actor=SUPERVISOR,
                                      on=TODAY)
        with pytest.raises(RuleViolation):
            compilation.put_out_for_comment(s, draft_id=d.id, comment_from=TODAY - timedelta(days=1),
                                            comment_to=TODAY + timedelta(days=40), actor=SUPERVISOR)
        compilation.put_out_for_comment(s, draft_id=d.id, comment_from=TODAY, comment_to=TODAY + timedelta(days=40),
                                        actor=SUPERVISOR)


def _open_draft(engine, organ: Actor, *, start: date) -> int:
    with session_scope(engine) as s:
        p = compilation.propose(s, item=ITEM, reasons="理由", contested=False, actor=organ, on=start)
        d = compilation.compile_draft(s, title="草案", proposal_ids=[p.id], procedures=None, actor=SUPERVISOR,
                                      on=start)
        compilation.put_out_for_comment(s, draft_id=d.id, comment_from=start, comment_to=start + timedelta(days=29),
                                        actor=SUPERVISOR)
        return d.id


@pytest.mark.article("Art. 10.2")
def test_anyone_comments_during_the_period_and_the_supervisor_alone_sees_the_contact(engine):
    organ, _ = add_provider(engine)
    draft_id = _open_draft(engine, organ, start=TODAY - timedelta(days=5))
    inside = now()
    with session_scope(engine) as s:
        c = compilation.submit_comment(s, draft_id=draft_id, text=" 建议写明有效期，我的身份证号310115198001011234 ",
                                       contact="邮箱 someone@example.cn", channel="portal", at=inside)
        assert "310115198001011234" not in c.summary and c.summary.startswith("建议写明有效期")
        assert (c.received_on, c.channel) == (TODAY, "portal")
        for bad in ("", "   "):
            with pytest.raises(InvalidInput):
                compilation.submit_comment(s, draft_id=draft_id, text=bad, at=inside)
        with pytest.raises(InvalidInput):
            compilation.submit_comment(s, draft_id=draft_id, text="长" * (compilation.COMMENT_MAX + 1), at=inside)
        with pytest.raises(NotFound):
            compilation.submit_comment(s, draft_id=987654, text="建议", at=inside)
        for outside in (inside - timedelta(days=6), inside + timedelta(days=25)):
            with pytest.raises(RuleViolation) as closed:
                compilation.submit_comment(s, draft_id=draft_id, text="建议", at=outside)
            assert closed.value.article == "Art. 10.2"
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "catalog:public-comment")).one()
        assert event.actor == "public" and "someone" not in str(event.details)
        draft = s.get(compilation.CatalogDraft, draft_id)
        public = compilation.draft_view(s, draft)
        assert public["comments"][0]["channel"] == "portal" and "contact" not in public["comments"][0]
        assert compilation.draft_view(s, draft, for_supervisor=True)["comments"][0]["contact"] == \
            "邮箱 someone@example.cn"
    # a compiled draft not yet out for comment takes none
    with session_scope(engine) as s:
        p = compilation.propose(s, item={**ITEM, "code": "other-item"}, reasons="理由", contested=False, actor=organ)
        d = compilation.compile_draft(s, title="草案二", proposal_ids=[p.id], procedures=None, actor=SUPERVISOR)
        with pytest.raises(RuleViolation):
            compilation.submit_comment(s, draft_id=d.id, text="建议", at=inside)
    # the approval waits for the supervisor's response to the public's comment
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation) as unanswered:
            compilation.approve(s, draft_id=draft_id, document="纪要", approved_on=TODAY + timedelta(days=30),
                                actor=SUPERVISOR)
        assert unanswered.value.field == "comments"
        compilation.respond(s, comment_id=c.id, response="采纳", actor=SUPERVISOR)
        compilation.approve(s, draft_id=draft_id, document="纪要", approved_on=TODAY + timedelta(days=30),
                            actor=SUPERVISOR)


@pytest.mark.article("Art. 10.2")
def test_the_api_takes_a_comment_without_a_token_during_the_period_only(engine):
    organ, _ = add_provider(engine)
    open_id = _open_draft(engine, organ, start=TODAY - timedelta(days=1))
    closed_id = _open_draft(engine, organ, start=TODAY + timedelta(days=3))
    from xinyong.app import create_app

    client = TestClient(create_app(engine))
    sent = client.post(f"/api/v1/public/catalog/drafts/{open_id}/comments",
                       json={"text": "建议公开更新频率 310115198001011234", "contact": "021-12345678"})
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["draft"] == open_id and body["received_on"] == TODAY.isoformat()
    assert "310115198001011234" not in body["text"] and set(body) == {"id", "draft", "received_on", "text"}
    early = client.post(f"/api/v1/public/catalog/drafts/{closed_id}/comments", json={"text": "建议"})
    assert early.status_code == 422 and early.json()["article"] == "Art. 10.2"
    assert client.post("/api/v1/public/catalog/drafts/987654/comments", json={"text": "建议"}).status_code == 404
    assert client.post(f"/api/v1/public/catalog/drafts/{open_id}/comments", json={"text": ""}).status_code == 422
    listed = client.get("/api/v1/public/catalog/drafts").json()
    [mine] = [d for d in listed if d["id"] == open_id]
    assert mine["comments"][0]["channel"] == "api" and "021-12345678" not in str(listed)
    with session_scope(engine) as s:
        assert s.scalars(select(CatalogComment.contact)).one() == "021-12345678"


@pytest.mark.article("Art. 10.2")
def test_the_version_of_many_records_is_looked_up_with_one_read(engine):
    organ, _ = add_provider(engine)
    with session_scope(engine) as s:
        assert compilation.version_lookup(s)(now()) is None  # no version yet
    first = now()
    through_publication(engine, organ)
    through_publication(engine, organ, item={**ITEM, "code": "second-item"}, start=TODAY + timedelta(days=40))
    with session_scope(engine) as s:
        at = {v.version: v.published_at for v in s.scalars(select(CatalogVersion))}
        probes = [first, at[1] - timedelta(microseconds=1), at[1], at[1] + (at[2] - at[1]) / 2, at[2],
                  at[2] + timedelta(days=365)]
        expected = [compilation.version_at(s, m) for m in probes]
        assert expected[-1] == 2 and expected[0] is None
        refcache.invalidate()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(s.connection().engine, "before_cursor_execute", listener)
        try:
            lookup = compilation.version_lookup(s)
            got = [lookup(m) for m in probes] + [lookup(m.isoformat()) for m in probes]
        finally:
            event.remove(s.connection().engine, "before_cursor_execute", listener)
        assert got == expected + expected
        assert len([q for q in statements if "catalog_version" in q]) == 1
        assert lookup(None) is None


@pytest.mark.article("Art. 10.1")
def test_the_console_proposes_a_retirement_under_the_units_token(engine):
    from typer.testing import CliRunner

    from xinyong.cli import app

    _organ, token = add_provider(engine)
    runner = CliRunner()
    refused = runner.invoke(app, ["catalog", "propose-retire", "no-such-item", "--reasons", "理由", "--token", token])
    assert refused.exit_code != 0 and "Art. 10.1" in refused.output
    done = runner.invoke(app, ["catalog", "propose-retire", "penalty", "--reasons", "已由国家平台统一公示",
                               "--token", token])
    assert done.exit_code == 0, done.output
    assert "to retire item penalty" in done.output
    with session_scope(engine) as s:
        [p] = s.scalars(select(compilation.CatalogProposal)).all()
        assert (p.kind, p.item_code, p.state) == ("retire", "penalty", "proposed")
