"""The synthetic demo data generator: repeatable, valid identifiers, lawful dates, the catalog's mix."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from xinyong.demo.generate import (
    CF_COLUMNS,
    GENERAL_COLUMNS,
    ITEM_MIX,
    XK_COLUMNS,
    demo_units,
    generate,
    iter_rows,
    org_code_check,
    uscc_check,
    write_csv,
)

TODAY = date(2025, 6, 30)

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def gb11714_ok(code9: str) -> bool:
    """Independent GB 11714 check (weights 3 7 9 10 5 8 4 2; A=10…Z=35; 11-(sum mod 11), 10→X, 11→0)."""
    def value(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10

    total = sum(value(c) * w for c, w in zip(code9[:8], ORG_WEIGHTS))
    check = 11 - total % 11
    expected = "X" if check == 10 else "0" if check == 11 else str(check)
    return code9[8] == expected


def uscc_ok(code: str) -> bool:
    return (
        len(code) == 18
        and code == code.strip().upper()
        and stdnum_uscc.is_valid(code)
        and stdnum_uscc.calc_check_digit(code[:17]) == code[17]
        and gb11714_ok(code[8:17])
        and code[2:4] == "31"
    )


def add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, month=3, day=1)


def subject_of(fmt: str, row: dict[str, str]) -> tuple[str, str, str]:
    """(class, USCC or '', resident id or '')"""
    if fmt == "CF":
        return row["CF_XDR_LB"], row["CF_XDR_SHXYM"], row["CF_XDR_ZJHM"]
    if fmt == "XK":
        return row["XK_XDR_LB"], row["XK_XDR_SHXYM"], row["XK_XDR_ZJHM"]
    sid = row["subject_id"]
    if row["subject_class"] == "自然人":
        return row["subject_class"], "", sid
    return row["subject_class"], sid, ""


def doc_no(fmt: str, row: dict[str, str]) -> str:
    return row[{"CF": "CF_WSH", "XK": "XK_WSH"}.get(fmt, "doc_no")]


def all_rows(files):
    for f in files:
        for row in f.iter_rows():
            yield f, row


@pytest.fixture(scope="module")
def demo():
    return generate(5000, seed=7, today=TODAY)


# ---------------------------------------------------------------------------------------------


def test_units_have_valid_codes_and_expected_roles():
    units = demo_units()
    assert 9 <= len(units) <= 12
    assert len({u.uscc for u in units}) == len(units)
    by_name = {u.name: u for u in units}
    for u in units:
        assert uscc_ok(u.uscc), u
    center = by_name["上海市公共信用信息服务中心"]
    assert center.kind == "operator" and center.uscc.startswith("12")
    assert by_name["上海市发展和改革委员会"].kind == "supervisor"
    assert by_name["上海市高级人民法院"].kind == "judicial"
    assert by_name["上海市高级人民法院"].provides == ("judgment-default",)
    assert set(by_name["上海市市场监督管理局"].provides) == {"penalty", "licence", "market-ban", "commendation"}
    assert set(by_name["国家税务总局上海市税务局"].provides) == {"arrears", "false-materials", "commendation"}
    assert set(by_name["上海市住房和城乡建设管理委员会"].provides) == {"licence", "penalty", "commitment"}
    assert by_name["上海市浦东新区市场监督管理局"].uscc[2:8] == "310115"
    assert "procurement" in by_name["上海市财政局"].purposes
    credit = [u for u in units if u.kind == "credit-service"]
    assert len(credit) == 1 and credit[0].uscc.startswith("91")
    for u in units:
        if u.kind in ("administrative", "supervisor", "judicial"):
            assert u.uscc.startswith("11")
    art28 = {"permit", "inspection", "spot-check", "large-penalty", "procurement", "tendering", "funding",
             "project-support", "land", "research", "residence-permit", "household-registration", "id-card",
             "recruitment", "appointment", "promotion", "commendation", "routine"}
    for u in units:
        assert set(u.purposes) <= art28
        if u.kind == "administrative":
            assert u.inquires and u.purposes
        else:  # only administrative organs publish an inquiry list (Art. 17.2)
            assert not u.inquires and not u.purposes
    assert "other-untrust" not in {i for u in units for i in u.provides}


def test_fast_check_functions_agree_with_stdnum():
    for body in ("91310115MA1K4ABC1", "11310000MB2F00016", "12310000425003178", "93310151MA0000000"):
        assert uscc_check(body) == stdnum_uscc.calc_check_digit(body)
    assert org_code_check("73513098") == "1"  # the real code 73513098-1 (domain.md §9)


def test_same_seed_same_output_different_seed_different():
    _, a = generate(600, seed=1, today=TODAY)
    _, b = generate(600, seed=1, today=TODAY)
    _, c = generate(600, seed=2, today=TODAY)
    assert [(f.filename, f.count, f.items) for f in a] == [(f.filename, f.count, f.items) for f in b]
    assert [f.rows for f in a] == [f.rows for f in b]
    assert [f.rows for f in a] != [f.rows for f in c]
    # iterating twice gives the same rows
    assert a[0].rows == list(iter_rows(a[0]))


def test_record_count_is_exact():
    for n in (0, 1, 2, 7, 99, 1234):
        _, files = generate(n, today=TODAY)
        assert sum(f.count for f in files) == n
        assert sum(1 for _ in all_rows(files)) == n


def test_columns_and_one_file_per_unit_and_format(demo):
    units, files = demo
    uscc_of = {u.uscc: u for u in units}
    seen = set()
    for f in files:
        assert (f.unit_uscc, f.fmt) not in seen
        seen.add((f.unit_uscc, f.fmt))
        unit = uscc_of[f.unit_uscc]
        assert f.columns == {"CF": CF_COLUMNS, "XK": XK_COLUMNS, "general": GENERAL_COLUMNS}[f.fmt]
        for item, _n in f.items:
            assert item in unit.provides
        for row in f.iter_rows():
            assert tuple(row) == f.columns
            assert all(isinstance(v, str) for v in row.values())
            if f.fmt == "CF":
                assert row["catalog_item"] == "penalty"
                assert row["procedure"] == "ordinary" and row["slight"] == "false"
                assert row["severity"] in ("general", "serious")
                assert row["CF_CFJGDM"] == unit.uscc and row["CF_SJLYDM"] == unit.uscc
            elif f.fmt == "XK":
                assert row["catalog_item"] == "licence"
                assert row["XK_XKLB"] in ("普通", "特许", "认可", "核准", "登记", "其他")
                assert row["XK_ZT"] == "有效"
                assert row["XK_YXQZ"] <= row["XK_YXQZI"]
            else:
                assert row["catalog_item"] in {"arrears", "false-materials", "judgment-default", "market-ban",
                                               "commendation", "commitment"}
    # a unit providing penalty + market-ban gets a CF file and a general file
    samr = next(u for u in units if u.name == "上海市市场监督管理局")
    assert {f.fmt for f in files if f.unit_uscc == samr.uscc} == {"CF", "XK", "general"}


def test_identifiers_are_valid_and_persons_adult(demo):
    _, files = demo
    classes = Counter()
    subjects = {}
    prefixes = Counter()
    regions = set()
    for f, row in all_rows(files):
        cls, uscc, ric = subject_of(f.fmt, row)
        classes[cls] += 1
        subjects[uscc or ric] = cls
        if cls == "自然人":
            assert uscc == "" and stdnum_ric.is_valid(ric), row
            assert ric[:4] == "3101"
            regions.add(ric[:6])
            birth = stdnum_ric.get_birth_date(ric)
            # 1950-2000; 南汇区 and 奉贤区 codes exist only from 2001, so their holders are younger
            latest = date(2009, 12, 31) if ric[:6] in ("310119", "310120") else date(2000, 12, 31)
            assert date(1950, 1, 1) <= birth <= latest
            adult = add_years(birth, 18)
            dates = [row.get("CF_JDRQ") or row.get("XK_JDRQ") or row.get("doc_date"), row.get("conduct_date"),
                     row.get("ended_on")]
            for d in dates:
                if d:
                    assert date.fromisoformat(d) >= adult, (ric, d)
            if f.fmt == "CF":
                assert row["CF_XDR_ZJLX"] == "身份证"
        else:
            assert ric == "" and uscc_ok(uscc), row
            prefixes[uscc[:2]] += 1
            if cls == "个体工商户":
                assert uscc.startswith("92")
    persons = sum(1 for c in subjects.values() if c == "自然人")
    assert 0.08 < persons / len(subjects) < 0.25
    assert 0.04 < classes["自然人"] / sum(classes.values()) < 0.2
    assert prefixes["91"] > prefixes["92"] > 0
    assert prefixes["93"] > 0 and prefixes["12"] > 0 and prefixes["52"] > 0
    assert regions & {"310103", "310108", "310119"}  # abolished codes still appear


def test_one_identifier_one_name_and_unique_organization_codes(demo):
    _, files = demo
    name_of: dict[str, str] = {}
    orgs: set[str] = set()
    for f, row in all_rows(files):
        _cls, uscc, ric = subject_of(f.fmt, row)
        name = row.get("CF_XDR_MC") or row.get("XK_XDR_MC") or row.get("subject_name")
        assert name_of.setdefault(uscc or ric, name) == name  # one identifier, one name
        if uscc:
            orgs.add(uscc)
    org_codes = Counter(u[8:17] for u in orgs)
    assert max(org_codes.values()) == 1


def test_about_five_records_per_subject(demo):
    _, files = demo
    subjects = {subject_of(f.fmt, row)[1:] for f, row in all_rows(files)}
    assert 500 < len(subjects) <= 1000  # 5000 records, 1000 subjects drawn from


def test_no_date_after_today_and_order_of_dates():
    for today in (TODAY, date(2031, 5, 1), date(2019, 2, 28), date(2024, 2, 29)):
        _, files = generate(1500, seed=3, today=today)
        window_start = date(today.year - 7, today.month, 28 if today.month == 2 else today.day)
        for f, row in all_rows(files):
            for col in ("CF_JDRQ", "XK_JDRQ", "XK_YXQZ", "doc_date", "conduct_date", "ended_on", "valid_from"):
                v = row.get(col)
                if v:
                    assert date.fromisoformat(v) <= today, (col, v)
            decision = row.get("CF_JDRQ") or row.get("XK_JDRQ") or row["doc_date"]
            assert date.fromisoformat(decision) >= window_start
            if row.get("ended_on"):
                assert row["ended_on"] <= decision
            if row.get("conduct_date"):
                assert row["conduct_date"] <= decision
                if row.get("ended_on"):
                    assert row["conduct_date"] <= row["ended_on"]


def test_identity_is_unique(demo):
    units, files = demo
    ids = Counter()
    for f, row in all_rows(files):
        item = row["catalog_item"]
        ids[(f.unit_uscc, item, doc_no(f.fmt, row), subject_of(f.fmt, row)[1:])] += 1
    assert max(ids.values()) == 1
    assert sum(ids.values()) == 5000


def test_mix_of_items_roughly_as_specified(demo):
    _, files = demo
    counts = Counter(row["catalog_item"] for _f, row in all_rows(files))
    assert "other-untrust" not in counts
    for item, share in ITEM_MIX.items():
        assert abs(counts[item] / 5000 - share) < 0.01, item
    assert counts["licence"] > counts["penalty"] > counts["arrears"]


def test_penalty_amounts_consistent(demo):
    _, files = demo
    checked = 0
    for f, row in all_rows(files):
        if f.fmt != "CF":
            continue
        fk = row["CF_NR_FK"]
        if fk:
            yuan = round(float(fk) * 10_000)
            assert f"罚款人民币{yuan}元" in row["CF_NR"] or f"罚款人民币{fk}万元" in row["CF_NR"]
            assert "罚款" in row["CF_CFLB"]
            checked += 1
        else:
            assert row["CF_CFLB"] == "警告" and "罚款" not in row["CF_NR"]
        if row["CF_NR_WFFF"]:
            assert f"没收违法所得人民币{round(float(row['CF_NR_WFFF']) * 10_000)}元" in row["CF_NR"]
        assert row["CF_YJ"].startswith("《")
    assert checked > 100


def test_continuing_conduct_sometimes_ended(demo):
    _, files = demo
    ended = Counter()
    total = Counter()
    for _f, row in all_rows(files):
        if row["catalog_item"] in ("arrears", "judgment-default"):
            total[row["catalog_item"]] += 1
            ended[row["catalog_item"]] += bool(row["ended_on"])
    for item in ("arrears", "judgment-default"):
        assert 0.15 < ended[item] / total[item] < 0.45


def test_single_record_and_any_today():
    for today in (date(2031, 5, 1), date(2017, 10, 1), date(1999, 12, 31)):
        units, files = generate(1, today=today)
        assert len(units) >= 9
        rows = [r for f in files for r in f.rows]
        assert len(rows) == 1
        f = files[0]
        cls, uscc, ric = subject_of(f.fmt, rows[0])
        assert uscc_ok(uscc) if uscc else stdnum_ric.is_valid(ric)


def test_write_csv_roundtrip(tmp_path, demo):
    _, files = demo
    f = next(x for x in files if x.fmt == "CF")
    path = tmp_path / f.filename
    write_csv(f, path)
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == f.columns
        back = list(reader)
    assert back == f.rows
