"""An entry revoked on remedy (Art. 25.3) runs as Art. 37 does, on both databases: it stops counting at
once, and ``purge`` deletes it with its responsible persons and remedies within the Art. 37 period,
leaving a tombstone event; the checks and applications that cited it keep no copy of it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from xinyong import deletion
from xinyong.auth import CONSOLE, Actor
from xinyong.cli import app as cli
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.grading import service as grading
from xinyong.listing import service
from xinyong.measure import service as measures
from xinyong.models import (AuditEvent, ListEntry, ListEntryPerson, ListRemedy, MeasureApplication, MeasureCheck,
                            Subject)

from ..inquiry.conftest import world  # noqa: F401
from ..measure.conftest import ORG_USCC, RESPONSIBLE_RIC, joint  # noqa: F401

DOCUMENT = "沪市监〔2025〕9号"  # the determining document of the joint entry


def _revoke_on_remedy(engine, joint):  # noqa: F811
    with session_scope(engine) as s:
        rem = service.apply_remedy(s, entry_id=joint.entry_id, reason="处罚决定已被撤销",
                                   actor=Actor(role="subject", subject_id=joint.w.org_id))
        service.decide_remedy(s, remedy_id=rem.id, decided_by="court", outcome="revoked",
                              document="(2025)沪01行终1号", actor=joint.w.organ)
        return rem.id


def _check(engine, joint, *subjects):  # noqa: F811
    with session_scope(engine) as s:
        return measures.check(s, actor=joint.w.organ, subjects_raw=list(subjects), context="permit", channel="api")


def _codes(answer: dict) -> set[str]:
    return {m["code"] for m in answer["measures"]}


@pytest.mark.article("Art. 25.3")
@pytest.mark.article("Art. 37")
def test_revoked_entry_stops_counting_at_once_and_purge_deletes_it_and_its_copies(engine, joint):  # noqa: F811
    w = joint.w
    checked = _check(engine, joint, ORG_USCC, RESPONSIBLE_RIC)
    assert all("R-MARKET" in _codes(a) for a in checked["subjects"])
    with session_scope(engine) as s:
        for subject in (ORG_USCC, RESPONSIBLE_RIC):
            measures.apply(s, check_id=checked["check_id"], measure="R-MARKET", subject=subject,
                           document="沪府许〔2025〕2号", actor=w.organ)
        assert grading.grade(s, subject_id=w.org_id)["score"] == 25
    pending = _check(engine, joint, ORG_USCC)  # a later check, not yet acted on

    remedy_id = _revoke_on_remedy(engine, joint)
    # at once: off the list for every reader, while the row waits for the purge
    with session_scope(engine) as s:
        assert service.get_entry(s, joint.entry_id).status == "revoked"
        assert service.active_entries(s, [w.org_id, joint.person_id], date(2025, 6, 16)) == {}
        assert grading.grade(s, subject_id=w.org_id)["score"] == 65
    assert "R-MARKET" not in _codes(_check(engine, joint, ORG_USCC)["subjects"][0])

    with session_scope(engine) as s:
        report = deletion.purge(s, actor=CONSOLE)
    entries = report.steps["list_entries"]
    assert entries.deleted == [{"object": f"list entry {joint.entry_id}", "entry_id": joint.entry_id,
                                "received_on": "2025-06-16", "due_on": "2025-06-19"}]
    assert entries.late == [] and entries.unknown_deadline == [] and not report.any_late

    with session_scope(engine) as s:
        assert s.get(ListEntry, joint.entry_id) is None
        assert s.scalar(select(func.count()).select_from(ListEntryPerson)) == 0
        assert s.scalar(select(func.count()).select_from(ListRemedy)) == 0
        # the tombstone: ids, dates, the deadline with its basis, a keyed digest — no personal data
        tomb = s.scalar(select(AuditEvent).where(AuditEvent.action == "list-entry:delete"))
        assert (tomb.object_id, tomb.subject_id, tomb.actor) == (str(joint.entry_id), w.org_id, "console")
        d = tomb.details
        assert (d["list_id"], d["revoked_on"], d["due_on"], d["remedy_ids"], d["persons"]) == (
            joint.list_id, "2025-06-16", "2025-06-19", [remedy_id], 1)
        assert (d["basis_parameter"], d["basis_value"], d["basis_article"]) == (
            "revocation.delete_working_days", 3, "Art. 37")
        assert len(d["content_digest"]) == 64
        events = " ".join(json.dumps(e, ensure_ascii=False) for e in s.scalars(select(AuditEvent.details)))
        assert RESPONSIBLE_RIC not in events and DOCUMENT not in events
        # the applications stay (the organ's record of its decision), the deleted ground marked, not copied
        apps = s.scalars(select(MeasureApplication).order_by(MeasureApplication.id)).all()
        assert [a.subject_id for a in apps] == [w.org_id, joint.person_id]
        for a in apps:
            assert a.document == "沪府许〔2025〕2号"
            assert [g for g in a.grounds if g["type"] == "list-entry"] == [
                {"type": "list-entry", "entry_id": joint.entry_id, "deleted": True, "hidden": True,
                 "article": "Art. 37", "note": "列入决定经救济撤销，信息已删除 (the listing was revoked on remedy and deleted)"}]
        assert DOCUMENT not in json.dumps(measures.applied_to(s, w.org_id), ensure_ascii=False)
        # the checks no longer hold it; a measure left without grounds cannot be applied on them
        for chk in s.scalars(select(MeasureCheck)):
            assert DOCUMENT not in json.dumps(chk.results, ensure_ascii=False)
        assert "R-MARKET" not in {mid for m in s.get(MeasureCheck, pending["check_id"]).results.values() for mid in m}
        with pytest.raises(RuleViolation) as exc:
            measures.apply(s, check_id=pending["check_id"], measure="R-MARKET", subject=ORG_USCC, document="d",
                           actor=w.organ)
        assert exc.value.article == "Art. 32.1"
        # the persons stay subjects of the platform (they may have records of their own)
        assert s.get(Subject, joint.person_id) is not None

    with session_scope(engine) as s:  # safe to run again
        assert deletion.purge(s, actor=CONSOLE).steps["list_entries"].deleted == []


@pytest.mark.article("Art. 37")
def test_late_deletion_is_reported_and_purge_exits_5(engine, joint):  # noqa: F811
    _revoke_on_remedy(engine, joint)
    with session_scope(engine) as s:
        report = deletion.purge(s, actor=CONSOLE, on=date(2025, 6, 20))
    late = report.steps["list_entries"].late
    assert [(r["entry_id"], r["due_on"]) for r in late] == [(joint.entry_id, "2025-06-19")] and report.any_late


@pytest.mark.article("Art. 37")
def test_cli_purge_deletes_revoked_entries(engine, joint):  # noqa: F811
    _revoke_on_remedy(engine, joint)
    res = CliRunner().invoke(cli, ["purge", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [r["entry_id"] for r in out["list_entries"]["deleted"]] == [joint.entry_id] and out["deleted"] == []
    res = CliRunner().invoke(cli, ["purge"], catch_exceptions=False)
    assert res.exit_code == 0 and "deleted 0 list entries" in res.stdout
    with session_scope(engine) as s:
        assert s.get(ListEntry, joint.entry_id) is None
