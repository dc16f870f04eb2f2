"""Prohibited kinds of personal information refuse the whole file, before any copy of it is kept
(Art. 14.3, with Art. 6): religious faith, genes, fingerprints, blood type, illness and medical history.
The restricted kinds of Art. 14.2 (income, deposits …) are not refused here: as non-catalog columns they
are dropped (Art. 11)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.record import importer
from xinyong.record.rules import PROHIBITED_COLUMN_TERMS, check_no_prohibited_columns, prohibited_kind
from xinyong.errors import RuleViolation

from ..factories import CF_COLUMNS, PROVIDER_USCC, cf_row, to_csv
from ..helpers import add_provider, run_file
from .ingest_support import (  # noqa: F401 - fixtures
    auth,
    batch_count,
    batch_files,
    client,
    console_reason,
    files_holding,
    records,
)

pytestmark = pytest.mark.article("Art. 14.3")

CHINESE = ["宗教信仰", "信仰", "基因", "指纹", "血型", "疾病", "病史", "病情", "既往病"]
ENGLISH = ["religion", "religious", "faith", "gene", "genetic", "DNA", "fingerprint", "blood type",
           "blood group", "illness", "disease", "medical history", "diagnosis"]
# Names that contain a term's letters or characters but name something else.
INNOCENT = ["general", "genre", "generated_at", "faithful", "good_faith_commitment", "agenda", "转基因标识",
            "疾病预防控制中心意见", "宗教事务局批文", "indnas", "bloodhound", "fingerprinting_of_goods_no"]


def _file(*extra: str, value: str = "某值") -> bytes:
    return to_csv([{**cf_row(1), **{c: value for c in extra}}], CF_COLUMNS + list(extra))


def test_reproduction_religion_and_medical_history_refuse_the_file_on_the_cli(engine, tmp_path,
                                                                                console_reason):
    """The issue: 宗教信仰, 病史 and 月收入 were accepted as "extra"; now the whole file is refused, naming
    the column and the article, and nothing of it is kept."""
    add_provider(engine)
    path = tmp_path / "penalties.csv"
    path.write_bytes(to_csv([{**cf_row(1), "宗教信仰": "佛教信徒甲", "病史": "高血压病史乙", "月收入": "8000"}],
                            CF_COLUMNS + ["宗教信仰", "病史", "月收入"]))
    res = CliRunner().invoke(app, ["import", str(path), "--unit", PROVIDER_USCC], catch_exceptions=False)
    assert res.exit_code == 4, res.output
    assert "error [Art. 14.3]:" in res.stderr and "宗教信仰" in res.stderr
    assert records(engine) == []
    # no copy of the file: no spool, and no byte of the prohibited values anywhere under var/
    assert not [p for p in batch_files() if p.suffix == ".spool"]
    assert files_holding("佛教信徒甲") == [] and files_holding("高血压病史乙") == []
    # the clerk's rejects export names the column; it holds nothing of the rows
    export = path.with_name(path.name + ".rejects.csv").read_text(encoding="utf-8-sig")
    assert "宗教信仰" in export and "Art. 14.3" in export and "佛教信徒甲" not in export


@pytest.mark.parametrize("column", CHINESE + ENGLISH + ["Religion", "BloodType", "blood_group", "DNA_sample",
                                                         "genetic_test", "fingerprints", "既往病史", "diseases"])
def test_each_prohibited_kind_refuses_the_file(engine, tmp_path, column):
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, _file(column, value="敏感值"))
    assert result.file_error is not None and result.exit_code == 4
    assert (result.file_error.article, result.file_error.field) == ("Art. 14.3", column)
    assert records(engine) == [] and files_holding("敏感值") == []
    assert not [p for p in batch_files() if p.suffix == ".spool"]


@pytest.mark.parametrize("column", INNOCENT)
def test_innocent_names_are_not_caught(column):
    assert prohibited_kind(column) is None
    check_no_prohibited_columns([column, "CF_SY"])


def test_every_kind_of_the_article_has_terms():
    assert set(PROHIBITED_COLUMN_TERMS) == {"religious faith", "genes", "fingerprints", "blood type",
                                            "illness or medical history"}
    for term in CHINESE + ENGLISH:
        assert prohibited_kind(term) is not None, term
    with pytest.raises(RuleViolation) as exc:
        check_no_prohibited_columns(["CF_SY", "血型"])
    assert (exc.value.article, exc.value.field) == ("Art. 14.3", "血型")


@pytest.mark.article("Art. 11")
@pytest.mark.parametrize("column", ["月收入", "存款", "income", "有价证券", "纳税数额"])
def test_restricted_kinds_are_not_refused_but_dropped(engine, tmp_path, column):
    """Art. 14.2's restricted kinds wait for consent (a later issue); as non-catalog columns they are
    dropped before anything is kept."""
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, _file(column, value="九千九百"))
    assert result.file_error is None and result.accepted == 1
    assert [d["column"] for d in result.dropped_columns] == [column]
    assert result.dropped_columns[0]["article"] == "Art. 11"
    assert files_holding("九千九百") == []
    assert "九千九百" not in json.dumps(records(engine)[0].content, ensure_ascii=False)


def test_a_json_lines_key_first_seen_later_refuses_the_file_too(engine, tmp_path):
    actor, _ = add_provider(engine)
    first = {k: v for k, v in cf_row(1).items()}
    later = {**cf_row(2), "blood_type": "AB型血之值"}
    data = (json.dumps(first, ensure_ascii=False) + "\n" + json.dumps(later, ensure_ascii=False) + "\n").encode()
    result = run_file(engine, actor, tmp_path, data, name="rows.jsonl")
    assert result.file_error is not None and result.file_error.article == "Art. 14.3"
    assert records(engine) == [] and files_holding("AB型血之值") == []
    assert not [p for p in batch_files() if p.suffix == ".spool"]


def test_over_http_the_header_is_refused_at_once_and_nothing_is_kept(engine, client):
    _actor, token = add_provider(engine)
    data = _file("宗教信仰", "病史", value="某宗教")
    res = client.post("/api/v1/batches", headers=auth(token), files={"file": ("p.csv", data, "text/csv")})
    assert res.status_code == 422
    body = res.json()
    assert (body["article"], body["field"]) == ("Art. 14.3", "宗教信仰") and body["article_text"]
    assert batch_count(engine) == 0 and batch_files() == [] and files_holding("某宗教") == []


def test_refused_before_a_batch_row_records_anything_of_it(engine, tmp_path):
    """Over the CLI path the batch exists (the submission is recorded), but holds no data of the file."""
    actor, _ = add_provider(engine)
    result = run_file(engine, actor, tmp_path, _file("指纹", value="指纹特征码"))
    status = importer.batch_status(engine, result.batch_id)
    assert status["status"] == "done" and status["rows"] == 0
    assert status["rejects"][0]["article"] == "Art. 14.3" and status["rejects"][0]["field"] == "指纹"
    assert "指纹特征码" not in json.dumps(status, ensure_ascii=False)
