"""Only the catalog's declared fields are aggregated (Art. 11): each catalog item declares the fields a
record of it stores (``catalog_item.fields``; None: its record format's documented columns); every other
column is dropped before anything is stored or kept, and named — in the CLI output, in ``GET
/batches/{id}`` and in the rejects file. No record content ever holds an ``extra`` dict."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from xinyong.auth import CONSOLE
from xinyong.catalog import service as catalog
from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.inquiry import service as inquiry
from xinyong.models import CatalogItem
from xinyong.record import fields, importer, workflows
from xinyong.record.fields import FORMATS, STRUCTURAL_KEYS, declared_fields, format_keys
from xinyong.unit import service as units
from xinyong.worker import drain

from ..factories import CF_COLUMNS, PROVIDER_USCC, cf_row, to_csv, uscc
from ..helpers import TODAY, add_provider, run_file
from .ingest_support import (  # noqa: F401 - fixtures
    auth,
    batch_files,
    client,
    console_reason,
    files_holding,
    records,
    spool_rows,
)

pytestmark = pytest.mark.article("Art. 11")

EXTRA = ["月收入", "区县", "内部编号"]


def _with_extras(n: int, **over: str) -> dict[str, str]:
    return {**cf_row(n, **over), "月收入": f"甲收入{n}元", "区县": "乙区县值", "内部编号": f"NB-{n:04d}"}


def _credit_service(engine):
    with session_scope(engine) as s:
        unit, _token = units.add_unit(s, name="上海某信用评估有限公司", kind="credit-service", uscc=uscc(3),
                                      published_on=TODAY, actor=CONSOLE)
        officer, _ = units.add_officer(s, unit=unit, staff_no="CRE-001", name="张三", items=None,
                                       purposes=None, expires_at=None, actor=CONSOLE)
        return dataclasses.replace(units.actor_for(unit, officer=officer.staff_no), officer_id=officer.id)


def _declare(engine, code: str, keys: list[str] | None) -> None:
    with session_scope(engine) as s:
        s.execute(update(CatalogItem).where(CatalogItem.code == code).values(fields=keys))


def test_reproduction_extra_columns_never_reach_an_inquirer(engine, tmp_path):
    """The issue: extra columns were "kept as extra" and a credit service establishment received them
    through an inquiry. Now they are dropped before anything is kept, and the batch names them."""
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, to_csv([_with_extras(1), _with_extras(2)], CF_COLUMNS + EXTRA))
    assert (result.accepted, result.rejected) == (2, 0)
    assert [(d["column"], d["article"]) for d in result.dropped_columns] == [(c, "Art. 11") for c in EXTRA]
    for rec in records(engine):
        assert "extra" not in rec.content and set(rec.content) <= fields.content_keys(
            declared_fields(None, "CF"))
        text = json.dumps(rec.content, ensure_ascii=False)
        assert "甲收入" not in text and "乙区县值" not in text and "NB-" not in text
    answer = None
    with session_scope(engine) as s:
        answer = inquiry.inquire(s, actor=_credit_service(engine), subject=cf_row(1)["CF_XDR_SHXYM"],
                                 purpose="credit-assessment", channel="api")
    assert answer.allowed and len(answer.records) == 1
    served = json.dumps(answer.records, ensure_ascii=False, default=str)
    assert "甲收入1元" not in served and "NB-0001" not in served and "extra" not in served
    # nothing of them under the var directory either (the stored copy holds declared columns only)
    assert files_holding("甲收入1元") == [] and files_holding("NB-0002") == []
    status = importer.batch_status(engine, result.batch_id)
    assert [d["column"] for d in status["dropped_columns"]] == EXTRA


def test_cli_names_each_dropped_column_and_so_does_the_rejects_file(engine, tmp_path, console_reason):
    add_provider(engine)
    path = tmp_path / "p.csv"
    path.write_bytes(to_csv([_with_extras(1), _with_extras(2, procedure="simplified")], CF_COLUMNS + EXTRA))
    res = CliRunner().invoke(app, ["import", str(path), "--unit", PROVIDER_USCC], catch_exceptions=False)
    assert res.exit_code == 3, res.output
    for column in EXTRA:
        assert f"dropped column {column} [Art. 11]" in res.stdout
    export = path.with_name("p.csv.rejects.csv").read_bytes()
    assert export.startswith(b"\xef\xbb\xbf")
    lines = export.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:4] == ["line", "field", "reason", "article"]
    assert not set(EXTRA) & set(lines[0].split(","))  # declared columns only
    assert [ln.split(",")[1] for ln in lines[1:4]] == EXTRA and all(ln.startswith("1,") for ln in lines[1:4])
    assert lines[4].startswith("3,procedure,") and "甲收入" not in export.decode("utf-8-sig")
    res = CliRunner().invoke(app, ["import", str(path), "--unit", PROVIDER_USCC, "--json"],
                             catch_exceptions=False)
    assert [d["column"] for d in json.loads(res.stdout)["dropped_columns"]] == EXTRA


def test_api_reports_dropped_columns_at_once_and_in_the_batch(engine, client):
    _actor, token = add_provider(engine)
    data = to_csv([_with_extras(1), _with_extras(2, CF_JDRQ="2031-01-01")], CF_COLUMNS + EXTRA)
    res = client.post("/api/v1/batches", headers=auth(token), files={"file": ("p.csv", data, "text/csv")})
    assert res.status_code == 202
    assert [d["column"] for d in res.json()["dropped_columns"]] == EXTRA
    batch_id = res.json()["batch_id"]
    drain(engine)
    status = client.get(f"/api/v1/batches/{batch_id}", headers=auth(token)).json()
    assert [(d["column"], d["article"]) for d in status["dropped_columns"]] == [(c, "Art. 11") for c in EXTRA]
    csv_text = client.get(f"/api/v1/batches/{batch_id}/rejects", headers=auth(token)).text
    assert [row.split(",")[1] for row in csv_text.splitlines()[1:4]] == EXTRA
    assert "甲收入" not in csv_text and "乙区县值" not in csv_text


def test_an_items_own_declaration_decides_what_its_records_store(engine, tmp_path):
    actor, _ = add_provider(engine)
    keep = ["subject_name", "doc_no", "facts", "legal_basis", "category", "content", "fine_wan", "procedure",
            "slight", "severity"]
    _declare(engine, "penalty", keep)
    result = run_file(engine, actor, tmp_path, to_csv([cf_row(1), cf_row(2)], CF_COLUMNS))
    assert result.accepted == 2
    dropped = {d["column"]: d["reason"] for d in result.dropped_columns}
    assert set(dropped) == {"CF_FRDB", "CF_WFXW", "CF_CFJGDM", "ended_on"}
    assert "not a declared field of any catalog item" in dropped["CF_WFXW"]
    for rec in records(engine):
        assert "legal_rep" not in rec.content and "act_type" not in rec.content
        assert rec.content["fine_wan"] == "0.2" and rec.content["amount_yuan"] == "2000.00"
    # the stored copy holds the declared columns only, row by row
    [spool] = [p for p in batch_files() if p.suffix == ".spool"]
    for row in spool_rows(spool):
        assert "CF_FRDB" not in row.values and "CF_WFXW" not in row.values and "CF_SY" in row.values


def test_each_row_keeps_what_its_own_item_declares(engine, tmp_path):
    """A CF file may carry rows of another item (arrears: general format): the penalty rows keep
    CF_WFXW and the fine; the arrears row drops them (they are not arrears fields), and the batch
    says how many rows lost them."""
    actor, _ = add_provider(engine)
    rows = [cf_row(1), cf_row(2, catalog_item="arrears"), cf_row(3)]
    result = run_file(engine, actor, tmp_path, to_csv(rows, CF_COLUMNS))
    assert result.accepted == 3
    partial = {d["column"]: d for d in result.dropped_columns}
    assert partial["CF_WFXW"]["rows"] == 1 and "'arrears'" in partial["CF_WFXW"]["reason"]
    by_item = {r.item_code: r for r in records(engine)}
    assert "act_type" in by_item["penalty"].content
    assert "act_type" not in by_item["arrears"].content and "fine_wan" not in by_item["arrears"].content


def test_no_content_holds_an_extra_dict_and_map_row_has_no_extra():
    mapped = fields.map_row("CF", {**cf_row(1), "区县": "黄浦"})
    assert "extra" not in mapped and "extra" not in fields.CANONICAL_KEYS
    assert "区县" not in mapped and "黄浦" not in mapped.values()


def test_a_single_record_drops_what_its_item_does_not_declare(engine, client):
    _actor, token = add_provider(engine)
    res = client.post("/api/v1/records", headers=auth(token), json={**cf_row(9), "月收入": "9000"})
    assert res.status_code == 201
    assert [d["column"] for d in res.json()["dropped_columns"]] == ["月收入"]
    [rec] = records(engine)
    assert "9000" not in json.dumps(rec.content, ensure_ascii=False)
    res = client.post("/api/v1/records", headers=auth(token), json={**cf_row(10), "病史": "无"})
    assert res.status_code == 422 and res.json()["article"] == "Art. 14.3"


def test_a_correction_may_only_set_declared_fields(engine, tmp_path):
    actor, _ = add_provider(engine)
    run_file(engine, actor, tmp_path, to_csv([cf_row(1)], CF_COLUMNS))
    [rec] = records(engine)
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        workflows.correct(s, record_id=rec.id, changes={"cert_name": "某证书"}, reason="r", document="d",
                          actor=actor)
    assert (exc.value.article, exc.value.field) == ("Art. 11", "cert_name")
    assert "not a declared field" in exc.value.message
    with session_scope(engine) as s:
        fixed = workflows.correct(s, record_id=rec.id, changes={"remarks": "更正"}, reason="r", document="d",
                                  actor=actor)
        assert fixed.content["remarks"] == "更正" and "extra" not in fixed.content


def test_the_catalog_exposes_the_declared_fields(engine, console_reason):
    _declare(engine, "licence", ["subject_name", "doc_no", "content", "cert_name"])
    with session_scope(engine) as s:
        described = {i["code"]: i for i in map(catalog.describe, catalog.list_items(s))}
    assert described["penalty"]["fields"] is None and described["penalty"]["record_format"] == "CF"
    assert described["licence"]["fields"] == ["subject_name", "doc_no", "content", "cert_name"]
    listed = json.loads(CliRunner().invoke(app, ["catalog", "list", "--json"], catch_exceptions=False).stdout)
    assert {i["code"]: i["fields"] for i in listed}["licence"] == described["licence"]["fields"]
    assert CliRunner().invoke(app, ["catalog", "list"], catch_exceptions=False).exit_code == 0


def test_declared_fields_default_to_the_records_format():
    assert declared_fields(None, "CF") == format_keys("CF") | STRUCTURAL_KEYS
    assert "fine_wan" in declared_fields(None, "CF") and "fine_wan" not in declared_fields(None, "general")
    assert {"deemed_full_capacity", "full_capacity"} <= format_keys("general") & format_keys("XK")
    # an item's own list, plus what identifies a record; names that are no canonical key name nothing
    own = declared_fields(["content", "no_such_key"], "general")
    assert own == {"content"} | STRUCTURAL_KEYS


DOC = Path(__file__).parents[2] / "docs" / "import-format.md"


def _section(text: str, title: str) -> str:
    start = text.index(title)
    ends = [e for e in (text.find("\n### ", start + 1), text.find("\n## ", start + 1)) if e > 0]
    return text[start:min(ends) if ends else None]


def _columns_in(section: str) -> set[str]:
    cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {c for cell in cells for c in re.findall(r"`([A-Za-z_]+)`", cell)}


def test_the_documented_columns_are_exactly_the_formats_columns():
    """docs/import-format.md is a contract: each format's tables list exactly the columns it reads."""
    text = DOC.read_text(encoding="utf-8")
    extras = _columns_in(_section(text, "### Extra columns"))
    assert extras == set(fields.EXTRA_COLUMNS)
    for fmt, title in (("CF", "### CF"), ("XK", "### XK"), ("general", "### general")):
        documented = _columns_in(_section(text, title)) | (extras if fmt != "general" else set())
        assert documented == set(FORMATS[fmt].columns), fmt
    declared = _section(text, "## Declared fields")
    for key in STRUCTURAL_KEYS:
        assert f"`{key}`" in declared
    assert "retention.upload_copy_days" in text and "retention.rejects_days" in text
