"""A defective identifier's message never echoes a natural person's number (Art. 2; PIPL): a resident ID number
a spreadsheet mangled (``1.10105E+17``, ``….0``), mistyped, or with an impossible birth date — neither in the
defect, nor in the CLI's line, nor in the reason column of a batch's rejects file. What masking shows (the
first 6 and the last 4 digits) is all that may appear of it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.errors import InvalidInput
from xinyong.record import importer
from xinyong.subject.identifiers import explain_unusable, parse_identifier, ric_check_char

from ..factories import CF_COLUMNS, person_cf_row, ric, to_csv
from ..helpers import TODAY, add_provider, run_file

PERSON = ric(date(1990, 1, 1), region="110105", seq=123)
_future = f"110105{date(2031, 2, 3):%Y%m%d}123"
FORMS = {
    "scientific": f"{PERSON[0]}.{PERSON[1:6]}E+17",
    "decimal": PERSON + ".0",
    "check": PERSON[:17] + ("0" if PERSON[17] != "0" else "1"),
    "future": _future + ric_check_char(_future),
}


def _leaks(text: str, number: str) -> list[str]:
    """The runs of 6 digits of ``number`` in ``text`` beyond the first 6 (what masking shows)."""
    return [number[i:i + 6] for i in range(1, len(number) - 5) if number[i:i + 6] in text]


def _defect(value: str) -> str:
    with pytest.raises(InvalidInput) as exc:
        parse_identifier(value, today=TODAY)
    return exc.value.message + " " + " ".join(d["message"] for d in exc.value.details["defects"])


@pytest.mark.article("Art. 2")
@pytest.mark.parametrize("form", sorted(FORMS))
def test_the_defect_does_not_echo_the_number(form):
    value = FORMS[form]
    number = value.split(".")[0] if form == "decimal" else value
    message = _defect(value)
    assert number not in message and not _leaks(message, number) and not _leaks(message, PERSON), message
    if form in ("scientific", "decimal"):
        explained = explain_unusable(value)
        assert "spreadsheet" in explained and not _leaks(explained, PERSON) and value not in explained
        assert ("scientific notation" if form == "scientific" else "decimal part") in message
        assert FORMS[form] not in message
    if form == "future":
        assert "future" in message and "2031" not in message  # the birth date is personal information


@pytest.mark.article("Art. 2")
def test_the_cli_line_does_not_echo_the_number():
    res = CliRunner().invoke(app, ["subject", "check"], input="\n".join(FORMS.values()) + "\n")
    assert res.exit_code == 3, res.output
    assert len(res.stdout.splitlines()) == len(FORMS)
    for value in FORMS.values():
        assert value not in res.stdout
    assert not _leaks(res.stdout, PERSON) and not _leaks(res.stdout, FORMS["future"])


@pytest.mark.article("Art. 2")
def test_the_set_refusal_does_not_echo_the_value():
    from xinyong.objection import cli as objection_cli
    from xinyong.record import cli as record_cli

    for pairs in (record_cli._pairs, objection_cli._pairs):
        with pytest.raises(InvalidInput) as exc:
            pairs(["CF_WSH=沪罚1号", PERSON])
        assert exc.value.message == "--set takes FIELD=VALUE: the --set number 2 has no '='"


@pytest.mark.article("Art. 2")
def test_the_rejects_reason_does_not_echo_the_number(engine, tmp_path):
    provider, _ = add_provider(engine)
    rows = [{**person_cf_row(n, date(1990, 1, 1)), "CF_XDR_ZJHM": value} for n, value in enumerate(FORMS.values(), 1)]
    result = run_file(engine, provider, tmp_path, to_csv(rows, CF_COLUMNS))
    assert result.rejected == len(FORMS), result
    text = "".join(importer.rejects_csv(engine, result.batch_id))
    reasons = [row[2] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))][1:]
    assert len(reasons) == len(FORMS) and all(reasons)
    assert "scientific notation" in reasons[0] and "decimal part" in reasons[1] and "future" in reasons[3]
    for reason in reasons:  # the row's own columns keep the value: the provider fixes it from them
        assert PERSON not in reason and not _leaks(reason, PERSON) and not _leaks(reason, FORMS["future"]), reason
