"""The publication pages, without signing in, on both databases: the catalog (Art. 10.2), the organs'
inquiry lists (Art. 17.2), the application list with its official announcements (Art. 22, 32.2), the lists with
their comment records, conditions and public entries (Art. 24, 25.3), the service norms (Art. 18.1) — each page
in zh and en, and its JSON twin under /api/v1/public without a token."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.listing import service as listing
from xinyong.measure import service as measures
from xinyong.models import AuditEvent, InquiryLog, ListEntry
from xinyong.unit import service as units

from ..inquiry.conftest import ORG_USCC, world  # noqa: F401  (fixture)
from ..measure.conftest import RESPONSIBLE_RIC, SUPERVISOR, add_measure, black_list, name_list
from .support import portal_client



def _name(engine, subject_id):
    from xinyong.models import Subject

    with session_scope(engine) as s:
        return s.get(Subject, subject_id).name


def _check(engine, organ, subject=ORG_USCC):
    with session_scope(engine) as s:
        return {m["code"] for m in measures.check(s, actor=organ, subjects_raw=[subject], context="permit",
                                                  channel="api")["subjects"][0]["measures"]}


@pytest.fixture
def published(engine, world):  # noqa: F811
    """A public black list with the organization and the natural person on it; an organs-only list; a draft
    list out for comment with two comments (one answered); measures announced, not yet, and never."""
    with session_scope(engine) as s:
        pub = black_list(s, world.organ, code="BL-PUB", disclosure="public")
        organs_only = black_list(s, world.organ, code="BL-ORG")
        name_list(s, world.organ, pub)
        for lid in (pub, organs_only):
            listing.enter(s, list_id=lid, subject=ORG_USCC, ground="(2)", ground_text="串通投标",
                          document=f"沪市监〔2025〕{lid}号", decided_on=date(2025, 6, 1), actor=world.organ,
                          persons=[{"role": "legal-representative", "name": "王某", "identifier": RESPONSIBLE_RIC}])
        listing.enter(s, list_id=pub, subject=world.person_ric, ground="(1)", ground_text="销售假药",
                      document="沪市监〔2025〕77号", decided_on=date(2025, 6, 2), actor=world.organ)
        draft = listing.define(s, code="BL-DRAFT", name="食品安全严重失信名单", kind="black",
                               keeper_organ="上海市市场监督管理局", entry_standard="食品安全严重违法",
                               legal_basis="《食品安全法》", entry_requirements="较重行政处罚",
                               removal_requirements="满三年", remedy_paths="行政复议",
                               comment_from=date(2025, 6, 1), comment_to=date(2025, 7, 15), actor=world.organ)
        c1 = listing.record_comment(s, list_id=draft.id, received_on=date(2025, 6, 5),
                                    summary="建议明确“较重行政处罚”的范围", actor=world.organ)
        listing.respond_to_comment(s, comment_id=c1.id, response="已采纳：以罚款十万元以上为限", actor=world.organ)
        listing.record_comment(s, list_id=draft.id, received_on=date(2025, 6, 9), summary="建议缩短移出期限",
                               actor=world.organ)
        add_measure(s, "P-PENALTY")  # published and announced today
        m = add_measure(s, "P-UNANNOUNCED", publish_on=None)
        measures.publish(s, measure=m, actor=SUPERVISOR)
        m = add_measure(s, "P-TOMORROW", publish_on=None)
        measures.publish(s, measure=m, actor=SUPERVISOR)
        measures.announce(s, measure=m, announced_in="credit-shanghai", document="沪信用公告〔2025〕9号",
                          on=date(2025, 6, 17), actor=SUPERVISOR)
        add_measure(s, "P-DRAFT", publish_on=None)
        operator_unit = units.get_by_uscc(s, world.operator.unit_uscc)
        _, operator_token = units.add_officer(s, unit=operator_unit, staff_no="OPE-7", name="王五", items=None,
                                              purposes=None, expires_at=None, actor=CONSOLE)
    return {"world": world, "operator_token": operator_token}


def test_the_catalog_with_fields_basis_disclosure_and_providing_units(engine, world):  # noqa: F811
    c = portal_client(engine)
    page = c.get("/catalog")
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    assert "欠缴依法应当缴纳的税款" in page.text and "《中华人民共和国税收征收管理法》第四十五条" in page.text
    assert "公开" in page.text and "信息主体授权" in page.text  # disclosure levels as words, not codes
    assert "authorized" not in page.text
    data = c.get("/api/v1/public/catalog").json()  # no token
    penalty = next(i for i in data if i["code"] == "penalty")
    assert penalty["providing_units"] and penalty["disclosure"] == "public" and penalty["legal_basis"]
    assert penalty["providing_units"][0]["name"] in page.text
    en = c.get("/catalog?lang=en")
    assert "Providing units" in en.text and penalty["providing_units"][0]["uscc"] in en.text


@pytest.mark.article("Art. 17.2")
def test_the_organs_inquiry_lists_with_their_publication_dates(engine, world):  # noqa: F811
    c = portal_client(engine)
    page = c.get("/organs")
    assert page.status_code == 200
    assert "上海市某区人民政府办公室" in page.text and "实施行政许可" in page.text and "2025年6月16日" in page.text
    assert "上海某信用评估有限公司" not in page.text  # publishes no inquiry list
    [organ] = c.get("/api/v1/public/organs").json()
    assert organ["uscc"] == world.organ.unit_uscc and organ["published_on"] == "2025-06-16"
    assert {e["code"] for e in organ["entries"]} == {"penalty", "arrears"}
    assert "administrative licensing" in c.get("/organs?lang=en").text


@pytest.mark.article("Art. 32.2")
def test_a_measure_counts_as_announced_only_from_its_announcement_and_while_on_the_page(engine, published):
    w = published["world"]
    c = portal_client(engine)
    page = c.get("/measures")
    assert page.status_code == 200
    for code in ("P-PENALTY", "P-UNANNOUNCED", "P-TOMORROW"):
        assert f'id="measure-{code}"' in page.text
    assert "P-DRAFT" not in page.text  # a draft is not on the published list
    assert "上海市人民政府公报" in page.text and "信用上海" in page.text and "2025年6月17日" in page.text
    assert "尚未正式公布" in page.text
    rows = {m["code"]: m for m in c.get("/api/v1/public/measures").json()}  # no token
    assert set(rows) == {"P-PENALTY", "P-UNANNOUNCED", "P-TOMORROW"}
    assert rows["P-PENALTY"]["announced"] and rows["P-PENALTY"]["announcement"]["where"] == "gazette"
    assert not rows["P-UNANNOUNCED"]["announced"] and rows["P-UNANNOUNCED"]["announcement"] is None
    assert not rows["P-TOMORROW"]["announced"] and rows["P-TOMORROW"]["announcement"]["on"] == "2025-06-17"
    # the gate: only the announced measure is returned by a check
    assert _check(engine, w.organ) == {"P-PENALTY"}
    # the supervisor announces through the API (its own token), audited like publishing
    h = {"Authorization": f"Bearer {w.supervisor_token}"}
    body = {"announced_in": "national-memorandum", "document": "发改财金〔2016〕1580号", "announced_on": "2025-06-16"}
    assert c.post("/api/v1/measures/P-UNANNOUNCED/announcement", json=body,
                  headers={"Authorization": f"Bearer {w.organ_token}"}).status_code == 403
    bad = c.post("/api/v1/measures/P-UNANNOUNCED/announcement", json={**body, "announced_in": "weibo"}, headers=h)
    assert bad.status_code == 422 and bad.json()["article"] == "Art. 22"
    r = c.post("/api/v1/measures/P-UNANNOUNCED/announcement", json=body, headers=h)
    assert r.status_code == 200 and r.json()["announcement"]["document"] == "发改财金〔2016〕1580号"
    assert _check(engine, w.organ) == {"P-PENALTY", "P-UNANNOUNCED"}
    with session_scope(engine) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "measure",
                                                    AuditEvent.action == "measure:announce")).all()
    assert len(events) == 3  # P-PENALTY and P-TOMORROW in the set-up, then the API
    # withdrawn: off the page, and no longer announced whatever its announcement says
    with session_scope(engine) as s:
        measures.withdraw(s, measure="P-UNANNOUNCED", actor=SUPERVISOR)
    assert "P-UNANNOUNCED" not in c.get("/measures").text
    assert _check(engine, w.organ) == {"P-PENALTY"}
    en = c.get("/measures?lang=en")
    assert "Official announcement" in en.text and "Punishment (Art. 30)" in en.text


@pytest.mark.article("Art. 25.3")
def test_a_public_lists_page_shows_its_conditions_and_the_organizations_entries_only(engine, published):
    w = published["world"]
    c = portal_client(engine)
    index = c.get("/lists")
    assert index.status_code == 200
    for code in ("BL-PUB", "BL-ORG", "BL-DRAFT"):
        assert f'href="/lists/{code}"' in index.text
    page = c.get("/lists/BL-PUB")
    assert page.status_code == 200
    assert "受到较重行政处罚" in page.text and "公示满三年" in page.text and "行政复议、行政诉讼" in page.text
    org_name = _name(engine, w.org_id)
    assert org_name in page.text and ORG_USCC in page.text and "沪市监〔2025〕" in page.text
    # the natural person on the same public list: neither the name, the number nor the entry's document
    assert "沪市监〔2025〕77号" not in page.text and w.person_ric not in page.text
    assert w.person_ric[:6] + "********" not in page.text
    assert "王某" not in page.text and RESPONSIBLE_RIC not in page.text and RESPONSIBLE_RIC[-4:] not in page.text
    with session_scope(engine) as s:
        logs = s.scalars(select(InquiryLog).where(InquiryLog.channel == "portal")).all()
        shown = s.scalar(select(ListEntry.id).where(ListEntry.subject_id == w.org_id,
                                                    ListEntry.document.like("%〔2025〕%"),
                                                    ListEntry.list_id == listing.get_list(s, "BL-PUB").id))
    # one inquiry, by the public, naming exactly the entry it revealed
    assert [(x.subject_id, x.actor_role, x.entry_ids) for x in logs] == [(w.org_id, "public", [shown])]
    data = c.get("/api/v1/public/lists/BL-PUB").json()
    assert [e["identifier"] for e in data["entries"]] == [ORG_USCC]
    assert data["conditions"]["remedies"] == "行政复议、行政诉讼"
    # a list seen by organs only: conditions published, entries not
    other = c.get("/lists/BL-ORG")
    assert other.status_code == 200 and org_name not in other.text and "公示满三年" in other.text
    assert c.get("/api/v1/public/lists/BL-ORG").json()["entries"] == []
    assert c.get("/lists/NO-SUCH").status_code == 404
    assert c.get("/api/v1/public/lists/NO-SUCH").status_code == 404


@pytest.mark.article("Art. 24")
def test_a_standard_put_out_for_comment_shows_its_comments_and_each_response(engine, published):
    w = published["world"]
    c = portal_client(engine)
    page = c.get("/lists/BL-DRAFT")
    assert page.status_code == 200
    assert "食品安全严重违法" in page.text and "2025年6月1日" in page.text and "2025年7月15日" in page.text
    assert "建议明确“较重行政处罚”的范围" in page.text and "已采纳：以罚款十万元以上为限" in page.text
    assert "建议缩短移出期限" in page.text and "尚未答复" in page.text
    assert "满三年" not in page.text  # not published: its conditions are not yet binding, nor shown
    data = c.get("/api/v1/public/lists/BL-DRAFT").json()
    assert data["comments_received"] == 2 and data["comments_answered"] == 1 and data["entries"] is None
    assert "Comments received and the response to each" in c.get("/lists/BL-DRAFT?lang=en").text
    # a comment outside the comment period is not one the standard received (Art. 24); through the API too
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        listing.record_comment(s, list_id="BL-DRAFT", received_on=date(2025, 5, 31), summary="晚了", actor=w.organ)
    assert exc.value.article == "Art. 24"
    h = {"Authorization": f"Bearer {w.organ_token}"}
    r = c.post("/api/v1/lists/BL-DRAFT/comments", json={"received_on": "2025-06-10", "summary": "建议公开听证"},
               headers=h)
    assert r.status_code == 201
    r = c.post(f"/api/v1/list-comments/{r.json()['id']}/response", json={"response": "不予采纳：已书面征求意见"},
               headers=h)
    assert r.status_code == 200 and r.json()["responded_on"] == "2025-06-16"
    assert c.post("/api/v1/lists/BL-DRAFT/comments", json={"received_on": "2025-06-10", "summary": "x"},
                  headers={"Authorization": f"Bearer {w.supervisor_token}"}).status_code == 403
    assert c.get("/api/v1/public/lists/BL-DRAFT").json()["comments_answered"] == 2


@pytest.mark.article("Art. 18.1")
def test_the_operator_edits_the_service_norms_and_every_version_is_kept(engine, published):
    w = published["world"]
    c = portal_client(engine)
    assert "尚未公布" in c.get("/service").text
    assert c.get("/api/v1/public/service").status_code == 404
    assert c.get("/console/service", follow_redirects=False).headers["location"].startswith("/login")
    form = {"windows": "黄浦区人民大道200号 市公共信用信息服务中心窗口", "hours": "工作日 9:00–17:00",
            "reports": "凭身份证件到窗口或登录本平台申请", "objections": "登录后在“我的异议”提交，或到窗口书面提出"}
    organ = portal_client(engine)
    organ.sign_in(w.organ_token)
    assert organ.get("/console/service").status_code == 403
    assert organ.post("/console/service", data=form).status_code == 403
    c.sign_in(published["operator_token"])
    assert c.get("/console/service").status_code == 200
    assert c.post("/console/service", data=form, no_csrf=True).status_code == 403
    missing = c.post("/console/service", data={**form, "hours": " "})
    assert missing.status_code == 422 and "第十八条" in missing.text
    r = c.post("/console/service", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/service?saved=1"
    r = c.post("/console/service", data={**form, "hours": "工作日 8:30–17:30", "effective_on": "2025-07-01"},
               follow_redirects=False)
    assert r.headers["location"] == "/console/service?saved=2"
    public = portal_client(engine)
    page = public.get("/service")
    assert "工作日 8:30–17:30" in page.text and "9:00–17:00" not in page.text and "2025年7月1日" in page.text
    data = public.get("/api/v1/public/service").json()
    assert data["version"] == 2 and data["effective_on"] == "2025-07-01"
    console = c.get("/console/service")
    assert console.text.count("<tr><td>") == 2  # both versions kept
    with session_scope(engine) as s:
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.object_type == "service_norm",
                                                      AuditEvent.action == "service-norm:edit")).all()) == 2


def test_the_home_page_links_the_publication_pages(engine):
    html = portal_client(engine).get("/").text
    for path in ("/catalog", "/organs", "/measures", "/lists", "/service", "/transparency"):
        assert f'href="{path}"' in html
