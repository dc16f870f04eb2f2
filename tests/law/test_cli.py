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
    assert (in_force["kind"], in_force["level"]) == ("legal", None)
    policy = next(r for r in rows if r["name"] == "listing.comment_min_days")
    assert (policy["value"], policy["article"], policy["kind"]) == (30, "Art. 24", "platform-policy")
    assert runner.invoke(app, ["params"]).exit_code == 0


@pytest.mark.article("Art. 35.1")
def test_params_show_the_level_of_an_items_own_period():
    from xinyong.law.parameters import load_parameters, overlaid

    extra = load_parameters(
        "inquiry.untrustworthy_period_years.X01:\n  description: d\n  unit: years\n  article: Art. 35.1\n"
        "  level: administrative-regulation\n  source: s\n  values: [{value: 3, since: 2017-10-01}]\n")
    with overlaid(extra):
        rows = json.loads(runner.invoke(app, ["params", "--json"]).stdout)
        human = runner.invoke(app, ["params"])
    row = next(r for r in rows if r["name"] == "inquiry.untrustworthy_period_years.X01")
    assert (row["value"], row["level"], row["article"]) == (3, "administrative-regulation", "Art. 35.1")
    assert human.exit_code == 0 and "administrative-regulation" in human.stdout


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
    # implemented only with a rule that cites it and a test marked with it; everything else is listed
    for entry in data["articles"]:
        assert entry["implemented"] == bool(entry["rules"] and entry["tests"])
        assert entry["state"] in data["states"] and entry["article"] in data["states"][entry["state"]]
        assert (entry["article"] in data["not_implemented"]) == (not entry["implemented"])
    assert art36["state"] == "implemented"  # rules, and the sample marks Art. 36.2(1)
    assert sorted(a for listed in data["states"].values() for a in listed) == sorted(by_article)
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
    # the sample marks no Art. 56 test and no rule cites it: its parameter alone does not implement it
    assert "parameters only" in result.stdout and "rules, untested" in result.stdout


MARK = "mark." + "article"


def _free_articles(n: int) -> list[int]:
    """Articles no rule cites and no parameter names (found, not assumed: others may add rules)."""
    from xinyong.law.cli import build_map

    data = build_map(Path("/nonexistent"))
    free = [int(a["article"].split()[1]) for a in data["articles"] if not a["rules"] and not a["parameters"]]
    assert len(free) >= n
    return free[:n]


def test_map_states_are_truthful(tmp_path: Path):
    from xinyong.law import rules
    from xinyong.law.cli import build_map
    from xinyong.law.parameters import load_parameters, overlaid

    a, b = _free_articles(2)
    directory = tmp_path / "tests"
    directory.mkdir()
    param = load_parameters(f"x.example:\n  description: d\n  unit: days\n  article: Art. {a}\n  source: s\n"
                            "  values: [{value: 1, since: 2017-10-01}]\n")

    def state(article: int, data=None) -> str:
        data = data or build_map(directory)
        return next(e for e in data["articles"] if e["article"] == f"Art. {article}")["state"]

    assert state(a) == "not implemented"
    with overlaid(param):  # a number alone does not enforce anything
        data = build_map(directory)
        assert state(a, data) == "parameters only" and f"Art. {a}" in data["not_implemented"]

        @rules.rule(f"Art. {a}", id="test.law.map_example")
        def map_example() -> None:
            """An example rule for the map."""

        try:
            data = build_map(directory)
            entry = next(e for e in data["articles"] if e["article"] == f"Art. {a}")
            assert entry["state"] == "rules, untested" and not entry["implemented"]
            assert entry["rules"][0]["tested"] is False
            (directory / "test_x.py").write_text(
                # the mark is spelled in pieces: the architecture test scans this file's text for marks
                f'import pytest\n\n\n@pytest.{MARK}("Art. {a}")\ndef test_x():\n    pass\n\n\n'
                f'@pytest.{MARK}("Art. {b}")\ndef test_y():\n    pass\n', encoding="utf-8")
            data = build_map(directory)
            entry = next(e for e in data["articles"] if e["article"] == f"Art. {a}")
            assert entry["state"] == "implemented" and entry["implemented"] and entry["rules"][0]["tested"]
            assert f"Art. {a}" not in data["not_implemented"]
            assert state(b, data) == "tests only" and f"Art. {b}" in data["not_implemented"]
            human = runner.invoke(app, ["map", "--tests", str(directory)])
            assert human.exit_code == 0 and "tests only (1)" in human.stdout
        finally:
            rules.REGISTRY.pop("test.law.map_example", None)


def test_map_of_the_real_tests_has_no_article_implemented_by_parameters_alone():
    from xinyong.law.cli import build_map

    data = build_map(Path(__file__).parents[1])
    for entry in data["articles"]:
        if entry["parameters"] and not entry["rules"]:
            assert entry["state"] == "parameters only" and not entry["implemented"], entry["article"]
    assert "Art. 51" in data["states"]["parameters only"] or any(
        e["rules"] for e in data["articles"] if e["article"] == "Art. 51")
