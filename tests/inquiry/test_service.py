"""Inquiries on both databases: each role gets exactly what its article allows; every inquiry logged."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from xinyong.auth import Actor
from xinyong.db import session_scope
from xinyong.errors import NotFound
from xinyong.inquiry import authorizations, service
from xinyong.models import AuditEvent, InquiryLog

from ..factories import uscc
from .conftest import ORG_USCC


def ask(engine, actor, subject=ORG_USCC, **kw):
    with session_scope(engine) as s:
        return service.inquire(s, actor=actor, subject=subject, channel="api", **kw)


def docs(answer):
    return {r["document"]["number"] for r in answer.records}


def logs(engine):
    with session_scope(engine) as s:
        return list(s.scalars(select(InquiryLog).order_by(InquiryLog.id)))


@pytest.mark.article("Art. 17.2")
def test_organ_gets_its_listed_public_items_within_the_period(engine, world):
    a = ask(engine, world.organ, purpose="permit")
    assert a.allowed and a.article == "Art. 17.2"
    # public penalty items only; not the expired one, the restored one, the revoked one, nor arrears
    assert docs(a) == {"沪罚〔2024〕1号", "沪罚〔2024〕5号"}
    marked = {r["document"]["number"]: r["markers"] for r in a.records}
    assert marked["沪罚〔2024〕5号"] == ["under_objection"] and marked["沪罚〔2024〕1号"] == []
    record = next(r for r in a.records if r["document"]["number"] == "沪罚〔2024〕1号")
    assert record["source"]["uscc"] and record["inquiry_period_ends"] == "2029-05-20"


@pytest.mark.article("Art. 17.3")
def test_authorization_opens_nonpublic_items_until_withdrawn(engine, world):
    with session_scope(engine) as s:
        auth = authorizations.grant(
            s, subject_id=world.org_id, unit_uscc=world.organ.unit_uscc, items=["arrears"], purpose="permit",
            valid_from=date(2025, 6, 1), valid_until=date(2025, 12, 31), document="授权书 2025-001",
            actor=Actor(role="subject", subject_id=world.org_id))
        auth_id = auth.id
    a = ask(engine, world.organ, purpose="permit")
    assert "沪税〔2024〕7号" in docs(a) and a.authorization_id == auth_id
    assert logs(engine)[-1].authorization_id == auth_id
    with session_scope(engine) as s:
        authorizations.withdraw(s, authorization_id=auth_id, reason="", actor=Actor(role="subject",
                                                                                      subject_id=world.org_id))
    assert "沪税〔2024〕7号" not in docs(ask(engine, world.organ, purpose="permit"))


@pytest.mark.article("Art. 17.3")
def test_only_the_subject_authorizes(engine, world):
    from xinyong.errors import Forbidden

    with session_scope(engine) as s, pytest.raises(Forbidden) as exc:
        authorizations.grant(s, subject_id=world.org_id, unit_uscc=world.agency.unit_uscc, items=["arrears"],
                             purpose="x", valid_from=date(2025, 6, 1), valid_until=date(2025, 7, 1),
                             document="d", actor=world.agency)
    assert exc.value.article == "Art. 17.3"


@pytest.mark.article("Art. 17.2")
def test_denials_are_logged_and_name_the_article(engine, world):
    a = ask(engine, world.organ, subject=world.person_ric, purpose="recruitment")
    assert not a.allowed and a.article == "Art. 17.2" and a.records == [] and a.subject is None
    last = logs(engine)[-1]
    assert (last.decision, last.article, last.purpose, last.unit_id) == ("deny", "Art. 17.2", "recruitment",
                                                                        world.organ.unit_id)
    assert last.record_ids == []


@pytest.mark.article("Art. 15")
def test_an_organ_outside_its_list_sees_what_the_public_sees_of_an_organization(engine, world):
    a = ask(engine, world.organ, purpose="recruitment")
    assert a.allowed and a.article == "Art. 15" and docs(a) == docs(ask(engine, Actor(role="public")))
    assert logs(engine)[-2].items == sorted(a.decision.items)


@pytest.mark.article("Art. 17.1")
def test_subject_sees_its_own_including_restored_marked(engine, world):
    me = Actor(role="subject", subject_id=world.org_id)
    with session_scope(engine) as s:
        a = service.inquire(s, actor=me, subject_id=world.org_id, purpose=None, channel="api")
    numbers = {r["document"]["number"]: r["markers"] for r in a.records}
    assert numbers == {"沪罚〔2024〕1号": [], "沪罚〔2023〕3号": ["restored"],
                       "沪罚〔2024〕5号": ["under_objection"], "沪税〔2024〕7号": []}


@pytest.mark.article("Art. 17.2")
def test_judicial_with_case(engine, world):
    assert not ask(engine, world.court, subject=world.person_ric).allowed
    a = ask(engine, world.court, case_no="(2025)沪01执12号")
    assert a.allowed and "沪税〔2024〕7号" in docs(a)
    assert logs(engine)[-1].case_no == "（2025）沪01执12号"  # normalised
    a = ask(engine, world.court, subject=world.person_ric, case_no="我的案子")
    assert not a.allowed and "（2025）沪01民初1234号" in a.reason


@pytest.mark.article("Art. 20(1)")
def test_operator_and_supervisor_see_no_content_without_a_case(engine, world):
    for actor in (world.operator, world.supervisor):
        a = ask(engine, actor, subject=world.person_ric, purpose="routine")
        assert not a.allowed and a.article == "Art. 20(1)"
        # of an organization, what the public sees and nothing more
        assert docs(ask(engine, actor)) == docs(ask(engine, Actor(role="public")))


@pytest.mark.article("Art. 20(1)")
def test_operator_within_an_open_case_sees_only_its_records(engine, world, monkeypatch):
    monkeypatch.setattr(service, "_case_providers",
                        [lambda _s, sid: {"YY-2025-1": frozenset({world.records["person"]})}
                         if sid == world.person_id else {}])
    a = ask(engine, world.operator, subject=world.person_ric, case_no="YY-2025-1")
    assert a.allowed and docs(a) == {"沪罚〔2024〕6号"}
    assert not ask(engine, world.operator, subject=world.person_ric, case_no="YY-2025-2").allowed


@pytest.mark.article("Art. 15")
def test_public_sees_organizations_public_items_not_persons(engine, world):
    public = Actor(role="public")
    assert docs(ask(engine, public)) == {"沪罚〔2024〕1号", "沪罚〔2024〕5号"}
    a = ask(engine, public, subject=world.person_ric)
    assert not a.allowed and a.article == "Art. 6.1" and a.subject is None


@pytest.mark.article("Art. 17.3")
def test_credit_service_public_only(engine, world):
    a = ask(engine, world.agency, purpose="credit-assessment")
    assert docs(a) == {"沪罚〔2024〕1号", "沪罚〔2024〕5号"}


def test_every_inquiry_logged_with_audit_event_and_unknown_subjects_too(engine, world):
    ask(engine, world.organ, purpose="permit")
    ask(engine, world.organ, subject=world.person_ric, purpose="funding")
    with pytest.raises(NotFound):
        ask(engine, world.organ, subject=uscc(999999), purpose="permit").raise_if_denied()
    entries = logs(engine)
    assert [e.decision for e in entries] == ["allow", "deny", "notfound"]
    assert entries[2].subject_id is None and entries[2].subject_digest
    with session_scope(engine) as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "inquiry")).all()
    assert actions == ["inquiry:allow", "inquiry:deny", "inquiry:notfound"]


@pytest.mark.article("Art. 34.1")
def test_subject_lists_who_inquired(engine, world):
    ask(engine, world.organ, purpose="permit")
    ask(engine, world.court, case_no="(2025)沪01执12号")
    with session_scope(engine) as s:
        rows = service.inquiries_about(s, world.org_id)
    assert [(r["by"]["kind"], r["purpose"], r["case_no"], r["decision"]) for r in rows] == [
        ("judicial", None, "（2025）沪01执12号", "allow"), ("administrative", "permit", None, "allow")]


def test_person_numbers_never_in_the_log_or_audit(engine, world):
    ask(engine, world.organ, subject=world.person_ric, purpose="permit")
    with session_scope(engine) as s:
        columns = InquiryLog.__table__.columns.keys()
        text = str([[getattr(e, c) for c in columns] for e in s.scalars(select(InquiryLog))])
        text += str([(e.details, e.object_id, e.actor) for e in s.scalars(select(AuditEvent))])
    assert world.person_ric not in text and world.person_ric[6:14] not in text


def test_if_the_log_cannot_be_written_no_data_is_returned(engine, world, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_write_logs", broken)
    with pytest.raises(RuntimeError):
        ask(engine, world.organ, purpose="permit")


def test_unknown_subject_id_is_a_logged_not_found(engine, world):
    with session_scope(engine) as s:
        a = service.inquire(s, actor=world.organ, subject_id=999999, purpose="permit", channel="api")
    assert not a.found and "#999999" in a.reason
    with pytest.raises(NotFound):
        a.raise_if_denied()
    assert logs(engine)[-1].decision == "notfound"


@pytest.mark.article("Art. 6.1")
def test_a_refused_inquiry_reads_the_same_for_a_known_and_an_unknown_person(engine, world):
    """Whether a natural person is on the platform is information too: a refusal does not tell."""
    from ..factories import ric

    known = ask(engine, Actor(role="public"), subject=world.person_ric)
    unknown = ask(engine, Actor(role="public"), subject=ric(date(1990, 1, 2), seq=777))
    assert (known.allowed, known.found, known.article, known.reason, known.subject) == \
        (unknown.allowed, unknown.found, unknown.article, unknown.reason, unknown.subject)
    assert [e.decision for e in logs(engine)[-2:]] == ["deny", "deny"]


@pytest.mark.article("Art. 14.1")
def test_credit_service_gets_a_persons_penalty_only_because_a_law_publishes_it(engine, world):
    a = ask(engine, world.agency, subject=world.person_ric, purpose="credit-assessment")
    assert a.allowed and a.article == "Art. 14.1" and docs(a) == {"沪罚〔2024〕6号"}
    assert a.subject["name"] and a.subject["identifier"] != world.person_ric  # masked


@pytest.mark.article("Art. 17.2")
@pytest.mark.parametrize("with_lists", [False, True])
def test_a_decision_on_configuration_alone_is_made_once_for_every_subject_of_a_kind(engine, world, monkeypatch,
                                                                                    with_lists):
    """``rules.decide`` remembers a decision that reads no subject's authorizations nor a case (keyed by the
    reference data it read). The inquiry without lists handed it fresh empty mappings each time, so it never
    remembered one: every inquiry decided again."""
    from xinyong.inquiry import rules

    monkeypatch.setattr(rules, "_MEMO", {})
    decided = []
    original = rules._decide
    monkeypatch.setattr(rules, "_decide", lambda req, facts: decided.append(req.target_id) or original(req, facts))
    first = ask(engine, world.organ, purpose="permit", with_lists=with_lists)
    second = ask(engine, world.organ, purpose="permit", with_lists=with_lists)
    assert decided == [world.org_id]
    assert docs(first) == docs(second) == {"沪罚〔2024〕1号", "沪罚〔2024〕5号"}
    assert second.decision is first.decision and len(logs(engine)) == 2


@pytest.mark.article("Art. 17.1")
def test_a_subjects_own_inquiry_is_decided_once_too(engine, world, monkeypatch):
    """An asker of no unit (the subject itself) read no organ's inquiry list: that empty list was a fresh ``{}``
    each time as well, so its decision was never remembered either."""
    from xinyong.inquiry import rules

    monkeypatch.setattr(rules, "_MEMO", {})
    decided = []
    original = rules._decide
    monkeypatch.setattr(rules, "_decide", lambda req, facts: decided.append(req.target_id) or original(req, facts))
    me = Actor(role="subject", subject_id=world.org_id)
    first, second = ask(engine, me, purpose=None), ask(engine, me, purpose=None)
    assert first.allowed and decided == [world.org_id]
    assert docs(first) == docs(second) and "沪税〔2024〕7号" in docs(first)  # its own non-public item too
    assert second.decision is first.decision and len(logs(engine)) == 2
