"""Synthetic, realistic demo data: providing units and their import files.

Pure and repeatable: the output depends only on ``records``, ``seed`` and ``today`` (never the real date),
touches no database and needs no network.  Files are produced lazily: a :class:`DemoFile` holds a row
factory, so ten million rows never sit in memory (``iter_rows`` / ``write_csv`` stream them).

What is generated
-----------------
* :func:`demo_units` — ten Shanghai units (operator, supervisor, administrative and judicial organs, a
  credit service establishment) with valid Unified Social Credit Codes (GB 32100 outer check and the
  embedded GB 11714 organization code check).  The names are real bodies; **the codes are synthetic**.
* :func:`generate` — exactly ``records`` rows spread over one file per (unit, format): ``CF`` (national
  administrative penalty format), ``XK`` (national licensing format) or ``general`` (the platform's own
  columns, for the other catalog items).  About five records per subject; ~85 % organizations (valid
  ``91…``, some ``92…`` 个体工商户, ``93…`` cooperatives, ``12…`` institutions, ``52…`` private
  non-enterprise units), ~15 % natural persons (valid GB 11643 numbers, Shanghai region codes including the
  abolished 310103/310108/310119, adult on every date generated for them).

Conventions of the generated files
----------------------------------
* Dates are ISO 8601.  Decision dates lie in the seven years ending on ``today``; conduct dates and
  ``ended_on`` never follow the decision date.  ``ended_on`` empty means "the decision date" for one-off
  acts and "not ended" for continuing conduct (``arrears``, ``judgment-default``).
* ``CF_NR_FK`` / ``CF_NR_WFFF`` are in 万元 (2,000 yuan is ``0.2``); ``amount_yuan`` is in yuan.
* Several penalty categories in ``CF_CFLB`` are joined with ``、``.
* A row's identity (unit, catalog item, document number, subject) is unique; document numbers are in fact
  unique per (unit, catalog item).
* The legal texts cite real national laws, but facts, amounts and documents are invented.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
import math
import random
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import mul
from datetime import date
from pathlib import Path

from stdnum.cn import uscc as _stdnum_uscc

from . import names as N

__all__ = [
    "DemoUnit",
    "DemoFile",
    "ITEM_MIX",
    "CF_COLUMNS",
    "XK_COLUMNS",
    "GENERAL_COLUMNS",
    "demo_units",
    "generate",
    "iter_rows",
    "write_csv",
    "org_code_check",
    "uscc_check",
    "ric_check",
]

# --------------------------------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


_ORG_VALUE = {c: (int(c) if c.isdigit() else ord(c) - 55) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def org_code_check(code8: str) -> str:
    """GB 11714 check character for an 8-character organization code body (A=10 … Z=35;
    check = 11 - (sum mod 11), 10 -> X, 11 -> 0)."""
    total = sum(map(mul, map(_ORG_VALUE.__getitem__, code8), _ORG_WEIGHTS))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check(body17: str) -> str:
    """GB 32100 check character (same result as ``stdnum.cn.uscc.calc_check_digit``, without its
    normalisation overhead)."""
    total = sum(map(mul, map(_USCC_VALUE.__getitem__, body17), _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total) % 31]


def ric_check(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a resident identity number (same as stdnum's)."""
    checksum = (1 - 2 * int(body17, 13)) % 11
    return "X" if checksum == 10 else str(checksum)


def _make_uscc(prefix2: str, region: str, org8: str) -> str:
    org9 = org8 + org_code_check(org8)
    body = prefix2 + region + org9
    return body + uscc_check(body)


def _unit_uscc(prefix2: str, region: str, org8: str) -> str:
    # The units' codes use stdnum's own function, as the reference implementation.
    org9 = org8 + org_code_check(org8)
    body = prefix2 + region + org9
    return body + _stdnum_uscc.calc_check_digit(body)


# --------------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUnit:
    name: str
    kind: str  # administrative | judicial | public-enterprise | public-institution | credit-service | enterprise | operator | supervisor
    uscc: str
    provides: tuple[str, ...]  # catalog item codes this unit provides
    inquires: tuple[str, ...]  # catalog item codes on its published inquiry list (Art. 17.2)
    purposes: tuple[str, ...]  # Art. 28 purpose codes for which it inquires
    short: str = ""  # short slug, used in file names
    region: str = "310000"


_ORGAN_INQUIRY = ("penalty", "judgment-default", "arrears", "false-materials", "market-ban")

# (name, kind, prefix2, region, org8, provides, inquires, purposes, short)
_UNIT_SPECS: tuple[tuple, ...] = (
    ("上海市公共信用信息服务中心", "operator", "12", "310000", "42500317", (), (), (), "center"),
    # the supervisor (社会信用管理部门) publishes no inquiry list: only administrative organs do (Art. 17.2)
    ("上海市发展和改革委员会", "supervisor", "11", "310000", "00248301", (), (), (), "ndrc"),
    ("上海市市场监督管理局", "administrative", "11", "310000", "MB2F0001",
     ("penalty", "licence", "market-ban", "commendation"),
     _ORGAN_INQUIRY + ("licence",),
     ("permit", "inspection", "spot-check", "large-penalty", "commendation", "routine"), "samr"),
    ("国家税务总局上海市税务局", "administrative", "11", "310000", "MB2F1207",
     ("arrears", "false-materials", "commendation"),
     _ORGAN_INQUIRY,
     ("inspection", "large-penalty", "commendation", "routine"), "tax"),
    ("上海市人力资源和社会保障局", "administrative", "11", "310000", "00248352",
     ("arrears", "licence"),
     _ORGAN_INQUIRY + ("licence",),
     ("permit", "recruitment", "appointment", "promotion", "residence-permit", "household-registration",
      "commendation"), "hrss"),
    ("上海市浦东新区市场监督管理局", "administrative", "11", "310115", "MB2F3316",
     ("penalty", "licence"),
     ("penalty", "licence", "market-ban", "judgment-default"),
     ("permit", "inspection", "spot-check", "large-penalty"), "pdsamr"),
    ("上海市高级人民法院", "judicial", "11", "310000", "00242709",
     ("judgment-default",), (), (), "court"),
    ("上海市住房和城乡建设管理委员会", "administrative", "11", "310000", "MB2F0447",
     ("licence", "penalty", "commitment"),
     _ORGAN_INQUIRY + ("licence", "commitment"),
     ("permit", "tendering", "project-support", "inspection", "spot-check"), "housing"),
    ("上海浦信信用评估有限公司", "credit-service", "91", "310115", "MA1K7R3Q", (), (), (), "pucredit"),
    ("上海市财政局", "administrative", "11", "310000", "00248262",
     (), _ORGAN_INQUIRY, ("procurement", "funding", "project-support"), "finance"),
)


def demo_units() -> list[DemoUnit]:
    """The demo's units, in a fixed order.  Names are real Shanghai bodies; the USCCs are synthetic."""
    return [
        DemoUnit(name=name, kind=kind, uscc=_unit_uscc(p2, region, org8), provides=provides,
                 inquires=inquires, purposes=purposes, short=short, region=region)
        for name, kind, p2, region, org8, provides, inquires, purposes, short in _UNIT_SPECS
    ]


# --------------------------------------------------------------------------------------------------
# Catalog mix and formats
# --------------------------------------------------------------------------------------------------

