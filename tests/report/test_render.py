"""The formats of an issued report: PDF with an embedded CJK font whose text extracts exactly; HTML with
every section; JSON; all from the same stored snapshot."""

from __future__ import annotations

import io

import orjson
import pytest
from pypdf import PdfReader

from xinyong.db import session_scope
from xinyong.report import render, service
from xinyong.report.pdf import FontMissing, find_font

from .conftest import ORGAN_NAME, PERSON_NAME, person_actor


@pytest.fixture
def snapshot(engine, world):
    with session_scope(engine) as s:
        service.issue(s, actor=world.organ, subject=None, subject_id=world.person_id, purpose="procurement")
    with session_scope(engine) as s:
        return service.issue(s, actor=person_actor(world)).snapshot


def _fonts(reader: PdfReader):
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            descs = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            for d in descs:
                if "/FontDescriptor" in d:
                    yield font, d["/FontDescriptor"].get_object()


@pytest.mark.article("Art. 34.1")
def test_pdf_text_is_chinese_exactly_and_the_font_is_embedded(cjk_font, snapshot):
    pdf = render.render(snapshot, "pdf")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (PERSON_NAME, "行政处罚", "上海市公共信用信息服务中心", snapshot["number"], "罚款金额录入错误",
                     "政府采购", ORGAN_NAME, "暂无记录", "查询记录", "信用修复"):
        assert expected in text, expected
    descriptors = list(_fonts(reader))
    assert descriptors, "no font with a descriptor"
    assert all("/FontFile2" in d or "/FontFile3" in d for _f, d in descriptors)
    # A subset, not the whole 17 MB collection.
    assert len(pdf) < 400_000


def test_pdf_font_missing_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr("xinyong.report.pdf.FONT_CANDIDATES", ((str(tmp_path / "none.ttc"), 0),))
    with pytest.raises(FontMissing) as exc:
        find_font()
    assert "fonts-wqy-zenhei" in exc.value.message


@pytest.mark.article("Art. 34.1")
def test_html_has_every_section_chinese_first(snapshot):
    html = render.to_html(snapshot)
    for label in ("基本信息", "行政管理信息", "荣誉及正面信息", "严重失信主体名单信息", "经营异常信息", "信用承诺信息",
                  "信用评价结果", "司法信息", "其他信息", "查询记录", "信息使用情况", "Administrative management",
                  "none recorded", PERSON_NAME, "沪罚〔2024〕101号", "罚款金额录入错误", snapshot["number"]):
        assert label in html, label
    assert html.index("行政管理信息") < html.index("Administrative management")
    assert "<script" not in html


def test_json_is_the_snapshot(snapshot):
    assert orjson.loads(render.render(snapshot, "json")) == orjson.loads(orjson.dumps(snapshot))
