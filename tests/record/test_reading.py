from __future__ import annotations

import io
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from xinyong.record.fields import parse_amount_yuan, parse_date
from xinyong.record.reading import RowStream, SourceRow, UnreadableFile, read_rows

from ..helpers import REAL_SAMPLES

SAMPLES = REAL_SAMPLES
FIXTURES = Path(__file__).parent / "fixtures"

needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="real samples not available")

# data rows (header excluded), bad rows, notices expected per real sample
SAMPLE_COUNTS = {
    "aicc_highway_companies_enrichment.csv": 39,  # no header row: the first row is taken as header
    "court_dishonest_debtors_baidu_2019.jsonl": 50,
    "mot_highway_construction_credit_rating.csv": 14640,
    "nfra_bank_penalties_sample.csv": 100,
    "sichuan_geohazard_market_credit_rating.csv": 407,
    "sichuan_transport_enterprise_credit_rating.csv": 15120,
    "tax_a_grade_heilongjiang_2018.csv": 5233,
    "tax_a_grade_jiangxi_2018.csv": 4939,
}


def read_all(source, filename: str) -> tuple[RowStream, list[SourceRow]]:
    with read_rows(source, filename=filename) as stream:
        return stream, list(stream)


# --- real samples -----------------------------------------------------------------------------


@needs_samples
def test_every_sample_is_listed():
    present = {p.name for p in SAMPLES.iterdir() if p.suffix in (".csv", ".jsonl")}
    assert present == set(SAMPLE_COUNTS)


@needs_samples
@pytest.mark.parametrize("name", sorted(SAMPLE_COUNTS))
def test_real_sample_reads(name):
    stream, rows = read_all(SAMPLES / name, name)
    assert len(rows) == SAMPLE_COUNTS[name]
    assert stream.encoding == "utf-8"
    assert stream.format == ("jsonl" if name.endswith(".jsonl") else "csv")
    assert all(isinstance(r, SourceRow) for r in rows)
    good = [r for r in rows if r.ok]
    assert all(set(r.values) == set(stream.header) for r in good)
    lines = [r.line for r in rows]
    assert lines == sorted(lines) and lines[0] > stream.header_line


@needs_samples
def test_sichuan_second_header_is_skipped_and_reported():
    name = "sichuan_transport_enterprise_credit_rating.csv"
    stream, rows = read_all(SAMPLES / name, name)
    assert stream.header == [
        "address", "company_name", "company_type", "corporate_representative",
        "overall_merit", "overall_year", "registered_capital", "social_code",
    ]
    assert (5923, "repeated header row skipped") in stream.notices
    assert all(r.ok for r in rows)
    assert not any(r.values["address"] == "address" for r in rows)
    by_line = {r.line: r for r in rows}
    assert 5923 not in by_line
    assert by_line[5924].values["company_name"] == "四川芸鹏建筑工程有限公司"
    # the multi-line quoted address: its row starts on line 5064; the next row is on 5066
    assert by_line[5064].values["address"] == "彭州彭州市天彭镇繁江北路60号\n市天彭镇新茶村"
    assert by_line[5064].end_line == 5065
    assert 5065 not in by_line and 5066 in by_line
    # line numbers are physical: the last row is on the last line of the file
    assert rows[-1].line == 15123


@needs_samples
def test_jiangxi_five_field_row_is_a_bad_row():
    name = "tax_a_grade_jiangxi_2018.csv"
    stream, rows = read_all(SAMPLES / name, name)
    bad = [r for r in rows if not r.ok]
    assert [(r.line, r.error) for r in bad] == [(1243, "row has 5 fields, header has 4")]
    assert bad[0].article == "Art. 11.1"
    # what was read is kept by position, for the rejects file (the fifth field has no column)
    assert list(bad[0].values) == stream.header and bad[0].values["纳税人名称"] == "寻乌县精英网吧"
    assert bad[0].raw[1] == "寻乌县精英网吧"
    # the CMS junk on the last row is data as published; the reader does not guess
    assert rows[-1].values["税务机关"].endswith("(责任编辑：admin)")


@needs_samples
def test_heilongjiang_odd_header():
    name = "tax_a_grade_heilongjiang_2018.csv"
    stream, rows = read_all(SAMPLES / name, name)
    assert stream.delimiter == ","  # one tab against four commas: not a tab file
    assert stream.header[0] == "编号 纳税人识别号"
    assert rows[0].values["纳税人名称"] == "91230800MA18XN8J5K"  # the header lies; reader keeps it


