"""The import's fast paths give exactly what the plain computations give (Art. 2, 11).

- ``is_blank`` / ``empty_required`` answer long printable text without cleaning it;
- ``RowContext`` memoises identifiers, dates, labels and amounts per import: validating with one
  context for a whole file gives, row by row, what a fresh context per row gives;
- ``service.insert_records`` hands the driver plain tuples: stored exactly as SQLAlchemy's Core
  ``insert`` stores the same values, on both databases.

The rows are the real published samples (shared/data/real-samples, laid out as the general
format), the fixtures, the demo generator's files, and those rows broken value by value.
"""

from __future__ import annotations

import csv
import importlib
import random
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from xinyong.db import session_scope
from xinyong.demo.generate import generate
from xinyong.errors import DomainError
from xinyong.law.errors import LawError
from xinyong.models import Record
from xinyong.record import fields, service
from xinyong.record.fields import EMPTY_MARKERS, clean_text, detect_format, empty_required, is_blank, map_row
from xinyong.record.reading import read_rows
from xinyong.record.rules import ItemInfo, RowContext, validate_row

from ..factories import CF_COLUMNS, cf_row, person_cf_row, to_csv
from ..helpers import REAL_SAMPLES, TODAY, add_provider, run_file

pytestmark = pytest.mark.article("Art. 11")

FIXTURES = Path(__file__).parent / "fixtures"


# ---------------------------------------------------------------------------------------------
# rows


def _items() -> dict[str, ItemInfo]:
    catalog = importlib.import_module("xinyong.migrations.versions.0002_default_catalog")
    items = {i["code"]: ItemInfo(i["code"], "published", date(2017, 10, 1), None, i["untrustworthy"],
                                 i.get("continuing", False)) for i in catalog.ITEMS}
    items["retired-item"] = ItemInfo("retired-item", "published", date(2017, 10, 1), date(2020, 1, 1),
                                     False, False)
    items["proposed-item"] = ItemInfo("proposed-item", "proposed", None, None, True, False)
    return items


ITEMS = _items()

# Each real sample as general-format rows: (identifier column, name column, date column, amount column).
SAMPLE_LAYOUT = {
    "aicc_highway_companies_enrichment.csv": (3, 0, None, 7),
    "mot_highway_construction_credit_rating.csv": (1, 0, None, None),
    "nfra_bank_penalties_sample.csv": (None, 3, 2, 6),
    "sichuan_geohazard_market_credit_rating.csv": (None, 0, 3, None),
    "sichuan_transport_enterprise_credit_rating.csv": (7, 1, None, 6),
    "tax_a_grade_heilongjiang_2018.csv": (0, 1, None, None),
    "tax_a_grade_jiangxi_2018.csv": (0, 1, None, None),
}
GENERAL_COLUMNS = ["catalog_item", "subject_name", "subject_class", "subject_id", "doc_no", "doc_date",
                   "doc_org", "content", "amount_yuan", "conduct_date", "valid_until", "procedure",
                   "slight", "severity", "extra_note"]


def _sample_rows(limit: int = 1500) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    if not REAL_SAMPLES.is_dir():
        return rows
    rng = random.Random(5)
    for name, (id_col, name_col, date_col, amount_col) in SAMPLE_LAYOUT.items():
        path = REAL_SAMPLES / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            records = list(csv.reader(fh))[1:]
        for rec in rng.sample(records, min(limit, len(records))):
            cell = lambda i: rec[i] if i is not None and i < len(rec) else ""  # noqa: E731
            rows.append({
                "catalog_item": rng.choice(["penalty", "licence", "commendation", "arrears", "judgment-default"]),
                "subject_name": cell(name_col),
                "subject_class": rng.choice(["", "法人及非法人组织", "自然人", "个体工商户"]),
                "subject_id": cell(id_col) or rng.choice(rec),
                "doc_no": f"样本〔{rng.randrange(2015, 2025)}〕{rng.randrange(1, 30)}号",
                "doc_date": cell(date_col) or rng.choice(["2019-01-14", "2019年7月13日", "20190114"]),
                "doc_org": "上海市测试局",
                "content": " ".join(rec)[:200],
                "amount_yuan": cell(amount_col),
                "conduct_date": rng.choice(["", cell(date_col), "2018/3/1"]),
                "valid_until": rng.choice(["", "2030-01-01", "无"]),
                "procedure": rng.choice(["一般程序", "简易程序", "", "ordinary"]),
                "slight": rng.choice(["否", "是", "", "n"]),
                "severity": rng.choice(["一般", "严重", "", "轻微"]),
                "extra_note": rng.choice(rec),
            })
    return rows


