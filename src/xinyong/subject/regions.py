"""Administrative division codes (GB/T 2260), every code that ever existed, abolished ones flagged.

Identifiers keep the region code they were issued under for life: an ID number issued in 卢湾区
(310103, merged into 黄浦区 in 2011) or a USCC registered in 闸北区 (310108, merged 2015) stays
valid. So a region check must accept every code that has ever been in GB/T 2260, never only
today's list, and say when a code is abolished.

Data source: the ``stdnum/cn/loc.dat`` file shipped with python-stdnum (a declared dependency of
this project; LGPL-2.1, compiled from the Chinese Wikipedia lists "中华人民共和国行政区划代码
(1区)…(8区)", which follow the Ministry of Civil Affairs' yearly publications since 1980). It is read
from the installed package at run time rather than copied, so that its licence stays with it. Each
line gives a code with its name(s) and year ranges, e.g. ``0103 county="[-2011]卢湾区"`` or
``0110 county="[-1991]东郊区,[1992-]东丽区"``; a code whose last range has an end year is abolished.
With python-stdnum 2.2 this gives 6,9xx codes (about 3,000 abolished), up to the 2025 changes.
It was cross-checked on samples against yescallop/areacodes ``result.csv`` (MCA data 1980–2025):
e.g. 130223 滦县 1983–2018, 310119 南汇区 2001–2009, 132100 邯郸地区 –1993 agree.

The year a code was abolished (``Region.until``) is the end year of its last range: the year of the
change, not its day (卢湾 2011, 闸北 2015, 南汇 2009 agree with the State Council approvals). The
resident ID check uses it to refuse a number whose holder was born in a later year
(``identifiers.ric_region_in_use_at_birth``); a code without an end year is not refused.

One code is added that is not in GB/T 2260: ``100000`` (全国/中央), which GB 32100 registration
authorities use in the region segment of USCCs issued to central-level bodies
(e.g. 中央编办 registrations ``11100000…``). It is accepted for USCCs only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

NATIONAL_CODE = "100000"

# names used in GB/T 2260 for grouping entries that are not places of their own
_GROUPING_NAMES = {
    "市辖区",
    "县",
    "市",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
    "省直辖行政单位",
    "自治区直辖县级行政单位",
}

_RANGE = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")


@dataclass(frozen=True)
class Region:
    code: str
    name: str  # the latest name the code had
    abolished: bool
    province: str | None  # e.g. "上海市"; None for the national code
    prefecture: str | None = None  # e.g. "成都市"; None when the code is itself province/prefecture level
    since: int | None = None  # first year in use (None: in the first 1980 edition or unknown)
    until: int | None = None  # year abolished (None: still in use)
    former_names: tuple[str, ...] = field(default=())

    @property
    def level(self) -> str:
        if self.code == NATIONAL_CODE:
            return "national"
        if self.code.endswith("0000"):
            return "province"
        if self.code.endswith("00"):
            return "prefecture"
        return "county"

    @property
    def full_name(self) -> str:
        """Province + prefecture + own name, without repetition (e.g. 四川省成都市武侯区)."""
        parts: list[str] = []
        for part in (self.province, self.prefecture, self.name):
            if part and part not in parts and part not in _GROUPING_NAMES:
                parts.append(part)
        if not parts:
            return self.name
        return "".join(parts)

    def describe(self) -> str:
        text = f"{self.code} {self.full_name}"
        if self.abolished:
            text += f" (abolished {self.until})" if self.until else " (abolished)"
        return text


_NATIONAL = Region(code=NATIONAL_CODE, name="全国（中央）", abolished=False, province=None)


def _parse_names(value: str) -> list[tuple[int | None, int | None, str]]:
    out: list[tuple[int | None, int | None, str]] = []
    # split on a comma that starts a new "[...]" range; names themselves have no "[,"
    for piece in re.split(r",(?=\[)", value):
        m = _RANGE.match(piece)
        if m:
            start = int(m.group(1)) if m.group(1) else None
            end = int(m.group(2)) if m.group(2) else None
            out.append((start, end, m.group(3)))
        else:
            out.append((None, None, piece))
    return out


def _read_source() -> str:
    # The package's directory found without running its ``__init__``, which imports ``stdnum.util`` (pydoc,
    # ssl, unicodedata: ~40 ms of `xinyong subject check`'s start-up) that reading a data file does not need.
    spec = find_spec("stdnum")
    if spec is not None and spec.submodule_search_locations:
        return (Path(next(iter(spec.submodule_search_locations))) / "cn" / "loc.dat").read_text(encoding="utf-8")
    return resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")


@cache
def _table() -> dict[str, Region]:
    table = _parse(_read_source().splitlines())
    table[NATIONAL_CODE] = _NATIONAL
    return table


@cache
def _province_lines() -> dict[str, list[str]]:
    """The source's lines by province (two-digit prefix): splitting is cheap, parsing every line is not."""
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    for line in _read_source().splitlines():
        if line[:2].isdigit():
            current = blocks.setdefault(line[:2], [])
        current.append(line)
    return blocks


