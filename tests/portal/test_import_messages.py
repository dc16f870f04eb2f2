"""A rejected row's reason and an identifier's defect read in the clerk's language: on a Chinese page they are
Chinese, not the importer's English (issue: they showed English, marked lang="en", on the zh pages).

The reasons are messages built with values (``errors.msg``); a rejected row keeps its reason's template and values
(masked as the reason is: migration 0026), so the page words it when it is shown, long after the import."""

from __future__ import annotations

import ast
import csv
import io
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from xinyong import worker
from xinyong.db import session_scope
from xinyong.errors import InvalidInput
from xinyong.models import BatchReject
from xinyong.portal import i18n
from xinyong.record import service as record_service
from xinyong.record.fields import mask_id_shaped
from xinyong.subject import identifiers
from xinyong.subject.identifiers import parse_identifier

from ..factories import ric, uscc
from ..helpers import TODAY
from .test_rule_messages import SRC, _all_sources, _has_fstring, _literal, _name, _tree
from .test_unit_pages import batch_id_of, clerk, upload  # noqa: F401 (clerk: a fixture)

CJK = re.compile(r"[\u4e00-\u9fff]")
# (call, position of its message): the reasons of rejected rows and the defects of identifiers
MESSAGE_ARGUMENT = {"Defect": 1, "FieldError": 1, "Reject": 2}


def _message_arguments():
    for path in _all_sources():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and _name(node.func) in MESSAGE_ARGUMENT:
                at = MESSAGE_ARGUMENT[_name(node.func)]
                if len(node.args) > at:
                    yield f"{path.relative_to(SRC)}:{node.lineno}", node.args[at]


@pytest.mark.article("Art. 11")
def test_no_reason_of_a_rejected_row_or_defect_of_an_identifier_is_an_f_string_and_literals_have_chinese():
    found = list(_message_arguments())
    assert len(found) >= 30, f"only {len(found)} call(s) found: the extraction itself is broken"
    worded_by_fstring = [where for where, node in found if _has_fstring(node)]
    assert not worded_by_fstring, f"use errors.msg (and word it in import.po): {worded_by_fstring}"
    catalog = i18n.catalog("zh")
    literals = {_literal(node): where for where, node in found if _literal(node)}
    # the fixed texts that reach a Defect through a name: the unechoed wordings, the 15-character descriptions
    literals.update({text: "subject/identifiers.py:_UNECHOED" for text in identifiers._UNECHOED.values()})
    for value in ("310115198001010", "31011577777777X", "110105000000018", "110105123456781", "ABCDEFGHJKLMNPQ"):
        described = identifiers._describe_fifteen(value)
        literals[getattr(described, "template", described)] = "subject/identifiers.py:_describe_fifteen"
    literals[record_service.CORRECTION_HINT] = "record/service.py:CORRECTION_HINT"
    missing = {text: where for text, where in literals.items() if not (catalog.get(text) or "").strip()}
    assert not missing, f"{len(missing)} fixed reason(s) without Chinese: {missing}"


@pytest.mark.article("Art. 2")
def test_an_identifiers_defects_read_in_chinese_each_part_translated():
    bad_check = "91310000MA1FL4XQ3X"
    with pytest.raises(InvalidInput) as refused:
        parse_identifier(bad_check, today=TODAY)
    message = refused.value.message
    assert message.startswith("invalid USCC 91310000MA1FL4XQ3X: check character is 'X'")  # the English unchanged
    chinese = i18n.translate_message(message, "zh")
    assert chinese and bad_check in chinese and "校验码" in chinese and "invalid" not in chinese, chinese
    # a person's number is never echoed, in either language
    person = ric(TODAY.replace(year=1980))
    with pytest.raises(InvalidInput) as refused:
        parse_identifier(person[:-1] + ("0" if person[-1] != "0" else "1"), today=TODAY)
    chinese = i18n.translate_message(refused.value.message, "zh")
    assert chinese and person[:14] not in chinese and "公民身份号码" in chinese, chinese
    for raw in ("1.10105E+17", "3101**********1234", "12345678-9", "310115198001010", "9131000"):
        with pytest.raises(InvalidInput) as refused:
            parse_identifier(raw, today=TODAY)
        chinese = i18n.translate_message(refused.value.message, "zh")
        assert chinese and CJK.search(chinese) and not re.search(r"\b(the|is|not)\b", chinese), (raw, chinese)


