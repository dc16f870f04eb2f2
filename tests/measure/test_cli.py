"""The console for the application list: withdrawing a measure (as the supervisor's console)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.measure import service
from xinyong.models import AuditEvent, Measure

from .conftest import ORG_USCC

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def codes(check: dict) -> set[str]:
    return {m["code"] for m in check["subjects"][0]["measures"]}


@pytest.mark.article("Art. 22")
@pytest.mark.article("Art. 32.2")
def test_cli_withdraw_a_measure(engine, joint):
    organ = joint.w.organ.unit_uscc
    reason = ("--console-reason", "test: the organ's own terminal is down")
    before = json.loads(invoke(*reason, "check", ORG_USCC, "--context", "permit", "--unit", organ, "--json").stdout)
    assert "P-PENALTY" in codes(before)

    # only the supervisor, under its own identity
    res = runner.invoke(app, ["measure", "withdraw", "P-PENALTY"])
    assert res.exit_code == 1 and "supervisor" in res.stderr
    res = invoke("measure", "withdraw", "P-PENALTY", "--token", joint.w.supervisor_token)
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == "measure P-PENALTY withdrawn on 2025-06-16"
    with session_scope(engine) as s:
        m = s.scalar(select(Measure).where(Measure.code == "P-PENALTY"))
        assert (m.state, m.withdrawn_on.isoformat()) == ("withdrawn", "2025-06-16")
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "measure:withdraw"))
        assert (event.object_id, event.details) == (str(m.id), {"withdrawn_on": "2025-06-16"})
        assert event.actor.startswith(f"unit:{joint.w.supervisor.unit_uscc}")

    # off the published application list, never returned by a check again, nor applied on an older one
    assert "P-PENALTY" not in {r["code"] for r in json.loads(invoke("measure", "list", "--json").stdout)}
    assert "P-PENALTY" in {r["code"] for r in json.loads(invoke("measure", "list", "--drafts", "--json").stdout)}
    after = json.loads(invoke(*reason, "check", ORG_USCC, "--context", "permit", "--unit", organ, "--json").stdout)
    assert "P-PENALTY" not in codes(after) and "R-MARKET" in codes(after)
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        service.apply(s, check_id=before["check_id"], measure="P-PENALTY", subject=ORG_USCC, document="d",
                      actor=joint.w.organ)
    assert exc.value.article == "Art. 32.2"

    res = runner.invoke(app, ["measure", "withdraw", "NO-SUCH", "--token", joint.w.supervisor_token])
    assert res.exit_code == 1 and res.stderr.startswith("error") and "NO-SUCH" in res.stderr
