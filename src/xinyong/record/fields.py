"""Field parsers and the column mapping of the three import formats.

Every parser returns the parsed value or raises :class:`FieldError` naming the field and saying
exactly what it could not read (the importer turns that into a rejected row with line, field,
reason and article). Nothing here reads the real date: a check against "today" takes the date as a
parameter.

Column mapping: :data:`FORMATS` describes the national 行政处罚 format (``CF``), the national
行政许可 format (``XK``) and the platform's own ``general`` columns; :func:`detect_format` picks one
from a header and :func:`map_row` turns a row's values into the canonical keys the importer uses
(see ``docs/import-format.md``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from ..errors import InvalidInput, msg
from ..law.errors import restore_message
from ..subject.identifiers import mask_ric, ric_check_char

TZ = ZoneInfo("Asia/Shanghai")


class FieldError(InvalidInput):
    """A value the importer cannot read: ``field`` (the column, as the clerk sees it when known)
    and ``reason`` (exactly what is wrong). A :class:`~xinyong.errors.DomainError` (message = the
    reason), so a caller that forgets to catch it still answers 422 / ``error: …``."""

    def __init__(self, field: str, reason: str, *, article: str | None = None) -> None:
        super().__init__(reason, article=article, field=field)
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


# ---------------------------------------------------------------------------------------------
# text

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\x00"), None)
_WS_RUN = re.compile(r"\s+")
# values that mean "nothing here" in published files
EMPTY_MARKERS = frozenset({"", "无", "暂无", "/", "-", "—", "--", "——", "null", "none", "n/a", "na"})
_LONGEST_MARKER = max(map(len, EMPTY_MARKERS))


def clean_text(text: str | None) -> str:
    """Strip, collapse internal whitespace runs (incl. U+3000 and NBSP) to one space, remove
    zero-width characters, soft hyphens, NULs and other control characters. Chinese punctuation
    is kept as it is."""
    if not text:
        return ""
    if text.isprintable():  # fast path: no control, zero-width or non-ASCII space characters
        if "  " in text:
            text = _WS_RUN.sub(" ", text)
        return text.strip()
    text = text.translate(_ZERO_WIDTH)
    if not text.isprintable():  # fast path: most values have nothing to remove
        text = "".join(
            ch
            for ch in text
            if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
        )
    return _WS_RUN.sub(" ", text).strip()


def is_blank(text: str | None) -> bool:
    """True for empty values and the usual "nothing" markers (``无``, ``暂无``, ``/``, ``-``, ``null``)."""
    # Fast path: printable text keeps every character but spaces through clean_text, and casefold
    # never shortens a string, so more non-space characters than the longest marker is not blank.
    if type(text) is str and text.isprintable() and len(text) - text.count(" ") > _LONGEST_MARKER:
        return False
    return clean_text(text).casefold() in EMPTY_MARKERS


def _norm(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII), cleaned."""
    return clean_text(unicodedata.normalize("NFKC", text))


# ---------------------------------------------------------------------------------------------
# dates

