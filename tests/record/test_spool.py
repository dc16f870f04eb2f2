"""The platform's copy of a submitted file holds only what was stored from it, encrypted (Art. 11, 19, 20(4)):
a spool of the rows with their declared columns and original line numbers, written through
``crypto.open_writer``; the import reads it back. Over HTTP a file refused whole answers 422 at once with
nothing kept. The rejects file is the provider's own artefact, served decrypted to the providing unit
only. Copies are deleted by ``xinyong purge`` after their retention period."""

from __future__ import annotations

import builtins
import csv
import hashlib
import importlib
import io
import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from xinyong import deletion
from xinyong import crypto
from xinyong.auth import CONSOLE
from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.law import parameters
from xinyong.models import AuditEvent, Batch
from xinyong.record import importer, spool, workflows
from xinyong.worker import drain

from ..factories import CF_COLUMNS, OTHER_PROVIDER_USCC, PROVIDER_USCC, cf_row, person_cf_row, to_csv
from ..helpers import TODAY, add_provider, run_file
from .ingest_support import (  # noqa: F401 - fixtures
    auth,
    batch_count,
    batch_files,
    client,
    console_reason,
    decrypted,
    files_holding,
    records,
    spool_rows,
    var_dir,
)

pytestmark = pytest.mark.article("Art. 11")


def _clerks_file() -> bytes:
    """A multi-line quoted field and a blank line (so physical lines and records differ), an unknown
    column, and a natural person's row."""
    rows = [cf_row(1), cf_row(2, CF_SY="第一行\n第二行"), person_cf_row(3, date(1980, 1, 1))]
    text = to_csv([{**r, "内部备注": f"内部{i}"} for i, r in enumerate(rows)], CF_COLUMNS + ["内部备注"]).decode()
    lines = text.split("\n")
    lines.insert(2, "")  # a blank line after the first row
    return "\n".join(lines).encode()


@pytest.mark.article("Art. 20(4)")
def test_the_stored_copy_is_an_encrypted_spool_of_declared_columns_with_the_clerks_lines(engine, tmp_path):
    actor, _ = add_provider(engine)
    data = _clerks_file()
    result = run_file(engine, actor, tmp_path, data)
    assert (result.accepted, result.rejected) == (3, 0)
    [copy] = batch_files()
    assert copy == importer.stored_copy_path(result.batch_id) and crypto.is_encrypted_file(copy)
    rows = spool_rows(copy)
    # the clerk's physical lines: header 1, row 2, blank 3, rows 4-5 (two lines) and 6
    assert [r.line for r in rows] == [2, 4, 6]
    assert [r.line_no for r in records(engine)] == [2, 4, 6]
    assert all("内部备注" not in r.values for r in rows) and rows[1].values["CF_SY"] == "第一行\n第二行"
    with spool.SpoolReader(copy) as reader:
        assert reader.header["format"] == "CF" and "内部备注" not in reader.header["columns"]
        list(reader)
    assert reader.trailer["rows"] == 3 and [d["column"] for d in reader.trailer["dropped_columns"]] == ["内部备注"]
    # nothing in plaintext: neither the unknown column's values nor the person's number, anywhere under var/
    person = person_cf_row(3, date(1980, 1, 1))["CF_XDR_ZJHM"]
    assert files_holding("内部0") == [] and files_holding(person) == [] and files_holding("第一行") == []
    assert person.encode() in decrypted(copy)  # the copy does hold what was stored from the row


def test_the_cli_reads_the_clerks_file_once_and_keeps_no_raw_copy(engine, tmp_path, monkeypatch,
                                                                    console_reason):
    add_provider(engine)
    path = tmp_path / "p.csv"
    path.write_bytes(_clerks_file())
    opened = []
    real_open, real_path_open = builtins.open, type(path).open

    def counting_open(file, *a, **kw):
        if str(file) == str(path):
            opened.append(a[0] if a else kw.get("mode", "r"))
        return real_open(file, *a, **kw)

    def counting_path_open(self, *a, **kw):
        if self == path:
            opened.append(a[0] if a else kw.get("mode", "r"))
        return real_path_open(self, *a, **kw)

    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(type(path), "open", counting_path_open)
    monkeypatch.setattr(importer, "sha256_of", lambda _p: pytest.fail("the file was read a second time"))
    res = CliRunner().invoke(app, ["import", str(path), "--unit", PROVIDER_USCC, "--json"],
                             catch_exceptions=False)
    monkeypatch.undo()
    assert res.exit_code == 0, res.output
    batch_id = json.loads(res.stdout)["batch_id"]
    assert opened == ["rb"]  # opened once, read through once by the spooler
    assert batch_files() == [importer.stored_copy_path(batch_id)]
    with session_scope(engine) as s:
        assert s.get(Batch, batch_id).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


