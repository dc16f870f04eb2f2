"""Lists on both databases: publication, entries with responsible persons, removal, remedy — audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.errors import InvalidInput, RuleViolation
from xinyong.listing import service
from xinyong.models import AuditEvent, ListEntryPerson, ListRemedy, Subject
from xinyong.subject.identifiers import mask_ric
from xinyong.subject.service import identifier_of

from ..measure.conftest import RESPONSIBLE_RIC, black_list
from ..inquiry.conftest import ORG_USCC, world  # noqa: F401


def _define(s, actor, **kw):
    args = dict(code="BL-X", name="名单", kind="black", keeper_organ="某局", entry_standard="标准",
                legal_basis="依据", entry_requirements="列入", removal_requirements="移出", remedy_paths="救济",
                comment_from=date(2025, 3, 1), comment_to=date(2025, 3, 10), actor=actor)
    args.update(kw)
    return service.define(s, **args)


@pytest.mark.article("Art. 24")
def test_black_list_not_published_before_a_long_enough_comment_period(engine, world):  # noqa: F811
    with session_scope(engine) as s:
        lst = _define(s, world.organ)
        with pytest.raises(RuleViolation) as exc:
            service.publish(s, list_id=lst.id, actor=world.organ)
        assert exc.value.article == "Art. 24"


@pytest.mark.article("Art. 25.3")
def test_entries_only_on_a_published_list_and_remedy_revocation_removes_the_entry(engine, world):  # noqa: F811
    with session_scope(engine) as s:
        draft = _define(s, world.organ, code="BL-D")
        with pytest.raises(RuleViolation) as exc:
            service.enter(s, list_id=draft.id, subject=ORG_USCC, ground="(1)", ground_text="", document="d",
                          decided_on=date(2025, 6, 1), actor=world.organ)
        assert exc.value.article == "Art. 25.3"
        list_id = black_list(s, world.organ)
        with pytest.raises(InvalidInput):  # a responsible person is identified by a valid resident ID number
            service.enter(s, list_id=list_id, subject=ORG_USCC, ground="(1)", ground_text="", document="d",
                          decided_on=date(2025, 6, 1), actor=world.organ,
                          persons=[{"role": "principal", "name": "李某", "identifier": RESPONSIBLE_RIC[:-1] + "0"}])
        entry = service.enter(s, list_id=list_id, subject=ORG_USCC, ground="1", ground_text="食品安全",
                              document="沪市监〔2025〕1号", decided_on=date(2025, 6, 1), actor=world.organ,
                              persons=[{"role": "principal", "name": "李某", "identifier": RESPONSIBLE_RIC}])
        view = service.view_entry(s, entry)
        assert view["article"] == "Art. 25.2(1)" and view["persons"][0]["identifier"] != RESPONSIBLE_RIC
        person = s.get(Subject, s.scalar(select(ListEntryPerson.subject_id)))
        assert person.kind == "natural_person" and identifier_of(person) == RESPONSIBLE_RIC
        assert person.identifier == mask_ric(RESPONSIBLE_RIC)  # the number itself only encrypted
        entry_id = entry.id
    org = Actor(role="subject", subject_id=world.org_id)
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation):
            service.apply_remedy(s, entry_id=entry_id, reason="r", actor=Actor(role="subject", subject_id=-1))
        rem = service.apply_remedy(s, entry_id=entry_id, reason="处罚已被撤销", actor=org)
        service.decide_remedy(s, remedy_id=rem.id, decided_by="court", outcome="revoked", document="(2025)沪01行终1号",
                              actor=world.organ)
        assert service.get_entry(s, entry_id).status == "revoked"
        with pytest.raises(RuleViolation) as exc:  # decided once: a later outcome is refused, nothing changes
            service.decide_remedy(s, remedy_id=rem.id, decided_by="organ", outcome="upheld", document="维持",
                                  actor=world.organ)
        assert (exc.value.article, exc.value.message) == ("Art. 25.3", "the remedy is already revoked")
        assert (s.get(ListRemedy, rem.id).status, s.get(ListRemedy, rem.id).outcome_document) == (
            "revoked", "(2025)沪01行终1号")
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.object_type.in_(
            ["credit_list", "list_entry", "list_remedy"]))))
    assert {"list:define", "list:publish", "list-entry:enter", "list-remedy:apply", "list-entry:revoke",
            "list-remedy:revoked"} <= actions
    assert not any(RESPONSIBLE_RIC in str(a) for a in actions)


@pytest.mark.article("Art. 25.3")
def test_removal_needs_the_document(engine, world):  # noqa: F811
    with session_scope(engine) as s:
        list_id = black_list(s, world.organ)
        entry = service.enter(s, list_id=list_id, subject=ORG_USCC, ground="(3)", ground_text="", document="d",
                              decided_on=date(2025, 6, 1), actor=world.organ,
                              persons=[{"role": "principal", "name": "李某", "identifier": RESPONSIBLE_RIC}])
        with pytest.raises(RuleViolation):
            service.remove(s, entry_id=entry.id, document="", reason="", actor=world.organ)
        assert service.remove(s, entry_id=entry.id, document="移出决定", reason="期满", actor=world.organ).status == "removed"
        assert service.active_entries(s, [world.org_id], date(2025, 6, 16)) == {}


@pytest.mark.article("Art. 25.3")
def test_api_list_published_entry_and_subjects_remedy(engine, world):  # noqa: F811
    from fastapi.testclient import TestClient

    from xinyong.app import create_app

    from ..inquiry.conftest import subject_token

    h = {"Authorization": f"Bearer {world.organ_token}"}
    with TestClient(create_app(engine)) as c:
        res = c.post("/api/v1/lists", headers=h, json={
            "code": "BL-API", "name": "名单", "kind": "black", "keeper_organ": "某局", "entry_standard": "标准",
            "legal_basis": "依据", "entry_requirements": "列入", "removal_requirements": "", "remedy_paths": "救济",
            "comment_from": "2025-03-01", "comment_to": "2025-04-30"})
        assert res.status_code == 201, res.text
        res = c.post("/api/v1/lists/BL-API/publish", headers=h)
        assert res.status_code == 422 and res.json()["article"] == "Art. 25.3"  # no removal requirements
        with session_scope(engine) as s:
            from xinyong.models import CreditList
            s.query(CreditList).filter(CreditList.code == "BL-API").update({"removal_requirements": "公示期满"})
        assert c.post("/api/v1/lists/BL-API/publish", headers=h).json()["state"] == "published"
        res = c.post("/api/v1/lists/BL-API/entries", headers=h, json={
            "subject": ORG_USCC, "ground": "(2)", "document": "d-1", "decided_on": "2025-06-10",
            "persons": [{"role": "principal", "name": "李某", "identifier": RESPONSIBLE_RIC}]})
        assert res.status_code == 201, res.text
        assert RESPONSIBLE_RIC not in res.text
        entry_id = res.json()["id"]
        res = c.post(f"/api/v1/list-entries/{entry_id}/remedies",
                     headers={"Authorization": f"Bearer {subject_token(engine, world.org_id)}"}, json={"reason": "r"})
        assert res.status_code == 201, res.text
        remedy_id = res.json()["id"]
        res = c.post(f"/api/v1/list-remedies/{remedy_id}/decision", headers=h,
                     json={"decided_by": "reconsideration", "outcome": "upheld", "document": "复议决定"})
        assert res.json()["status"] == "upheld"
        res = c.post(f"/api/v1/list-remedies/{remedy_id}/decision", headers=h,  # decided once
                     json={"decided_by": "court", "outcome": "revoked", "document": "判决书"})
        assert res.status_code == 409 and res.json()["article"] == "Art. 25.3", res.text
        assert res.json()["message"] == "the remedy is already upheld"