@needs_samples
def test_aicc_headerless_file_is_noticed():
    name = "aicc_highway_companies_enrichment.csv"
    stream, rows = read_all(SAMPLES / name, name)
    assert stream.notices and stream.notices[0][0] == 1
    assert "may have no header row" in stream.notices[0][1]
    assert parse_amount_yuan(rows[0].values["201902.652974万元人民币"], field="注册资本") == Decimal(
        "120600000.00"
    )


@needs_samples
def test_nfra_sample_dates_and_amounts():
    name = "nfra_bank_penalties_sample.csv"
    stream, rows = read_all(SAMPLES / name, name)
    first = rows[0]
    assert first.line == 2
    assert parse_date(first.values["披露日期"], field="披露日期") == date(2016, 4, 21)
    assert parse_date(first.values["处罚日期"], field="处罚日期") == date(2009, 7, 28)
    assert parse_amount_yuan(first.values["罚没金额（元）"], field="罚没金额（元）") == Decimal("10000.00")
    for row in rows:  # every date in the sample is readable
        parse_date(row.values["披露日期"], field="披露日期")
        parse_date(row.values["处罚日期"], field="处罚日期")


@needs_samples
def test_court_jsonl_dates():
    name = "court_dishonest_debtors_baidu_2019.jsonl"
    stream, rows = read_all(SAMPLES / name, name)
    first = rows[0].values
    assert first["regDate"] == "20190114"
    assert parse_date(first["regDate"], field="regDate") == date(2019, 1, 14)
    assert parse_date(first["publishDate"], field="publishDate") == date(2019, 7, 13)
    assert parse_date(first["publishDateStamp"], field="publishDateStamp") == date(2019, 7, 13)
    assert parse_date(first["lastmod"], field="lastmod") == date(2019, 7, 15)
    assert first["StdStg"] == "6899"  # numbers become their text
    for row in rows:
        v = row.values
        assert parse_date(v["publishDate"], field="publishDate") == parse_date(
            v["publishDateStamp"], field="publishDateStamp"
        )


@needs_samples
def test_creditchina_pretty_json_is_refused_clearly():
    name = "creditchina_enterprise_record_2019.json"
    with pytest.raises(UnreadableFile, match="not JSON Lines"):
        read_rows(SAMPLES / name, filename=name)


# --- encodings --------------------------------------------------------------------------------


@needs_samples
@pytest.mark.parametrize(
    "name", ["sichuan_transport_enterprise_credit_rating.csv", "nfra_bank_penalties_sample.csv"]
)
def test_gb18030_copy_reads_identically(name, tmp_path):
    original = (SAMPLES / name).read_bytes()
    gb = tmp_path / name
    gb.write_bytes(original.decode("utf-8").encode("gb18030"))
    utf_stream, utf_rows = read_all(SAMPLES / name, name)
    gb_stream, gb_rows = read_all(gb, name)
    assert gb_stream.encoding == "gb18030"
    assert gb_stream.header == utf_stream.header
    assert gb_stream.notices == utf_stream.notices
    assert [(r.line, r.values, r.error) for r in gb_rows] == [
        (r.line, r.values, r.error) for r in utf_rows
    ]


def test_gb18030_decided_late_when_first_64k_is_ascii():
    head = b"a,b\n" + b"x,y\n" * 20000  # 80 KB of ASCII
    data = head + "上海,示例\n".encode("gb18030")
    stream, rows = read_all(data, "late.csv")
    assert rows[-1].values == {"a": "上海", "b": "示例"}
    assert stream.encoding == "gb18030"
    assert any("GB18030" in m for _, m in stream.notices)


def test_utf8_bom():
    data = "\ufeffCF_XDR_MC,CF_WSH\r\n上海示例有限公司,沪市监〔2024〕1号\r\n".encode("utf-8")
    stream, rows = read_all(data, "bom.csv")
    assert stream.bom is True
    assert stream.encoding == "utf-8"
    assert stream.header == ["CF_XDR_MC", "CF_WSH"]
    assert rows == [SourceRow(2, {"CF_XDR_MC": "上海示例有限公司", "CF_WSH": "沪市监〔2024〕1号"}, end_line=2)]


def test_bom_on_jsonl():
    data = '\ufeff{"subject_name": "上海示例"}\n'.encode("utf-8")
    stream, rows = read_all(data, "x.jsonl")
    assert stream.header == ["subject_name"]
    assert rows[0].values == {"subject_name": "上海示例"}


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_undecodable_bytes_spoil_only_their_row(encoding):
    lines = ["名称,代码", "上海甲公司,1", "上海乙公司,2", "上海丙公司,3", "上海丁公司,4"]
    data = [l.encode(encoding) + b"\n" for l in lines]
    data[2] = "上海乙".encode(encoding) + b"\xff\xfe" + ",2\n".encode(encoding)  # line 3
    stream, rows = read_all(b"".join(data), "bad.csv")
    assert stream.encoding == encoding
    assert [(r.line, r.ok) for r in rows] == [(2, True), (3, False), (4, True), (5, True)]
    assert rows[1].error.startswith("undecodable bytes") and rows[1].article == "Art. 11.1"
    assert rows[1].values["代码"] == "2"  # kept as read, for the rejects file
    assert rows[2].values == {"名称": "上海丙公司", "代码": "3"}


