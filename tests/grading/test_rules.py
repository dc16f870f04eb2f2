"""Grading rules (Art. 23), pure: the published table, contributions, records in force, natural persons."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.errors import RuleViolation
from xinyong.grading import rules
from xinyong.grading.rules import EntryFacts, RecordFacts

ON = date(2025, 6, 16)


def rec(i, item="penalty", severity="general", ended_on=date(2024, 5, 20), status="active", untrustworthy=True):
    return RecordFacts(i, item, untrustworthy, severity, ended_on, status)


@pytest.mark.article("Art. 23")
def test_published_table_has_version_date_and_scale():
    t = rules.table()
    assert t.version and t.published_on and t.start == 100
    assert [g for g, _m in t.scale] == ["A", "B", "C", "D"]
    assert {x.id for x in t.records} >= {"R1", "R2"} and t.published()["lists"][0]["points"] == -40


@pytest.mark.article("Art. 23")
def test_clean_subject_gets_a_and_each_point_is_explained():
    t = rules.table()
    assert rules.grade(t, [], [], ON)[:2] == (100, "A")
    score, letter, parts = rules.grade(t, [rec(1), rec(2, severity="serious"), rec(3, "judgment-default", None)],
                                       [EntryFacts(9, "black")], ON)
    assert (score, letter) == (0, "D")  # 100 − 10 − 20 − 30 − 40, floored at 0
    assert [(k, i, line.id, line.points) for k, i, line in parts] == [
        ("record", 1, "R1", -10), ("record", 2, "R2", -20), ("record", 3, "R4", -30), ("list-entry", 9, "L1", -40)]
    score, letter, _ = rules.grade(t, [rec(1), rec(4, "commendation", None, untrustworthy=False)],
                                   [EntryFacts(5, "red")], ON)
    assert (score, letter) == (100, "A")  # capped at the ceiling
    assert rules.grade(t, [rec(1), rec(2)], [], ON)[:2] == (80, "B")
    assert rules.grade(t, [rec(1, "arrears", None, ended_on=None), rec(2, "false-materials", None)], [], ON)[:2] == (65, "C")
    assert rules.grade(t, [rec(1, "other-untrust", None)], [], ON)[2][0][2].id == "R9"


@pytest.mark.article("Art. 23")
def test_restored_revoked_withdrawn_and_expired_records_do_not_count():
    t = rules.table()
    gone = [rec(1, status="restored"), rec(2, status="revoked"), rec(3, status="withdrawn"),
            rec(4, ended_on=date(2019, 3, 1))]
    assert rules.grade(t, gone, [], ON) == (100, "A", [])
    assert rules.counts(rec(5, ended_on=date(2020, 6, 17)), ON) and not rules.counts(rec(5, ended_on=date(2020, 6, 1)), ON)


@pytest.mark.article("Art. 23")
def test_natural_persons_need_a_configured_legal_basis():
    assert rules.may_grade("organization", None) is None
    with pytest.raises(RuleViolation) as exc:
        rules.may_grade("natural_person", None)
    assert exc.value.article == "Art. 23" and "legal basis" in str(exc.value)
    assert rules.may_grade("natural_person", "《某法》第十条") == "《某法》第十条"


@pytest.mark.article("Art. 23")
def test_another_published_table_changes_the_grade_not_the_code(tmp_path, monkeypatch):
    path = tmp_path / "rules.yaml"
    path.write_text(rules.RULES_FILE.read_text(encoding="utf-8").replace('version: "2025.1"', 'version: "2026.1"')
                    .replace("{grade: A, min: 90}", "{grade: A, min: 95}"), encoding="utf-8")
    monkeypatch.setenv("XINYONG_GRADING_RULES", str(path))
    t = rules.table()
    assert t.version == "2026.1" and rules.grade(t, [rec(1)], [], ON)[:2] == (90, "B")
    monkeypatch.delenv("XINYONG_GRADING_RULES")
    assert rules.grade(rules.table(), [rec(1)], [], ON)[:2] == (90, "A")