REFUSED = [
    ("book.xlsx", b"PK\x03\x04" + b"\x00" * 200, "file"),
    ("book.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 200, "file"),
    ("u16.csv", "CF_XDR_MC,CF_WSH\n".encode("utf-16"), "file"),
    ("bin.csv", b"\x00\x01\x02\xff" * 300, "file"),
    ("rows.json", b'[{"a": 1}]', "file"),
    ("empty.csv", b"", "header"),
    ("blank.csv", b"\n\n  \n", "header"),
    ("short.csv", to_csv([{k: v for k, v in cf_row(1).items() if k != "CF_WSH"}]), "CF_WSH"),
    ("mixed.csv", b"CF_XDR_MC,XK_XDR_MC\na,b\n", "header"),
]


@pytest.mark.parametrize("name, data, field", REFUSED, ids=[r[0] for r in REFUSED])
def test_over_http_a_file_refused_whole_answers_422_at_once_and_nothing_is_kept(engine, client, name, data,
                                                                                field):
    _actor, token = add_provider(engine)
    res = client.post("/api/v1/batches", headers=auth(token), files={"file": (name, data, "text/csv")})
    assert res.status_code == 422, res.text
    body = res.json()
    assert (body["article"], body["field"]) == ("Art. 11", field) and body["article_text"]
    assert batch_count(engine) == 0 and batch_files() == []


def test_over_http_the_upload_is_spooled_and_its_rejects_served_to_the_provider_only(engine, client):
    _actor, token = add_provider(engine)
    minor = person_cf_row(2, date(2010, 1, 1))  # a child on the date of the conduct: rejected (Art. 2)
    data = to_csv([{**cf_row(1), "内部备注": "甲备注之值"}, {**minor, "内部备注": "乙备注之值"}], CF_COLUMNS + ["内部备注"])
    res = client.post("/api/v1/batches", headers=auth(token), files={"file": ("p.csv", data, "text/csv")})
    assert res.status_code == 202
    batch_id = res.json()["batch_id"]
    drain(engine)
    status = client.get(f"/api/v1/batches/{batch_id}", headers=auth(token)).json()
    assert (status["status"], status["accepted"], status["rejected"]) == ("done", 1, 1)
    assert minor["CF_XDR_ZJHM"] not in json.dumps(status, ensure_ascii=False)
    got = client.get(f"/api/v1/batches/{batch_id}/rejects", headers=auth(token))
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert table[0][:4] == ["line", "field", "reason", "article"] and "内部备注" not in table[0]
    assert table[1][:2] == ["1", "内部备注"] and table[1][3] == "Art. 11"
    row = dict(zip(table[0], table[2]))
    assert (row["line"], row["article"]) == ("3", "Art. 2")
    assert row["CF_XDR_ZJHM"] == minor["CF_XDR_ZJHM"]  # the provider's own artefact: the full number
    assert minor["CF_XDR_ZJHM"] not in row["reason"]
    # the platform's copy of it is encrypted; every file it kept is
    kept = batch_files()
    assert {p.suffix for p in kept} == {".spool", ".rejects"} and all(map(crypto.is_encrypted_file, kept))
    assert files_holding(minor["CF_XDR_ZJHM"]) == [] and files_holding("乙备注之值") == []
    # another unit never sees it
    _other, other_token = add_provider(engine, uscc=OTHER_PROVIDER_USCC)
    assert client.get(f"/api/v1/batches/{batch_id}/rejects", headers=auth(other_token)).status_code == 404
    assert client.get(f"/api/v1/batches/{batch_id}", headers=auth(other_token)).status_code == 404


def test_a_batch_with_nothing_to_reject_has_no_rejects_file(engine, client):
    _actor, token = add_provider(engine)
    res = client.post("/api/v1/batches", headers=auth(token),
                      files={"file": ("p.csv", to_csv([cf_row(1)], CF_COLUMNS), "text/csv")})
    batch_id = res.json()["batch_id"]
    drain(engine)
    assert client.get(f"/api/v1/batches/{batch_id}/rejects", headers=auth(token)).status_code == 404
    assert [p.suffix for p in batch_files()] == [".spool"]


@pytest.mark.article("Art. 19")
def test_copies_are_deleted_after_their_retention_period_and_running_batches_never(engine, tmp_path):
    actor, _ = add_provider(engine)
    done = run_file(engine, actor, tmp_path, to_csv([cf_row(1), cf_row(2, procedure="simplified")], CF_COLUMNS))
    running = run_file(engine, actor, tmp_path, to_csv([cf_row(3, procedure="simplified")], CF_COLUMNS))
    finished = datetime(2025, 1, 2, 15, 0)
    with session_scope(engine) as s:
        s.execute(update(Batch).values(finished_at=finished))
        s.execute(update(Batch).where(Batch.id == running.batch_id).values(status="running"))
    spool_of, rejects_of = importer.stored_copy_path, importer.rejects_copy_path
    assert spool_of(done.batch_id).exists() and rejects_of(done.batch_id).exists()
    upload_days = parameters.value("retention.upload_copy_days", TODAY)
    rejects_days = parameters.value("retention.rejects_days", TODAY)
    assert (upload_days, rejects_days) == (180, 30)
    assert parameters.parameter("retention.upload_copy_days").article.canonical == "Art. 19"

    def purge(day: date):
        with session_scope(engine) as s:
            return deletion.purge(s, actor=CONSOLE, on=day).steps["stored_copies"]

    finished_on = finished.date()
    assert purge(finished_on + timedelta(days=rejects_days)).deleted == []
    step = purge(finished_on + timedelta(days=rejects_days + 1))
    assert [d["object"] for d in step.deleted] == [f"batch {done.batch_id}: rejects copy"]
    assert not rejects_of(done.batch_id).exists() and spool_of(done.batch_id).exists()
    assert purge(finished_on + timedelta(days=upload_days)).deleted == []
    step = purge(finished_on + timedelta(days=upload_days + 1))
    assert [d["object"] for d in step.deleted] == [f"batch {done.batch_id}: stored copy"]
    assert not spool_of(done.batch_id).exists()
    # the running batch's copies are untouched, however old
    assert spool_of(running.batch_id).exists() and rejects_of(running.batch_id).exists()
    with session_scope(engine) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "batch:copies_deleted")).all()
    assert [e.object_id for e in events] == [done.batch_id, done.batch_id]
    assert events[0].details["deleted"][0] == {"file": "rejects copy", "parameter": "retention.rejects_days",
                                               "days": 30}
    res = CliRunner().invoke(app, ["purge"], catch_exceptions=False)
    assert res.exit_code == 0 and "stored copies" in res.stdout