_YMD_SEP = re.compile(
    r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_YMD_CN = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?")
_YMD_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_AB_YEAR = re.compile(r"(?P<a>\d{1,2})(?P<s>[/.-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4})")
_EPOCH = re.compile(r"\d{10}|\d{13}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_MIN_YEAR, _MAX_YEAR = 1900, 2099


def _make_date(y: int, m: int, d: int, text: str, field: str) -> date:
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        raise FieldError(field, msg("implausible year {y} in date '{text}'", y=y, text=text))
    if not 1 <= m <= 12:
        raise FieldError(field, msg("invalid date '{text}': month {m} does not exist", text=text, m=m))
    try:
        return date(y, m, d)
    except ValueError:
        last = ((date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)).day
        raise FieldError(
            field, msg("invalid date '{text}': day {d} does not exist ({y}-{m:02d} has {last} days)",
                       text=text, d=d, y=y, m=m, last=last)
        ) from None


def parse_date(text: str | None, *, field: str, not_after: date | None = None) -> date:
    """Read a date in any of the unambiguous forms seen in published files.

    ``2019-01-14``, ``2024-9-1``, ``2019/1/14``, ``2019.01.14``, ``20190114``, ``2019年7月13日``,
    ``2019-07-15T03:23:52`` / ``2019/1/14 0:00:00`` (date part; an explicit UTC offset is converted
    to Asia/Shanghai), epoch seconds (10 digits) or milliseconds (13 digits) in Asia/Shanghai,
    ``03/29/2018`` (MM/DD/YYYY, read only when the day is > 12) and ``29/03/2018`` (likewise).
    ``03/04/2018`` is ambiguous and refused. ``not_after`` (e.g. today) refuses later dates.
    """
    raw = clean_text(text)
    if not raw:
        raise FieldError(field, "date is empty")
    s = _norm(raw)
    result = _parse_date(s, raw, field)
    if not_after is not None and result > not_after:
        raise FieldError(field, msg("date {day} is in the future (after {not_after})", day=result.isoformat(),
                                    not_after=not_after.isoformat()))
    return result


def _parse_date(s: str, raw: str, field: str) -> date:
    if _ISO_DATETIME.fullmatch(s):
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            dt = None
        if dt is not None:
            if dt.tzinfo is not None:
                dt = dt.astimezone(TZ)
            return _make_date(dt.year, dt.month, dt.day, raw, field)
    for rx in (_YMD_SEP, _YMD_CN):
        m = rx.fullmatch(s)
        if m:
            return _make_date(int(m["y"]), int(m["m"]), int(m["d"]), raw, field)
    m = _YMD_COMPACT.fullmatch(s)
    if m:
        return _make_date(int(m["y"]), int(m["m"]), int(m["d"]), raw, field)
    if _EPOCH.fullmatch(s):
        seconds = int(s) / (1000 if len(s) == 13 else 1)
        dt = datetime.fromtimestamp(seconds, tz=timezone.utc).astimezone(TZ)
        return _make_date(dt.year, dt.month, dt.day, raw, field)
    m = _AB_YEAR.fullmatch(s)
    if m:
        a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
        if a <= 12 < b:  # MM/DD/YYYY
            return _make_date(y, a, b, raw, field)
        if b <= 12 < a:  # DD/MM/YYYY
            return _make_date(y, b, a, raw, field)
        if a <= 12 and b <= 12:
            if a == b:
                return _make_date(y, a, b, raw, field)
            raise FieldError(
                field, msg("ambiguous date '{raw}': day/month order unknown; use YYYY-MM-DD", raw=raw)
            )
        raise FieldError(field, msg("invalid date '{raw}': neither {a} nor {b} is a month", raw=raw, a=a, b=b))
    raise FieldError(field, msg("not a date: '{raw}' (use YYYY-MM-DD)", raw=raw))


def parse_optional_date(
    text: str | None, *, field: str, not_after: date | None = None
) -> date | None:
    """Like :func:`parse_date`, but empty values and ``无``/``暂无``/``/``/``-`` give ``None``."""
    if is_blank(text):
        return None
    return parse_date(text, field=field, not_after=not_after)


# ---------------------------------------------------------------------------------------------
# amounts

_CENT = Decimal("0.01")
_UNIT_FACTOR = {"yuan": Decimal(1), "wan": Decimal(10000), "yi": Decimal(100000000)}
_CURRENCY_WORDS = re.compile(r"人民币|RMB|CNY|元整|圆整|元|圆|整|¥|￥", re.IGNORECASE)
_UNIT_WORD = re.compile(r"(万|亿)")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def parse_amount_yuan(text: str | None, *, field: str, unit: str = "yuan") -> Decimal:
    """An amount of money, returned in yuan with exactly 2 decimal places (half-up).

    ``unit`` is the column's unit ("yuan" or "wan" = 万元); a unit written in the value itself
    (``10462.63元``, ``20万元``, ``201902.65万元人民币``, ``1.5亿元``) overrides it. Thousands
    separators (``1,000``) are read; negative amounts and anything that is not a number are refused.
    """
    if unit not in ("yuan", "wan"):
        raise ValueError(f"unit must be 'yuan' or 'wan', not {unit!r}")
    raw = clean_text(text)
    if not raw:
        raise FieldError(field, "amount is empty")
    s = _norm(raw).replace(" ", "")
    s = s.strip("()（）")
    units = _UNIT_WORD.findall(s)
    if len(units) > 1:
        raise FieldError(field, msg("not an amount: '{raw}' (more than one unit)", raw=raw))
    had_currency = bool(_CURRENCY_WORDS.search(s))
    s = _CURRENCY_WORDS.sub("", s)
    s = _UNIT_WORD.sub("", s)
    s = s.strip("()（）")
    if units:
        factor = _UNIT_FACTOR["wan" if units[0] == "万" else "yi"]
    elif had_currency:
        factor = _UNIT_FACTOR["yuan"]
    else:
        factor = _UNIT_FACTOR[unit]
    if _GROUPED_NUMBER.fullmatch(s):
        s = s.replace(",", "")
    elif not _PLAIN_NUMBER.fullmatch(s):
        if "," in s and _PLAIN_NUMBER.fullmatch(s.replace(",", "")):
            raise FieldError(field, msg("not an amount: '{raw}' (misplaced thousands separator)", raw=raw))
        raise FieldError(field, msg("not an amount: '{raw}'", raw=raw))
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the regexes only let numbers through
        raise FieldError(field, msg("not an amount: '{raw}'", raw=raw)) from None
    if value < 0:
        raise FieldError(field, msg("negative amount: '{raw}'", raw=raw))
    return (value * factor).quantize(_CENT, rounding=ROUND_HALF_UP)


def parse_optional_amount_yuan(
    text: str | None, *, field: str, unit: str = "yuan"
) -> Decimal | None:
    """Like :func:`parse_amount_yuan`; empty values and ``无``/``暂无`` give ``None``."""
    if is_blank(text):
        return None
    return parse_amount_yuan(text, field=field, unit=unit)


# ---------------------------------------------------------------------------------------------
# enumerations

PROCEDURE = {
    "一般程序": "ordinary",
    "普通程序": "ordinary",
    "ordinary": "ordinary",
    "general": "ordinary",
    "简易程序": "simplified",
    "当场处罚": "simplified",
    "simplified": "simplified",
    "summary": "simplified",
}
SEVERITY = {
    "轻微": "slight",
    "slight": "slight",
    "minor": "slight",
    "一般": "general",
    "general": "general",
    "较重": "serious",
    "严重": "serious",
    "serious": "serious",
    "grave": "serious",
}
BOOLEAN = {
    "是": "true",
    "否": "false",
    "true": "true",
    "false": "false",
    "yes": "true",
    "no": "false",
    "y": "true",
    "n": "false",
    "1": "true",
    "0": "false",
    "t": "true",
    "f": "false",
}


def _enum_key(text: str) -> str:
    return _norm(text).casefold()


@lru_cache(maxsize=64)
def _folded(choices_items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    folded: dict[str, str] = {}
    for label, value in choices_items:
        folded[_enum_key(label)] = value
        folded.setdefault(_enum_key(value), value)
    return folded


def parse_enum(text: str | None, choices: Mapping[str, str], *, field: str) -> str:
    """Map a Chinese or English label (case-insensitive, full-width tolerant) to its value.

    The values themselves are accepted too (``ordinary`` for :data:`PROCEDURE`)."""
    raw = clean_text(text)
    if not raw:
        raise FieldError(field, "value is empty")
    value = _folded(tuple(choices.items())).get(_enum_key(raw))
    if value is None:
        labels = ", ".join(dict.fromkeys(choices))
        raise FieldError(field, msg("'{raw}' is not one of: {labels}", raw=raw, labels=labels))
    return value


def parse_optional_enum(text: str | None, choices: Mapping[str, str], *, field: str) -> str | None:
    """Like :func:`parse_enum`; empty values and ``无``/``/``/``-`` give ``None`` (unless a label)."""
    raw = clean_text(text)
    if is_blank(raw) and _enum_key(raw) not in _folded(tuple(choices.items())):
        return None
    return parse_enum(raw, choices, field=field)


def parse_bool(text: str | None, *, field: str) -> bool:
    """是/否, true/false, yes/no, 1/0 (and y/n, t/f)."""
    return parse_enum(text, BOOLEAN, field=field) == "true"


def parse_optional_bool(text: str | None, *, field: str) -> bool | None:
    value = parse_optional_enum(text, BOOLEAN, field=field)
    return None if value is None else value == "true"


_CATEGORY_SEP = re.compile(r"[,，、;；|｜\n]+")


def split_categories(text: str | None) -> list[str]:
    """``警告,罚款`` / ``警告、罚款`` / ``警告；罚款`` → ``["警告", "罚款"]`` (order kept, duplicates dropped)."""
    if not text:
        return []
    parts = (clean_text(p) for p in _CATEGORY_SEP.split(text))
    return list(dict.fromkeys(p for p in parts if p))


# ---------------------------------------------------------------------------------------------
# column mapping

# canonical keys the importer relies on; map_row returns every one of them
CANONICAL_KEYS: tuple[str, ...] = (
    "catalog_item",
    "subject_name",
    "subject_class",
    "subject_id",
    "subject_id_column",
    "id_type",
    "other_ids",
    "legal_rep",
    "legal_rep_id_type",
    "legal_rep_id",
    "doc_no",
    "doc_name",
    "doc_date",
    "doc_org",
    "doc_org_code",
    "source_unit",
    "source_unit_code",
    "conduct_date",
    "ended_on",
    "procedure",
    "slight",
    "severity",
    "legal_basis",
    "facts",
    "act_type",
    "category",
    "content",
    "fine_wan",
    "confiscated_wan",
    "licence_affected",
    "amount_yuan",
    "amount_unit",
    "valid_from",
    "valid_until",
    "publicity_until",
    "cert_name",
    "licence_no",
    "status",
    "remarks",
    "deemed_full_capacity",
    "full_capacity",
    "basis_law",
    "basis_article",
)

# other registration codes, by their neutral key (values in map_row()["other_ids"])
OTHER_IDS = {
    "GSZC": "business_reg_no",  # 工商注册号
    "ZZJG": "org_code",  # 组织机构代码
    "SWDJ": "tax_reg_no",  # 税务登记号
    "SYDW": "institution_reg_no",  # 事业单位证书号
    "SHZZ": "social_org_reg_no",  # 社会组织登记证号
}

# extra (non-national) columns accepted in every format: the platform's own, each a canonical key.
# deemed_full_capacity / full_capacity: the provider's statement on a natural person's civil capacity
# (Civil Code Art. 18.2, 21-24; Art. 2), see rules.check_full_civil_capacity. basis_law / basis_article: the
# conduct's legal basis, structured (the law's name, its article), checked where a law lists the conduct an item
# records (Art. 9.3; rules.check_conduct_listed_by_law). CF_YJ stays free text.
EXTRA_COLUMNS = ("catalog_item", "ended_on", "procedure", "slight", "severity", "deemed_full_capacity",
                 "full_capacity", "basis_law", "basis_article")


@dataclass(frozen=True)
class FormatSpec:
    name: str
    title: str
    columns: dict[str, str]  # source column → canonical key (or "other_ids:<key>")
    required: dict[str, str]  # canonical key → source column(s) the clerk sees
    default_catalog_item: str | None
    id_columns: tuple[str, ...] = ()  # subject_id candidates, first non-empty wins
    defaults: dict[str, str] = dc_field(default_factory=dict)


def _counterpart(p: str) -> dict[str, str]:
    cols = {
        f"{p}_XDR_MC": "subject_name",
        f"{p}_XDR_LB": "subject_class",
        f"{p}_XDR_SHXYM": "subject_id",
        f"{p}_XDR_ZJHM": "subject_id",
        f"{p}_XDR_ZJLX": "id_type",
        f"{p}_FRDB": "legal_rep",
        f"{p}_FR_ZJLX": "legal_rep_id_type",
        f"{p}_FR_ZJHM": "legal_rep_id",
    }
    for code, key in OTHER_IDS.items():
        cols[f"{p}_XDR_{code}"] = f"other_ids:{key}"
    return cols


_EXTRAS = {name: name for name in EXTRA_COLUMNS}

CF_COLUMNS = {
    **_counterpart("CF"),
    "CF_WSH": "doc_no",
    "CF_WFXW": "act_type",
    "CF_SY": "facts",
    "CF_YJ": "legal_basis",
    "CF_CFLB": "category",
    "CF_NR": "content",
    "CF_NR_FK": "fine_wan",
    "CF_NR_WFFF": "confiscated_wan",
    "CF_NR_ZKDX": "licence_affected",
    "CF_JDRQ": "doc_date",
    "CF_YXQ": "valid_until",
    "CF_GSJZQ": "publicity_until",
    "CF_CFJG": "doc_org",
    "CF_CFJGDM": "doc_org_code",
    "CF_SJLY": "source_unit",
    "CF_SJLYDM": "source_unit_code",
    "BZ": "remarks",
    **_EXTRAS,
}

XK_COLUMNS = {
    **_counterpart("XK"),
    "XK_XKWS": "doc_name",
    "XK_WSH": "doc_no",
    "XK_XKLB": "category",
    "XK_XKZS": "cert_name",
    "XK_XKBH": "licence_no",
    "XK_NR": "content",
    "XK_JDRQ": "doc_date",
    "XK_YXQZ": "valid_from",
    "XK_YXQZI": "valid_until",
    "XK_XKJG": "doc_org",
    "XK_XKJGDM": "doc_org_code",
    "XK_ZT": "status",
    "XK_LYDW": "source_unit",
    "XK_LYDWDM": "source_unit_code",
    "BZ": "remarks",
    **_EXTRAS,
}

GENERAL_COLUMNS = {
    "catalog_item": "catalog_item",
    "subject_name": "subject_name",
    "subject_class": "subject_class",
    "subject_id": "subject_id",
    "id_type": "id_type",
    "legal_rep": "legal_rep",
    "doc_no": "doc_no",
    "doc_name": "doc_name",
    "doc_date": "doc_date",
    "doc_org": "doc_org",
    "doc_org_code": "doc_org_code",
    "source_unit": "source_unit",
    "source_unit_code": "source_unit_code",
    "conduct_date": "conduct_date",
    "ended_on": "ended_on",
    "procedure": "procedure",
    "slight": "slight",
    "severity": "severity",
    "legal_basis": "legal_basis",
    "facts": "facts",
    "category": "category",
    "content": "content",
    "amount_yuan": "amount_yuan",
    "amount_wan": "amount_yuan",
    "valid_from": "valid_from",
    "valid_until": "valid_until",
    "licence_no": "licence_no",
    "cert_name": "cert_name",
    "status": "status",
    "remarks": "remarks",
    "deemed_full_capacity": "deemed_full_capacity",
    "full_capacity": "full_capacity",
    "basis_law": "basis_law",
    "basis_article": "basis_article",
    **{key: f"other_ids:{key}" for key in OTHER_IDS.values()},
}

FORMATS: dict[str, FormatSpec] = {
    "CF": FormatSpec(
        name="CF",
        title="行政处罚 (national double-publicity penalty format, CF_*)",
        columns=CF_COLUMNS,
        required={
            "subject_name": "CF_XDR_MC",
            "subject_class": "CF_XDR_LB",
            "subject_id": "CF_XDR_SHXYM or CF_XDR_ZJHM",
            "doc_no": "CF_WSH",
            "facts": "CF_SY",
            "legal_basis": "CF_YJ",
            "category": "CF_CFLB",
            "content": "CF_NR",
            "doc_date": "CF_JDRQ",
            "doc_org": "CF_CFJG",
        },
        default_catalog_item="penalty",
        id_columns=("CF_XDR_SHXYM", "CF_XDR_ZJHM"),
    ),
    "XK": FormatSpec(
        name="XK",
        title="行政许可 (national double-publicity licence format, XK_*)",
        columns=XK_COLUMNS,
        required={
            "subject_name": "XK_XDR_MC",
            "subject_class": "XK_XDR_LB",
            "subject_id": "XK_XDR_SHXYM or XK_XDR_ZJHM",
            "doc_no": "XK_WSH",
            "category": "XK_XKLB",
            "content": "XK_NR",
            "doc_date": "XK_JDRQ",
            "doc_org": "XK_XKJG",
        },
        default_catalog_item="licence",
        id_columns=("XK_XDR_SHXYM", "XK_XDR_ZJHM"),
    ),
    "general": FormatSpec(
        name="general",
        title="the platform's general columns (any catalog item)",
        columns=GENERAL_COLUMNS,
        required={
            "catalog_item": "catalog_item",
            "subject_name": "subject_name",
            "subject_id": "subject_id",
            "doc_no": "doc_no",
            "doc_date": "doc_date",
            "doc_org": "doc_org",
            "content": "content",
        },
        default_catalog_item=None,
        id_columns=("subject_id",),
    ),
}

REQUIRED: dict[str, dict[str, str]] = {name: spec.required for name, spec in FORMATS.items()}

_KNOWN_LOWER = frozenset(GENERAL_COLUMNS) | frozenset(EXTRA_COLUMNS) | {"amount_wan"}


def normalize_column(name: str) -> str:
    """Header name as the platform compares it: cleaned; ``CF_*``/``XK_*``/``BZ`` upper-cased;
    the general (English) columns lower-cased; anything else (Chinese headers) kept as written."""
    name = clean_text(name)
    upper = name.upper()
    if upper.startswith(("CF_", "XK_")) or upper == "BZ":
        return upper
    if name.lower() in _KNOWN_LOWER:
        return name.lower()
    return name


def detect_format(header: Iterable[str]) -> str:
    """"CF" when CF_* columns are present, "XK" when XK_* are, "general" otherwise.

    A header with both CF_* and XK_* columns raises :class:`FieldError` (field "header")."""
    cols = [normalize_column(h) for h in header]
    has_cf = any(c.startswith("CF_") for c in cols)
    has_xk = any(c.startswith("XK_") for c in cols)
    if has_cf and has_xk:
        raise FieldError(
            "header", "the header mixes CF_* (penalty) and XK_* (licence) columns; use one file per format"
        )
    if has_cf:
        return "CF"
    if has_xk:
        return "XK"
    return "general"


def _spec(fmt: str) -> FormatSpec:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown import format {fmt!r} (one of: {', '.join(FORMATS)})") from None


def missing_required(fmt: str, header: Iterable[str]) -> list[str]:
    """The required columns (as the clerk sees them) that the header lacks, for a file-level check."""
    spec = _spec(fmt)
    cols = {normalize_column(h) for h in header}
    missing = []
    for key, column in spec.required.items():
        if key == "subject_id":
            if not any(c in cols for c in spec.id_columns):
                missing.append(column)
        elif column not in cols:
            missing.append(column)
    return missing


def unknown_columns(fmt: str, header: Iterable[str]) -> list[str]:
    """Header columns the format does not know (the importer drops them, Art. 11)."""
    spec = _spec(fmt)
    cols = dict.fromkeys(normalize_column(h) for h in header)
    return [c for c in cols if c and c not in spec.columns]


# ---------------------------------------------------------------------------------------------
# declared fields (Art. 11: information not in the catalog is not aggregated)

# Kept for every catalog item whatever its declaration: without them a record cannot be tied to its
# item, its subject and its legal document, nor checked (Art. 2, 11).
STRUCTURAL_KEYS = frozenset({"catalog_item", "subject_name", "subject_class", "subject_id", "id_type",
                             "doc_no", "doc_date", "doc_org"})
# Keys the importer derives from a declared field (content holds them when it holds their source).
_DERIVED = {"subject_id_column": ("subject_id",), "amount_unit": ("amount_yuan",),
            "amount_yuan": ("fine_wan", "amount_yuan")}


def column_key(fmt: str, column: str) -> str | None:
    """The canonical key a normalised header column maps to in ``fmt`` (``other_ids`` for the other
    registration codes), or None for a column the format does not know."""
    target = _spec(fmt).columns.get(column)
    if target is None:
        return None
    return "other_ids" if target.startswith("other_ids:") else target


@lru_cache(maxsize=8)
def format_keys(fmt: str) -> frozenset[str]:
    """The canonical keys of a record format's documented columns, the platform's extra columns
    (:data:`EXTRA_COLUMNS`) included: what an item declaring no fields of its own stores."""
    return frozenset(column_key(fmt, c) for c in _spec(fmt).columns) | frozenset(EXTRA_COLUMNS)


@lru_cache(maxsize=256)
def _declared(fields: tuple[str, ...] | None, record_format: str) -> frozenset[str]:
    keys = format_keys(record_format) if fields is None else frozenset(fields) & frozenset(CANONICAL_KEYS)
    return keys | STRUCTURAL_KEYS


def declared_fields(fields: Iterable[str] | None, record_format: str) -> frozenset[str]:
    """The canonical keys a record of a catalog item stores: its declared ``fields``
    (``catalog_item.fields``) or, when it declares none, those of its record format
    (:func:`format_keys`); and always :data:`STRUCTURAL_KEYS`. Names that are not canonical keys
    are ignored (they can name no column)."""
    return _declared(None if fields is None else tuple(fields), record_format)


@lru_cache(maxsize=256)
def content_keys(declared: frozenset[str]) -> frozenset[str]:
    """The keys a record's content may hold: the declared ones and those derived from them."""
    return declared | frozenset(k for k, sources in _DERIVED.items() if any(s in declared for s in sources))


_PLAIN, _SKIP, _OTHER_ID, _SUBJECT_ID, _AMOUNT = range(5)


@lru_cache(maxsize=256)
def _plan(fmt: str, keys: tuple[str, ...]) -> tuple[tuple[str, str, int, str], ...]:
    """For each source key: (source key, normalized column, kind, target)."""
    spec = _spec(fmt)
    plan = []
    for key in keys:
        col = normalize_column(key)
        target = spec.columns.get(col)
        if target is None:
            kind, target = _SKIP, ""
        elif target.startswith("other_ids:"):
            kind, target = _OTHER_ID, target[10:]
        elif target == "subject_id":
            kind = _SUBJECT_ID
        elif target == "amount_yuan":
            kind = _AMOUNT
        else:
            kind = _PLAIN
        plan.append((key, col or key, kind, target))
    return tuple(plan)


def map_row(fmt: str, values: Mapping[str, str]) -> dict:
    """A row's values (source column → text) as the canonical keys (:data:`CANONICAL_KEYS`).

    Every canonical key is present; text values are cleaned (:func:`clean_text`) and ``""`` where
    the column is absent or empty. Values are not parsed: the importer parses them with the
    functions above (``fine_wan``/``confiscated_wan`` are in 万元; ``amount_yuan`` is in yuan, or
    carries its unit suffix ``万元`` when it came from the general ``amount_wan`` column, so that
    ``parse_amount_yuan(m["amount_yuan"], field=..., unit="yuan")`` is right either way;
    ``amount_unit`` says which column it came from). ``subject_id`` is the first non-empty of the
    USCC and the natural person's ID number; ``subject_id_column`` names that column.
    ``other_ids`` is a dict (``business_reg_no``, ``org_code``, ``tax_reg_no``,
    ``institution_reg_no``, ``social_org_reg_no``) of the non-empty ones. A column the format does
    not know is ignored (the importer has dropped it already, Art. 11). ``catalog_item`` defaults to
    ``penalty`` (CF) / ``licence`` (XK).

    Raises :class:`FieldError` when a general row gives both ``amount_yuan`` and ``amount_wan``.
    """
    spec = _spec(fmt)
    out: dict = dict.fromkeys(CANONICAL_KEYS, "")
    other_ids: dict[str, str] = {}
    ids: dict[str, str] = {}
    amount_from: list[tuple[str, str]] = []
    for key, col, kind, target in _plan(fmt, tuple(values)):
        if kind == _SKIP:
            continue
        value = values[key]
        # clean_text's fast path inlined (most values: printable, no run of spaces)
        if type(value) is str and value.isprintable() and "  " not in value:
            value = value.strip()
        else:
            value = clean_text(value)
        if kind == _PLAIN:
            if value or not out[target]:
                out[target] = value
        elif kind == _OTHER_ID:
            if value:
                other_ids[target] = value
        elif kind == _SUBJECT_ID:
            ids[col] = value
        elif value:
            amount_from.append((col, value))
    for col in spec.id_columns:
        if ids.get(col):
            out["subject_id"] = ids[col]
            out["subject_id_column"] = col
            break
    if len(amount_from) > 1:
        raise FieldError("amount_wan", "both amount_yuan and amount_wan are given; use one")
    if amount_from:
        col, value = amount_from[0]
        if col == "amount_wan":
            out["amount_unit"] = "wan"
            if not is_blank(value) and not re.search(r"[元万亿¥￥]|RMB|CNY", value, re.IGNORECASE):
                value += "万元"
        else:
            out["amount_unit"] = "yuan"
        out["amount_yuan"] = value
    if not out["catalog_item"] and spec.default_catalog_item:
        out["catalog_item"] = spec.default_catalog_item
    out["other_ids"] = other_ids
    return out


# ---------------------------------------------------------------------------------------------
# resident ID numbers inside text

# 17 digits and a check character, not inside a longer run of digits; full-width digits too (NFKC).
_RIC18_IN_TEXT = re.compile(r"(?<![0-9０-９])[0-9０-９]{17}[0-9０-９XxＸｘ](?![0-9０-９XxＸｘ])")
# A legacy 15-digit number (GB 11643-1989: region, YYMMDD, sequence) cannot be told from a 15-digit
# business or tax registration number by its digits alone: it is masked only right after words that
# say it is an identity number.
_RIC15_IN_TEXT = re.compile(
    r"(?:身份证|证件|身份号码|公民身份|ID)[^0-9０-９]{0,8}?([0-9０-９]{15})(?![0-9０-９XxＸｘ])", re.IGNORECASE)
# The province codes of GB/T 2260 (the first two digits of a resident ID number).
_PROVINCES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
                       "61 62 63 64 65 71 81 82".split())


def _real_date(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _is_ric18(code: str) -> bool:
    """A resident ID number by its structure: a province, a real birth date, a valid check character."""
    return (code[:2] in _PROVINCES and 1880 <= int(code[6:10]) <= 2099
            and _real_date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
            and ric_check_char(code[:17]) == code[17])


_ASCII_DIGITS_ONLY = bytes(b if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_FULL_WIDTH_DIGIT = re.compile(rb"\xef\xbc[\x90-\x99]")  # ０-９ in UTF-8


def may_hold_id_number(text: str) -> bool:
    """Whether ``text`` may hold a resident ID number (what :func:`mask_id_numbers` then checks): a run
    of exactly 15 or 18 digits, or of 17 followed by an X. Hot path (every imported row's text): the runs
    are found by translating the UTF-8 bytes, several times faster than a regular expression over CJK
    text; full-width digits take the regular expression."""
    data = text.encode()
    if _FULL_WIDTH_DIGIT.search(data) is not None:
        return _RIC18_IN_TEXT.search(text) is not None or _RIC15_IN_TEXT.search(text) is not None
    digits = data.translate(_ASCII_DIGITS_ONLY)  # same length: offsets are the text's bytes'
    runs = digits.split()
    lengths = set(map(len, runs))
    if 15 in lengths or 18 in lengths:
        return True
    if 17 in lengths:  # e.g. an organization's all-digit USCC body: a number only when an X follows
        for run in runs:
            if len(run) != 17:
                continue
            i = digits.find(run)
            while i >= 0:
                if data[i + 17:i + 18] in (b"X", b"x") and (i == 0 or digits[i - 1] == 0x20):
                    return True
                i = digits.find(run, i + 1)
    return False


def mask_id_numbers(text: str, *, precheck: bool = True) -> tuple[str, int]:
    """``text`` with every resident ID number in it masked 前6后4 (``mask_ric``), and how many.

    18 characters: 17 digits and a check character (X in either case, full-width digits too) that
    is the number's valid ISO 7064 check, after a real province and birth date — a document or
    account number of 18 digits passes all three by chance about once in a thousand. 15 digits
    (the legacy number): only right after 身份证 / 证件 / 身份号码 / ID, with a real YYMMDD.
    ``precheck``: skip texts :func:`may_hold_id_number` clears (off: the regular expressions alone).
    """
    if not text or len(text) < 15 or (precheck and not may_hold_id_number(text)):
        return text, 0
    count = 0

    def ric18(m: re.Match) -> str:
        nonlocal count
        code = unicodedata.normalize("NFKC", m.group(0)).upper()
        if not _is_ric18(code):
            return m.group(0)
        count += 1
        return mask_ric(code)

    def ric15(m: re.Match) -> str:
        nonlocal count
        code = unicodedata.normalize("NFKC", m.group(1))
        if code[:2] not in _PROVINCES or not _real_date(1900 + int(code[6:8]), int(code[8:10]), int(code[10:12])):
            return m.group(0)
        count += 1
        start = m.start(1) - m.start(0)
        return m.group(0)[:start] + mask_ric(code)

    out = _RIC18_IN_TEXT.sub(ric18, text)
    if "身" in out or "证" in out or "id" in out.casefold():
        out = _RIC15_IN_TEXT.sub(ric15, out)
    return out, count


# Anything shaped like an ID number: 15 or 18 characters of digits (and a final X), not part of a
# longer run. For texts the platform stores or shows about an error (a driver's message quoting a
# statement's parameters, a value quoted in a reason): the safe side is to mask whatever has the
# shape, a valid number or not.
_ID_SHAPED = re.compile(r"(?<![0-9０-９])(?:[0-9０-９]{17}[0-9０-９XxＸｘ]|[0-9０-９]{15})(?![0-9０-９XxＸｘ])")


def mask_id_shaped(text: str) -> str:
    """``text`` with every 15- or 18-character digit run (ID-number shaped) masked as ``mask_ric`` masks: 前6后4,
    a 15-digit run 前6后3 (its last four would show a digit of a birth day).

    A message built with values (``errors.msg``) stays one, its values masked the same way (the portal words it
    from them), so nothing unmasked is kept beside the masked text."""
    if getattr(text, "template", None) is not None:
        params = {name: mask_id_shaped(value) if isinstance(value, str) else value
                  for name, value in text.params.items()}
        masked = restore_message(_mask_plain(text), text.template, params)
        # the masked text is what is kept; its values only where masking them gives the same text
        return masked if masked == _mask_plain(text.template.format(**params)) else _mask_plain(text)
    return _mask_plain(text)


def _mask_plain(text: str) -> str:
    if not text or len(text) < 15:
        return text
    return _ID_SHAPED.sub(lambda m: mask_ric(m.group(0)), str(text))  # 前6后4 (a 15-digit one 前6后3)


def empty_required(fmt: str, mapped: Mapping[str, object]) -> list[tuple[str, str]]:
    """Required canonical keys that are empty in a mapped row, as (key, source column)."""
    spec = _spec(fmt)
    empty = []
    for key, column in spec.required.items():
        value = mapped.get(key)
        # is_blank's fast path inlined: most required values are long printable text
        if type(value) is str and len(value) > _LONGEST_MARKER + value.count(" ") and value.isprintable():
            continue
        if is_blank(value):  # type: ignore[arg-type]
            empty.append((key, column))
    return empty