def _broken(rows: list[dict[str, str]], seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    pool = [v for r in rows[:50] for v in r.values() if v]
    breaks = ["", " ", "无", "  x  y  ", "\u3000a", "9.14E+17", "2031-01-01", "03/04/2018", "2019-02-30",
              "1700000000", "简易程序", "是", "1,000.5万元", "二千元", "-5", "自然人", "12345678-9",
              "310101200901011234", "a\u200bb", "a\x07b", "Ａ１", "\t", None]
    out = []
    for r in rows:
        r = dict(r)
        for _ in range(rng.choice((0, 1, 1, 2))):
            key = rng.choice(list(r))
            r[key] = rng.choice(breaks + [rng.choice(pool)])
        out.append(r)
    return out


def _files() -> list[tuple[str, list[dict]]]:
    """(format, raw rows) for each source, read as the importer reads them."""
    out = []
    for path in sorted(FIXTURES.iterdir()):
        stream = read_rows(path, filename=path.name)
        out.append((detect_format(stream.header), [r.values for r in stream if r.ok]))
    _units, demo = generate(1200, seed=20171001, today=TODAY)
    for f in demo:
        rows = list(f.iter_rows())
        out.append((f.fmt, rows))
        out.append((f.fmt, _broken(rows, seed=len(rows))))
    samples = _sample_rows()
    out.append(("general", samples))
    out.append(("general", _broken(samples, seed=3)))
    cf = [cf_row(i) for i in range(40)] + [person_cf_row(i, date(1990, 1, 1 + i % 28)) for i in range(40)]
    out.append(("CF", cf + _broken(cf, seed=4)))
    return out


FILES = _files()


# ---------------------------------------------------------------------------------------------
# is_blank, empty_required


def test_there_are_rows_to_compare():
    assert sum(len(rows) for _, rows in FILES) > 5000
    if REAL_SAMPLES.is_dir():
        assert len(_sample_rows()) > 3000


def test_is_blank_and_empty_required_answer_what_cleaning_answers():
    values = ["", " ", "无", " 无 ", "暂无", "NULL", "None", " n/a ", "N/A", "——", "- -", "ＮＵＬＬ",
              "null\u200b", "\u3000无\u3000", "abcde", "abcd ", " a b c d e ", "ǅǆ", "ßßßß", "İİİİ"]
    values += [v for _, rows in FILES for r in rows[:200] for v in r.values() if isinstance(v, str)]
    for v in values:
        assert is_blank(v) == (clean_text(v).casefold() in EMPTY_MARKERS), v
    for fmt, rows in FILES:
        for row in rows:
            try:
                mapped = map_row(fmt, row)
            except DomainError:
                continue
            expected = [(k, c) for k, c in fields.REQUIRED[fmt].items()
                        if clean_text(mapped.get(k)).casefold() in EMPTY_MARKERS]
            assert empty_required(fmt, mapped) == expected


# ---------------------------------------------------------------------------------------------
# validation with the per-import memos


def _validated(values: dict, ctx: RowContext):
    try:
        return ("ok", validate_row(values, ctx))
    except (DomainError, LawError) as exc:
        return ("rejected", type(exc), exc.field if hasattr(exc, "field") else None, exc.message,
                getattr(exc, "article", None))


@pytest.mark.article("Art. 2")
def test_one_context_per_file_validates_as_a_fresh_context_per_row():
    unit_items = frozenset(ITEMS) - {"arrears"}
    compared = accepted = 0
    for fmt, rows in FILES:
        shared = RowContext(unit_items=unit_items, items=ITEMS, fmt=fmt, today=TODAY)
        for _ in range(2):  # the second pass answers from the memos
            for row in rows:
                try:
                    mapped = map_row(fmt, row)
                except DomainError:
                    continue
                fresh = RowContext(unit_items=unit_items, items=ITEMS, fmt=fmt, today=TODAY)
                got = _validated(dict(mapped), shared)
                assert got == _validated(dict(mapped), fresh), row
                compared += 1
                accepted += got[0] == "ok"
    assert compared > 10000 and 0 < accepted < compared


def test_a_rejected_identifier_is_rejected_alike_every_time():
    ctx = RowContext(unit_items=frozenset(ITEMS), items=ITEMS, fmt="CF", today=TODAY)
    row = map_row("CF", cf_row(1, CF_XDR_SHXYM="91310115000000000X"))
    first = _validated(dict(row), ctx)
    assert first[0] == "rejected" and first[4] == "Art. 2"
    assert all(_validated(dict(row), ctx) == first for _ in range(3))


# ---------------------------------------------------------------------------------------------
# storage


def _stored(engine, doc_prefix: str) -> list[tuple]:
    content = "content::text" if engine.dialect.name == "postgresql" else "content"
    cols = [content if c == "content" else c for c in service.RECORD_COLUMNS if c != "doc_no"]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            f"SELECT {', '.join(cols)} FROM record WHERE doc_no LIKE :p ORDER BY id"), {"p": doc_prefix + "%"})]


