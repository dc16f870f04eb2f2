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
