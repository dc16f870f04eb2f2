from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from xinyong.record.fields import (
    BOOLEAN,
    CANONICAL_KEYS,
    FORMATS,
    PROCEDURE,
    REQUIRED,
    SEVERITY,
    FieldError,
    clean_text,
    detect_format,
    empty_required,
    map_row,
    missing_required,
    normalize_column,
    parse_amount_yuan,
    parse_bool,
    parse_date,
    parse_enum,
    parse_optional_amount_yuan,
    parse_optional_bool,
    parse_optional_date,
    parse_optional_enum,
    split_categories,
    unknown_columns,
)
from xinyong.record.reading import read_rows

FIXTURES = Path(__file__).parent / "fixtures"


# --- FieldError -------------------------------------------------------------------------------


def test_field_error_carries_field_and_reason():
    err = FieldError("CF_JDRQ", "date is empty")
    assert err.field == "CF_JDRQ"
    assert err.reason == "date is empty"
    assert isinstance(err, Exception)
    assert str(err) == "CF_JDRQ: date is empty"
    # a DomainError too: an uncaught one still renders as a 422 / "error: …" with its field
    from xinyong.errors import DomainError

    assert isinstance(err, DomainError)
    assert err.message == "date is empty" and err.status == 422


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2019-01-14", date(2019, 1, 14)),
        ("2019/1/14", date(2019, 1, 14)),
        ("2016/4/21", date(2016, 4, 21)),  # nfra 披露日期
        ("2009/7/28", date(2009, 7, 28)),  # nfra 处罚日期
        ("2015/10/26", date(2015, 10, 26)),
        ("2024-9-1", date(2024, 9, 1)),  # geohazard rating_time
        ("20190114", date(2019, 1, 14)),  # court regDate
        ("2019年07月13日", date(2019, 7, 13)),  # court publishDate
        ("2019年7月13日", date(2019, 7, 13)),
        ("2019 年 7 月 13 日", date(2019, 7, 13)),
        ("2019.01.14", date(2019, 1, 14)),
        ("2019/02/14", date(2019, 2, 14)),  # creditchina 发布时间
        ("2019-07-15T03:23:52", date(2019, 7, 15)),  # court lastmod
        ("2019-07-15 03:23:52", date(2019, 7, 15)),
        ("2019/1/14 0:00:00", date(2019, 1, 14)),  # spreadsheet export
        ("2019-07-15T20:00:00Z", date(2019, 7, 16)),  # UTC → Asia/Shanghai
        ("2019-07-15T20:00:00+08:00", date(2019, 7, 15)),
        ("1562947200", date(2019, 7, 13)),  # court publishDateStamp, Asia/Shanghai midnight
        ("1562947200000", date(2019, 7, 13)),  # milliseconds
        ("03/29/2018", date(2018, 3, 29)),  # creditchina 许可决定日期 (MM/DD/YYYY)
        ("12/27/2031", date(2031, 12, 27)),
        ("29/03/2018", date(2018, 3, 29)),  # DD/MM/YYYY, also unambiguous
        ("05/05/2018", date(2018, 5, 5)),  # same either way
        ("２０１９－０１－１４", date(2019, 1, 14)),  # full-width
        ("  2019-01-14\u200b ", date(2019, 1, 14)),
    ],
)
def test_parse_date_forms(text, expected):
    assert parse_date(text, field="d") == expected


def test_epoch_is_read_in_shanghai_time():
    # 1562947200 is 2019-07-12T16:00:00Z: the date is the 13th in Shanghai, the 12th in UTC
    assert parse_date("1562947200", field="publishDateStamp") == date(2019, 7, 13)
    assert parse_date("1562947199", field="publishDateStamp") == date(2019, 7, 12)


def test_ambiguous_us_date_is_refused():
    with pytest.raises(FieldError) as exc:
        parse_date("03/04/2018", field="许可决定日期")
    assert exc.value.field == "许可决定日期"
    assert exc.value.reason == (
        "ambiguous date '03/04/2018': day/month order unknown; use YYYY-MM-DD"
    )


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("2019-02-30", "invalid date '2019-02-30': day 30 does not exist (2019-02 has 28 days)"),
        ("2020-02-30", "2020-02 has 29 days"),
        ("2019-13-01", "month 13 does not exist"),
        ("20191301", "month 13 does not exist"),
        ("2019年2月29日", "day 29 does not exist"),
        ("13/14/2018", "neither 13 nor 14 is a month"),
        ("0019-01-01", "implausible year 19"),
        ("去年三月", "not a date: '去年三月'"),
        ("19/1/14", "not a date"),
        ("2023??????", "not a date"),
        ("", "date is empty"),
    ],
)
def test_parse_date_errors_name_the_problem(text, fragment):
    with pytest.raises(FieldError) as exc:
        parse_date(text, field="CF_JDRQ")
    assert exc.value.field == "CF_JDRQ"
    assert fragment in exc.value.reason