def test_insert_records_stores_what_a_core_insert_stores(engine, tmp_path):
    actor, _ = add_provider(engine)
    rows = [cf_row(i) for i in range(1, 6)] + [person_cf_row(9, date(1990, 5, 17))]
    rows[1]["CF_NR_FK"] = "1,234.565"
    rows[2]["ended_on"] = "2024-06-01"
    rows[3]["CF_NR_FK"] = ""
    result = run_file(engine, actor, tmp_path, to_csv(rows, CF_COLUMNS))
    assert result.accepted == 6
    with session_scope(engine) as s:
        stored = list(s.scalars(select(Record).order_by(Record.id)))
    received = datetime(2025, 6, 16, 9, 30, 15, 123456, tzinfo=timezone.utc)
    tuples, dicts = [], []
    for k, r in enumerate(stored):
        values = {c: getattr(r, c) for c in service.RECORD_COLUMNS}
        values.update(received_at=received, line_no=1000 + k, conduct_date=date(2024, 1, 2) if k % 2 else None,
                      content={**r.content, "嵌套": {"a": "甲", "b": ""}, "n": "1.50"},
                      amount_yuan=Decimal("0.10") if k == 4 else r.amount_yuan)
        tuples.append(tuple({**values, "doc_no": f"A-{k}"}[c] for c in service.RECORD_COLUMNS))
        dicts.append({**values, "doc_no": f"B-{k}"})
    with session_scope(engine) as s:
        service.insert_records(s, tuples)
        s.execute(insert(Record.__table__), dicts)
    fast, core = _stored(engine, "A-"), _stored(engine, "B-")
    assert len(fast) == len(stored) and fast == core


# ---------------------------------------------------------------------------------------------
# the import loop: chunks stored in order (on PostgreSQL while the next one is validated), the
# garbage collector as it was


@pytest.mark.parametrize("collector_on", [True, False])
def test_chunks_stored_in_file_order_and_the_collector_left_as_it_was(engine, tmp_path, collector_on):
    import gc

    actor, _ = add_provider(engine)
    rows = [cf_row(i) for i in range(1, 1201)]
    rows[700]["CF_JDRQ"] = "2031-01-01"
    seen_progress: list[int] = []
    seen_rejects: list[int] = []
    was = gc.isenabled()
    (gc.enable if collector_on else gc.disable)()
    try:
        path = tmp_path / "upload.csv"
        path.write_bytes(to_csv(rows, CF_COLUMNS))
        from xinyong.record import importer

        batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename=path.name, sha256="0",
                                       actor=actor)
        result = importer.run_import(engine, batch_id=batch_id, path=path, actor=actor, today=TODAY,
                                     chunk_rows=250, progress=seen_progress.append,
                                     on_reject=lambda r, _v: seen_rejects.append(r.line))
        assert gc.isenabled() is collector_on
    finally:
        (gc.enable if was else gc.disable)()
    assert seen_progress == [250, 500, 750, 1000, 1200]
    assert seen_rejects == [702]
    assert (result.rows, result.accepted, result.rejected) == (1200, 1199, 1)
    with session_scope(engine) as s:
        lines = list(s.scalars(select(Record.line_no).order_by(Record.id)))
    assert lines == [n for n in range(2, 1202) if n != 702]
