"""Resident ID numbers inside a record's text are masked 前6后4 before it is stored (Art. 20(4)): the
public page, inquirers and reports only ever see the masked form; the batch says so for the line and the
field, never the number. Row errors and error texts never hold a full number either."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from xinyong.app import create_app
from xinyong.db import session_scope
from xinyong.models import BatchReject, Subject
from xinyong.record.fields import mask_id_numbers, mask_id_shaped
from xinyong.record.rules import mask_ids_in_content
from xinyong.subject.identifiers import mask_ric

from ..factories import CF_COLUMNS, cf_row, ric, to_csv
from ..helpers import add_provider, run_file
from .ingest_support import files_holding, records

pytestmark = pytest.mark.article("Art. 20(4)")

PERSON = ric(date(1985, 3, 7), seq=456)  # a valid resident ID number (check character included)
LEGACY = "310115850307456"  # its 15-digit form (GB 11643-1989)


def _not_a_ric(code: str) -> str:
    """The same digits with a wrong check character."""
    last = "0" if code[-1] != "0" else "1"
    return code[:17] + last


def test_reproduction_an_id_number_in_the_facts_is_never_on_the_public_page(engine, tmp_path):
    actor, _ = add_provider(engine)
    row = cf_row(1, CF_SY=f"当事人法定代表人（身份证号{PERSON}）销售过期食品。", BZ=f"经办人证件号码：{PERSON.lower()}")
    result = run_file(engine, actor, tmp_path, to_csv([row, cf_row(2)], CF_COLUMNS + ["BZ"]))
    assert result.accepted == 2
    [first, second] = records(engine)
    assert first.content["facts"] == f"当事人法定代表人（身份证号{mask_ric(PERSON)}）销售过期食品。"
    assert first.content["remarks"] == f"经办人证件号码：{mask_ric(PERSON)}"
    assert PERSON not in json.dumps([first.content, second.content], ensure_ascii=False)
    # the notice names the line and the column, never the number
    masked = [(ln, m) for ln, m in result.notices if "masked" in m]
    assert masked == [(2, "a resident ID number in CF_SY was masked (前6后4) before storing (Art. 20(4))"),
                      (2, "a resident ID number in BZ was masked (前6后4) before storing (Art. 20(4))")]
    assert all(PERSON not in m for _, m in result.notices)
    # the public page of the organization shows the record, and only the masked number
    with session_scope(engine) as s:
        org_id = s.scalar(select(Subject.id).where(Subject.id == first.subject_id))
    with TestClient(create_app(engine)) as client:
        page = client.get(f"/subjects/{org_id}")
    assert page.status_code == 200 and mask_ric(PERSON) in page.text and PERSON not in page.text
    # the stored copy keeps the provider's row as sent, but encrypted: no plaintext number anywhere
    assert files_holding(PERSON) == []


def test_what_is_masked_and_what_is_not():
    assert mask_id_numbers(f"号{PERSON}号") == (f"号{mask_ric(PERSON)}号", 1)
    assert mask_id_numbers(f"甲{PERSON}，乙{PERSON}") == (f"甲{mask_ric(PERSON)}，乙{mask_ric(PERSON)}", 2)
    full_width = PERSON.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert mask_id_numbers(full_width) == (mask_ric(PERSON), 1)
    # not a resident ID number: a wrong check character, a longer run of digits, no real birth date
    for text in (_not_a_ric(PERSON), PERSON + "7", "9" + PERSON, "310115198513071234", "账号6222021234567890123"):
        assert mask_id_numbers(text) == (text, 0), text
    # 15 digits only where the text says it is an identity number
    assert mask_id_numbers(f"身份证：{LEGACY}") == (f"身份证：{mask_ric(LEGACY)}", 1)
    assert mask_id_numbers(f"注册号{LEGACY}") == (f"注册号{LEGACY}", 0)
    assert mask_id_numbers("") == ("", 0) and mask_id_numbers("沪罚〔2024〕1号") == ("沪罚〔2024〕1号", 0)


def test_every_text_field_of_content_is_covered_and_nothing_else_changes():
    content = {"facts": f"A{PERSON}", "other_ids": {"tax_reg_no": PERSON, "org_code": "12345678-9"},
               "doc_date": "2024-05-20", "amount_yuan": "10.00", "content": "罚款"}
    out, masked = mask_ids_in_content(content)
    assert masked == ("facts", "other_ids")
    assert out["other_ids"] == {"tax_reg_no": mask_ric(PERSON), "org_code": "12345678-9"}
    assert {k: out[k] for k in ("doc_date", "amount_yuan", "content")} == \
        {k: content[k] for k in ("doc_date", "amount_yuan", "content")}
    assert content["facts"] == f"A{PERSON}"  # the input is left as it was
    assert mask_ids_in_content({"content": "罚款"}) == ({"content": "罚款"}, ())


def test_a_sole_traders_tax_number_that_is_the_owners_id_is_masked(engine, tmp_path):
    actor, _ = add_provider(engine)
    row = {**cf_row(1, CF_XDR_LB="个体工商户"), "CF_XDR_SWDJ": PERSON}
    result = run_file(engine, actor, tmp_path, to_csv([row], CF_COLUMNS + ["CF_XDR_SWDJ"]))
    assert result.accepted == 1
    assert records(engine)[0].content["other_ids"] == {"tax_reg_no": mask_ric(PERSON)}


def test_row_errors_name_the_line_and_the_masked_number_only(engine, tmp_path):
    actor, _ = add_provider(engine)
    rows = [cf_row(1, CF_JDRQ=PERSON), cf_row(2, slight=PERSON), cf_row(3, procedure=PERSON)]
    result = run_file(engine, actor, tmp_path, to_csv(rows, CF_COLUMNS))
    assert result.rejected == 3
    with session_scope(engine) as s:
        reasons = s.scalars(select(BatchReject.reason).order_by(BatchReject.line)).all()
    assert len(reasons) == 3 and all(PERSON not in r for r in reasons)
    assert all(mask_id_shaped(PERSON) in r for r in reasons)


def test_error_texts_mask_whatever_has_the_shape():
    assert mask_id_shaped(f"(x, '{PERSON}', 3)") == f"(x, '{mask_ric(PERSON)}', 3)"
    assert mask_id_shaped(f"[{_not_a_ric(PERSON)}]") == f"[{mask_ric(_not_a_ric(PERSON))}]"
    assert mask_id_shaped(LEGACY) == mask_ric(LEGACY)
    assert mask_id_shaped("12345678901234567890") == "12345678901234567890"  # 20 digits: neither shape


def test_the_fast_precheck_never_misses_what_masking_would_mask():
    """``may_hold_id_number`` (the hot path's shortcut) is False only where ``mask_id_numbers`` finds
    nothing: random texts of digits, X, letters, CJK and full-width digits around real numbers."""
    import random

    from xinyong.record.fields import may_hold_id_number

    rnd = random.Random(20250616)
    pieces = ["0", "7", "X", "x", "F", "号", "，", "身份证", "ID", " ", "３", PERSON, PERSON[:17] + "X",
              LEGACY, "11310000002464116F", _not_a_ric(PERSON)]
    found = 0
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 12)))
        if mask_id_numbers(text, precheck=False)[1]:  # the regular expressions alone find one
            assert may_hold_id_number(text), text
            assert mask_id_numbers(text) == mask_id_numbers(text, precheck=False)
            found += 1
    assert found > 200  # the texts do hold numbers
    assert not may_hold_id_number("沪市监浦处〔2024〕152024001234号，机关代码11310000002464116F")