def test_not_after_takes_today_as_parameter():
    today = date(2024, 6, 1)
    assert parse_date("2024-06-01", field="CF_JDRQ", not_after=today) == today
    with pytest.raises(FieldError, match="in the future"):
        parse_date("2024-06-02", field="CF_JDRQ", not_after=today)


@pytest.mark.parametrize("text", ["", "  ", None, "无", "暂无", "/", "-", "NULL"])
def test_parse_optional_date_blank(text):
    assert parse_optional_date(text, field="CF_YXQ") is None


def test_parse_optional_date_value_and_error():
    assert parse_optional_date("2025-05-19", field="CF_YXQ") == date(2025, 5, 19)
    with pytest.raises(FieldError):
        parse_optional_date("2025-02-30", field="CF_YXQ")


# --- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, unit, expected",
    [
        ("10000", "yuan", "10000.00"),
        ("10000.00", "yuan", "10000.00"),
        ("1,000", "yuan", "1000.00"),
        ("1,234,567.5", "yuan", "1234567.50"),
        ("10462.63元", "yuan", "10462.63"),
        ("10462.626189元", "yuan", "10462.63"),  # creditchina: rounded half-up to the fen
        ("201902.652974万元人民币", "yuan", "2019026529.74"),  # aicc registered capital
        ("201902.65万元人民币", "yuan", "2019026500.00"),
        ("20万元", "yuan", "200000.00"),
        ("0.2", "wan", "2000.00"),  # CF_NR_FK: a 2,000 yuan fine
        ("0.0156", "wan", "156.00"),
        ("10462.63元", "wan", "10462.63"),  # explicit unit overrides the column's
        ("人民币5万元", "yuan", "50000.00"),
        ("¥3,500", "yuan", "3500.00"),
        ("5000元整", "yuan", "5000.00"),
        ("1.5亿元", "yuan", "150000000.00"),
        ("０.２", "wan", "2000.00"),
        ("0", "yuan", "0.00"),
    ],
)
def test_parse_amount_yuan(text, unit, expected):
    value = parse_amount_yuan(text, field="amt", unit=unit)
    assert value == Decimal(expected)
    assert isinstance(value, Decimal)
    assert value.as_tuple().exponent == -2


def test_amount_exact_decimal_arithmetic():
    assert parse_amount_yuan("201902.652974万元人民币", field="注册资本") == Decimal("2019026529.74")
    assert parse_amount_yuan("0.1", field="f", unit="wan") + parse_amount_yuan(
        "0.2", field="f", unit="wan"
    ) == Decimal("3000.00")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("-100", "negative amount: '-100'"),
        ("罚款若干", "not an amount: '罚款若干'"),
        ("9.14E+17", "not an amount"),
        ("1,00", "misplaced thousands separator"),
        ("5万亿元", "more than one unit"),
        ("", "amount is empty"),
    ],
)
def test_parse_amount_errors(text, fragment):
    with pytest.raises(FieldError) as exc:
        parse_amount_yuan(text, field="CF_NR_FK", unit="wan")
    assert exc.value.field == "CF_NR_FK"
    assert fragment in exc.value.reason


def test_parse_amount_unknown_unit_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_amount_yuan("1", field="x", unit="jiao")


@pytest.mark.parametrize("text", ["", None, "无", "暂无", " "])
def test_parse_optional_amount_blank(text):
    assert parse_optional_amount_yuan(text, field="CF_NR_WFFF", unit="wan") is None


def test_parse_optional_amount_value():
    assert parse_optional_amount_yuan("0.35", field="CF_NR_WFFF", unit="wan") == Decimal("3500.00")


# --- enums ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("一般程序", "ordinary"),
        ("普通程序", "ordinary"),
        ("ordinary", "ordinary"),
        ("Ordinary", "ordinary"),
        (" 简易程序 ", "simplified"),
        ("simplified", "simplified"),
    ],
)
def test_procedure(text, expected):
    assert parse_enum(text, PROCEDURE, field="procedure") == expected


@pytest.mark.parametrize(
    "text, expected",
    [("轻微", "slight"), ("slight", "slight"), ("一般", "general"), ("general", "general"),
     ("严重", "serious"), ("SERIOUS", "serious")],
)
def test_severity(text, expected):
    assert parse_enum(text, SEVERITY, field="severity") == expected


