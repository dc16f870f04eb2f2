"""A provider's look-up of its own records (POST /api/v1/records/find): its own records only, the same answer
for a known and an unknown identifier, and logged (Art. 11, 34)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from xinyong import tokens
from xinyong.app import create_app
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.models import InquiryLog, Unit

from ..factories import PROVIDER_USCC, ric, uscc
from .conftest import ORG_USCC


def _provider_token(engine) -> str:
    with session_scope(engine) as s:
        unit = s.scalar(select(Unit).where(Unit.uscc == PROVIDER_USCC))
        return tokens.issue(s, actor=CONSOLE, label="clerk", unit=unit)[1]


@pytest.mark.article("Art. 11")
def test_find_answers_the_same_whether_or_not_the_platform_knows_the_subject(engine, world):
    """Reproduced on main: 200 [] for a known subject with no such record, 404 for an unknown one — an oracle
    telling any provider which persons are on the platform."""
    token = _provider_token(engine)
    with TestClient(create_app(engine)) as c:
        def find(subject, doc="沪罚〔2024〕6号", item="penalty"):
            return c.post("/api/v1/records/find", headers={"Authorization": f"Bearer {token}"},
                          json={"catalog_item": item, "doc_no": doc, "subject": subject})

        mine = find(world.person_ric)
        assert mine.status_code == 200 and mine.json() == {"record_ids": [world.records["person"]]}
        known_no_record = find(world.person_ric, doc="沪罚〔2024〕999号")
        unknown = find(ric(date(1990, 7, 8), seq=401))
        unknown_org = find(uscc(987654))
        assert known_no_record.status_code == unknown.status_code == unknown_org.status_code == 200
        assert known_no_record.json() == unknown.json() == unknown_org.json() == {"record_ids": []}
        assert world.person_ric not in mine.text
        # another unit's records are not its to find
        other = c.post("/api/v1/records/find", headers={"Authorization": f"Bearer {world.organ_token}"},
                       json={"catalog_item": "penalty", "doc_no": "沪罚〔2024〕6号", "subject": world.person_ric})
        assert other.status_code == 200 and other.json() == {"record_ids": []}
    with session_scope(engine) as s:
        logs = list(s.scalars(select(InquiryLog).where(InquiryLog.article == "Art. 11").order_by(InquiryLog.id)))
    assert len(logs) == 5  # every look-up is logged, known or not
    assert logs[0].record_ids == [world.records["person"]] and logs[0].subject_id == world.person_id
    # the log (seen by the supervisor, never by the provider) says the identifier is unknown, by its digest
    assert logs[2].subject_id is None and logs[2].subject_digest and logs[2].decision == "notfound"


def test_find_is_for_providers(engine, world):
    with TestClient(create_app(engine)) as c:
        res = c.post("/api/v1/records/find", headers={"Authorization": f"Bearer {world.agency_token}"},
                     json={"catalog_item": "penalty", "doc_no": "x", "subject": ORG_USCC})
    assert res.status_code == 403
