"""A 100,000-row provider file with a few hundred bad rows, through the CLI on SQLite: exact counts and
a rejects file naming every defect (the size a district bureau sends; speed is measured in bench/)."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from xinyong.cli import app

from ..factories import CF_COLUMNS, PROVIDER_USCC, cf_row, uscc

ROWS = 100_000
BAD_EVERY = 331  # 302 bad rows


@pytest.fixture
def sqlite_only(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the 100k-row run is done once, on the embedded default")
    return database_url


def _write(path) -> dict[int, str]:
    defects = [("CF_XDR_SHXYM", "9.14E+17", "spreadsheet"), ("procedure", "简易程序", "simplified"),
               ("CF_JDRQ", "2031-01-01", "after today"), ("CF_WSH", "", "legal document"),
               ("CF_NR_FK", "二千元", "not an amount"), ("CF_XDR_SHXYM", "91310115000000000X", "check")]
    bad: dict[int, str] = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CF_COLUMNS, lineterminator="\n")
        w.writeheader()
        for i in range(ROWS):
            row = cf_row(i, CF_XDR_SHXYM=uscc(i // 5))  # about five records per subject
            if i % BAD_EVERY == BAD_EVERY - 1:
                field, value, why = defects[(i // BAD_EVERY) % len(defects)]
                row[field] = value
                bad[i + 2] = why
            w.writerow(row)
    return bad


@pytest.mark.long  # 25 s: a scale trial (bench/ measures the speed); CI runs it in the long pass
def test_hundred_thousand_rows_exact_counts_and_every_defect_named(sqlite_only, tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test import")  # the console acts for the unit (Art. 19(2))
    runner = CliRunner()
    res = runner.invoke(app, ["unit", "add", "上海市测试监督管理局", "--kind", "administrative",
                              "--uscc", PROVIDER_USCC, "--provides", "penalty"])
    assert res.exit_code == 0, res.output
    path = tmp_path / "penalties.csv"
    bad = _write(path)
    res = runner.invoke(app, ["import", str(path), "--unit", PROVIDER_USCC, "--json"])
    assert res.exit_code == 3, res.output
    summary = json.loads(res.stdout)
    assert summary["rows"] == ROWS
    assert summary["rejected"] == len(bad) == 302
    assert summary["accepted"] == ROWS - len(bad)
    assert summary["already_present"] == 0
    with open(summary["rejects_file"], encoding="utf-8-sig") as fh:
        rejects = {int(r["line"]): r for r in csv.DictReader(fh)}
    assert set(rejects) == set(bad)
    for line, why in bad.items():
        assert why in rejects[line]["reason"], (line, rejects[line]["reason"])
        assert rejects[line]["field"]
    assert all(r["article"] for r in rejects.values() if "amount" not in r["reason"])

    again = runner.invoke(app, ["import", str(path), "--unit", PROVIDER_USCC, "--json"])
    summary = json.loads(again.stdout)
    assert (summary["accepted"], summary["already_present"], summary["rejected"]) == (0, ROWS - 302, 302)