@pytest.mark.parametrize(
    "text, expected",
    [("是", True), ("否", False), ("true", True), ("FALSE", False), ("1", True), ("0", False),
     ("yes", True), ("No", False)],
)
def test_booleans(text, expected):
    assert parse_bool(text, field="slight") is expected
    assert parse_enum(text, BOOLEAN, field="slight") == ("true" if expected else "false")


def test_enum_error_lists_labels():
    with pytest.raises(FieldError) as exc:
        parse_enum("听证程序", PROCEDURE, field="procedure")
    assert exc.value.field == "procedure"
    assert exc.value.reason.startswith("'听证程序' is not one of: 一般程序, 普通程序")
    with pytest.raises(FieldError, match="value is empty"):
        parse_enum("", PROCEDURE, field="procedure")


def test_optional_enum_and_bool():
    assert parse_optional_enum("", SEVERITY, field="severity") is None
    assert parse_optional_enum("无", SEVERITY, field="severity") is None
    assert parse_optional_enum("严重", SEVERITY, field="severity") == "serious"
    assert parse_optional_bool("", field="slight") is None
    assert parse_optional_bool("否", field="slight") is False
    assert parse_optional_bool("0", field="slight") is False
    with pytest.raises(FieldError):
        parse_optional_bool("也许", field="slight")


# --- categories and text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["警告,罚款", "警告、罚款", "警告；罚款", "警告;罚款", "警告，罚款", " 警告 , 罚款 ,", "警告、罚款、警告"],
)
def test_split_categories(text):
    assert split_categories(text) == ["警告", "罚款"]


def test_split_categories_single_and_empty():
    assert split_categories("没收违法所得、没收非法财物") == ["没收违法所得", "没收非法财物"]
    assert split_categories("责令停产停业") == ["责令停产停业"]
    assert split_categories("") == []
    assert split_categories(None) == []


def test_clean_text():
    assert clean_text("  施工[B]级  监理、检测[B]级  ") == "施工[B]级 监理、检测[B]级"
    assert clean_text("上海\u200b示例\x00公司\ufeff") == "上海示例公司"
    assert clean_text("第一行\r\n第二行\t\u3000结尾") == "第一行 第二行 结尾"
    assert clean_text("《中华人民共和国广告法》第五十五条，“虚假”。") == "《中华人民共和国广告法》第五十五条，“虚假”。"
    assert clean_text(None) == ""
    assert clean_text("\ue000生僻字") == "\ue000生僻字"  # private-use characters (rare names) kept


# --- column mapping ---------------------------------------------------------------------------


def test_normalize_column():
    assert normalize_column(" cf_xdr_mc ") == "CF_XDR_MC"
    assert normalize_column("\ufeffXk_Wsh") == "XK_WSH"
    assert normalize_column("bz") == "BZ"
    assert normalize_column("Subject_Name") == "subject_name"
    assert normalize_column(" 当事人 ") == "当事人"
    assert normalize_column("corpName") == "corpName"


def test_detect_format():
    assert detect_format(["CF_XDR_MC", "CF_WSH", "catalog_item"]) == "CF"
    assert detect_format(["xk_xdr_mc", "XK_WSH", "BZ"]) == "XK"
    assert detect_format(["subject_name", "doc_no"]) == "general"
    assert detect_format(["序号", "披露日期", "当事人"]) == "general"
    with pytest.raises(FieldError) as exc:
        detect_format(["CF_WSH", "XK_WSH"])
    assert exc.value.field == "header"


def test_required_lists():
    assert set(REQUIRED["CF"]) == {
        "subject_name", "subject_class", "subject_id", "doc_no", "facts", "legal_basis",
        "category", "content", "doc_date", "doc_org",
    }
    assert REQUIRED["CF"]["doc_date"] == "CF_JDRQ"
    assert REQUIRED["CF"]["subject_id"] == "CF_XDR_SHXYM or CF_XDR_ZJHM"
    assert set(REQUIRED["XK"]) == {
        "subject_name", "subject_class", "subject_id", "doc_no", "content", "doc_date",
        "doc_org", "category",
    }
    assert REQUIRED["XK"]["category"] == "XK_XKLB"
    assert set(REQUIRED["general"]) == {
        "catalog_item", "subject_name", "subject_id", "doc_no", "doc_date", "doc_org", "content",
    }
    assert "catalog_item" not in REQUIRED["CF"] and "catalog_item" not in REQUIRED["XK"]
    assert FORMATS["CF"].default_catalog_item == "penalty"
    assert FORMATS["XK"].default_catalog_item == "licence"


