"""The operator's console end to end: exit codes, error lines with their article, JSON output."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from xinyong.cli import app

from .factories import CF_COLUMNS, PROVIDER_USCC, cf_row, to_csv, uscc

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def _console_reason(monkeypatch):
    """These commands act for the provider from the console: that needs a recorded reason (Art. 19(2))."""
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test: the provider's clerk at the Center's console")


@pytest.fixture
def provider(database_url):
    res = invoke("unit", "add", "上海市测试监督管理局", "--kind", "administrative", "--uscc", PROVIDER_USCC,
                 "--provides", "penalty", "--provides", "licence", "--inquires", "penalty",
                 "--purposes", "permit", "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_unit_add_prints_token_once_and_lists(provider):
    assert provider["token"].startswith("xy_")
    assert provider["inquiry_list"] == [{"item": "penalty", "purpose": "permit",
                                         "published_on": "2025-06-16"}]
    listed = json.loads(invoke("unit", "list", "--json").stdout)
    assert [u["uscc"] for u in listed] == [PROVIDER_USCC]
    assert "token" not in listed[0]


@pytest.mark.article("Art. 17.2")
def test_unit_add_refusals_name_their_article(database_url):
    res = invoke("unit", "add", "某信用服务公司", "--kind", "credit-service", "--uscc", uscc(5),
                 "--inquires", "penalty", "--purposes", "permit")
    assert res.exit_code == 1
    assert "error [Art. 17.2]:" in res.stderr
    res = invoke("unit", "add", "某局", "--kind", "administrative", "--uscc", uscc(6, prefix="11310000"),
                 "--inquires", "penalty", "--purposes", "gossip")
    assert res.exit_code == 1 and "error [Art. 28.1]:" in res.stderr
    res = invoke("unit", "add", "某局", "--kind", "nonsense", "--uscc", uscc(7))
    assert res.exit_code == 1 and res.stderr.startswith("error: unknown unit kind")


def test_import_exit_codes_json_and_rejects_file(provider, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(to_csv([cf_row(1), cf_row(2)], CF_COLUMNS))
    res = invoke("import", str(good), "--unit", PROVIDER_USCC, "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert (summary["accepted"], summary["rejected"], summary["already_present"]) == (2, 0, 0)

    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(to_csv([cf_row(1), cf_row(3, procedure="simplified")], CF_COLUMNS))
    rejects = tmp_path / "out.csv"
    res = invoke("import", str(mixed), "--unit", PROVIDER_USCC, "--rejects", str(rejects), "--json")
    assert res.exit_code == 3
    summary = json.loads(res.stdout)
    assert (summary["accepted"], summary["rejected"], summary["already_present"]) == (0, 1, 1)
    with rejects.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["line"], r["field"], r["article"]) for r in rows] == [("3", "procedure", "Art. 9.2(4)")]
    assert rows[0]["CF_WSH"] == cf_row(3)["CF_WSH"]  # the row as sent, ready to fix and resubmit

    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv([cf_row(4, CF_JDRQ="2099-01-01")], CF_COLUMNS))
    res = invoke("import", str(bad), "--unit", PROVIDER_USCC)
    assert res.exit_code == 4
    assert (tmp_path / "bad.csv.rejects.csv").exists()


def test_import_for_unknown_unit(database_url, tmp_path):
    f = tmp_path / "x.csv"
    f.write_bytes(to_csv([cf_row(1)], CF_COLUMNS))
    res = invoke("import", str(f), "--unit", uscc(99, prefix="11310000"))
    assert res.exit_code == 1 and "no unit is registered" in res.stderr


@pytest.mark.article("Art. 2")
def test_subject_check(database_url):
    res = invoke("subject", "check", "91510100633114155w", "--json")
    assert res.exit_code == 0
    info = json.loads(res.stdout)
    assert info["kind"] == "organization" and info["code"] == "91510100633114155W"
    assert info["normalisations"]
    res = invoke("subject", "check", "91510100633114155X")
    assert res.exit_code == 1 and res.stderr.startswith("error [Art. 2]:") and "check" in res.stderr


def test_catalog_list_json(database_url):
    items = {i["code"]: i for i in json.loads(invoke("catalog", "list", "--json").stdout)}
    assert set(items) == {"arrears", "false-materials", "judgment-default", "penalty", "market-ban",
                          "other-untrust", "licence", "commendation", "commitment"}
    assert items["penalty"]["disclosure"] == "public" and items["licence"]["disclosure"] == "public"
    assert items["penalty"]["article"] == "Art. 9.2(4)" and items["other-untrust"]["state"] == "proposed"
    assert all(i["name_zh"] and i["name_en"] and i["legal_basis"] for i in items.values())


def test_law_due_through_the_root_cli():
    res = invoke("law", "due", "2025-09-30", "1")
    assert res.exit_code == 0 and res.stdout.strip() == "2025-10-09"


@pytest.mark.article("Art. 14.2")
def test_the_operator_publishes_consent_notice_versions_from_the_console(database_url, tmp_path):
    from sqlalchemy import create_engine, select

    from xinyong.models import ConsentNotice

    zh, en, blank = tmp_path / "zh.txt", tmp_path / "en.txt", tmp_path / "blank.txt"
    zh.write_text("提供收入信息可能对您产生不利后果。", encoding="utf-8")
    en.write_text("Providing your income may have adverse consequences for you.", encoding="utf-8")
    blank.write_text("  \n", encoding="utf-8")
    first = invoke("authorization", "notice", "--zh", str(zh), "--en", str(en), "--on", "2025-06-01")
    assert first.exit_code == 0 and "version 1 published on 2025-06-01" in first.stdout
    second = invoke("authorization", "notice", "--zh", str(zh), "--en", str(en))
    assert second.exit_code == 0 and "version 2" in second.stdout
    refused = invoke("authorization", "notice", "--zh", str(blank), "--en", str(en))
    assert refused.exit_code == 1 and "error [Art. 14.2]:" in refused.stderr
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(ConsentNotice.version, ConsentNotice.text_zh).order_by(ConsentNotice.version)).all()
    finally:
        engine.dispose()
    assert [r.version for r in rows] == [1, 2] and rows[0].text_zh.startswith("提供收入信息")
