"""CSV meant for people neutralises spreadsheet formulas (OWASP, CSV injection): the rejects files from the
console and from ``GET /api/v1/batches/{id}/rejects``. Machine exchange files stay exact."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from xinyong.app import create_app
from xinyong.cli import app as cli_app
from xinyong.record import importer
from xinyong.spreadsheet import FORMULA_START, neutralise, writer

from .factories import CF_COLUMNS, PROVIDER_USCC, cf_row, to_csv
from .helpers import add_provider, run_file

ATTACK = "=cmd|' /C calc'!A0"
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_neutralise_follows_owasp():
    assert neutralise(ATTACK) == "'" + ATTACK
    for start in "=+-@\t\r":
        assert neutralise(start + "1") == "'" + start + "1"
    # OWASP's rule prefixes data too: a negative amount is shown as text, a date and a plain number are not touched
    assert neutralise("-5") == "'-5" and neutralise("+86 21 5555 0000") == "'+86 21 5555 0000"
    assert neutralise("2024-05-20") == "2024-05-20" and neutralise("0.2") == "0.2" and neutralise(3) == "3"
    assert neutralise("") == "" and neutralise(None) == "" and neutralise("上海=某") == "上海=某"


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("=+-@\t\r\n\",;'a1上 "), max_size=8), max_size=6))
def test_no_cell_read_back_starts_like_a_formula(cells):
    buf = io.StringIO()
    writer(buf).writerow(cells)
    [back] = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    assert len(back) == len(cells)
    for original, cell in zip(cells, back):
        assert not cell or cell[0] not in FORMULA_START
        assert cell == original or cell == "'" + original  # nothing else changes


def _formula_file() -> bytes:
    rows = [cf_row(1), cf_row(2, CF_XDR_MC=ATTACK, CF_JDRQ="2099-01-01"),
            cf_row(3, CF_NR_FK="-5", procedure="simplified", CF_SY="@SUM(1+1)*cmd|' /C calc'!A0")]
    columns = [*CF_COLUMNS, "=HYPERLINK(\"http://x\")"]
    return to_csv([{**r, columns[-1]: "x"} for r in rows], columns)


def _assert_neutral(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    for row in rows:
        for cell in row:
            assert not cell or cell[0] not in FORMULA_START, cell
    assert ATTACK not in [c for row in rows for c in row]
    return rows


@sqlite_only
def test_console_rejects_file_neutralises_formulas(database_url, tmp_path, monkeypatch):
    from xinyong.db import get_engine

    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test: the provider's clerk at the Center's console")
    add_provider(get_engine())
    source = tmp_path / "in.csv"
    source.write_bytes(_formula_file())
    rejects = tmp_path / "rejects.csv"
    res = CliRunner().invoke(cli_app, ["import", str(source), "--unit", PROVIDER_USCC, "--rejects", str(rejects)])
    assert res.exit_code == 3, res.output
    rows = _assert_neutral(rejects.read_text(encoding="utf-8"))
    header = rows[0]
    by_line = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert by_line["3"]["CF_XDR_MC"] == "'" + ATTACK
    assert by_line["4"]["CF_NR_FK"] == "'-5" and by_line["4"]["CF_SY"].startswith("'@SUM")
    # the dropped column is named in the file, neutralised too
    assert any(r[1] == "'=HYPERLINK(\"http://x\")" for r in rows[1:])


def test_http_rejects_download_neutralises_formulas(engine, tmp_path):
    actor, token = add_provider(engine)
    result = run_file(engine, actor, tmp_path, _formula_file())
    assert result.rejected == 2
    client = TestClient(create_app(engine))
    res = client.get(f"/api/v1/batches/{result.batch_id}/rejects", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = _assert_neutral(res.content.decode("utf-8"))
    assert "'" + ATTACK in [c for row in rows for c in row]


@sqlite_only
def test_the_stored_copy_and_machine_files_stay_exact(database_url, engine, tmp_path):
    """The platform's own copies keep the values as sent: only what is rendered for people changes."""
    from xinyong import crypto

    actor, _token = add_provider(engine)
    result = run_file(engine, actor, tmp_path, _formula_file())
    with crypto.open_reader(importer.rejects_copy_path(result.batch_id)) as fh:
        stored = fh.read().decode()
    assert ATTACK in stored.replace('\\"', '"') and "'=cmd" not in stored