def test_undecodable_bytes_in_jsonl():
    data = b'{"a": "1"}\n{"a": "\xff"}\n{"a": "3"}\n'
    stream, rows = read_all(data, "x.jsonl")
    assert [(r.line, r.error is None) for r in rows] == [(1, True), (2, False), (3, True)]
    assert rows[1].error.startswith("undecodable bytes")


@pytest.mark.parametrize(
    "data, match",
    [
        (b"PK\x03\x04rest of a zip", "spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel"),
        ("名称,代码\n".encode("utf-16"), "UTF-16"),
        (b'[{"a": 1}]', "JSON array"),
    ],
)
def test_unreadable_files(data, match):
    with pytest.raises(UnreadableFile, match=match):
        read_rows(data, filename="upload.csv")


# --- CSV structure ----------------------------------------------------------------------------


def test_wrong_field_count_and_empty_lines():
    data = "a,b,c,d,e\n1,2,3,4,5\n\n   \n1,2,3,4,5,6\n1,2,3,4\n1,2,3,4,5,,\n".encode()
    stream, rows = read_all(data, "x.csv")
    assert [(r.line, r.error) for r in rows] == [
        (2, None),
        (5, "row has 6 fields, header has 5"),
        (6, "row has 4 fields, header has 5"),
        (7, None),  # trailing empty fields from a spreadsheet: unambiguous, dropped
    ]
    assert rows[1].raw == ["1", "2", "3", "4", "5", "6"]
    assert rows[3].values == {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}


def test_multiline_quoted_field_line_numbers():
    data = 'a,b\n1,"第一行\n第二行\n第三行"\n2,x\n'.encode()
    _, rows = read_all(data, "x.csv")
    assert [(r.line, r.end_line) for r in rows] == [(2, 4), (5, 5)]
    assert rows[0].values["b"] == "第一行\n第二行\n第三行"


def test_unclosed_quote_is_one_bad_row(monkeypatch):
    import xinyong.record.reading as reading

    monkeypatch.setattr(reading, "MAX_RECORD_LINES", 5)
    body = "".join(f"{i},v{i}\n" for i in range(3, 20))
    data = ('a,b\n1,"oops\n' + body).encode()
    _, rows = read_all(data, "x.csv")
    assert rows[0].line == 2 and "unclosed quote" in rows[0].error
    assert [r.line for r in rows[1:]] == list(range(3, 20))
    assert all(r.ok for r in rows[1:])
    assert rows[1].values == {"a": "3", "b": "v3"}


def test_delimiter_detection():
    _, rows = read_all("CF_XDR_MC\tCF_WSH\n甲\t1号\n".encode(), "x.txt")
    assert rows[0].values == {"CF_XDR_MC": "甲", "CF_WSH": "1号"}
    stream, rows = read_all("名称;金额\n甲;1,5\n".encode(), "x.csv")
    assert stream.delimiter == ";"
    assert rows[0].values == {"名称": "甲", "金额": "1,5"}
    stream, _ = read_all("名称,备注\n甲,a;b\n".encode(), "x.csv")
    assert stream.delimiter == ","


def test_header_normalisation():
    data = "\ufeff cf_xdr_mc ,Cf_Wsh,bz,当事人 ,,当事人\n甲,1号,无,乙,x,丙\n".encode()
    stream, rows = read_all(data, "x.csv")
    assert stream.header == ["CF_XDR_MC", "CF_WSH", "BZ", "当事人", "column_5", "当事人 (2)"]
    assert rows[0].values["当事人 (2)"] == "丙"
    messages = [m for _, m in stream.notices]
    assert any("column 5 has no name" in m for m in messages)
    assert any("repeats the name '当事人'" in m for m in messages)


def test_repeated_header_in_different_case_is_skipped():
    data = "CF_XDR_MC,CF_WSH\n甲,1号\ncf_xdr_mc , cf_wsh\n乙,2号\n".encode()
    stream, rows = read_all(data, "x.csv")
    assert [r.values["CF_XDR_MC"] for r in rows] == ["甲", "乙"]
    assert stream.notices == [(3, "repeated header row skipped")]