def test_missing_required():
    header = ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_ZJHM", "CF_WSH", "CF_SY", "CF_YJ", "CF_CFLB",
              "CF_NR", "CF_JDRQ", "CF_CFJG"]
    assert missing_required("CF", header) == []
    assert missing_required("CF", [h for h in header if h != "CF_XDR_ZJHM"]) == [
        "CF_XDR_SHXYM or CF_XDR_ZJHM"
    ]
    assert missing_required("CF", ["cf_xdr_mc"]) == [
        "CF_XDR_LB", "CF_XDR_SHXYM or CF_XDR_ZJHM", "CF_WSH", "CF_SY", "CF_YJ", "CF_CFLB",
        "CF_NR", "CF_JDRQ", "CF_CFJG",
    ]
    assert missing_required("XK", ["XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_WSH", "XK_NR",
                                   "XK_JDRQ", "XK_XKJG"]) == ["XK_XKLB"]
    assert missing_required("general", ["subject_name"]) == [
        "catalog_item", "subject_id", "doc_no", "doc_date", "doc_org", "content",
    ]


def _fixture_rows(name):
    with read_rows(FIXTURES / name, filename=name) as stream:
        return stream.header, list(stream)


def test_map_cf_fixture():
    header, rows = _fixture_rows("cf_penalties.csv")
    assert detect_format(header) == "CF"
    assert missing_required("CF", header) == []
    assert unknown_columns("CF", header) == []
    first, second, third = (map_row("CF", r.values) for r in rows)
    assert set(first) == set(CANONICAL_KEYS)
    assert first["catalog_item"] == "penalty"
    assert first["subject_name"] == "上海浦东示例食品有限公司"
    assert first["subject_class"] == "法人及非法人组织"
    assert first["subject_id"] == "91310115MA1K4B2C3J"
    assert first["subject_id_column"] == "CF_XDR_SHXYM"
    assert first["other_ids"] == {}
    assert first["legal_rep"] == "王某某"
    assert first["doc_no"] == "沪市监浦处〔2024〕152024001234号"
    assert first["act_type"] == "经营超过保质期的食品"
    assert first["category"] == "警告,罚款"
    assert split_categories(first["category"]) == ["警告", "罚款"]
    assert parse_amount_yuan(first["fine_wan"], field="CF_NR_FK", unit="wan") == Decimal("2000.00")
    assert parse_amount_yuan(first["confiscated_wan"], field="CF_NR_WFFF", unit="wan") == Decimal("156.00")
    assert first["doc_date"] == "2024-05-20"
    assert first["valid_until"] == "2025-05-19"
    assert first["publicity_until"] == "2025-05-20"
    assert first["doc_org"] == "上海市浦东新区市场监督管理局"
    assert first["doc_org_code"] == "11310115MB2F112040"
    assert first["source_unit"] == "上海市浦东新区市场监督管理局"
    assert first["source_unit_code"] == "11310115MB2F112040"
    assert parse_enum(first["procedure"], PROCEDURE, field="procedure") == "ordinary"
    assert parse_bool(first["slight"], field="slight") is False
    assert first["ended_on"] == "2024-03-28"
    assert first["legal_basis"].startswith("《中华人民共和国食品安全法》")
    assert "extra" not in first
    # multi-line quoted CF_SY with doubled quotes, cleaned
    assert second["facts"] == "当事人在其微信公众号发布含有虚假内容的广告， 宣称产品\"三天见效\"，与事实不符。"
    assert split_categories(second["category"]) == ["罚款", "没收违法所得"]
    assert parse_date(second["doc_date"], field="CF_JDRQ") == date(2024, 6, 3)
    assert second["ended_on"] == ""
    assert third["subject_class"] == "个体工商户"
    assert parse_date(third["doc_date"], field="CF_JDRQ") == date(2024, 7, 12)
    assert parse_enum(third["procedure"], PROCEDURE, field="procedure") == "simplified"
    assert third["remarks"] == "简易程序当场作出"
    assert empty_required("CF", first) == []


def test_map_xk_fixture():
    header, rows = _fixture_rows("xk_licences.csv")
    assert detect_format(header) == "XK"
    assert missing_required("XK", header) == []
    first, second = (map_row("XK", r.values) for r in rows)
    assert first["catalog_item"] == "licence"
    assert first["subject_id"] == "91310115MA1K4B2C3J"
    assert first["doc_name"] == "食品经营许可决定书"
    assert first["doc_no"] == "沪浦市监食许〔2023〕第0456号"
    assert first["category"] == "普通"
    assert first["cert_name"] == "食品经营许可证"
    assert first["licence_no"] == "JY13101150123456"
    assert first["content"].startswith("预包装食品销售")
    assert parse_date(first["doc_date"], field="XK_JDRQ") == date(2023, 3, 15)
    assert parse_date(first["valid_from"], field="XK_YXQZ") == date(2023, 3, 15)
    assert parse_date(first["valid_until"], field="XK_YXQZI") == date(2028, 3, 14)
    assert first["doc_org"] == "上海市浦东新区市场监督管理局"
    assert first["doc_org_code"] == "11310115MB2F112040"
    assert first["status"] == "有效"
    assert first["source_unit"] == "上海市浦东新区市场监督管理局"
    assert first["legal_rep"] == "王某某"
    assert second["remarks"] == "资质新申请"
    assert empty_required("XK", second) == []


