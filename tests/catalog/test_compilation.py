"""Compiling the catalog (Art. 10): a unit proposes an item with its reasons; a contested proposal is assessed with the
supervisor (representatives and experts heard); the supervisor compiles a draft, puts it out for public comment for at
least ``catalog.comment_min_days``, answers every comment; the deliberative body approves it; its publication is a
numbered version, from which day the items are aggregated — on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from xinyong.auth import CONSOLE, Actor
from xinyong.catalog import compilation
from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from xinyong.models import AuditEvent, CatalogItem, CatalogVersion
from xinyong.record import importer
from xinyong.unit import service as units

from ..factories import OTHER_PROVIDER_USCC, to_csv, uscc
from ..helpers import TODAY, add_provider

SUPERVISOR = Actor(role="supervisor")
ITEM = {"code": "tax-credit-a", "name_zh": "纳税信用A级纳税人", "name_en": "Grade-A taxpayers",
        "class": "positive", "untrustworthy": False, "article": "Art. 9.1", "legal_basis": "《纳税信用管理办法》",
        "disclosure": "public", "record_format": "general",
        "fields": ["catalog_item", "subject_name", "subject_id", "doc_no", "doc_date", "doc_org", "content"],
        "providers": "国家税务总局上海市税务局"}


def _organ(engine) -> Actor:
    actor, _token = add_provider(engine)
    return actor


def _through_comment(engine, organ: Actor, *, contested: bool = False) -> int:
    with session_scope(engine) as s:
        p = compilation.propose(s, item=ITEM, reasons="纳税信用A级名单依法公开，便于守信激励", contested=contested,
                                actor=organ, on=TODAY)
        if contested:
            compilation.record_assessment(s, proposal_id=p.id, held_on=TODAY, representatives=["市工商联代表"],
                                          experts=["某大学法学院教授"], conclusion="同意纳入", actor=SUPERVISOR)
        d = compilation.compile_draft(s, title="2025年目录（征求意见稿）", proposal_ids=[p.id],
                                      procedures="归集程序：提供单位按月报送……", actor=SUPERVISOR, on=TODAY)
        compilation.put_out_for_comment(s, draft_id=d.id, comment_from=TODAY, comment_to=TODAY + timedelta(days=29),
                                        actor=SUPERVISOR)
        return d.id


@pytest.mark.article("Art. 10.1")
def test_a_proposal_states_its_reasons_and_a_contested_one_is_assessed_first(engine):
    organ = _organ(engine)
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation) as no_reasons:
            compilation.propose(s, item=ITEM, reasons="  ", contested=False, actor=organ)
        assert no_reasons.value.article == "Art. 10.1" and no_reasons.value.field == "reasons"
        with pytest.raises(Forbidden):  # a credit service establishment proposes nothing
            compilation.propose(s, item=ITEM, reasons="理由", contested=False, actor=Actor(role="credit-service"))
        with pytest.raises(RuleViolation) as prohibited:  # Art. 14.3: never a catalog field
            compilation.propose(s, item={**ITEM, "fields": [*ITEM["fields"], "blood_type"]}, reasons="理由",
                                contested=False, actor=organ)
        assert prohibited.value.article == "Art. 14.3"
        with pytest.raises(InvalidInput):
            compilation.propose(s, item={k: v for k, v in ITEM.items() if k != "legal_basis"}, reasons="理由",
                                contested=False, actor=organ)
        p = compilation.propose(s, item=ITEM, reasons="守信激励", contested=True, actor=organ, on=TODAY)
        with pytest.raises(RuleViolation) as unassessed:
            compilation.compile_draft(s, title="草案", proposal_ids=[p.id], procedures=None, actor=SUPERVISOR)
        assert unassessed.value.article == "Art. 10.1"
        with pytest.raises(RuleViolation) as no_experts:
            compilation.record_assessment(s, proposal_id=p.id, held_on=TODAY, representatives=["纳税人代表"],
                                          experts=[], conclusion="同意", actor=SUPERVISOR)
        assert no_experts.value.field == "experts"
        with pytest.raises(Forbidden):
            compilation.record_assessment(s, proposal_id=p.id, held_on=TODAY, representatives=["纳税人代表"],
                                          experts=["专家"], conclusion="同意", actor=CONSOLE)
        compilation.record_assessment(s, proposal_id=p.id, held_on=TODAY, representatives=["纳税人代表"],
                                      experts=["某大学教授"], conclusion="同意纳入，字段从简", actor=SUPERVISOR)
        d = compilation.compile_draft(s, title="草案", proposal_ids=[p.id], procedures=None, actor=SUPERVISOR)
        assert compilation.draft_view(s, d)["proposals"][0]["assessments"][0]["experts"] == ["某大学教授"]


@pytest.mark.article("Art. 10.2")
def test_the_draft_is_commented_answered_approved_and_published_as_a_version(engine, tmp_path):
    organ = _organ(engine)
    draft_id = _through_comment(engine, organ)
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation) as early:  # a period shorter than the minimum
            d2 = compilation.compile_draft(
                s, title="另一草案", proposal_ids=[compilation.propose(s, item={**ITEM, "code": "x-item"},
                                                                    reasons="理由", contested=False,
                                                                    actor=organ).id],
                procedures=None, actor=SUPERVISOR)
            compilation.put_out_for_comment(s, draft_id=d2.id, comment_from=TODAY,
                                            comment_to=TODAY + timedelta(days=10), actor=SUPERVISOR)
        assert early.value.article == "Art. 10.2" and "30" in early.value.message
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation):  # outside the period
            compilation.record_comment(s, draft_id=draft_id, received_on=TODAY + timedelta(days=40),
                                       summary="建议", actor=SUPERVISOR)
        c = compilation.record_comment(s, draft_id=draft_id, received_on=TODAY + timedelta(days=3),
                                       summary="建议写明A级名单的有效期，联系人身份证号310115198001011234", actor=SUPERVISOR)
        assert "310115198001011234" not in c.summary  # masked
        with pytest.raises(RuleViolation) as during:
            compilation.approve(s, draft_id=draft_id, document="市社会信用体系建设联席会议纪要〔2025〕3号",
                                approved_on=TODAY + timedelta(days=20), actor=SUPERVISOR)
        assert "until" in during.value.message
        with pytest.raises(RuleViolation) as unanswered:
            compilation.approve(s, draft_id=draft_id, document="纪要〔2025〕3号", approved_on=TODAY + timedelta(days=31),
                                actor=SUPERVISOR)
        assert unanswered.value.field == "comments"
        with pytest.raises(RuleViolation):  # not yet approved
            compilation.publish(s, draft_id=draft_id, actor=SUPERVISOR, on=TODAY + timedelta(days=31))
        compilation.respond(s, comment_id=c.id, response="采纳：在字段中增加有效期", actor=SUPERVISOR,
                            on=TODAY + timedelta(days=5))
        compilation.approve(s, draft_id=draft_id, document="市社会信用体系建设联席会议纪要〔2025〕3号",
                            approved_on=TODAY + timedelta(days=31), actor=SUPERVISOR)
        version = compilation.publish(s, draft_id=draft_id, actor=SUPERVISOR, on=TODAY + timedelta(days=32))
        assert version.version == 1 and [i["code"] for i in version.items] == ["tax-credit-a"]
    with session_scope(engine) as s:
        item = s.get(CatalogItem, "tax-credit-a")
        assert (item.state, item.published_on) == ("published", TODAY + timedelta(days=32))
        view = compilation.public_drafts(s)[0]
        assert view["state"] == "published" and view["version"] == 1
        assert view["comments"][0]["response"].startswith("采纳") and view["approval"]["document"].startswith("市社会")
        assert view["procedures"].startswith("归集程序")
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("catalog:%"))))
        assert {"catalog:propose", "catalog:draft", "catalog:comment-period", "catalog:comment", "catalog:respond",
                "catalog:approve", "catalog:publish-version"} <= actions
        # the version in force when a record is received
        published_at = s.scalars(select(CatalogVersion.published_at)).one()
        assert compilation.version_at(s, published_at - timedelta(seconds=1)) is None
        assert compilation.version_at(s, published_at + timedelta(days=1)) == 1
        with pytest.raises(Conflict):  # a published proposal is not drafted again
            compilation.compile_draft(s, title="再次", proposal_ids=[view["proposals"][0]["id"]], procedures=None,
                                      actor=SUPERVISOR)
    # from its publication day the item is aggregated, not before (Art. 11)
    provider, _token = add_provider(engine, uscc=OTHER_PROVIDER_USCC, provides=("tax-credit-a",))
    row = {"catalog_item": "tax-credit-a", "subject_name": "上海某某贸易有限公司", "subject_id": uscc(77),
           "doc_no": "沪税A〔2025〕1号", "doc_date": TODAY.isoformat(), "doc_org": "国家税务总局上海市税务局",
           "content": "2024年度纳税信用A级"}
    for name, day, accepted in (("a.csv", TODAY + timedelta(days=31), 0), ("b.csv", TODAY + timedelta(days=32), 1)):
        path = tmp_path / name
        path.write_bytes(to_csv([row]))
        batch = importer.open_batch(engine, unit_uscc=OTHER_PROVIDER_USCC, filename=name,
                                    sha256=importer.sha256_of(path), actor=provider)
        result = importer.run_import(engine, batch_id=batch, path=path, actor=provider, today=day)
        assert result.accepted == accepted, (day, result.summary())


@pytest.mark.article("Art. 10.2")
def test_the_public_reads_the_draft_and_the_console_compiles_only_under_the_supervisors_token(engine):
    organ = _organ(engine)
    draft_id = _through_comment(engine, organ)
    with session_scope(engine) as s:
        _unit, token = units.add_unit(s, name="上海市发展和改革委员会", kind="supervisor",
                                      uscc=uscc(5, prefix="11310000"), published_on=TODAY, actor=CONSOLE)
    from xinyong.app import create_app
    from fastapi.testclient import TestClient

    client = TestClient(create_app(engine))
    public = client.get("/api/v1/public/catalog/drafts")
    assert public.status_code == 200, public.text
    [draft] = public.json()
    assert draft["id"] == draft_id and draft["state"] == "out_for_comment" and draft["comment_to"]
    assert draft["proposals"][0]["reasons"].startswith("纳税信用")
    page = client.get(f"/catalog/drafts/{draft_id}")
    assert page.status_code == 200 and "征求意见" in page.text and "纳税信用A级纳税人" in page.text
    assert client.get("/catalog/drafts/987654").status_code == 404

    runner = CliRunner()
    refused = runner.invoke(app, ["catalog", "comment", str(draft_id), "--received-on", TODAY.isoformat(),
                                  "--summary", "建议"], env={"XINYONG_TOKEN": ""})
    assert refused.exit_code != 0 and "supervisor" in refused.output
    done = runner.invoke(app, ["catalog", "comment", str(draft_id), "--received-on",
                               (TODAY + timedelta(days=1)).isoformat(), "--summary", "建议公开更新频率",
                               "--token", token])
    assert done.exit_code == 0, done.output
    shown = runner.invoke(app, ["catalog", "drafts", "--json"])
    assert shown.exit_code == 0 and "建议公开更新频率" in shown.output
