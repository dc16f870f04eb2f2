"""Valid national identifiers and import rows for tests (seeded, never random at import time)."""

from __future__ import annotations

import csv
import io
import random
from datetime import date

from xinyong.subject.identifiers import org_code_check_char, ric_check_char, uscc_check_char

ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(n: int, *, prefix: str = "91310115") -> str:
    """A valid USCC (outer and embedded GB 11714 checks) for the number ``n``."""
    body8 = f"{n:08d}"
    org = body8 + org_code_check_char(body8)
    first17 = prefix + org
    return first17 + uscc_check_char(first17)


def ric(birth: date, *, region: str = "310115", seq: int = 123) -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + ric_check_char(first17)


PROVIDER_USCC = uscc(246411, prefix="11310000")  # a government organ (starts 11)
OTHER_PROVIDER_USCC = uscc(246412, prefix="11310000")

CF_COLUMNS = [
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_FRDB", "CF_WSH",
    "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_CFJG", "CF_CFJGDM",
    "catalog_item", "procedure", "slight", "severity", "ended_on",
]


def cf_row(n: int, **over: str) -> dict[str, str]:
    row = {
        "CF_XDR_MC": f"上海测试{n}贸易有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": uscc(n),
        "CF_XDR_ZJLX": "",
        "CF_XDR_ZJHM": "",
        "CF_FRDB": "王某",
        "CF_WSH": f"沪市监浦处〔2024〕{n:06d}号",
        "CF_WFXW": "经营超过保质期的食品",
        "CF_SY": "当事人销售超过保质期的预包装食品。",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款人民币2000元",
        "CF_NR_FK": "0.2",
        "CF_JDRQ": "2024-05-20",
        "CF_CFJG": "上海市浦东新区市场监督管理局",
        "CF_CFJGDM": PROVIDER_USCC,
        "catalog_item": "penalty",
        "procedure": "ordinary",
        "slight": "false",
        "severity": "general",
        "ended_on": "",
    }
    row.update(over)
    return row


def person_cf_row(n: int, birth: date, **over: str) -> dict[str, str]:
    return cf_row(n, CF_XDR_MC="张某某", CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJLX="身份证",
                  CF_XDR_ZJHM=ric(birth, seq=n % 1000), **over)


def to_csv(rows: list[dict[str, str]], columns: list[str] | None = None, *, encoding: str = "utf-8") -> bytes:
    columns = columns or list(rows[0])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def mixed_rows(count: int, bad_every: int, seed: int) -> tuple[list[dict[str, str]], dict[int, str]]:
    """``count`` penalty rows; every ``bad_every``-th one broken in one of several ways.

    Returns the rows and {file line: expected reason fragment} for the broken ones.
    """
    rnd = random.Random(seed)
    rows, bad = [], {}
    defects = [
        ("CF_XDR_SHXYM", "9.14E+17", "spreadsheet"),
        ("procedure", "simplified", "simplified procedure"),
        ("CF_JDRQ", "2031-01-01", "after today"),
        ("CF_WSH", "", "legal document"),
        ("CF_NR_FK", "二千元", "amount"),
    ]
    for i in range(count):
        row = cf_row(100000 + i)
        if i % bad_every == bad_every - 1:
            field, value, why = defects[rnd.randrange(len(defects))]
            row[field] = value
            bad[i + 2] = why
        rows.append(row)
    return rows, bad