ITEM_MIX: dict[str, float] = {
    "licence": 0.45,
    "penalty": 0.30,
    "arrears": 0.08,
    "judgment-default": 0.05,
    "commendation": 0.04,
    "commitment": 0.04,
    "false-materials": 0.02,
    "market-ban": 0.02,
}
ITEM_FORMAT = {"penalty": "CF", "licence": "XK"}  # everything else: "general"

# share of each item among its providing units (by unit short name)
_PROVIDER_SHARE: dict[str, tuple[tuple[str, float], ...]] = {
    "licence": (("samr", 0.40), ("pdsamr", 0.30), ("housing", 0.20), ("hrss", 0.10)),
    "penalty": (("samr", 0.45), ("pdsamr", 0.35), ("housing", 0.20)),
    "arrears": (("tax", 0.75), ("hrss", 0.25)),
    "judgment-default": (("court", 1.0),),
    "commendation": (("samr", 0.5), ("tax", 0.5)),
    "commitment": (("housing", 1.0),),
    "false-materials": (("tax", 1.0),),
    "market-ban": (("samr", 1.0),),
}

CF_COLUMNS: tuple[str, ...] = (
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_FRDB", "CF_WSH", "CF_WFXW",
    "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_NR_WFFF", "CF_JDRQ", "CF_CFJG", "CF_CFJGDM",
    "CF_SJLY", "CF_SJLYDM", "BZ", "catalog_item", "procedure", "slight", "severity", "ended_on",
)
XK_COLUMNS: tuple[str, ...] = (
    "XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_XDR_ZJLX", "XK_XDR_ZJHM", "XK_FRDB", "XK_XKWS", "XK_WSH",
    "XK_XKLB", "XK_XKZS", "XK_XKBH", "XK_NR", "XK_JDRQ", "XK_YXQZ", "XK_YXQZI", "XK_XKJG", "XK_XKJGDM",
    "XK_ZT", "XK_LYDW", "XK_LYDWDM", "BZ", "catalog_item",
)
GENERAL_COLUMNS: tuple[str, ...] = (
    "catalog_item", "subject_name", "subject_class", "subject_id", "doc_no", "doc_name", "doc_date", "doc_org",
    "conduct_date", "ended_on", "legal_basis", "facts", "category", "content", "amount_yuan", "valid_from",
    "valid_until", "remarks",
)
_COLUMNS = {"CF": CF_COLUMNS, "XK": XK_COLUMNS, "general": GENERAL_COLUMNS}

CLASS_ORG = "法人及非法人组织"
CLASS_PERSON = "自然人"
CLASS_SOLE = "个体工商户"


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFile:
    unit_uscc: str
    filename: str
    fmt: str  # "CF" | "XK" | "general"
    columns: tuple[str, ...]
    count: int  # number of rows
    items: tuple[tuple[str, int], ...]  # (catalog item, rows) in this file
    factory: Callable[[], Iterator[dict[str, str]]] = field(repr=False, compare=False)

    def iter_rows(self) -> Iterator[dict[str, str]]:
        """A fresh iterator over the rows (regenerated each time, identical every time)."""
        return self.factory()

    @property
    def rows(self) -> list[dict[str, str]]:
        """All rows as a list — fine for small files; use :meth:`iter_rows` for big ones."""
        return list(self.factory())


def iter_rows(file: DemoFile) -> Iterator[dict[str, str]]:
    """Stream a file's rows without materialising them."""
    return file.factory()


def write_csv(file: DemoFile, path: Path) -> None:
    """Write the file as UTF-8 CSV (no BOM), header = ``file.columns``; streams the rows."""
    cols = file.columns
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        w.writerows([r[c] for c in cols] for r in file.factory())


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------


def _minus_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _plus_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


_WINDOW_YEARS = 7  # decision dates spread over the 7 years before today


def _iso(ordinal: int, _cache: dict[int, str] = {}) -> str:  # noqa: B006 - deliberate memo
    s = _cache.get(ordinal)
    if s is None:
        s = date.fromordinal(ordinal).isoformat()
        if len(_cache) < 200_000:
            _cache[ordinal] = s
    return s


def _cn(ordinal: int) -> str:
    d = date.fromordinal(ordinal)
    return f"{d.year}年{d.month}月{d.day}日"


# --------------------------------------------------------------------------------------------------
# Subjects: derived from their index by integer hashing (no per-subject state, O(1) each)
# --------------------------------------------------------------------------------------------------

_M64 = (1 << 64) - 1
_SUBJECT_CACHE = 250_000  # built subjects kept (~100 MB at most); beyond, they are rebuilt on demand