def test_empty_file_and_header_only():
    stream, rows = read_all(b"", "x.csv")
    assert rows == [] and stream.header == []
    assert stream.notices == [(0, "the file is empty: no header row")]
    stream, rows = read_all(b"\n\na,b\n", "x.csv")
    assert rows == [] and stream.header == ["a", "b"] and stream.header_line == 3


def test_no_trailing_newline_and_crlf():
    _, rows = read_all(b"a,b\r\n1,2\r\n3,4", "x.csv")
    assert [(r.line, r.values) for r in rows] == [(2, {"a": "1", "b": "2"}), (3, {"a": "3", "b": "4"})]


# --- sources ----------------------------------------------------------------------------------


def test_sources_bytes_path_and_stream(tmp_path):
    data = "CF_XDR_MC,CF_WSH\n甲,1号\n".encode()
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    expected = [(2, {"CF_XDR_MC": "甲", "CF_WSH": "1号"})]
    for source in (data, path, io.BytesIO(data)):
        _, rows = read_all(source, "x.csv")
        assert [(r.line, r.values) for r in rows] == expected
    stream = io.BytesIO(data)
    read_all(stream, "x.csv")
    assert not stream.closed  # a caller's stream is the caller's to close


def test_stream_is_lazy_and_bounded():
    """A big file is read as it is consumed, never whole."""

    class CountingStream(io.RawIOBase):
        def __init__(self, rows: int, facts: str):
            self.rows = rows
            self.facts = facts
            self.emitted = 0
            self.header_done = False
            self.bytes_read = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            if not self.header_done:
                chunk = "subject_name,doc_no,amount_yuan,facts\n".encode()
                self.header_done = True
            elif self.emitted < self.rows:
                n = min(500, self.rows - self.emitted)
                chunk = "".join(
                    f"上海示例{self.emitted + i}有限公司,沪〔2024〕{self.emitted + i}号,1000,{self.facts}\n"
                    for i in range(n)
                ).encode()
                self.emitted += n
            else:
                return 0
            buffer[: len(chunk)] = chunk
            self.bytes_read += len(chunk)
            return len(chunk)

    FACTS = "当事人在经营场所销售超过保质期的预包装食品。" * 6  # ~400 bytes a row
    source = CountingStream(50_000, FACTS)
    tracemalloc.start()
    try:
        stream = read_rows(io.BufferedReader(source, buffer_size=1 << 20), filename="big.csv")
        first = next(iter(stream))
        assert first.line == 2
        assert source.bytes_read < 2 * 1024 * 1024  # only the first chunk(s) read so far
        count = 1
        for row in stream:
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 50_000
    assert row.line == 50_001
    assert row.values["facts"] == FACTS
    assert source.bytes_read > 20_000_000
    assert peak < 4 * 1024 * 1024  # a fraction of the 20 MB read


# --- JSON Lines -------------------------------------------------------------------------------


def test_jsonl_rows_and_bad_rows():
    data = "\n".join(
        [
            '{"CF_XDR_MC": "甲", "CF_NR_FK": 0.2, "n": 3, "flag": true, "gone": null, "list": ["警告", "罚款"]}',
            "",
            '{"CF_XDR_MC": "乙", "new": "x"}',
            "[1, 2]",
            '"text"',
            '{"CF_XDR_MC": "丙",',
            "{}",
        ]
    ).encode()
    stream, rows = read_all(data, "penalties.ndjson")
    assert stream.format == "jsonl"
    assert rows[0].values == {
        "CF_XDR_MC": "甲", "CF_NR_FK": "0.2", "n": "3", "flag": "true", "gone": "",
        "list": '["警告", "罚款"]',
    }
    assert rows[1].line == 3 and rows[1].values["new"] == "x" and rows[1].values["CF_NR_FK"] == ""
    assert (3, "key 'new' first appears here (not in the first object)") in stream.notices
    assert [(r.line, r.error) for r in rows[2:5]] == [
        (4, "not a JSON object (an array)"),
        (5, "not a JSON object (a string)"),
        (6, rows[4].error),
    ]
    assert rows[4].error.startswith("invalid JSON")
    assert rows[5].line == 7 and rows[5].ok


def test_jsonl_by_content_and_exact_numbers():
    stream, rows = read_all(b'{"amount_wan": 0.10, "big": 12345678901234567890}\n', "upload.txt")
    assert stream.format == "jsonl"
    assert rows[0].values == {"amount_wan": "0.10", "big": "12345678901234567890"}


def test_cf_fixture_reads():
    stream, rows = read_all(FIXTURES / "cf_penalties.csv", "cf_penalties.csv")
    assert len(stream.header) == 25
    assert [r.line for r in rows] == [2, 3, 5]  # row 2's CF_SY spans lines 3-4
    assert all(r.ok for r in rows)
    assert stream.notices == []
