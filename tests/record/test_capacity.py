"""Civil capacity (Art. 2; Civil Code Art. 18.2, 21–24): a 16- or 17-year-old living mainly on their own
labour income is deemed to have full civil capacity — accepted only when the provider states it
(``deemed_full_capacity``); a provider may mark a person as without full capacity (``full_capacity`` =
否), refused like a minor. Judged at the date of the conduct."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.law import parameters
from xinyong.models import BatchReject
from xinyong.record import rules
from xinyong.subject.identifiers import parse_identifier

from ..factories import CF_COLUMNS, cf_row, person_cf_row, ric, to_csv
from ..helpers import TODAY, add_provider, run_file
from .ingest_support import records

pytestmark = pytest.mark.article("Art. 2")

COLUMNS = CF_COLUMNS + ["deemed_full_capacity", "full_capacity"]
DECIDED = date(2024, 5, 20)  # cf_row's decision date: the date of the conduct when none is given


def _person(n: int, birth: date, **over: str) -> dict[str, str]:
    return {"deemed_full_capacity": "", "full_capacity": "", **person_cf_row(n, birth, **over)}


def _rejects(engine, result) -> dict[int, BatchReject]:
    with session_scope(engine) as s:
        return {r.line: r for r in s.scalars(select(BatchReject).where(BatchReject.batch_id == result.batch_id))}


def test_a_17_year_old_is_accepted_only_when_the_provider_states_labour_income(engine, tmp_path):
    actor, _ = add_provider(engine)
    seventeen = date(2006, 5, 21)  # 17 (a day short of 18) on the decision date
    rows = [_person(1, seventeen), _person(2, seventeen, deemed_full_capacity="是"),
            _person(3, seventeen, deemed_full_capacity="否"), _person(4, seventeen, deemed_full_capacity="true")]
    result = run_file(engine, actor, tmp_path, to_csv(rows, COLUMNS))
    assert (result.accepted, result.rejected) == (2, 2)
    rejects = _rejects(engine, result)
    assert (rejects[2].article, rejects[2].field) == ("Art. 2", "subject_id")
    assert "deemed_full_capacity" in rejects[2].reason and "Civil Code Art. 18.2" in rejects[2].reason
    assert (rejects[4].article, rejects[4].field) == ("Art. 2", "deemed_full_capacity")
    # the row names the person by the masked number, never the full one
    full = rows[0]["CF_XDR_ZJHM"]
    assert full not in rejects[2].reason and f"{full[:6]}********{full[-4:]}" in rejects[2].reason
    stored = {r.line_no: r for r in records(engine)}
    assert set(stored) == {3, 5} and stored[3].content["deemed_full_capacity"] == "是"


def test_sixteen_is_the_youngest_deemed_age(engine, tmp_path):
    actor, _ = add_provider(engine)
    rows = [_person(1, date(2008, 5, 20), deemed_full_capacity="是"),  # 16 that day
            _person(2, date(2008, 5, 21), deemed_full_capacity="是")]  # a day short of 16
    result = run_file(engine, actor, tmp_path, to_csv(rows, COLUMNS))
    assert (result.accepted, result.rejected) == (1, 1)
    reject = _rejects(engine, result)[3]
    assert reject.article == "Art. 2" and "under 16" in reject.reason


def test_an_adult_marked_without_full_capacity_is_refused(engine, tmp_path):
    actor, _ = add_provider(engine)
    adult = date(1980, 1, 1)
    rows = [_person(1, adult, full_capacity="否"), _person(2, adult, full_capacity="是"), _person(3, adult),
            {**cf_row(4), "deemed_full_capacity": "", "full_capacity": "否"}]  # an organization: not concerned
    result = run_file(engine, actor, tmp_path, to_csv(rows, COLUMNS))
    assert (result.accepted, result.rejected) == (3, 1)
    reject = _rejects(engine, result)[2]
    assert (reject.article, reject.field) == ("Art. 2", "full_capacity")
    assert "Civil Code Art. 21-24" in reject.reason and rows[0]["CF_XDR_ZJHM"] not in reject.reason


def test_a_contradictory_statement_is_refused(engine, tmp_path):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv(
        [_person(1, date(2006, 5, 21), deemed_full_capacity="是", full_capacity="否")], COLUMNS))
    assert result.rejected == 1 and _rejects(engine, result)[2].field == "full_capacity"


def test_capacity_is_judged_at_the_date_of_the_conduct(engine, tmp_path):
    """17 when the conduct happened, 18 by the decision: the conduct's date decides."""
    actor, _ = add_provider(engine)
    birth = date(2006, 3, 1)

    def row(n: int, **over: str) -> dict[str, str]:
        return {"catalog_item": "commendation", "subject_name": "李某", "subject_class": "自然人",
                "subject_id": ric(birth, seq=n), "doc_no": f"沪表〔2024〕{n}号", "doc_date": "2024-05-20",
                "doc_org": "上海市测试局", "content": "表彰", "conduct_date": "2024-01-10",
                "deemed_full_capacity": "", **over}

    result = run_file(engine, actor, tmp_path, to_csv([row(1), row(2, deemed_full_capacity="是"),
                                                       row(3, conduct_date="2024-03-01")]), name="g.csv")
    assert (result.accepted, result.rejected) == (2, 1)
    assert _rejects(engine, result)[2].article == "Art. 2"


def test_the_rules_read_the_dated_parameters(monkeypatch):
    person = parse_identifier(ric(date(2009, 6, 1)), today=TODAY)  # 15 on the day below
    on = date(2024, 7, 1)
    with pytest.raises(RuleViolation) as exc:
        rules.check_full_civil_capacity(person, on, True)
    assert exc.value.article == "Art. 2" and "under 16" in exc.value.message
    real = parameters.value
    monkeypatch.setattr(parameters, "value", lambda name, day: 15 if name == "subject.labour_income_capacity_age"
                        else real(name, day))
    rules.check_full_civil_capacity(person, on, True)  # deemed from 15 under such a parameter
    with pytest.raises(RuleViolation):
        rules.check_full_civil_capacity(person, on, None)
    rules.check_full_civil_capacity(parse_identifier(ric(date(1990, 1, 1)), today=TODAY), on, None)
    rules.check_not_without_capacity(person, None, None)
    rules.check_not_without_capacity(person, True, None)
    with pytest.raises(RuleViolation) as exc:
        rules.check_not_without_capacity(person, False, None)
    assert exc.value.field == "full_capacity"
