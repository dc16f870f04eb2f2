"""Art. 9.3: where a law or regulation names the conduct of its field that goes into the catalog, only that conduct is
recorded under the item — other conduct under the same law is not. The item carries the allow-list (law → articles,
``catalog_item.conduct_laws``, set by the supervisor on a document); a row cites its basis in the structured columns
``basis_law`` / ``basis_article``, which the importer checks; the free-text ``CF_YJ`` only warns."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from xinyong.auth import CONSOLE, Actor
from xinyong.catalog import service as catalog
from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.errors import Forbidden, InvalidInput, RuleViolation
from xinyong.models import AuditEvent, BatchReject, CatalogItem, Record
from xinyong.record.rules import article_key, basis_warning, check_conduct_listed_by_law, law_key

from xinyong.unit import service as units

from ..factories import CF_COLUMNS, cf_row, to_csv, uscc
from ..helpers import TODAY, add_provider, run_file

pytestmark = pytest.mark.article("Art. 9.3")

SUPERVISOR = Actor(role="supervisor")
FOOD_LAW = "《中华人民共和国食品安全法》"
LISTED = {"食品安全法": ["第一百二十四条", "第一百二十五条第一款"]}


def test_articles_and_law_titles_are_compared_as_written_in_either_form():
    assert [article_key(a) for a in ("第一百二十四条", "124", "Art. 124", "第一百二十五条第一款", "125.1",
                                     "第一百零五条", "第二十条 第二款", "罚款", "")] == \
        ["124", "124", "124", "125.1", "125.1", "105", "20.2", None, None]
    assert law_key(FOOD_LAW) == law_key("食品安全法") == law_key("中华人民共和国 食品安全法") == "食品安全法"


def test_a_row_citing_the_law_is_recorded_only_for_its_listed_conduct():
    check_conduct_listed_by_law(LISTED, FOOD_LAW, "第一百二十四条")
    check_conduct_listed_by_law(LISTED, "食品安全法", "124.2")  # a paragraph of a listed article
    check_conduct_listed_by_law(LISTED, "食品安全法", "125.1")
    with pytest.raises(RuleViolation) as refused:
        check_conduct_listed_by_law(LISTED, FOOD_LAW, "第一百二十六条")
    assert refused.value.article == "Art. 9.3" and refused.value.field == "basis_article"
    assert "第一百二十六条" in refused.value.message
    with pytest.raises(RuleViolation):  # paragraph 2 of an article listed only for paragraph 1
        check_conduct_listed_by_law(LISTED, FOOD_LAW, "第一百二十五条第二款")
    with pytest.raises(RuleViolation) as unreadable:
        check_conduct_listed_by_law(LISTED, FOOD_LAW, "见决定书")
    assert unreadable.value.field == "basis_article"
    # another law, no basis given, or an item no law limits: not this rule's business
    check_conduct_listed_by_law(LISTED, "《中华人民共和国广告法》", "第五十五条")
    check_conduct_listed_by_law(LISTED, None, None)
    check_conduct_listed_by_law(None, FOOD_LAW, "第一百二十六条")


def test_free_text_basis_only_warns():
    assert basis_warning(LISTED, "依据《中华人民共和国食品安全法》第一百二十六条", None)
    assert basis_warning(LISTED, "依据《中华人民共和国食品安全法》第一百二十六条", "食品安全法") is None  # structured
    assert basis_warning(LISTED, "《中华人民共和国广告法》第五十五条", None) is None
    assert basis_warning(None, "《中华人民共和国食品安全法》", None) is None


def _row(n: int, **over: str) -> dict[str, str]:
    return {**cf_row(n), "basis_law": "", "basis_article": "", **over}


def test_the_supervisor_lists_the_conduct_and_the_importer_holds_rows_to_it(engine, tmp_path):
    actor, _token = add_provider(engine)
    with session_scope(engine) as s:
        with pytest.raises(Forbidden) as refused:  # the catalog is the supervisor's (Art. 10.2)
            catalog.set_conduct_laws(s, code="penalty", law=FOOD_LAW, articles=["第一百二十四条"],
                                     document="食品安全法", actor=CONSOLE)
        assert refused.value.article == "Art. 10.2"
        with pytest.raises(InvalidInput):
            catalog.set_conduct_laws(s, code="penalty", law=FOOD_LAW, articles=["第一百二十四条", "罚款"],
                                     document="食品安全法", actor=SUPERVISOR)
        catalog.set_conduct_laws(s, code="penalty", law=FOOD_LAW, articles=["第一百二十四条", "第一百二十五条第一款"],
                                 document="《中华人民共和国食品安全法》（2021年修正）", actor=SUPERVISOR)
    with session_scope(engine) as s:
        assert s.get(CatalogItem, "penalty").conduct_laws == {FOOD_LAW: ["第一百二十四条", "第一百二十五条第一款"]}
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "catalog:conduct_laws")).one()
        assert event.details["document"].startswith("《中华人民共和国食品安全法》") and event.details["article"] == "Art. 9.3"
        published = {i["code"]: i for i in catalog.published_catalog(s)}["penalty"]
        assert published["conduct_laws"] == {FOOD_LAW: ["第一百二十四条", "第一百二十五条第一款"]}

    rows = [
        _row(1, basis_law=FOOD_LAW, basis_article="第一百二十四条"),            # line 2: listed
        _row(2, basis_law="食品安全法", basis_article="第一百二十六条"),           # 3: not listed: refused
        _row(3, basis_law="《中华人民共和国广告法》", basis_article="第五十五条"),  # 4: another law
        _row(4),                                                               # 5: free text only: a notice
    ]
    result = run_file(engine, actor, tmp_path, to_csv(rows, [*CF_COLUMNS, "basis_law", "basis_article"]))
    assert (result.accepted, result.rejected) == (3, 1), result.summary()
    with session_scope(engine) as s:
        stored = s.execute(select(BatchReject.line, BatchReject.field, BatchReject.article)).all()
        assert stored == [(3, "basis_article", "Art. 9.3")]
        kept = {r.doc_no: r.content for r in s.scalars(select(Record))}
    assert kept[cf_row(1)["CF_WSH"]]["basis_article"] == "第一百二十四条"  # the structured basis is kept
    notices = {line: text for line, text in result.notices}
    assert 5 in notices and "basis_law" in notices[5] and 2 not in notices

    # no articles: the law no longer limits the item
    with session_scope(engine) as s:
        catalog.set_conduct_laws(s, code="penalty", law="食品安全法", articles=[], document="目录修订",
                                 actor=SUPERVISOR)
    with session_scope(engine) as s:
        assert s.get(CatalogItem, "penalty").conduct_laws is None


def test_the_console_sets_it_only_under_the_supervisors_token(engine):
    with session_scope(engine) as s:
        _unit, supervisor_token = units.add_unit(s, name="上海市发展和改革委员会", kind="supervisor",
                                                 uscc=uscc(5, prefix="11310000"), published_on=TODAY, actor=CONSOLE)
    runner = CliRunner()
    refused = runner.invoke(app, ["catalog", "conduct-laws", "penalty", "--law", FOOD_LAW, "--article", "124",
                                  "--document", "食品安全法"], env={"XINYONG_TOKEN": ""})
    assert refused.exit_code != 0 and "supervisor" in refused.output
    done = runner.invoke(app, ["catalog", "conduct-laws", "penalty", "--law", FOOD_LAW, "--article", "124",
                               "--article", "第一百二十五条", "--document", "食品安全法", "--token", supervisor_token])
    assert done.exit_code == 0, done.output
    assert "124, 第一百二十五条" in done.output
    with session_scope(engine) as s:
        assert s.get(CatalogItem, "penalty").conduct_laws == {FOOD_LAW: ["124", "第一百二十五条"]}