@pytest.mark.article("Art. 20(4)")
def test_a_masked_reason_keeps_its_values_masked():
    person = ric(TODAY.replace(year=1985))
    from xinyong.errors import msg

    reason = msg("not an amount: '{raw}'", raw=f"{person}元")
    masked = mask_id_shaped(reason)
    assert person not in masked and person not in str(masked.params) and masked.template == reason.template
    assert i18n.translate_message(masked, "zh") and person not in i18n.translate_message(masked, "zh")


CF_HEADER = ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_WSH", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK",
             "CF_JDRQ", "CF_CFJG", "procedure"]
GOOD = uscc(4242)  # a valid USCC


def _cf_file() -> bytes:
    """A clerk's CF file with one good row and rows wrong in the ways real files are."""
    def row(code=GOOD, doc="沪市监罚〔2024〕1号", amount="2000", day="2024-05-20", proc="一般程序", name="上海示例有限公司"):
        return [name, "法人及非法人组织", code, doc, "销售过期食品", "《食品安全法》第一百二十四条", "罚款", "罚款2000元",
                amount, day, "上海市浦东新区市场监督管理局", proc]

    rows = [
        row(),                                               # line 2: accepted
        row(code="91310000MA1FL4XQ3X", doc="D3"),            # 3: check character
        row(code="12345678-9", doc="D4"),                    # 4: an old organization code
        row(code="1.10105E+17", doc="D5"),                   # 5: a spreadsheet's number
        row(doc="D6", amount="两千元"),                        # 6: not an amount
        row(doc="D7", day="2024-02-30"),                     # 7: no such day
        row(doc="D8", day="03/04/2024"),                     # 8: ambiguous date
        row(doc="D9", proc="特别程序"),                         # 9: not one of the labels
        row(doc="D10", day="2099-01-01"),                    # 10: in the future
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CF_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.article("Art. 11")
def test_a_clerk_reads_every_rejected_rows_reason_in_chinese_and_the_api_keeps_the_english(engine, clerk):  # noqa: F811
    batch_id = batch_id_of(upload(clerk, _cf_file(), "penalties.csv"))
    [ran] = worker.drain(engine)
    assert ran["accepted"] == 1 and ran["rejected"] == 8, ran
    with session_scope(engine) as s:
        stored = s.execute(select(BatchReject.line, BatchReject.reason, BatchReject.reason_template,
                                  BatchReject.reason_params).where(BatchReject.batch_id == batch_id)
                           .order_by(BatchReject.line)).all()
    assert [line for line, *_ in stored] == list(range(3, 11))
    # every one can be worded: a template and its values, or a fixed text the catalogs word
    assert all(template or i18n.catalog("zh").get(reason) for _l, reason, template, _p in stored), stored
    assert any(template for _l, _r, template, _p in stored)

    page = clerk.get(f"/unit/batches/{batch_id}").text
    table = re.search(r'<table class="data" id="rejects">(.*?)</table>', page, re.S).group(1)
    cells = re.findall(r'<tr><td class="num">(\d+)</td><td class="code">[^<]*</td><td([^>]*)>(.*?)</td>', table, re.S)
    assert [int(n) for n, *_ in cells] == list(range(3, 11))
    for line, attrs, text in cells:
        assert 'lang="en"' not in attrs and CJK.search(text), (line, text)
        assert not re.search(r"\b(invalid|not|the|does)\b", text), (line, text)  # no English left in it
    worded = {int(n): text for n, _a, text in cells}
    assert "91310000MA1FL4XQ3X" in worded[3] and "2024-02-30" in worded[7] and "两千元" in worded[6]

    english = clerk.get(f"/unit/batches/{batch_id}?lang=en").text
    table = re.search(r'<table class="data" id="rejects">(.*?)</table>', english, re.S).group(1)
    assert str(escape("invalid USCC 91310000MA1FL4XQ3X: check character is 'X'")) in table
    assert not any(word in table for word in ("校验码", "不是", "无效", "日期")), table
    # the API and the rejects file keep the stored English, exactly
    api = clerk.get(f"/unit/batches/{batch_id}/rejects.csv").content.decode("utf-8-sig")
    reasons = {int(r[0]): r[2] for r in list(csv.reader(io.StringIO(api)))[1:]}
    assert reasons == {line: reason for line, reason, *_ in stored}
    assert reasons[6] == "not an amount: '两千元'"

