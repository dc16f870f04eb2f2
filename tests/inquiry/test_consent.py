"""Consent records (Art. 14.2, 14.3, 17.3): the graded written consent, the prohibited kinds, notice versions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from xinyong.auth import Actor
from xinyong.db import session_scope
from xinyong.errors import Forbidden, NotFound, RuleViolation
from xinyong.inquiry import authorizations, rules, service
from xinyong.models import Authorization, InquiryLog

from .conftest import ORG_USCC

CONSOLE = Actor(role="console")


def _grant(s, world, subject_id, **kw):
    args = dict(subject_id=subject_id, unit_uscc=world.agency.unit_uscc, items=["arrears"], purpose="credit-check",
                valid_from=date(2025, 6, 1), valid_until=date(2025, 12, 31), document="授权书 2025-009",
                actor=Actor(role="subject", subject_id=subject_id))
    args.update(kw)
    return authorizations.grant(s, **args)


@pytest.mark.article("Art. 14.2")
def test_restricted_kinds_need_writing_and_the_adverse_consequences_told():
    rules.check_restricted_consent([], "other", False)  # nothing restricted: any form
    rules.check_restricted_consent(["income", "tax-amount"], "written", True)
    with pytest.raises(RuleViolation) as exc:
        rules.check_restricted_consent(["income"], "other", True)
    assert exc.value.article == "Art. 14.2" and exc.value.field == "form"
    with pytest.raises(RuleViolation) as exc:
        rules.check_restricted_consent(["deposits"], "written", False)
    assert exc.value.field == "adverse_consequences_told"
    with pytest.raises(RuleViolation):
        rules.check_restricted_consent(["shoe-size"], "written", True)
    assert rules.restricted_grade(["income"], "written", True) == {"income"}
    assert rules.restricted_grade(["income"], "other", True) == frozenset()
    assert rules.restricted_grade(["income"], None, False) == frozenset()


@pytest.mark.article("Art. 14.3")
def test_prohibited_kinds_are_never_an_authorization_scope(engine, world):
    rules.check_scope_not_prohibited(["arrears", "penalty"])
    with pytest.raises(RuleViolation) as exc:
        rules.check_scope_not_prohibited(["血型"])
    assert exc.value.article == "Art. 14.3"
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        _grant(s, world, world.person_id, items=["arrears", "medical history"])
    assert exc.value.article == "Art. 14.3"
    with session_scope(engine) as s:
        assert s.scalar(select(Authorization.id)) is None


@pytest.mark.article("Art. 14.2")
def test_a_graded_written_consent_is_recorded_and_an_ungraded_one_refused(engine, world):
    with session_scope(engine) as s, pytest.raises(RuleViolation):
        _grant(s, world, world.person_id, restricted_kinds=["income"], form="written",
               adverse_consequences_told=False)
    with session_scope(engine) as s:
        auth = _grant(s, world, world.person_id, restricted_kinds=["income", "income"], form="written",
                      adverse_consequences_told=True, adverse_text="可能影响贷款审批")
        auth_id = auth.id
    with session_scope(engine) as s:
        info = authorizations.of_subject(s, world.person_id)
        row = s.get(Authorization, auth_id)
        assert row.restricted_kinds == ["income"] and row.form == "written"
        assert row.adverse_text == "可能影响贷款审批" and row.adverse_told_at is not None
    assert [a["grade"] for a in info] == [["income"]]
    assert info[0]["withdrawn_at"] is None


@pytest.mark.article("Art. 14.2")
def test_an_organizations_authorization_names_no_restricted_kind(engine, world):
    with session_scope(engine) as s, pytest.raises(RuleViolation) as refused:
        _grant(s, world, world.org_id, restricted_kinds=["tax-amount"], form="written", adverse_consequences_told=True)
    assert refused.value.article == "Art. 14.2" and refused.value.field == "restricted_kinds"
    with session_scope(engine) as s:
        assert s.scalar(select(Authorization.id)) is None
        assert _grant(s, world, world.org_id).restricted_kinds is None  # without restricted kinds: granted


@pytest.mark.article("Art. 14.2")
def test_consent_notice_versions_and_the_version_a_consent_rests_on(engine, world):
    with session_scope(engine) as s, pytest.raises(Forbidden):
        authorizations.publish_notice(s, text_zh="告知", text_en="notice", published_on=date(2025, 1, 1),
                                      actor=Actor(role="subject", subject_id=world.person_id))
    with session_scope(engine) as s:
        v1 = authorizations.publish_notice(s, text_zh="告知一", text_en="notice one",
                                           published_on=date(2025, 1, 1), actor=CONSOLE)
        v2 = authorizations.publish_notice(s, text_zh="告知二", text_en="notice two",
                                           published_on=date(2025, 3, 1), actor=CONSOLE)
        assert (v1.version, v2.version) == (1, 2)
        assert authorizations.current_notice(s, date(2025, 2, 1)).version == 1
        assert authorizations.current_notice(s, date(2025, 3, 1)).version == 2
        older = _grant(s, world, world.person_id, notice_version=1)
        current = _grant(s, world, world.person_id)
        assert older.notice_id == v1.id and current.notice_id == v2.id
        with pytest.raises(NotFound):
            _grant(s, world, world.person_id, notice_version=9)


@pytest.mark.article("Art. 17.3")
def test_a_credit_service_inquiry_carries_its_consent_and_a_withdrawn_one_no_longer_opens(engine, world):
    # An enterprise's tax arrears: not a restricted kind (Art. 14.2 protects natural persons) — no grade needed.
    with session_scope(engine) as s:
        auth_id = _grant(s, world, world.org_id, form="other").id
    with session_scope(engine) as s:
        a = service.inquire(s, actor=world.agency, subject=ORG_USCC, channel="api", purpose="credit-check")
    assert "沪税〔2024〕7号" in {r["document"]["number"] for r in a.records}
    with session_scope(engine) as s:
        last = s.scalars(select(InquiryLog).order_by(InquiryLog.id.desc()).limit(1)).one()
        assert last.authorization_id == auth_id and last.actor_role == "credit-service"
        authorizations.withdraw(s, authorization_id=auth_id, reason="不再同意",
                                actor=Actor(role="subject", subject_id=world.org_id))
    with session_scope(engine) as s:
        a = service.inquire(s, actor=world.agency, subject=ORG_USCC, channel="api", purpose="credit-check")
    assert "沪税〔2024〕7号" not in {r["document"]["number"] for r in a.records}


# --- Art. 14.2 in the visibility decision: a natural person's restricted fields ------------------------------

def _restricted_item_and_records(engine, world) -> None:
    """An item whose ``amount_yuan`` is of the restricted kind income, with a record of the person and one of
    the organization (created here: no shipped item has such a field)."""
    from decimal import Decimal

    from xinyong import refcache
    from xinyong.clock import now
    from xinyong.models import CatalogItem, Unit
    from xinyong.record.service import insert_records

    from ..helpers import TODAY

    with session_scope(engine) as s:
        s.add(CatalogItem(code="income-proof", name_zh="收入证明信息", name_en="Proof of income", item_class="neutral",
                          untrustworthy=False, article="Art. 14.2", legal_basis="测试", disclosure="authorized",
                          record_format="general", providers="测试", state="published",
                          published_on=date(2020, 1, 1), fields=["content", "amount_yuan"],
                          field_kinds={"amount_yuan": "income"}))
        s.flush()
        unit_id = s.scalar(select(Unit.id).where(Unit.kind == "administrative"))
        rows = [(sid, unit_id, "income-proof", False, doc, date(2025, 3, 1), "某局", None, None, "provided", None,
                 None, Decimal("8000"), {"content": "收入证明", "amount_yuan": "8000", "amount_unit": "元"},
                 f"d-{doc}", "active", False, 1, None, n + 50, now())
                for n, (sid, doc) in enumerate(((world.person_id, "收入〔2025〕1号"), (world.org_id, "收入〔2025〕2号")))]
        insert_records(s, rows)
    refcache.invalidate()
    assert TODAY >= date(2025, 6, 1)


def _income_records(engine, world, ident, **grant_kw):
    with session_scope(engine) as s:
        sid = world.person_id if ident == world.person_ric else world.org_id
        auth_id = _grant(s, world, sid, items=["income-proof"], **grant_kw).id
    with session_scope(engine) as s:
        a = service.inquire(s, actor=world.agency, subject=ident, channel="api", purpose="credit-check")
        last = s.scalars(select(InquiryLog).order_by(InquiryLog.id.desc()).limit(1)).one()
    [rec] = [r for r in a.records if r["item"]["code"] == "income-proof"]
    return auth_id, rec, last


@pytest.mark.article("Art. 14.2")
def test_a_persons_restricted_field_is_withheld_from_a_credit_service_without_a_consent_of_that_grade(engine, world):
    _restricted_item_and_records(engine, world)
    auth_id, rec, last = _income_records(engine, world, world.person_ric)  # an authorization, no grade
    assert last.authorization_id == auth_id
    assert rec["amount_yuan"] is None and rec["withheld"] == ["amount_yuan"]
    assert rec["content"] == {"content": "收入证明"}  # amount_unit derives from the amount: withheld with it
    assert "8000" not in str(rec)
    assert last.bases["withheld:income-proof"] == "amount_yuan"
    assert rec["id"] in last.record_ids  # the record is served, without the field


@pytest.mark.article("Art. 14.2")
def test_a_written_consent_told_of_the_adverse_consequences_opens_the_restricted_field(engine, world):
    _restricted_item_and_records(engine, world)
    # a grade of another kind does not open income
    _a, rec, _l = _income_records(engine, world, world.person_ric, restricted_kinds=["deposits"], form="written",
                                  adverse_consequences_told=True)
    assert rec["amount_yuan"] is None and rec["withheld"] == ["amount_yuan"]
    auth_id, rec, last = _income_records(engine, world, world.person_ric, restricted_kinds=["income"],
                                         form="written", adverse_consequences_told=True)
    assert last.authorization_id == auth_id  # the inquiry carries the consent it rests on
    assert rec["amount_yuan"] == "8000.00" and rec["content"]["amount_yuan"] == "8000"
    assert "withheld" not in rec and not (last.bases or {}).get("withheld:income-proof")


@pytest.mark.article("Art. 14.2")
def test_an_enterprises_field_of_the_same_kind_is_not_withheld(engine, world):
    _restricted_item_and_records(engine, world)
    _a, rec, last = _income_records(engine, world, ORG_USCC, form="other")
    assert rec["amount_yuan"] == "8000.00" and rec["content"]["amount_yuan"] == "8000" and "withheld" not in rec
    assert "withheld:income-proof" not in (last.bases or {})


@pytest.mark.article("Art. 14.2")
def test_withheld_fields_rule_only_for_credit_services_about_persons():
    item = rules.ItemFacts("x", "authorized", False, restricted_fields=(("amount_yuan", "income"),
                                                                         ("remarks", "real-estate")))
    plain = rules.ItemFacts("y", "authorized", False)
    auth = rules.AuthorizationFacts(7, 1, frozenset({"x"}), "p", date(2025, 1, 1), date(2025, 12, 31),
                                    grade=frozenset({"income"}))
    by_auth = rules.Access(True, "Art. 17.3", "", "authorization:7")
    items, access = {"x": item, "y": plain}, {"x": by_auth, "y": by_auth}
    assert rules.withheld_fields(rules.K_CREDIT_SERVICE, rules.PERSON, items, access, [auth]) == {
        "x": frozenset({"remarks"})}
    assert rules.withheld_fields(rules.K_CREDIT_SERVICE, rules.PERSON, items, access, []) == {
        "x": frozenset({"amount_yuan", "remarks"})}
    public = rules.Access(True, "Art. 14.1", "", "public-by-law")  # not a consent: no grade
    assert rules.withheld_fields(rules.K_CREDIT_SERVICE, rules.PERSON, items, {"x": public}, [auth]) == {
        "x": frozenset({"amount_yuan", "remarks"})}
    assert rules.withheld_fields(rules.K_CREDIT_SERVICE, "organization", items, access, []) == {}
    assert rules.withheld_fields(rules.K_SELF, rules.PERSON, items, access, []) == {}
    assert rules.served_content({"amount_yuan": "1", "content": "c"}, frozenset({"amount_yuan"})) == {"content": "c"}


@pytest.mark.article("Art. 14.3")
def test_an_inquiry_naming_an_item_of_a_prohibited_kind_is_refused_before_anything_is_read(engine, world):
    from fastapi.testclient import TestClient

    from xinyong.app import create_app
    from xinyong.unit import service as units

    with session_scope(engine) as s:
        provider = units.actor_for(units.get_by_uscc(s, world.organ.unit_uscc))
        before = s.scalar(select(InquiryLog.id).order_by(InquiryLog.id.desc()).limit(1))
        for item in ("blood type", "病史"):
            with pytest.raises(RuleViolation) as exc:
                service.find_own_records(s, actor=provider, subject=world.person_ric, item_code=item,
                                         doc_no="沪罚〔2024〕6号", channel="api")
            assert exc.value.article == "Art. 14.3"
            with pytest.raises(RuleViolation) as exc:
                service.find_own_record_views(s, actor=provider, subject=world.person_ric, item_code=item,
                                              channel="portal")
            assert exc.value.article == "Art. 14.3"
        assert s.scalar(select(InquiryLog.id).order_by(InquiryLog.id.desc()).limit(1)) == before
    with TestClient(create_app(engine)) as c:
        resp = c.post("/api/v1/records/find", headers={"Authorization": f"Bearer {world.organ_token}"},
                      json={"catalog_item": "fingerprint", "doc_no": "x", "subject": world.person_ric})
    assert resp.status_code == 422 and resp.json()["article"] == "Art. 14.3"


@pytest.mark.article("Art. 14.2")
def test_the_hot_inquiry_route_withholds_the_field_and_carries_the_consent(engine, world):
    from fastapi.testclient import TestClient

    from xinyong.app import create_app
    from xinyong.inquiry.schemas import InquiryRead

    _restricted_item_and_records(engine, world)
    with session_scope(engine) as s:
        plain = _grant(s, world, world.person_id, items=["income-proof"]).id
    with TestClient(create_app(engine)) as c:
        def ask():
            resp = c.post("/api/v1/inquiries", headers={"Authorization": f"Bearer {world.agency_token}"},
                          json={"subject": world.person_ric, "purpose": "credit-check"})
            assert resp.status_code == 200, resp.text
            body = resp.json()
            InquiryRead.model_validate(body)
            return body, next(r for r in body["records"] if r["item"]["code"] == "income-proof")

        body, rec = ask()
        assert body["authorization_id"] == plain and rec["withheld"] == ["amount_yuan"]
        assert rec["amount_yuan"] is None and "amount_yuan" not in rec["content"]
        with session_scope(engine) as s:
            graded = _grant(s, world, world.person_id, items=["income-proof"], form="written",
                            restricted_kinds=["income"], adverse_consequences_told=True).id
        body, rec = ask()
        assert body["authorization_id"] == graded and rec["amount_yuan"] == "8000.00" and "withheld" not in rec