@cache
def _province(prefix: str) -> dict[str, Region]:
    """One province's regions: a single lookup (``xinyong subject check``) parses only its province, which
    holds everything a region's entry draws on (the province's and the prefecture's names)."""
    return _parse(_province_lines().get(prefix, []))


def _parse(lines: list[str]) -> dict[str, Region]:
    raw: dict[str, tuple[str, list[tuple[int | None, int | None, str]]]] = {}
    province = ""
    prefix = ""
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r'^(\d{2}) province="([^"]*)"', line)
        if m:
            prefix, province = m.group(1), m.group(2)
            continue
        m = re.match(r'^\s+(\d{4}) county="([^"]*)"', line)
        if m and prefix:
            raw[prefix + m.group(1)] = (province, _parse_names(m.group(2)))
    table: dict[str, Region] = {}
    for code, (prov, names) in raw.items():
        starts = [s for s, _, _ in names]
        since = None if any(s is None for s in starts) else min(s for s in starts if s is not None)
        until = names[-1][1]
        name = names[-1][2]
        # the province's own entry carries the modern name (香港特别行政区); prefer it
        prov_entry = raw.get(code[:2] + "0000")
        prov_name = prov_entry[1][-1][2] if prov_entry else prov
        prefecture = None
        if not code.endswith("00"):
            pref = raw.get(code[:4] + "00")
            if pref:
                prefecture = pref[1][-1][2]
        table[code] = Region(
            code=code,
            name=name,
            abolished=until is not None,
            province=prov_name,
            prefecture=prefecture,
            since=since,
            until=until,
            former_names=tuple(n for _, _, n in names[:-1] if n != name),
        )
    return table


def lookup_region(code: str, *, allow_national: bool = True) -> Region | None:
    """The region for a 6-digit GB/T 2260 code that ever existed, or None.

    ``allow_national`` admits 100000 (全国/中央), which exists only in USCC region segments.
    """
    if not (isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    if code == NATIONAL_CODE:
        return _NATIONAL if allow_national else None
    cached = getattr(_table, "cache_info", None)  # None: a table put in its place (tests) is read as is
    if cached is None or cached().currsize:  # the whole table is at hand already
        return _table().get(code)
    return _province(code[:2]).get(code)


def all_regions() -> dict[str, Region]:
    """Every known code (a copy), including abolished ones and the national 100000."""
    return dict(_table())


def parent_region(code: str) -> Region | None:
    """The listed prefecture (xxxx00) or else province (xx0000) that ``code`` falls under, or None."""
    if not (isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    for candidate in (code[:4] + "00", code[:2] + "0000"):
        if candidate != code and candidate != NATIONAL_CODE:
            found = lookup_region(candidate)
            if found is not None:
                return found
    return None


def unlisted_region(code: str) -> Region | None:
    """A placeholder Region for a code absent from GB/T 2260 whose province exists, else None.

    Registration authorities of development zones, reclamation areas and other functional areas put
    such codes of their own in USCCs (西安高新区 610131, 苏州工业园区 320594, 北京经济技术开发区 110302,
    贵安新区 520900, 黑龙江农垦 233003 …). Valid in a USCC, never in a resident ID number.
    """
    if lookup_region(code) is not None:
        return None
    parent = parent_region(code)
    if parent is None:
        return None
    return Region(
        code=code,
        name=f"{parent.full_name}（登记管理机关代码，未列入GB/T 2260）",
        abolished=False,
        province=parent.province,
        prefecture=parent.name if parent.level == "prefecture" else None,
    )