def test_map_general_jsonl_fixture():
    header, rows = _fixture_rows("general_records.jsonl")
    assert detect_format(header) == "general"
    first, second = (map_row("general", r.values) for r in rows)
    assert first["catalog_item"] == "arrears"
    assert first["amount_unit"] == "yuan"
    assert parse_amount_yuan(first["amount_yuan"], field="amount_yuan") == Decimal("128430.50")
    assert first["conduct_date"] == "2024-01-15"
    assert first["ended_on"] == ""  # JSON null
    assert second["amount_unit"] == "wan"
    # amount_wan arrives under amount_yuan carrying its unit, so the yuan parser is right
    assert parse_amount_yuan(second["amount_yuan"], field="amount_wan") == Decimal("5000.00")
    assert parse_date(second["doc_date"], field="doc_date") == date(2024, 2, 8)
    assert "extra" not in second and "区县" not in second  # an unknown column is not mapped at all
    assert "黄浦区" not in second.values()
    assert unknown_columns("general", header) == ["区县"]  # the header grew by the new key


def test_map_row_natural_person_and_other_ids():
    values = {
        "cf_xdr_mc": " 张某 ", "CF_XDR_LB": "自然人", "CF_XDR_SHXYM": "", "CF_XDR_ZJLX": "身份证",
        "CF_XDR_ZJHM": "310101********0012", "CF_XDR_ZZJG": "73513098-1", "CF_XDR_GSZC": "",
        "CF_XDR_SWDJ": "310101735130981", "CATALOG_ITEM": "other-untrust", "区县": "黄浦",
        "Severity": "严重",
    }
    m = map_row("CF", values)
    assert m["subject_name"] == "张某"
    assert m["subject_id"] == "310101********0012"
    assert m["subject_id_column"] == "CF_XDR_ZJHM"
    assert m["id_type"] == "身份证"
    assert m["other_ids"] == {"org_code": "73513098-1", "tax_reg_no": "310101735130981"}
    assert m["catalog_item"] == "other-untrust"
    assert m["severity"] == "严重"
    assert "extra" not in m and "黄浦" not in str(m)
    assert unknown_columns("CF", list(values)) == ["区县"]
    assert empty_required("CF", m) == [
        ("doc_no", "CF_WSH"), ("facts", "CF_SY"), ("legal_basis", "CF_YJ"),
        ("category", "CF_CFLB"), ("content", "CF_NR"), ("doc_date", "CF_JDRQ"),
        ("doc_org", "CF_CFJG"),
    ]


def test_map_row_general_amount_conflict():
    with pytest.raises(FieldError) as exc:
        map_row("general", {"amount_yuan": "100", "amount_wan": "0.01"})
    assert exc.value.field == "amount_wan"
    m = map_row("general", {"amount_yuan": "", "amount_wan": "0.01万元"})
    assert m["amount_yuan"] == "0.01万元"
    assert m["catalog_item"] == ""  # no default in the general format


def test_map_row_unknown_format():
    with pytest.raises(ValueError):
        map_row("ZZ", {})


def test_documented_examples_read_and_map():
    """The examples in docs/import-format.md are valid files of their format."""
    import re

    doc = (Path(__file__).parents[2] / "docs" / "import-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(csv|json)\n(.*?)```", doc, re.S)
    assert [kind for kind, _ in blocks] == ["csv", "csv", "json"]
    for (kind, text), fmt in zip(blocks, ["CF", "XK", "general"]):
        name = "example.csv" if kind == "csv" else "example.jsonl"
        with read_rows(text.encode("utf-8"), filename=name) as stream:
            rows = list(stream)
        assert detect_format(stream.header) == fmt
        assert missing_required(fmt, stream.header) == []
        assert unknown_columns(fmt, stream.header) == []
        assert len(rows) == 1 and rows[0].ok
        mapped = map_row(fmt, rows[0].values)
        assert empty_required(fmt, mapped) == []
        parse_date(mapped["doc_date"], field="doc_date")