def _mix(x: int) -> int:
    """splitmix64 finaliser."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _coprime_multiplier(modulus: int, start: int) -> int:
    a = start % modulus or 1
    while math.gcd(a, modulus) != 1:
        a += 1
    return a


# subject class codes
P_PERSON, P_91, P_92, P_93, P_12, P_52 = range(6)
_CLASS_THRESHOLDS = ((150, P_PERSON), (850, P_91), (930, P_92), (950, P_93), (980, P_12), (1000, P_52))
_SECTORS_91 = sorted({s for _, s in N.INDUSTRIES})
_INDUSTRIES_BY_SECTOR = {s: [w for w, t in N.INDUSTRIES if t == s] for s in _SECTORS_91}
# sector weights for companies (per mille, cumulative below)
_SECTOR_WEIGHTS = {"food": 20, "trade": 18, "tech": 14, "construction": 12, "realestate": 8,
                   "manufacturing": 9, "logistics": 6, "service": 9, "health": 4}
_SECTOR_TABLE: list[str] = [s for s in _SECTORS_91 for _ in range(_SECTOR_WEIGHTS[s])]
_SECTOR_NAMES: tuple[str, ...] = (*_SECTORS_91, "agri", "public")
_SECTOR_INDEX = {name: i for i, name in enumerate(_SECTOR_NAMES)}
_LOCAL_REGION = "310115"  # the one district-level providing unit in the demo is Pudong's


@dataclass(frozen=True, slots=True)
class _Subject:
    cls: int
    sector: str
    name: str
    lb: str  # CF_XDR_LB class
    uscc: str
    ric: str
    rep: str  # legal representative / operator
    adult_ord: int  # first day on which a natural person is 18 (0 for organizations)

    @property
    def ident(self) -> str:
        return self.uscc or self.ric


class _Subjects:
    """Subject ``j`` (0 ≤ j < count) as a pure function of (seed, j)."""

    def __init__(self, seed: int, count: int, today: date) -> None:
        self.count = count
        self.key = _mix(seed * 0x5851F42D4C957F2D + 0x14057B7EF767814F)
        # organization codes: a permutation of [0, 10^8) keeps them unique
        self.org_mod = 10**8
        self.org_a = _coprime_multiplier(self.org_mod, (self.key >> 7) | 1)
        self.org_b = _mix(self.key + 1) % self.org_mod
        # resident identity numbers: a permutation of [0, ric_mod) mapped onto "cells" (region, birth
        # range, sequence range) laid end to end: a bijection, so no two persons share a number.  Births
        # 1950-2000 (2001-2009 for 南汇区, which existed only then), and at least 19 years before today:
        # every person can be an adult on the dates generated for them (those dates never precede the
        # 18th birthday, see _FileContext.decision_date).
        latest = _minus_years(today, 19).toordinal()
        lo_all = min(date(1950, 1, 1).toordinal(), latest - 30 * 365)
        cells: list[tuple[int, str, int, int, int]] = []  # (offset, region, first birth, days, sequences)
        offset = 0
        for region, weight, first_year, last_year in N.RIC_REGIONS:
            if first_year > 2000:
                lo, hi = date(first_year, 1, 1).toordinal(), date(last_year, 12, 31).toordinal()
            else:
                lo = max(lo_all, date(max(first_year, 1), 1, 1).toordinal())
                hi = min(date(min(last_year, 2000), 12, 31).toordinal(), date(2000, 12, 31).toordinal())
            hi = min(hi, latest)
            if hi < lo:
                continue
            seqs = 40 * weight  # sequence codes 001 … 40*weight (≤ 999)
            cells.append((offset, region, lo, hi - lo + 1, seqs))
            offset += (hi - lo + 1) * seqs
        if not cells:  # only for a `today` before 1930: any old region code
            lo = latest - 30 * 365
            cells.append((0, "310101", lo, latest - lo + 1, 999))
            offset = (latest - lo + 1) * 999
        self.ric_cells = cells
        self.ric_offsets = [c[0] for c in cells]
        self.ric_mod = offset
        self.ric_a = _coprime_multiplier(self.ric_mod, (self.key >> 11) | 1)
        self.ric_b = _mix(self.key + 2) % self.ric_mod
        self._cache: dict[int, _Subject] = {}
        self._codes: bytearray | None = None

    def kind(self, j: int) -> tuple[int, int]:
        """(class code, hash) of subject j — cheap, used to pick suitable subjects."""
        h = _mix(self.key ^ (j * 0x9E3779B97F4A7C15 & _M64))
        r = h % 1000
        for limit, cls in _CLASS_THRESHOLDS:
            if r < limit:
                return cls, h
        raise AssertionError  # pragma: no cover

    def sector(self, j: int) -> tuple[int, str, int]:
        cls, h = self.kind(j)
        if cls == P_91:
            sector = _SECTOR_TABLE[(h >> 10) % len(_SECTOR_TABLE)]
        elif cls == P_92:
            sector = N.SHOPS[(h >> 10) % len(N.SHOPS)][1]
        elif cls == P_93:
            sector = "agri"
        elif cls in (P_12, P_52):
            sector = "public"
        else:
            sector = "person"
        return cls, sector, h

    @staticmethod
    def org_region(cls: int, h: int) -> str:
        """Registration region of a 91/92 subject, from its kind hash (as used by ``_build``)."""
        region = N.ORG_REGIONS[(h >> 20) % len(N.ORG_REGIONS)]
        return "310115" if cls == P_92 and region == "310000" else region

    # -- selection tables ------------------------------------------------------------------------
    # One byte per subject: bits 4-6 the class, bits 0-3 the sector (for natural persons: a
    # pseudo-random decile, used to keep them a minority where they are rare), bit 7 set when a
    # 91/92 subject is registered in Pudong (the district unit's own subjects).

    def codes(self) -> bytearray:
        if self._codes is None:
            codes = bytearray(self.count)
            sector_index = _SECTOR_INDEX
            for j in range(self.count):
                cls, sector, h = self.sector(j)
                if cls == P_PERSON:
                    c = (h >> 33) % 10
                else:
                    c = (cls << 4) | sector_index[sector]
                    if cls in (P_91, P_92) and self.org_region(cls, h) == _LOCAL_REGION:
                        c |= 0x80
                codes[j] = c
            self._codes = codes
        return self._codes

    def candidates(self, unit: DemoUnit, item: str) -> array:
        """Indices of the subjects suitable for (unit, item) — e.g. construction firms for the housing
        commission's licences; never empty (falls back to every subject)."""
        key = (unit.short, item)
        classes = _CLASSES.get(key)
        if classes is None:
            return array("l", range(self.count))
        sectors = _SECTORS.get(key)
        person_weight = _PERSON_WEIGHT.get(key, 1.0)
        person_deciles = min(10, round(10 * person_weight))
        local = unit.region != "310000"
        table = bytearray(256)
        for c in range(256):
            cls, nib, is_local = (c >> 4) & 7, c & 15, c >> 7
            if cls not in classes or cls > P_52:
                continue
            if cls == P_PERSON:
                ok = nib < person_deciles and not is_local
            else:
                ok = nib < len(_SECTOR_NAMES)
                if ok and cls == P_91 and sectors is not None:
                    ok = _SECTOR_NAMES[nib] in sectors
                if ok and local and cls in (P_91, P_92):
                    ok = bool(is_local)
            table[c] = ok
        marks = bytes(self.codes()).translate(bytes(table))
        found = array("l", (m.start() for m in re.finditer(b"\x01", marks)))
        if person_weight > 1 and found:
            persons = array("l", (m.start() for m in re.finditer(b"[\x00-\x09]", self.codes())))
            for _ in range(round(person_weight) - 1):
                found.extend(persons)
        if not found:  # tiny populations: relax to the classes alone, then to anyone
            found = array("l", (j for j in range(self.count) if self.kind(j)[0] in classes)) or array(
                "l", range(self.count))
        return found

    def get(self, j: int) -> _Subject:
        s = self._cache.get(j)
        if s is not None:
            return s
        s = self._build(j)
        if len(self._cache) >= _SUBJECT_CACHE:
            self._cache.clear()
        self._cache[j] = s
        return s

    def _person_name(self, h: int) -> str:
        sur = N.SURNAMES[h % len(N.SURNAMES)]
        h //= len(N.SURNAMES)
        g = N.GIVEN_CHARS
        first = g[h % len(g)]
        h //= len(g)
        if h % 3:  # two-character given name two times in three
            return sur + first + g[(h // 3) % len(g)]
        return sur + first

    def _build(self, j: int) -> _Subject:
        cls, sector, h = self.sector(j)
        h2 = _mix(h)
        if cls == P_PERSON:
            p = (self.ric_a * j + self.ric_b) % self.ric_mod
            offset, region, first, _days, seqs = self.ric_cells[bisect_right(self.ric_offsets, p) - 1]
            day, seq = divmod(p - offset, seqs)
            birth = first + day
            d = date.fromordinal(birth)
            body = f"{region}{d.year:04d}{d.month:02d}{d.day:02d}{seq + 1:03d}"
            ric = body + ric_check(body)
            adult = _plus_years(d, 18).toordinal()
            return _Subject(cls, sector, self._person_name(h2), CLASS_PERSON, "", ric, "", adult)

        t = (self.org_a * j + self.org_b) % self.org_mod
        rep = self._person_name(h2 >> 20)
        if cls == P_91:
            ind = _INDUSTRIES_BY_SECTOR[sector]
            word = ind[(h2 >> 3) % len(ind)]
            trade = N.TRADE_CHARS[(h2 >> 9) % len(N.TRADE_CHARS)] + N.TRADE_CHARS[(h2 >> 16) % len(N.TRADE_CHARS)]
            form = N.COMPANY_FORMS[(h2 >> 40) % len(N.COMPANY_FORMS)]
            region = self.org_region(cls, h)
            style = (h2 >> 48) % 10
            if style == 0 and region != "310000":
                name = f"上海{N.DISTRICT_NAME[region][:2]}{trade}{word}{form}"
            elif style == 1:
                name = f"{trade}（上海）{word}{form}"
            else:
                name = f"上海{trade}{word}{form}"
            org8 = "MA" + _base31(t, 6) if (h2 >> 56) % 10 < 6 else f"{t:08d}"
            return _Subject(cls, sector, name, CLASS_ORG, _make_uscc("91", region, org8), "", rep, 0)
        if cls == P_92:
            region = self.org_region(cls, h)
            shop = N.SHOPS[(h >> 10) % len(N.SHOPS)][0]
            if (h2 >> 8) % 2:
                trade = N.SHOP_OWNER_PREFIX[(h2 >> 9) % 3] + N.GIVEN_CHARS[(h2 >> 12) % len(N.GIVEN_CHARS)]
            else:
                trade = N.TRADE_CHARS[(h2 >> 9) % len(N.TRADE_CHARS)] + N.TRADE_CHARS[(h2 >> 16) % len(N.TRADE_CHARS)]
            name = f"{N.DISTRICT_NAME[region]}{trade}{shop}"
            return _Subject(cls, sector, name, CLASS_SOLE, _make_uscc("92", region, "MA" + _base31(t, 6)), "",
                            rep, 0)
        if cls == P_93:
            region = N.AGRI_REGIONS[(h >> 20) % len(N.AGRI_REGIONS)]
            town = N.COOP_TOWNS[(h2 >> 4) % len(N.COOP_TOWNS)]
            prod = N.COOP_PRODUCTS[(h2 >> 9) % len(N.COOP_PRODUCTS)]
            name = f"上海{town}{prod}专业合作社"
            return _Subject(cls, sector, name, CLASS_ORG, _make_uscc("93", region, "MA" + _base31(t, 6)), "",
                            rep, 0)
        region = N.ORG_REGIONS[(h >> 20) % len(N.ORG_REGIONS)]
        if region == "310000":
            region = "310104"
        district = N.DISTRICT_NAME[region]
        if cls == P_12:
            tpl = N.INSTITUTIONS[(h2 >> 4) % len(N.INSTITUTIONS)]
            name = "上海市" + district + tpl.format(n=N.CN_NUMERALS[(h2 >> 9) % len(N.CN_NUMERALS)])
            return _Subject(cls, sector, name, CLASS_ORG, _make_uscc("12", region, f"{t:08d}"), "", rep, 0)
        trade = N.TRADE_CHARS[(h2 >> 9) % len(N.TRADE_CHARS)] + N.TRADE_CHARS[(h2 >> 16) % len(N.TRADE_CHARS)]
        name = f"上海市{district}{trade}{N.NONPROFITS[(h2 >> 4) % len(N.NONPROFITS)]}"
        return _Subject(cls, sector, name, CLASS_ORG, _make_uscc("52", region, "MJ" + _base31(t, 6)), "", rep, 0)


def _base31(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 31)
        out.append(_USCC_ALPHABET[r])
    return "".join(reversed(out))


# --------------------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------------------

# Penalty scenarios: (sectors or None for any, 违法行为类型, facts template, legal basis, categories,
#                     fine range in yuan (lo, hi) or None, confiscation probability)
_PENALTY_SAMR: tuple[tuple, ...] = (
    (("food",), "违反食品安全管理规定",
     "经查，当事人于{d}在其经营场所销售超过保质期的{food}，货值金额{v}元，违反了《中华人民共和国食品安全法》第三十四条第（十）项的规定。",
     "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项", ("罚款", "没收违法所得"), (50_000, 100_000), 0.8),
    (("food",), "未取得许可从事食品经营",
     "经查，当事人未取得食品经营许可，自{d}起在其经营场所从事{food}销售活动，违反了《中华人民共和国食品安全法》第三十五条第一款的规定。",
     "《中华人民共和国食品安全法》第一百二十二条第一款", ("罚款", "没收违法所得"), (50_000, 100_000), 0.9),
    (("food",), "违反食品安全管理规定",
     "经查，当事人于{d}采购{food}时未按规定查验供货者的许可证和食品出厂检验合格证，违反了《中华人民共和国食品安全法》第五十三条第一款的规定，且经责令改正后拒不改正。",
     "《中华人民共和国食品安全法》第一百二十六条第一款第（三）项", ("警告", "罚款"), (5_000, 50_000), 0.0),
    (("food",), "违反食品安全管理规定",
     "经查，当事人于{d}安排未取得健康证明的人员从事接触直接入口食品的工作，违反了《中华人民共和国食品安全法》第四十五条第一款的规定，且经责令改正后拒不改正。",
     "《中华人民共和国食品安全法》第一百二十六条第一款第（六）项", ("警告", "罚款"), (5_000, 50_000), 0.0),
    (None, "发布虚假广告",
     "经查，当事人自{d}起在其网店页面发布含有虚假内容的{goods}广告，广告费用{v}元，违反了《中华人民共和国广告法》第二十八条的规定。",
     "《中华人民共和国广告法》第五十五条第一款", ("罚款",), (20_000, 200_000), 0.0),
    (None, "违反广告管理规定",
     "经查，当事人于{d}在其微信公众号发布的{goods}广告中使用“国家级”“最佳”等用语，违反了《中华人民共和国广告法》第九条第（三）项的规定。",
     "《中华人民共和国广告法》第五十七条第（一）项", ("罚款",), (200_000, 300_000), 0.0),
    (("trade", "food"), "违反价格管理规定",
     "经查，当事人于{d}在其经营场所销售{goods}未按规定明码标价，违反了《中华人民共和国价格法》第十三条第一款的规定。",
     "《中华人民共和国价格法》第四十二条", ("警告", "罚款"), (1_000, 5_000), 0.0),
    (("trade", "manufacturing"), "销售不合格产品",
     "经查，当事人于{d}销售经抽检不合格的{goods}，货值金额{v}元，违反了《中华人民共和国产品质量法》第三十九条的规定。",
     "《中华人民共和国产品质量法》第五十条", ("罚款", "没收违法所得"), (5_000, 150_000), 0.7),
    (("trade",), "侵犯注册商标专用权",
     "经查，当事人于{d}销售侵犯“{brand}”注册商标专用权的{goods}，违法经营额{v}元，违反了《中华人民共和国商标法》第五十七条第（三）项的规定。",
     "《中华人民共和国商标法》第六十条第二款", ("罚款", "没收、销毁侵权商品"), (10_000, 250_000), 0.0),
    (None, "提交虚假材料取得登记",
     "经查，当事人于{d}申请变更登记时提交虚假的住所使用证明，违反了《中华人民共和国市场主体登记管理条例》第十七条的规定。",
     "《中华人民共和国市场主体登记管理条例》第四十四条", ("罚款",), (50_000, 200_000), 0.0),
    (("manufacturing", "realestate", "logistics"), "违反特种设备安全管理规定",
     "经查，当事人于{d}使用未经定期检验的电梯（叉车）等特种设备，违反了《中华人民共和国特种设备安全法》第四十条第三款的规定。",
     "《中华人民共和国特种设备安全法》第八十四条第（一）项", ("罚款",), (30_000, 300_000), 0.0),
)
_PENALTY_SAMR_PERSON: tuple[tuple, ...] = (
    (None, "无照经营",
     "经查，当事人未依法取得营业执照，自{d}起在本市{district}某路段从事{food}销售经营活动，违反了《无证无照经营查处办法》第二条的规定。",
     "《无证无照经营查处办法》第十三条", ("罚款", "没收违法所得"), (1_000, 10_000), 0.8),
    (None, "未取得许可从事食品经营",
     "经查，当事人未取得食品经营许可，自{d}起通过网络平台从事{food}销售活动，违反了《中华人民共和国食品安全法》第三十五条第一款的规定。",
     "《中华人民共和国食品安全法》第一百二十二条第一款", ("罚款", "没收违法所得"), (50_000, 100_000), 0.9),
)
_PENALTY_HOUSING: tuple[tuple, ...] = (
    (None, "未取得施工许可证擅自施工",
     "经查，当事人作为建设单位，在{district}某项目未取得施工许可证的情况下，于{d}擅自开工建设，违反了《中华人民共和国建筑法》第七条的规定。",
     "《中华人民共和国建筑法》第六十四条；《建筑工程施工许可管理办法》第十二条", ("罚款",), (20_000, 400_000), 0.0),
    (None, "违反工程质量管理规定",
     "经查，当事人在承建的{district}某项目施工中，于{d}未按照工程设计图纸和施工技术标准施工，违反了《建设工程质量管理条例》第二十八条第一款的规定。",
     "《建设工程质量管理条例》第六十四条", ("罚款",), (50_000, 500_000), 0.0),
    (None, "违反安全生产管理规定",
     "经查，当事人于{d}在{district}某工地未按规定对危险性较大的分部分项工程编制专项施工方案，违反了《建设工程安全生产管理条例》第二十六条的规定。",
     "《建设工程安全生产管理条例》第六十五条第（四）项", ("罚款",), (100_000, 300_000), 0.0),
    (None, "违反房地产经纪管理规定",
     "经查，当事人于{d}在从事房地产经纪业务时未按规定公示服务项目、服务内容和收费标准，违反了《房地产经纪管理办法》第二十一条的规定。",
     "《房地产经纪管理办法》第三十四条", ("罚款",), (10_000, 30_000), 0.0),
)
_FOODS = N.FOOD_PRODUCTS
_GOODS = N.GOODS

# Licence kinds: (unit short, sectors or None, XK_XKWS, XK_XKLB, XK_XKZS, number prefix, content, years valid or 0)
_LICENCES: dict[str, tuple[tuple, ...]] = {
    "samr": (
        (("food",), "准予行政许可决定书", "普通", "食品经营许可证", "JY", "食品经营许可：预包装食品（含冷藏冷冻食品）销售；热食类食品制售", 5),
        (None, "准予设立登记通知书", "登记", "营业执照", "USCC", "企业设立登记", 0),
        (("manufacturing",), "准予行政许可决定书", "普通", "全国工业产品生产许可证", "(沪)XK", "工业产品生产许可：电线电缆", 5),
    ),
    "pdsamr": (
        (("food",), "准予行政许可决定书", "普通", "食品经营许可证", "JY", "食品经营许可：预包装食品销售；散装食品销售", 5),
        (None, "准予设立登记通知书", "登记", "营业执照", "USCC", "市场主体设立登记", 0),
    ),
    "hrss": (
        (("service",), "准予行政许可决定书", "普通", "劳务派遣经营许可证", "沪人社派许字第", "劳务派遣经营许可", 3),
        (("service",), "准予行政许可决定书", "普通", "人力资源服务许可证", "沪人社服许字第", "职业中介活动许可", 0),
    ),
    "housing": (
        (("construction",), "准予行政许可决定书", "认可", "建筑业企业资质证书", "D231", "建筑工程施工总承包贰级", 5),
        (("construction", "realestate"), "准予行政许可决定书", "普通", "建筑工程施工许可证", "310", "建筑工程施工许可", 1),
        (("realestate",), "准予行政许可决定书", "核准", "房地产开发企业资质证书", "沪房开", "房地产开发企业资质：二级", 3),
        (("realestate",), "准予行政许可决定书", "普通", "商品房预售许可证", "沪房预许", "商品房预售许可", 2),
    ),
}

# document number prefixes: (unit short, item) -> format with {y} and {n}
_DOC_NO: dict[tuple[str, str], str] = {
    ("samr", "penalty"): "沪市监总处〔{y}〕32{y}{n:06d}号",
    ("pdsamr", "penalty"): "沪市监浦处〔{y}〕15{y}{n:06d}号",
    ("housing", "penalty"): "沪建罚〔{y}〕{n:06d}号",
    ("samr", "licence"): "沪市监许〔{y}〕{n:06d}号",
    ("pdsamr", "licence"): "沪市监浦许〔{y}〕{n:06d}号",
    ("hrss", "licence"): "沪人社许〔{y}〕{n:06d}号",
    ("housing", "licence"): "沪建许〔{y}〕{n:06d}号",
    ("tax", "arrears"): "沪税欠公〔{y}〕{n:06d}号",
    ("hrss", "arrears"): "沪人社监〔{y}〕{n:06d}号",
    ("tax", "false-materials"): "沪税稽罚〔{y}〕{n:06d}号",
    ("samr", "market-ban"): "沪市监禁〔{y}〕{n:06d}号",
    ("samr", "commendation"): "沪市监信〔{y}〕{n:06d}号",
    ("tax", "commendation"): "沪税信A〔{y}〕{n:06d}号",
}

# Courts whose decisions the High Court aggregates: (case-number code, name)
_COURTS: tuple[tuple[str, str], ...] = (
    ("沪0115", "上海市浦东新区人民法院"), ("沪0115", "上海市浦东新区人民法院"), ("沪0112", "上海市闵行区人民法院"),
    ("沪0101", "上海市黄浦区人民法院"), ("沪0104", "上海市徐汇区人民法院"), ("沪0105", "上海市长宁区人民法院"),
    ("沪0106", "上海市静安区人民法院"), ("沪0107", "上海市普陀区人民法院"), ("沪0109", "上海市虹口区人民法院"),
    ("沪0110", "上海市杨浦区人民法院"), ("沪0113", "上海市宝山区人民法院"), ("沪0114", "上海市嘉定区人民法院"),
    ("沪0116", "上海市金山区人民法院"), ("沪0117", "上海市松江区人民法院"), ("沪0118", "上海市青浦区人民法院"),
    ("沪0120", "上海市奉贤区人民法院"), ("沪0151", "上海市崇明区人民法院"), ("沪01", "上海市第一中级人民法院"),
    ("沪02", "上海市第二中级人民法院"), ("沪03", "上海市第三中级人民法院"),
)

# (type, reason) of credit commitments (domain.md §4)
_COMMITMENTS: tuple[tuple[str, str], ...] = (
    ("审批替代型", "申请建筑工程施工许可，以告知承诺替代部分审批材料"),
    ("审批替代型", "申请建筑业企业资质，对技术负责人业绩情况作出告知承诺"),
    ("容缺受理型", "申请建筑工程施工许可，对部分非关键材料作出容缺承诺"),
    ("证明事项型", "办理房地产开发企业资质延续，以承诺替代无违法违规证明"),
    ("信用修复型", "申请信用修复，承诺已纠正失信行为并依法履行相关义务"),
    ("行业自律型", "参与建设工程招标投标，作出诚信投标承诺"),
    ("主动型", "主动向社会作出守法诚信经营承诺"),
)
_FULFIL = ("已履约",) * 8 + ("部分履约", "未履约")

# Which subject classes / sectors each (unit, item) takes.  None = any sector.
_CLASSES: dict[tuple[str, str], frozenset[int]] = {
    ("samr", "penalty"): frozenset({P_PERSON, P_91, P_92, P_93, P_12, P_52}),
    ("pdsamr", "penalty"): frozenset({P_PERSON, P_91, P_92, P_12, P_52}),
    ("housing", "penalty"): frozenset({P_91}),
    ("samr", "licence"): frozenset({P_91, P_93}),
    ("pdsamr", "licence"): frozenset({P_91, P_92}),
    ("hrss", "licence"): frozenset({P_91}),
    ("housing", "licence"): frozenset({P_91}),
    ("tax", "arrears"): frozenset({P_91, P_92, P_93, P_52}),
    ("hrss", "arrears"): frozenset({P_91, P_92, P_52}),
    ("tax", "false-materials"): frozenset({P_91, P_92, P_PERSON}),
    ("court", "judgment-default"): frozenset({P_PERSON, P_91, P_92}),
    ("samr", "market-ban"): frozenset({P_PERSON, P_91}),
    ("samr", "commendation"): frozenset({P_91}),
    ("tax", "commendation"): frozenset({P_91}),
    ("housing", "commitment"): frozenset({P_91}),
}
# relative weight of natural persons among the subjects of an item (1 = their share of the population):
# below 1 they are thinned out (in tenths), above 1 they are drawn that many times more often
_PERSON_WEIGHT: dict[tuple[str, str], float] = {
    ("pdsamr", "penalty"): 0.3, ("tax", "false-materials"): 0.3,
    ("court", "judgment-default"): 4, ("samr", "market-ban"): 3,
}
_SECTORS: dict[tuple[str, str], frozenset[str] | None] = {
    ("housing", "penalty"): frozenset({"construction", "realestate"}),
    ("housing", "licence"): frozenset({"construction", "realestate"}),
    ("housing", "commitment"): frozenset({"construction", "realestate"}),
    ("hrss", "licence"): frozenset({"service"}),
}


def _wan(yuan: int) -> str:
    """Yuan to 万元 without trailing zeros: 2000 -> '0.2', 25000 -> '2.5', 30000 -> '3'."""
    whole, frac = divmod(yuan, 10_000)
    if not frac:
        return str(whole)
    return f"{whole}.{frac:04d}".rstrip("0")


def _yuan_text(yuan: int) -> str:
    return f"{_wan(yuan)}万元" if yuan >= 10_000 and yuan % 1000 == 0 else f"{yuan}元"


def _ri(rand: Callable[[], float], lo: int, hi: int) -> int:
    """Uniform integer in [lo, hi] (faster than ``Random.randint``; repeatable for a seed)."""
    return lo + int(rand() * (hi - lo + 1))


def _ch(rand: Callable[[], float], seq):  # noqa: ANN001, ANN202
    return seq[int(rand() * len(seq))]


def _fine(rand: Callable[[], float], lo: int, hi: int) -> int:
    step = 1000 if hi <= 50_000 else 5000
    return max(lo, (_ri(rand, lo, hi) // step) * step)


# --------------------------------------------------------------------------------------------------
# Row generators
# --------------------------------------------------------------------------------------------------


class _FileContext:
    """State shared by the rows of one file: rng, subject source, serial counters."""

    def __init__(self, unit: DemoUnit, fmt: str, seed: int, today: date, subjects: _Subjects) -> None:
        self.unit = unit
        self.rng = random.Random(f"xinyong-demo:{seed}:{unit.uscc}:{fmt}")
        self.rand = self.rng.random
        self._candidates: dict[str, array] = {}
        self.subjects = subjects
        self.today_ord = today.toordinal()
        self.window_lo = _minus_years(today, _WINDOW_YEARS).toordinal() + 1
        self.serial: dict[tuple, int] = {}

    def next_serial(self, key: tuple) -> int:
        n = self.serial.get(key, 0) + 1
        self.serial[key] = n
        return n

    def pick_subject(self, item: str) -> _Subject:
        cand = self._candidates.get(item)
        if cand is None:
            cand = self._candidates[item] = self.subjects.candidates(self.unit, item)
        return self.subjects.get(cand[int(self.rand() * len(cand))])

    def decision_date(self, subject: _Subject, min_gap: int = 0) -> int:
        lo = max(self.window_lo, subject.adult_ord + min_gap)
        hi = self.today_ord
        if lo > hi:  # cannot happen with the birth range chosen in _Subjects; kept as a guard
            lo = hi
        return _ri(self.rand, lo, hi)

    def conduct_date(self, subject: _Subject, decision: int, max_back: int) -> int:
        lo = max(decision - max_back, subject.adult_ord)
        return _ri(self.rand, min(lo, decision), decision)

    def doc_no(self, item: str, decision: int) -> str:
        y = date.fromordinal(decision).year
        n = self.next_serial((item, y))
        return _DOC_NO[(self.unit.short, item)].format(y=y, n=n)


def _cf_row(ctx: _FileContext) -> dict[str, str]:
    rng, unit = ctx.rng, ctx.unit
    rand = rng.random
    s = ctx.pick_subject("penalty")
    if unit.short == "housing":
        scen = _ch(rand, _PENALTY_HOUSING)
    elif s.cls == P_PERSON:
        scen = _ch(rand, _PENALTY_SAMR_PERSON)
    else:
        scen = None
        for _ in range(6):
            cand = _ch(rand, _PENALTY_SAMR)
            if cand[0] is None or s.sector in cand[0]:
                scen = cand
                break
        if scen is None:
            scen = _PENALTY_SAMR[4 + int(rand() * (2))]  # advertising: any sector
    _sectors, wfxw, sy, yj, cats, fine_range, p_confiscate = scen
    decision = ctx.decision_date(s)
    conduct = ctx.conduct_date(s, decision, 400)
    value = _ri(rand, 800, 30_000)
    district = unit.short == "pdsamr" and "浦东新区" or N.DISTRICTS[int(rand() * (len(N.DISTRICTS)))][1]
    facts = sy.format(d=_cn(conduct), food=_ch(rand, _FOODS), goods=_ch(rand, _GOODS), v=value,
                      brand=_ch(rand, N.BRANDS), district=district)
    # categories and content
    r = rand()
    fine = _fine(rand, *fine_range) if fine_range else 0
    confiscate = _ri(rand, 300, 20_000) if rand() < p_confiscate else 0
    if "警告" in cats and r < 0.3:
        cflb, nr, fine = "警告", "警告", 0
        confiscate = 0
    else:
        parts, labels = [], []
        if "警告" in cats:
            labels.append("警告")
            parts.append("警告")
        if confiscate:
            labels.append("没收违法所得")
            parts.append(f"没收违法所得人民币{confiscate}元")
        if "没收、销毁侵权商品" in cats:
            labels.append("没收非法财物")
            parts.append(f"没收、销毁侵权{_ch(rand, _GOODS)}{_ri(rand, 10, 500)}件")
        labels.append("罚款")
        parts.append(f"罚款人民币{_yuan_text(fine)}")
        cflb, nr = "、".join(labels), "，".join(parts)
    severity = "serious" if fine >= 200_000 or (fine >= 100_000 and rand() < 0.5) else "general"
    ended = ""
    if rand() < 0.10:
        ended = _iso(_ri(rand, conduct, max(conduct, decision - 1)))
    doc = ctx.doc_no("penalty", decision)
    person = s.cls == P_PERSON
    return {
        "CF_XDR_MC": s.name, "CF_XDR_LB": s.lb, "CF_XDR_SHXYM": s.uscc,
        "CF_XDR_ZJLX": "身份证" if person else "", "CF_XDR_ZJHM": s.ric,
        "CF_FRDB": s.rep, "CF_WSH": doc, "CF_WFXW": wfxw, "CF_SY": facts, "CF_YJ": yj,
        "CF_CFLB": cflb, "CF_NR": nr, "CF_NR_FK": _wan(fine) if fine else "",
        "CF_NR_WFFF": _wan(confiscate) if confiscate else "", "CF_JDRQ": _iso(decision),
        "CF_CFJG": unit.name, "CF_CFJGDM": unit.uscc, "CF_SJLY": unit.name, "CF_SJLYDM": unit.uscc, "BZ": "",
        "catalog_item": "penalty", "procedure": "ordinary", "slight": "false", "severity": severity,
        "ended_on": ended,
    }


def _xk_row(ctx: _FileContext) -> dict[str, str]:
    rng, unit = ctx.rng, ctx.unit
    rand = rng.random
    s = ctx.pick_subject("licence")
    kinds = _LICENCES[unit.short]
    fitting = [k for k in kinds if k[0] is None or s.sector in k[0]]
    if s.cls == P_92:
        fitting = [k for k in fitting if k[3] != "营业执照"] or fitting  # 个体: food licence or registration
    kind = _ch(rand, fitting or kinds)
    _sectors, xkws, xklb, xkzs, prefix, content, years = kind
    decision = ctx.decision_date(s)
    y = date.fromordinal(decision).year
    doc = ctx.doc_no("licence", decision)
    n = ctx.next_serial(("licence-no", xkzs))
    if prefix == "USCC":
        xkbh = s.uscc
    elif prefix == "JY":
        region = s.uscc[2:8] if s.uscc else "310115"
        body = f"{2 if s.cls == P_92 else 1}{region}{n:06d}"
        xkbh = f"JY{body}{sum(int(c) for c in body) % 10}"
    elif prefix == "310":
        xkbh = f"310{_ch(rand, ('101', '104', '112', '115', '117'))}{y}{date.fromordinal(decision).month:02d}{n:04d}0101"
    elif prefix.endswith("第"):
        xkbh = f"{prefix}{n:05d}号"
    else:
        xkbh = f"{prefix}{y % 100:02d}{n:06d}"
    valid_to = _iso(_plus_years(date.fromordinal(decision), years).toordinal() - 1) if years else "2099-12-31"
    return {
        "XK_XDR_MC": s.name, "XK_XDR_LB": s.lb, "XK_XDR_SHXYM": s.uscc,
        "XK_XDR_ZJLX": "身份证" if s.ric else "", "XK_XDR_ZJHM": s.ric,
        "XK_FRDB": s.rep, "XK_XKWS": xkws, "XK_WSH": doc, "XK_XKLB": xklb, "XK_XKZS": xkzs, "XK_XKBH": xkbh,
        "XK_NR": content, "XK_JDRQ": _iso(decision), "XK_YXQZ": _iso(decision), "XK_YXQZI": valid_to,
        "XK_XKJG": unit.name, "XK_XKJGDM": unit.uscc, "XK_ZT": "有效", "XK_LYDW": unit.name,
        "XK_LYDWDM": unit.uscc, "BZ": "", "catalog_item": "licence",
    }


def _general_row(ctx: _FileContext, item: str) -> dict[str, str]:
    rng, unit = ctx.rng, ctx.unit
    rand = rng.random
    s = ctx.pick_subject(item)
    decision = ctx.decision_date(s)
    doc_org = unit.name
    ended = ""
    amount = ""
    valid_from = valid_until = ""
    remarks = ""
    if item == "arrears":
        conduct = ctx.conduct_date(s, decision, 3 * 365)
        yuan = _ri(rand, 5_000, 2_000_000) if s.cls != P_92 else _ri(rand, 1_000, 50_000)
        cents = int(rand() * (100))
        amount = f"{yuan}.{cents:02d}"
        if unit.short == "tax":
            tax = _ch(rand, ("增值税", "企业所得税", "城市维护建设税", "个人所得税（代扣代缴）", "房产税", "印花税"))
            doc_name, category = "欠税公告", "欠缴税款"
            facts = f"截至{_cn(decision)}，该纳税人自{_cn(conduct)}起欠缴{tax}，经税务机关责令限期缴纳，逾期仍未缴纳。"
            basis = "《中华人民共和国税收征收管理法》第四十五条第三款；《欠税公告办法（试行）》第四条"
            content = f"欠缴{tax}人民币{amount}元"
        else:
            if rand() < 0.6:
                doc_name, category = "列入拖欠农民工工资失信联合惩戒对象名单决定书", "拖欠劳动报酬"
                facts = (f"经查，该单位自{_cn(conduct)}起拖欠{_ri(rand, 3, 120)}名劳动者工资，经劳动保障监察机构"
                         "责令限期支付后逾期仍未支付。")
                basis = "《保障农民工工资支付条例》第四十八条；《中华人民共和国劳动合同法》第八十五条"
                content = f"拖欠劳动报酬人民币{amount}元"
            else:
                doc_name, category = "社会保险费限期缴纳决定书", "欠缴社会保险费"
                facts = f"经查，该单位自{_cn(conduct)}起未足额缴纳职工社会保险费，经责令限期缴纳后逾期仍未缴纳。"
                basis = "《中华人民共和国社会保险法》第六十三条、第八十六条"
                content = f"欠缴社会保险费人民币{amount}元"
        if rand() < 0.30:
            ended = _iso(_ri(rand, conduct, decision))
        doc = ctx.doc_no(item, decision)
    elif item == "judgment-default":
        conduct = ctx.conduct_date(s, decision, 2 * 365)
        code, court = _ch(rand, _COURTS)
        y = date.fromordinal(decision).year
        n = ctx.next_serial(("court", code, y))
        doc = f"（{y}）{code}执{n + 100}号"
        doc_org = court
        doc_name, category = "失信决定书", "失信被执行人"
        yuan = _ri(rand, 2_000, 5_000_000)
        amount = str(yuan)
        ground = _ch(rand, (
            ("有履行能力而拒不履行生效法律文书确定义务", "第一条第（一）项"),
            ("违反财产报告制度", "第一条第（五）项"),
            ("违反限制消费令", "第一条第（六）项"),
            ("以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行", "第一条第（三）项"),
        ))
        facts = f"被执行人{s.name}于{_cn(conduct)}起{ground[0]}。"
        basis = f"《最高人民法院关于公布失信被执行人名单信息的若干规定》{ground[1]}；《中华人民共和国民事诉讼法》"
        content = f"执行标的：人民币{yuan}元；履行情况：全部未履行"
        if rand() < 0.30:
            ended_ord = _ri(rand, conduct, decision)
            ended = _iso(ended_ord)
            content = f"执行标的：人民币{yuan}元；履行情况：已于{_cn(ended_ord)}全部履行"
    elif item == "false-materials":
        conduct = ctx.conduct_date(s, decision, 2 * 365)
        doc = ctx.doc_no(item, decision)
        doc_name, category = "税务行政处罚决定书", "提供虚假材料"
        yuan = _ri(rand, 10_000, 1_000_000)
        amount = str(yuan)
        if s.cls == P_PERSON:
            facts = f"经查，当事人于{_cn(conduct)}在办理个人所得税综合所得汇算清缴时提供虚假的专项附加扣除材料，少缴税款{yuan}元。"
            basis = "《中华人民共和国税收征收管理法》第六十三条第一款"
        elif rand() < 0.5:
            facts = f"经查，当事人于{_cn(conduct)}以提供虚假申报材料的方式骗取增值税留抵退税{yuan}元。"
            basis = "《中华人民共和国税收征收管理法》第六十六条；《重大税收违法失信主体信息公布管理办法》第六条"
        else:
            facts = f"经查，当事人于{_cn(conduct)}以虚构出口业务、提供虚假备案单证的方式骗取出口退税{yuan}元。"
            basis = "《中华人民共和国税收征收管理法》第六十六条第一款"
        content = f"追缴税款人民币{yuan}元，并处{_ch(rand, ('一', '二', '三'))}倍罚款"
        if rand() < 0.10:
            ended = _iso(_ri(rand, conduct, decision))
    elif item == "market-ban":
        conduct = ctx.conduct_date(s, decision, 365)
        doc = ctx.doc_no(item, decision)
        doc_name, category = "行政处罚决定书", "市场禁入"
        years = _ch(rand, (5, 5, 10))
        if s.cls == P_PERSON:
            facts = (f"当事人系被吊销食品经营许可证的单位的直接负责的主管人员，其所在单位于{_cn(conduct)}"
                     "因经营添加非食用物质的食品被吊销许可证。")
            basis = "《中华人民共和国食品安全法》第一百三十五条第一款"
            content = f"自处罚决定作出之日起{years}年内不得从事食品生产经营管理工作"
        else:
            facts = f"当事人于{_cn(conduct)}因生产经营不符合食品安全标准的食品被吊销食品经营许可证。"
            basis = "《中华人民共和国食品安全法》第一百三十五条第一款"
            content = f"自处罚决定作出之日起{years}年内不得申请食品生产经营许可"
        valid_from = _iso(decision)
        valid_until = _iso(_plus_years(date.fromordinal(decision), years).toordinal())
        if rand() < 0.10:
            ended = _iso(_ri(rand, conduct, decision))
    elif item == "commendation":
        conduct = decision
        doc = ctx.doc_no(item, decision)
        y = date.fromordinal(decision).year
        if unit.short == "tax":
            doc_name, category = "纳税信用A级纳税人名单公告", "信用评价"
            facts = f"经{y - 1}年度纳税信用评价，该纳税人纳税信用级别为A级。"
            basis = "《纳税信用管理办法（试行）》第二十九条"
            content = f"{y - 1}年度纳税信用A级纳税人"
            valid_from = _iso(decision)
            valid_until = f"{y}-12-31"
        else:
            doc_name, category = "关于公布上海市守合同重信用企业名单的公告", "表彰奖励"
            facts = f"该企业连续两年以上守合同重信用，经审核公示，列入{y - 1}—{y}年度上海市守合同重信用企业名单。"
            basis = "《上海市守合同重信用企业公示管理办法》"
            content = f"{y - 1}—{y}年度上海市守合同重信用企业"
            valid_from = _iso(decision)
            valid_until = f"{y + 1}-12-31"
    elif item == "commitment":
        conduct = decision
        y = date.fromordinal(decision).year
        n = ctx.next_serial(("commitment",))
        doc = f"{unit.region}{date.fromordinal(decision):%Y%m%d}{n:06d}"
        category, facts = _ch(rand, _COMMITMENTS)
        doc_name = "信用承诺书"
        basis = "《上海市社会信用条例》第十三条"
        content = "本单位承诺所提交材料真实、合法、有效，如有虚假，愿意承担相应法律责任并接受失信惩戒"
        valid_from = _iso(decision)
        valid_until = _iso(_plus_years(date.fromordinal(decision), 1).toordinal())
        remarks = f"履约状态：{_ch(rand, _FULFIL)}；公开方式：{_ch(rand, ('公开', '公开', '部分公开'))}"
    else:  # pragma: no cover - items are fixed
        raise ValueError(item)
    return {
        "catalog_item": item, "subject_name": s.name, "subject_class": s.lb, "subject_id": s.ident,
        "doc_no": doc, "doc_name": doc_name, "doc_date": _iso(decision), "doc_org": doc_org,
        "conduct_date": _iso(conduct), "ended_on": ended, "legal_basis": basis, "facts": facts,
        "category": category, "content": content, "amount_yuan": amount, "valid_from": valid_from,
        "valid_until": valid_until, "remarks": remarks,
    }


def _file_factory(unit: DemoUnit, fmt: str, items: tuple[tuple[str, int], ...], seed: int, today: date,
                  subjects: _Subjects) -> Callable[[], Iterator[dict[str, str]]]:
    def rows() -> Iterator[dict[str, str]]:
        ctx = _FileContext(unit, fmt, seed, today, subjects)
        rand = ctx.rand
        if fmt == "CF":
            for _ in range(items[0][1]):
                yield _cf_row(ctx)
            return
        if fmt == "XK":
            for _ in range(items[0][1]):
                yield _xk_row(ctx)
            return
        names = [i for i, _ in items]
        left = [c for _, c in items]
        total = sum(left)
        while total:
            # sampling without replacement keeps the per-item counts exact while interleaving items
            r = int(rand() * (total))
            k = 0
            while r >= left[k]:
                r -= left[k]
                k += 1
            left[k] -= 1
            total -= 1
            yield _general_row(ctx, names[k])

    return rows


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder apportionment: integers summing exactly to ``total``."""
    wsum = sum(weights)
    quotas = [total * w / wsum for w in weights]
    counts = [int(q) for q in quotas]
    rest = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[:rest]:
        counts[i] += 1
    return counts


def generate(records: int, *, seed: int = 20171001, today: date) -> tuple[list[DemoUnit], list[DemoFile]]:
    """The demo units and exactly ``records`` rows spread over lazily generated files.

    One file per (providing unit, format).  Nothing is generated until a file's rows are iterated; the
    same (records, seed, today) always gives the same files and rows.
    """
    if records < 0:
        raise ValueError("records must be >= 0")
    if not isinstance(today, date):
        raise TypeError("today must be a datetime.date")
    units = demo_units()
    cells: list[tuple[str, str]] = []
    weights: list[float] = []
    for item, share in ITEM_MIX.items():
        for short, unit_share in _PROVIDER_SHARE[item]:
            cells.append((short, item))
            weights.append(share * unit_share)
    counts = _apportion(records, weights)
    subjects = _Subjects(seed, max(1, records // 5), today)  # shared by the files; its tables are lazy
    files: list[DemoFile] = []
    for unit in units:
        for fmt in ("CF", "XK", "general"):
            items = tuple(
                (item, n) for (short, item), n in zip(cells, counts)
                if short == unit.short and ITEM_FORMAT.get(item, "general") == fmt and n > 0
            )
            if not items:
                continue
            files.append(DemoFile(
                unit_uscc=unit.uscc,
                filename=f"{unit.short}-{fmt}-{unit.uscc}.csv",
                fmt=fmt,
                columns=_COLUMNS[fmt],
                count=sum(n for _, n in items),
                items=items,
                factory=_file_factory(unit, fmt, items, seed, today, subjects),
            ))
    assert sum(f.count for f in files) == records
    return units, files
