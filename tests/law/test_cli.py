from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xinyong.law.cli import app, scan_tests

from .conftest import EXAMPLE_2027

runner = CliRunner()


def test_due_prints_the_iso_date():
    result = runner.invoke(app, ["due", "2026-09-30", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2026-10-08"
    assert runner.invoke(app, ["due", "2026-10-08", "2"]).stdout.strip() == "2026-10-10"


def test_due_unknown_year_fails_naming_it():
    result = runner.invoke(app, ["due", "2026-12-30", "5"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "2027" in result.stderr
    assert result.stdout == ""


def test_due_bad_input_is_a_usage_error():
    assert runner.invoke(app, ["due", "30/09/2026", "1"]).exit_code == 2
    assert runner.invoke(app, ["due", "2026-09-30", "0"]).exit_code == 2


def test_calendar_add_then_due(calendar_dir: Path):
    result = runner.invoke(app, ["calendar", "add", str(EXAMPLE_2027)])
    assert result.exit_code == 0, result.output
    assert "added 2027" in result.stdout
    assert (calendar_dir / "2027.yaml").is_file()
    assert runner.invoke(app, ["due", "2026-12-31", "1"]).stdout.strip() == "2027-01-04"
    listing = runner.invoke(app, ["calendar", "list", "--json"])
    years = json.loads(listing.stdout)
    assert "EXAMPLE" in years["2027"] and years["2026"].startswith("chinese_calendar")
    human = runner.invoke(app, ["calendar", "list"])
    assert human.exit_code == 0 and "2027" in human.stdout


def test_calendar_add_refuses_bad_files(tmp_path: Path):
    bad = tmp_path / "2027.yaml"
    bad.write_text(EXAMPLE_2027.read_text(encoding="utf-8").replace("2027-10-09", "2027-10-08"), encoding="utf-8")
    result = runner.invoke(app, ["calendar", "add", str(bad)])
    assert result.exit_code == 1
    assert "error: calendar file" in result.stderr and "2027-10-08 is a Friday" in result.stderr


def test_deadline_command_shows_its_basis():
    result = runner.invoke(app, ["deadline", "objection.center.decide_working_days", "2026-09-28", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "due": "2026-10-10",
        "basis_parameter": "objection.center.decide_working_days",
        "value": 5,
        "article": "Art. 36.2(1)",
        "start": "2026-09-28",
    }


def test_parameter_errors_carry_the_article():
    result = runner.invoke(app, ["deadline", "revocation.delete_working_days", "2017-09-01"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error [Art. 37]: ")


def test_show():
    result = runner.invoke(app, ["show", "第三十六条第二款第（一）项"])
    assert result.exit_code == 0
    assert "Art. 36.2(1)" in result.stdout and "五个工作日" in result.stdout
    bad = runner.invoke(app, ["show", "Art. 57"])
    assert bad.exit_code == 1 and "Art. 57" in bad.stderr


def test_params():
    result = runner.invoke(app, ["params", "--json"])
    rows = json.loads(result.stdout)
    names = {r["name"] for r in rows}
    assert "objection.center.decide_working_days" in names
    in_force = next(r for r in rows if r["name"] == "regulation.in_force_from")
    assert in_force["value"] == "2017-10-01"
    assert runner.invoke(app, ["params"]).exit_code == 0


SAMPLE_TESTS = (Path(__file__).parent / "data" / "sample_marked_tests.py.txt").read_text(encoding="utf-8")


@pytest.fixture
def sample_tests(tmp_path: Path) -> Path:
    directory = tmp_path / "tests"
    (directory / "objection").mkdir(parents=True)
    (directory / "objection" / "test_rules.py").write_text(SAMPLE_TESTS, encoding="utf-8")
    return directory


def test_scan_tests(sample_tests: Path):
    marked, problems = scan_tests(sample_tests)
    found = {(m.ref, m.test.split("/")[-1], m.article) for m in marked}
    assert ("Art. 11", "test_rules.py", 11) in found
    assert ("Art. 36.2(1)", "test_rules.py::test_center_decides", 36) in found
    assert ("Art. 37", "test_rules.py::test_both", 37) in found
    assert ("Art. 38", "test_rules.py::test_both", 38) in found
    assert ("第九条第二款第（四）项", "test_rules.py::test_penalty", 9) in found
    assert ("Art. 99", "test_rules.py::test_bad_ref", None) in found
    assert len(problems) == 1 and "Art. 99" in problems[0]


def test_map_json(sample_tests: Path):
    result = runner.invoke(app, ["map", "--tests", str(sample_tests), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_article = {a["article"]: a for a in data["articles"]}
    assert list(by_article) == [f"Art. {n}" for n in range(1, 57)]
    art36 = by_article["Art. 36"]
    assert {p["name"] for p in art36["parameters"]} >= {
        "objection.center.decide_working_days",
        "objection.credit_service.decide_working_days",
    }
    assert any(t["ref"] == "Art. 36.2(1)" and t["test"].endswith("::test_center_decides") for t in art36["tests"])
    assert by_article["Art. 56"]["parameters"][0]["name"] == "regulation.in_force_from"
    assert by_article["Art. 15"]["parameters"]
    # an article nothing implements is listed as such
    for article in data["not_implemented"]:
        entry = by_article[article]
        assert not (entry["rules"] or entry["parameters"] or entry["tests"])
    assert data["problems"]


def test_map_rules_grouped_by_article(sample_tests: Path):
    from xinyong.law import rules

    @rules.rule("Art. 36.2(1)", id="test.law.example_rule")
    def example_rule() -> None:
        """An example rule for the map."""

    try:
        data = json.loads(runner.invoke(app, ["map", "--tests", str(sample_tests), "--json"]).stdout)
        art36 = next(a for a in data["articles"] if a["article"] == "Art. 36")
        assert {"id": "test.law.example_rule", "article": "Art. 36.2(1)"}.items() <= next(
            r for r in art36["rules"] if r["id"] == "test.law.example_rule"
        ).items()
        assert art36["implemented"]
    finally:
        rules.REGISTRY.pop("test.law.example_rule", None)


def test_map_human(sample_tests: Path):
    result = runner.invoke(app, ["map", "--tests", str(sample_tests)])
    assert result.exit_code == 0, result.output
    assert "not implemented" in result.stdout
    assert "Art. 36" in result.stdout
