"""Grades on both databases, from the inquiry world: computed at read time, every point explained."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.grading import service
from xinyong.listing import service as listing
from xinyong.models import Record
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import parse_identifier

from ..factories import uscc
from ..helpers import TODAY
from ..inquiry.conftest import world  # noqa: F401
from ..measure.conftest import joint  # noqa: F401


@pytest.mark.article("Art. 23")
def test_clean_organization_gets_a(engine):
    clean = uscc(777)
    with session_scope(engine) as s:
        ident = parse_identifier(clean, today=TODAY)
        subject_id = subjects.resolve_many(s, [(ident, "上海清白有限公司")])[(ident.scheme, ident.code)]
        out = service.grade(s, subject_id=subject_id)
    assert (out["grade"], out["score"], out["contributions"]) == ("A", 100, [])
    assert out["rules"]["version"] and out["rules"]["published_on"]


@pytest.mark.article("Art. 23")
def test_penalties_lower_the_grade_each_explained_and_records_out_of_force_do_not_count(engine, world):  # noqa: F811
    r = world.records
    with session_scope(engine) as s:
        out = service.grade(s, subject_id=world.org_id)
    # current penalty −10, penalty under objection −10, arrears (continuing) −15
    assert (out["grade"], out["score"]) == ("C", 65)
    by_id = {c["record_id"]: c for c in out["contributions"]}
    assert set(by_id) == {r["current"], r["objection"], r["arrears"]}  # not expired, restored, revoked
    cur = by_id[r["current"]]
    assert cur["item"]["code"] == "penalty" and cur["document"]["number"] == "沪罚〔2024〕1号"
    assert cur["rule"]["id"] == "R1" and cur["points"] == -10
    assert by_id[r["arrears"]]["rule"]["id"] == "R5" and by_id[r["arrears"]]["points"] == -15
    assert by_id[r["objection"]]["markers"] == ["under_objection"]
    assert out["score"] == 100 + sum(c["points"] for c in out["contributions"])
    # recomputed when records change: revoking the current penalty lifts the grade
    with session_scope(engine) as s:
        s.execute(update(Record).where(Record.id == r["current"]).values(status="revoked"))
    with session_scope(engine) as s:
        again = service.grade(s, subject_id=world.org_id)
    assert (again["score"], again["grade"]) == (75, "B")
    # an asker's grade counts only what the one visibility decision lets it see
    from xinyong.inquiry import service as inquiries

    with session_scope(engine) as s:
        decision = inquiries.inquire(s, actor=world.agency, subject_id=world.org_id, purpose="credit-assessment",
                                     channel="api").decision
        seen = service.grade(s, subject_id=world.org_id, decision=decision)
    assert {c["record_id"] for c in seen["contributions"]} == {r["objection"]}  # public penalties in force
    assert seen["score"] == 100 + sum(c["points"] for c in seen["contributions"])
    assert not any(c.get("hidden") for c in seen["contributions"])


@pytest.mark.article("Art. 23")
def test_list_entries_count_while_listed(engine, joint):  # noqa: F811
    world, entry_id = joint.w, joint.entry_id
    with session_scope(engine) as s:
        out = service.grade(s, subject_id=world.org_id)
    assert (out["score"], out["grade"]) == (25, "D")
    listed = [c for c in out["contributions"] if c["type"] == "list-entry"]
    assert listed == [{"type": "list-entry", "entry_id": entry_id,
                       "list": {"code": "BL-1", "name": "严重违法失信名单", "kind": "black"},
                       "article": "Art. 25.2(2)", "document": {"number": "沪市监〔2025〕9号", "date": "2025-06-01"},
                       "rule": {"id": "L1", "text": "列入严重失信主体名单", "version": out["rules"]["version"]},
                       "points": -40}]
    with session_scope(engine) as s:
        listing.remove(s, entry_id=entry_id, document="沪市监〔2025〕10号", reason="信用修复", actor=world.organ)
    with session_scope(engine) as s:
        assert service.grade(s, subject_id=world.org_id)["score"] == 65


@pytest.mark.article("Art. 23")
def test_natural_person_refused_without_basis_and_graded_with_one(engine, world, monkeypatch):  # noqa: F811
    monkeypatch.delenv("XINYONG_GRADING_NATURAL_PERSONS_BASIS", raising=False)
    with session_scope(engine) as s:
        with pytest.raises(RuleViolation) as exc:
            service.grade(s, subject_id=world.person_id)
    assert exc.value.article == "Art. 23" and "legal basis" in str(exc.value)
    assert world.person_ric not in str(exc.value)
    monkeypatch.setenv("XINYONG_GRADING_NATURAL_PERSONS_BASIS", "《某法》第十条")
    with session_scope(engine) as s:
        out = service.grade(s, subject_id=world.person_id)
    assert (out["grade"], out["score"]) == ("A", 90)
    assert out["legal_basis_for_natural_persons"] == "《某法》第十条"
    assert out["subject"]["identifier"] != world.person_ric