@pytest.mark.article("Art. 37")
def test_deletion_rewrites_the_spool_without_the_row_keeping_the_others_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_VAR_DIR", str(tmp_path / "var"))
    from xinyong import config

    config.reset_settings()
    try:
        source = tmp_path / "p.csv"
        source.write_bytes(_clerks_file())
        target = tmp_path / "var" / "x.spool"
        spool.write_spool(source, filename="p.csv", target=target, declared={"penalty": frozenset(
            {"catalog_item", "subject_name", "doc_no", "facts", "subject_id"})})
        assert [r.line for r in spool.SpoolReader(target)] == [2, 4, 6]
        assert set(spool_rows(target)[0].values) == {"CF_XDR_MC", "CF_XDR_SHXYM", "CF_XDR_ZJHM", "CF_WSH",
                                                   "CF_SY", "catalog_item"}
        assert spool.remove_line(target, 4) and not spool.remove_line(target, 5)
        rows = spool_rows(target)
        assert [r.line for r in rows] == [2, 6] and crypto.is_encrypted_file(target)
        assert "第一行" not in str([r.values for r in rows])
    finally:
        config.reset_settings()


def test_a_plaintext_copy_an_earlier_version_kept_is_respooled_by_the_migration(engine, tmp_path):
    """0009 turns the old raw copies under var/batches into spools (declared columns only, encrypted),
    deletes those that would now be refused whole, and left-over incoming files."""
    migration = importlib.import_module("xinyong.migrations.versions.0009_catalog_fields")
    actor, _ = add_provider(engine)
    folder = var_dir() / "batches"
    folder.mkdir(parents=True, exist_ok=True)
    old, refused = importer.new_batch_id(), importer.new_batch_id()
    (folder / f"{old}.csv").write_bytes(to_csv([{**cf_row(1), "区县": "旧副本值"}], CF_COLUMNS + ["区县"]))
    (folder / f"{refused}.csv").write_bytes(to_csv([{**cf_row(2), "血型": "B型血之值"}], CF_COLUMNS + ["血型"]))
    (folder / "incoming-1234.tmp").write_bytes(b"CF_XDR_MC\n")
    with engine.begin() as conn:
        counts = migration.respool_plaintext_copies(conn)
    assert counts == {"respooled": 1, "deleted": 2}
    assert batch_files() == [importer.stored_copy_path(old)]
    assert [r.line for r in spool_rows(importer.stored_copy_path(old))] == [2]
    assert files_holding("旧副本值") == [] and files_holding("B型血之值") == []
