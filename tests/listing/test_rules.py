"""Pure rules of lists (Art. 24, 25, 33)."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.errors import RuleViolation
from xinyong.listing import rules
from xinyong.listing.rules import ListFacts

D = date(2025, 6, 16)


def facts(**kw):
    base = dict(kind="black", state="draft", entry_standard="s", legal_basis="b", entry_requirements="e",
                removal_requirements="r", remedy_paths="p", comment_from=date(2025, 3, 1),
                comment_to=date(2025, 3, 30))
    base.update(kw)
    return ListFacts(**base)


@pytest.mark.article("Art. 25.3")
def test_published_with_requirements_and_remedies_and_only_then_takes_entries():
    rules.publishable(facts())
    with pytest.raises(RuleViolation) as exc:
        rules.publishable(facts(removal_requirements=" ", remedy_paths=""))
    assert "removal requirements" in exc.value.message and exc.value.article == "Art. 25.3"
    with pytest.raises(RuleViolation):
        rules.takes_entries("draft", None, D)
    with pytest.raises(RuleViolation):
        rules.takes_entries("published", date(2025, 6, 17), D)
    rules.takes_entries("published", D, D)
    with pytest.raises(RuleViolation):
        rules.removable("removed", "doc")
    with pytest.raises(RuleViolation):
        rules.removable("listed", "")
    with pytest.raises(RuleViolation):
        rules.remedy_allowed(1, 2, "listed")
    rules.remedy_allowed(1, 1, "listed")
    with pytest.raises(RuleViolation):
        rules.remedy_outcome("newspaper", "revoked", "d")
    rules.remedy_outcome("court", "revoked", "判决书")
    rules.remedy_pending("pending")
    for decided in ("upheld", "revoked"):  # a remedy is decided once
        with pytest.raises(RuleViolation) as exc:
            rules.remedy_pending(decided)
        assert (exc.value.article, exc.value.status, exc.value.message) == (
            "Art. 25.3", 409, f"the remedy is already {decided}")


@pytest.mark.article("Art. 24")
def test_comment_period_before_a_black_list_is_published():
    rules.comment_period_held(facts(), D, 30)
    with pytest.raises(RuleViolation):
        rules.comment_period_held(facts(comment_to=date(2025, 3, 20)), D, 30)  # 20 days
    with pytest.raises(RuleViolation):
        rules.comment_period_held(facts(comment_from=None, comment_to=None), D, 30)
    with pytest.raises(RuleViolation):
        rules.comment_period_held(facts(comment_to=date(2025, 7, 1)), D, 30)  # still running
    rules.comment_period_held(facts(kind="red", comment_from=None, comment_to=None), D, 30)


@pytest.mark.article("Art. 25.2")
def test_black_list_entries_rest_on_a_ground():
    assert rules.black_ground("black", "3") == "(3)"
    assert rules.black_ground("black", "(4)") == "(4)"
    assert rules.black_ground("red", None) is None
    for bad in (None, "(5)", "x"):
        with pytest.raises(RuleViolation):
            rules.black_ground("black", bad)


@pytest.mark.article("Art. 33")
def test_organizations_responsible_persons_recorded():
    rules.responsible_persons("black", "organization", [("legal-representative", "natural_person")])
    with pytest.raises(RuleViolation):
        rules.responsible_persons("black", "organization", [])
    with pytest.raises(RuleViolation):
        rules.responsible_persons("black", "organization", [("principal", "organization")])
    with pytest.raises(RuleViolation):
        rules.responsible_persons("black", "natural_person", [("principal", "natural_person")])
    rules.responsible_persons("black", "natural_person", [])
    rules.responsible_persons("red", "organization", [])
