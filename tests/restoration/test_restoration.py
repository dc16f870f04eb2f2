"""Credit restoration applications (Art. 38): the rules, and the organ's decision through the API."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from xinyong.app import create_app
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.models import AuditEvent, Record, Subject
from xinyong.restoration import rules

from ..factories import PROVIDER_USCC
from ..helpers import issue_subject_token
from ..portal.conftest import portal_world  # noqa: F401


def _ok(**over):
    args = dict(record_subject_id=1, applicant_subject_id=1, untrustworthy=True, record_status="active",
                in_inquiry_period=True, measure="fulfilled", reason="已缴清罚款", open_application=False)
    return {**args, **over}


@pytest.mark.article("Art. 38")
@pytest.mark.parametrize("over", [dict(applicant_subject_id=2), dict(untrustworthy=False),
                                  dict(record_status="restored"), dict(in_inquiry_period=False),
                                  dict(reason=" "), dict(open_application=True)])
def test_an_application_is_refused_with_art_38(over):
    rules.check_application(**_ok())
    with pytest.raises(RuleViolation) as exc:
        rules.check_application(**_ok(**over))
    assert exc.value.article == "Art. 38"


@pytest.mark.article("Art. 38")
def test_only_the_provider_decides_once_on_a_document_and_a_refusal_gives_reasons():
    rules.check_decider(5, 5)
    with pytest.raises(RuleViolation):
        rules.check_decider(6, 5)
    rules.check_decision("applied", "granted", "证明", "")
    for args in (("granted", "granted", "证明", ""), ("applied", "granted", " ", ""), ("applied", "refused", "决定", "")):
        with pytest.raises(RuleViolation):
            rules.check_decision(*args)


@pytest.mark.article("Art. 38")
def test_the_national_minimum_publicity_period_is_dated():
    old = rules.publicity_minimum("penalty", date(2025, 6, 1), "serious")  # Order 58: every penalty general
    assert (old.until, old.parameter, old.months) == (date(2025, 9, 1), "publicity.penalty.general.min_months", 3)
    new = rules.publicity_minimum("penalty", date(2026, 5, 1), "serious")  # Order 36: serious, 12 months
    assert (new.until, new.parameter) == (date(2027, 5, 1), "publicity.penalty.serious.min_months")
    assert rules.publicity_minimum("arrears", date(2025, 6, 1), None) is None


@pytest.mark.article("Art. 38")
def test_the_deciding_organ_grants_through_the_api_and_the_record_is_restored(engine, portal_world):  # noqa: F811
    from xinyong.unit import service as units

    client = TestClient(create_app(engine))
    with session_scope(engine) as s:
        person = issue_subject_token(s, s.get(Subject, portal_world.person_id))
        org = issue_subject_token(s, s.get(Subject, portal_world.org_id))
        from xinyong import tokens
        from xinyong.auth import CONSOLE
        provider = tokens.issue(s, actor=CONSOLE, label="provider", unit=units.get_by_uscc(s, PROVIDER_USCC))[1]
    record_id = portal_world.records["person"]
    resp = client.post("/api/v1/me/restorations", headers={"Authorization": f"Bearer {person}"},
                       json={"record_id": record_id, "measure": "fulfilled", "reason": "已缴清罚款",
                             "materials": ["缴款书"]})
    assert resp.status_code == 201, resp.text
    aid = resp.json()["id"]
    assert resp.json()["unit"]["uscc"] == PROVIDER_USCC and resp.json()["publicity_minimum"]["months"] == 3
    assert client.get(f"/api/v1/restorations/{aid}", headers={"Authorization": f"Bearer {org}"}).status_code == 404
    inbox = client.get("/api/v1/restorations/inbox", headers={"Authorization": f"Bearer {provider}"})
    assert [a["id"] for a in inbox.json()] == [aid]
    refused = client.post(f"/api/v1/restorations/{aid}/decision", headers={"Authorization": f"Bearer {provider}"},
                          json={"outcome": "refused", "document": "决定书"})
    assert refused.status_code == 422 and refused.json()["article"] == "Art. 38"
    granted = client.post(f"/api/v1/restorations/{aid}/decision", headers={"Authorization": f"Bearer {provider}"},
                          json={"outcome": "granted", "document": "信用修复证明 第2号"})
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["status"] == "granted" and body["restoration"]["article"] == "Art. 38"
    assert body["restoration"]["done_on"] <= body["restoration"]["due_on"]
    with session_scope(engine) as s:
        assert s.get(Record, record_id).status == "restored"
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "restoration_application")))
        assert {"restoration:apply", "restoration:decide"} <= actions
    mine = client.get("/api/v1/me/restorations", headers={"Authorization": f"Bearer {person}"}).json()
    assert [a["status"] for a in mine] == ["granted"]
