"""``xinyong subject check`` over many identifiers, as a clerk checks a spreadsheet column: from standard input,
a file (UTF-8 or GB18030) or arguments; one line each, valid with its normal form or the exact defect."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from xinyong.cli import app

from ..factories import ric, uscc

pytestmark = pytest.mark.article("Art. 2")

runner = CliRunner()
PERSON = ric(date(1980, 1, 2))


def _column() -> list[str]:
    good_org = uscc(515151)
    bad_org = good_org[:-1] + ("0" if good_org[-1] != "0" else "1")
    person = PERSON
    bad_person = person[:-1] + ("0" if person[-1] != "0" else "1")
    return [good_org.lower(), "", bad_org, person, bad_person]


def test_a_column_on_standard_input_gets_one_line_each_and_exit_3():
    column = _column()
    res = runner.invoke(app, ["subject", "check"], input="\n".join(column) + "\n")
    assert res.exit_code == 3, res.output
    lines = res.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["1", "3", "4", "5"]  # the blank line 2 is skipped
    assert lines[0].startswith(f"1: valid organization {column[0].upper()}") and "upper-cased" in lines[0]
    assert lines[1].startswith("3: invalid: invalid USCC") and lines[1].endswith("[Art. 2]")
    assert lines[2].startswith("4: valid natural_person ") and "*" in lines[2]
    assert lines[3].startswith("5: invalid: invalid resident ID number: check character")
    for number in (column[3], column[4]):  # a person's number is never printed whole
        assert number not in res.stdout


def test_a_gb18030_file_and_json_output(tmp_path):
    column = _column()
    path = tmp_path / "bidders.csv"
    path.write_bytes(("\r\n".join(column)).encode("gb18030"))
    res = runner.invoke(app, ["subject", "check", "--file", str(path), "--json"])
    assert res.exit_code == 3
    found = json.loads(res.stdout)
    assert [(r["line"], r["valid"]) for r in found] == [(1, True), (3, False), (4, True), (5, False)]
    assert found[1]["article"] == "Art. 2" and "check character" in found[1]["defect"]


def test_all_valid_arguments_exit_0_and_one_argument_keeps_its_detailed_form():
    good = uscc(515151)
    res = runner.invoke(app, ["subject", "check", good, uscc(616161)])
    assert res.exit_code == 0 and res.stdout.splitlines()[0] == f"1: valid organization {good}"
    one = runner.invoke(app, ["subject", "check", good.lower()])
    assert one.exit_code == 0 and one.stdout.splitlines() == [f"organization {good}", "normalised: upper-cased check letter "
                                                            f"'{good[-1].lower()}'"]
