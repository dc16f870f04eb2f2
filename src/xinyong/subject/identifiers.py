"""Subject identifiers (Art. 2): Unified Social Credit Codes and resident identity card numbers.

Pure functions, no database, no clock: ``today`` is always a parameter.

    parse_identifier(raw, *, today) -> Identifier     # dispatches on shape
    parse_uscc(raw, *, today) -> Identifier           # GB 32100-2015
    parse_ric(raw, *, today) -> Identifier            # GB 11643-1999
    parse_lookup(raw, *, today) -> Identifier         # also an old form that finds a subject (issue 13 §6)
    explain_unusable(raw) -> str | None               # for importers: "this is not an identifier, because…"
    normalise(raw) -> (text, normalisations)

Every failure raises ``InvalidInput(code="invalid_identifier", article="Art. 2", field="identifier")``
whose message names exactly what is wrong, and whose ``details`` carry the machine-readable
``reason`` and the list of ``defects`` (each ``{"code", "message"}``).

Normalisation is explicit and reported: surrounding and embedded spaces (ASCII, full-width U+3000
and other Unicode whitespace) are removed, full-width digits and letters are turned half-width,
lower-case letters are upper-cased. Nothing else is "repaired": dashes, dots, slashes, ``*`` are
defects, because a value that needs them removed is not the value that was issued.

Why not ``stdnum.cn.uscc.validate``: it demands digits in the first 8 characters, so it rejects
real codes whose registration authority is a letter (A 中央军委改革和编制办公室, N 农业, Y 其他 —
e.g. ``N2…`` village collectives), and it silently upper-cases and strips ``-`` and spaces, and it
does not check the authority/type pair, the region or the embedded organization code. We compute
the MOD 31-3 check ourselves (same weights as the standard) and add those checks.

Regions (GB/T 2260): every code that ever existed is accepted, with a warning when abolished. One
rule for every front door (check, import, inquiry, lists, measures): a USCC whose region segment is
absent from GB/T 2260 but falls in a province that exists is valid, with a warning that it is a
registration authority's own code (development zones, reclamation areas 农垦, other functional
areas: 230199, 233003, 360106 … in real published lists). The ``allow_unlisted_region`` keyword is
still accepted and changes nothing. A resident ID number whose region was abolished in a year
before the holder's birth year cannot have been issued (numbers are given after birth, under the
codes then in use) and is refused; a region created after the birth date is fine.

Personal information: the resident ID number is never put in a message, a ``repr`` or a log line;
``Identifier.masked()`` gives the public form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from operator import mul
from typing import Any, Literal

from xinyong.errors import InvalidInput, joined_messages, msg
from xinyong.law.rules import rule
from xinyong.subject.regions import Region, lookup_region, unlisted_region

ARTICLE = "Art. 2"

# ---------------------------------------------------------------------------------------------
# GB 32100-2015 tables
# ---------------------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_CHARS = frozenset(USCC_ALPHABET)
# weights W_i = 3^(i) mod 31, i = 0..16 (GB 32100-2015 §5, ISO 7064 MOD 31-3 style)
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# 登记管理部门代码 → (name, {机构类别代码: name}).
# GB 32100-2015 Table 1 (登记管理部门和机构类别代码), with the later additions of
# A (中央军委改革和编制办公室) and N (农业: 农村集体经济组织). Cross-checked against several independent
# public transcriptions of the table found with the search tool, e.g. a Go validator whose comment
# quotes the standard ("Y其他：不再具体划分机构类别，统一用1表示") and a Python one listing the pairs
# 11…19, 21/29, 31–35/39, 41/49, 51–53/59, 61/62/69, 71/72/79, 81/89, 91–93, A1/A9, N1–N3/N9, Y1.
# Some code on the web lists 3 教育 / 4 公安 / 6 司法 / 7 交通运输: that is not the standard's table.
REGISTRATION_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"},
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

# GB 11714-1997 organization code: 8 body characters + check
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# the value of each ASCII digit and capital letter in that check (others: computed as they come)
_ORG_VALUE = {c: int(c) if c.isdigit() else ord(c) - ord("A") + 10
              for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_ORG_CHARS = frozenset(_ORG_VALUE)
_DIGIT_VALUE = {c: int(c) for c in "0123456789"}
# GB 11643-1999: weight of digit i (0-based) of the 17 is 2^(17-i) mod 11
_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))

# GB 11643-1999: birth dates before this are not plausible for a living card holder's number
EARLIEST_BIRTH_DATE = date(1880, 1, 1)

_LOOKALIKES = {"O": "0", "I": "1", "Z": "2", "S": "5", "V": "U"}

Scheme = Literal["uscc", "ric", "org"]  # "org": an old organization code, a look-up key only (``parse_lookup``)
Kind = Literal["natural_person", "organization", "government_organ"]


# ---------------------------------------------------------------------------------------------
# Result types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Defect:
    """One thing wrong with an identifier: a stable ``code`` and a message naming exactly what."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def mask_ric(code: str) -> str:
    """前6后4: keep the region code and the last four characters of a resident ID number. A 15-digit number
    (GB 11643-1989: region, YYMMDD, a 3-digit sequence, no check digit) keeps its last three: its last four would
    show a digit of the birth day."""
    if len(code) == 15:
        return code[:6] + "*" * 6 + code[-3:]
    return code[:6] + "*" * (len(code) - 10) + code[-4:]


@dataclass(frozen=True)
class Identifier:
    scheme: Scheme
    code: str = field(repr=False)  # normalised; for a RIC: personal information
    kind: Kind
    normalisations: tuple[str, ...]
    region_code: str
    region_name: str  # full name, e.g. 上海市卢湾区
    region_abolished: bool
    region: Region = field(repr=False, compare=False)
    region_listed: bool = True  # False: a registration authority's code absent from GB/T 2260 (USCC only)
    warnings: tuple[str, ...] = ()  # accepted, but worth telling the provider
    # USCC only
    registration_authority: tuple[str, str] | None = None  # (code, name), e.g. ("9", "工商")
    org_type: tuple[str, str] | None = None  # (code, name), e.g. ("1", "企业")
    org_code: str | None = None  # 9 characters, GB 11714, without the dash
    # RIC only (personal information: kept out of repr)
    birth_date: date | None = field(default=None, repr=False)
    sex: Literal["M", "F"] | None = field(default=None, repr=False)
    # An old form typed to find a subject (``parse_lookup``): "org" (a GB 11714 organization code, scheme
    # "org") or "ric15" (a 15-digit resident ID number, read as its 18-digit form). Such an identifier only
    # finds a subject the platform knows; it never names a new one. ``unknown_reason``: the refusal, today's
    # word for word, where it finds none (an import row).
    former_form: Literal["org", "ric15"] | None = None
    unknown_reason: str | None = field(default=None, repr=False, compare=False)

    @property
    def is_natural_person(self) -> bool:
        return self.scheme == "ric"

    def masked(self) -> str:
        """The form safe for public output.

        USCC: unmasked (organizations' codes are public by law).
        RIC: 前6后4 — keep the 6-digit region code and the last 4 characters (sequence tail and
        check), mask the birth date and the rest of the sequence: ``310101********123X``. This is
        the commonest practice in Chinese public display (and leaves the birth date, the most
        identifying part, fully hidden).
        """
        if self.scheme == "uscc":
            return self.code
        if self.scheme == "org":  # an old organization code: public, shown as it was issued (XXXXXXXX-X)
            return _org_display(self.code)
        return mask_ric(self.code)

    @property
    def org_code_display(self) -> str | None:
        return f"{self.org_code[:8]}-{self.org_code[8]}" if self.org_code else None

    def __repr__(self) -> str:  # never the full RIC, even in a debugger or a log
        return (
            f"Identifier(scheme={self.scheme!r}, code={self.masked()!r}, kind={self.kind!r}, "
            f"region={self.region_code} {self.region_name}"
            f"{' (abolished)' if self.region_abolished else ''}, normalisations={self.normalisations!r})"
        )

    __str__ = masked


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

_FULLWIDTH_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]")


def normalise(raw: str) -> tuple[str, tuple[str, ...]]:
    """Strip spaces, make full-width digits/letters half-width, upper-case; report each change."""
    if _already_normal(raw):
        return raw, ()
    return _normalise(raw)


def _already_normal(raw: str) -> bool:
    """ASCII letters and digits only, no lower-case letter: nothing to strip, convert or upper-case
    (the usual value; ``_normalise`` would return it unchanged, with no note)."""
    return raw.isascii() and raw.isalnum() and (raw.isdigit() or raw.isupper())


def _normalise(raw: str) -> tuple[str, tuple[str, ...]]:
    notes: list[str] = []
    text = raw

    # 1. whitespace: surrounding and embedded; ASCII, full-width (U+3000) and other Unicode spaces
    def is_space(c: str) -> bool:
        return c.isspace() or c in "\u200b\ufeff"

    kinds: dict[str, int] = {}
    for c in text:
        if is_space(c):
            label = (
                "space"
                if c == " "
                else "full-width space"
                if c == "\u3000"
                else f"whitespace U+{ord(c):04X}"
            )
            kinds[label] = kinds.get(label, 0) + 1
    if kinds:
        stripped = text.strip("".join({c for c in text if is_space(c)}))
        embedded = sum(1 for c in stripped if is_space(c))
        where = []
        if len(stripped) != len(text):
            where.append("surrounding")
        if embedded:
            where.append("embedded")
        what = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in kinds.items())
        notes.append(f"removed {' and '.join(where)} spaces ({what})")
        text = "".join(c for c in text if not is_space(c))

    # 2. full-width digits and Latin letters → half-width
    fw = _FULLWIDTH_ALNUM.findall(text)
    if fw:
        text = "".join(chr(ord(c) - 0xFEE0) if _FULLWIDTH_ALNUM.fullmatch(c) else c for c in text)
        notes.append(f"converted {len(fw)} full-width character{'s' if len(fw) > 1 else ''} to half-width")

    # 3. upper-case ASCII letters
    lower = [(i, c) for i, c in enumerate(text) if "a" <= c <= "z"]
    if lower:
        text = "".join(c.upper() if "a" <= c <= "z" else c for c in text)
        if len(lower) == 1 and lower[0][0] == len(text) - 1 and len(text) == 18:
            notes.append(f"upper-cased check letter '{lower[0][1]}'")
        else:
            letters = "".join(c for _, c in lower)
            notes.append(f"upper-cased {len(lower)} letter{'s' if len(lower) > 1 else ''} ('{letters}')")
    return text, tuple(notes)


# ---------------------------------------------------------------------------------------------
# Check characters
# ---------------------------------------------------------------------------------------------


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character (MOD 31-3) of the first 17 characters.

    Computed here rather than with ``stdnum.cn.uscc``: its ``validate`` rejects letter registration
    authorities (A, N, Y) that the standard allows, and its ``calc_check_digit`` silently cleans input.
    """
    if len(first17) == 17:  # the same sum without the generator (a bad character: the same KeyError)
        total = sum(map(mul, map(_USCC_VALUE.__getitem__, first17), _USCC_WEIGHTS))
    else:
        total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of the 8-character organization code body."""
    if len(body8) == 8 and _ORG_CHARS.issuperset(body8):
        total = sum(map(mul, map(_ORG_VALUE.__getitem__, body8), _ORG_WEIGHTS))
    else:
        total = 0
        for c, w in zip(body8, _ORG_WEIGHTS, strict=True):
            v = int(c) if c.isdigit() else ord(c) - ord("A") + 10
            total += v * w
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def ric_check_char(first17: str) -> str:
    """GB 11643-1999 check character (ISO 7064 MOD 11-2, X for 10) of the first 17 digits.

    Own code: ``stdnum.cn.ric.calc_check_digit`` expects the number *with* its check digit already
    appended (it drops the last character), an easy trap; this takes exactly the 17 digits.
    """
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        total = sum(map(mul, map(_DIGIT_VALUE.__getitem__, first17), _RIC_WEIGHTS))
    else:
        total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    r = (12 - total % 11) % 11
    return "X" if r == 10 else str(r)


def _chars(n: int) -> str:
    return msg("{n} characters", n=n) if n != 1 else msg("{n} character", n=n)


def _org_display(nine: str) -> str:
    return f"{nine[:8]}-{nine[8]}"


# ---------------------------------------------------------------------------------------------
# Rules (Art. 2: the subject and its identifier)
# ---------------------------------------------------------------------------------------------


def _bad_chars(code: str, allowed: str, what: str) -> list[Defect]:
    assert what == "USCC"  # the one alphabet it is asked about; the message names it
    out = []
    for i, c in enumerate(code, 1):
        if c not in allowed:
            hint = ""
            if c in _LOOKALIKES and what == "USCC":
                hint = msg(" (the USCC alphabet has no I, O, Z, S, V; did you mean '{meant}'?)", meant=_LOOKALIKES[c])
            shown = c if c.isprintable() else f"U+{ord(c):04X}"
            out.append(Defect("bad_character", msg("character '{char}' at position {position} is not allowed in a "
                                                   "USCC{hint}", char=shown, position=i, hint=hint)))
    return out


@rule(ARTICLE)
def uscc_format(code: str) -> list[Defect]:
    """A USCC is 18 characters of 0-9 A-H J-N P-R T U W-Y (GB 32100-2015)."""
    if len(code) == 18 and _USCC_CHARS.issuperset(code):
        return []  # what the checks below find for such a code
    return _uscc_format_defects(code)


def _uscc_format_defects(code: str) -> list[Defect]:
    defects = []
    if len(code) != 18:
        defects.append(Defect("length", msg("has {chars}, a USCC has 18", chars=_chars(len(code)))))
    defects += _bad_chars(code, USCC_ALPHABET, "USCC")
    return defects


@rule(ARTICLE)
def uscc_check_character(code: str) -> list[Defect]:
    """The 18th character of a USCC is its MOD 31-3 check character (GB 32100-2015)."""
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return [Defect("check_character", msg("check character is '{found}', expected '{expected}'", found=code[17],
                                              expected=expected))]
    return []


@rule(ARTICLE)
def uscc_authority_and_type(code: str) -> list[Defect]:
    """The registration authority and organization type pair is in GB 32100-2015 Table 1."""
    auth, typ = code[0], code[1]
    if auth not in REGISTRATION_AUTHORITIES:
        return [
            Defect(
                "registration_authority",
                msg("registration authority '{auth}' does not exist (GB 32100-2015 has {known})", auth=auth,
                    known=", ".join(REGISTRATION_AUTHORITIES)),
            )
        ]
    name, types = REGISTRATION_AUTHORITIES[auth]
    if typ not in types:
        return [
            Defect(
                "org_type",
                msg("registration authority '{auth}' ({name}) has no organization type '{type}' "
                    "(GB 32100-2015 allows {allowed})", auth=auth, name=name, type=typ, allowed=", ".join(types)),
            )
        ]
    return []


@rule(ARTICLE)
def uscc_region(code: str, *, allow_unlisted: bool = True) -> list[Defect]:
    """Characters 3-8 of a USCC are a region code of GB/T 2260 (ever), 100000, or a registration authority's code in a province that exists.

    Registration authorities of development zones, reclamation areas and other functional areas
    put codes of their own, absent from GB/T 2260, in the region segment (see
    ``regions.unlisted_region``): such a code is valid when its province exists, with a warning.
    ``allow_unlisted`` is accepted for compatibility and changes nothing.
    """
    del allow_unlisted  # one rule for every front door
    region = code[2:8]
    if not (region.isascii() and region.isdigit()):
        return [Defect("region", msg("region code '{region}' is not 6 digits (GB/T 2260)", region=region))]
    if lookup_region(region) is None and unlisted_region(region) is None:
        return [Defect("region", msg("region code {region} does not exist in GB/T 2260, nor is it in a "
                                     "province that does", region=region))]
    return []


@rule(ARTICLE)
def uscc_embedded_org_code(code: str) -> list[Defect]:
    """Characters 9-17 of a USCC are a GB 11714 organization code that passes its own check."""
    org = code[8:17]
    expected = org_code_check_char(org[:8])
    if org[8] != expected:
        return [
            Defect(
                "org_code_check",
                msg("embedded organization code {org_code} fails its GB 11714 check (expected '{expected}')",
                    org_code=_org_display(org), expected=expected),
            )
        ]
    return []


@rule(ARTICLE)
def ric_format(code: str) -> list[Defect]:
    """A resident ID number is 17 digits and a check digit or X (GB 11643-1999)."""
    if len(code) == 18 and code.isascii() and code[:17].isdigit() and code[17] in "0123456789X":
        return []  # what the checks below find for such a code
    return _ric_format_defects(code)


def _ric_format_defects(code: str) -> list[Defect]:
    defects = []
    if len(code) != 18:
        defects.append(Defect("length", msg("has {chars}, a resident ID number has 18", chars=_chars(len(code)))))
    for i, c in enumerate(code[:17], 1):
        if not c.isdigit() or not c.isascii():
            shown = c if c.isprintable() else f"U+{ord(c):04X}"
            defects.append(Defect("bad_character", msg("character '{char}' at position {position} is not a digit",
                                                       char=shown, position=i)))
    if len(code) >= 18 and code[17] not in "0123456789X":
        defects.append(Defect("bad_character", msg("check character '{found}' must be a digit or X", found=code[17])))
    return defects


@rule(ARTICLE)
def ric_check_character(code: str) -> list[Defect]:
    """The 18th character of a resident ID number is its ISO 7064 MOD 11-2 check (GB 11643-1999)."""
    expected = ric_check_char(code[:17])
    if code[17] != expected:
        return [Defect("check_character", msg("check character is '{found}', expected '{expected}'", found=code[17],
                                              expected=expected))]
    return []


@rule(ARTICLE)
def ric_region(code: str) -> list[Defect]:
    """The first 6 digits of a resident ID number are a GB/T 2260 code that exists or once existed."""
    region = code[:6]
    if lookup_region(region, allow_national=False) is None:
        return [Defect("region", msg("region code {region} does not exist in GB/T 2260", region=region))]
    return []


@rule(ARTICLE)
def ric_region_in_use_at_birth(code: str) -> list[Defect]:
    """A resident ID number's region code was not abolished before the holder's birth (no number is issued under it after)."""
    region = lookup_region(code[:6], allow_national=False)
    born = _birth_date(code)
    if region is None or born is None or not region.abolished:
        return []  # ric_region / ric_birth_date name those defects
    if region.until is None:
        return []  # the year it was abolished is not known: not refused
    # Year granularity (GB/T 2260 records the year of a change, not its day): a holder born in the
    # year of abolition may have been numbered before it took effect; only a later birth year is refused.
    if born.year > region.until:
        # the birth date is personal information: the message names the region and the year only
        return [Defect("region_abolished_before_birth",
                       msg("region code {region} ({name}) was abolished in {year}, before the holder's birth: "
                           "no number is issued under it after that", region=region.code, name=region.full_name,
                           year=region.until))]
    return []


def _birth_date(code: str) -> date | None:
    try:
        return date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return None


@rule(ARTICLE)
def ric_birth_date(code: str, today: date) -> list[Defect]:
    """Digits 7-14 of a resident ID number are a real birth date, not in the future, not before 1880."""
    # the birth date is personal information (and digits 7-14 of the number): never in a message
    born = _birth_date(code)
    if born is None:
        return [Defect("birth_date", "the birth date (digits 7-14) is not a real date")]
    if born > today:
        return [Defect("birth_date_future", "the birth date (digits 7-14) is in the future")]
    if born < EARLIEST_BIRTH_DATE:
        return [
            Defect(
                "birth_date_too_early",
                msg("the birth date (digits 7-14) is before {earliest}", earliest=EARLIEST_BIRTH_DATE.isoformat()),
            )
        ]
    return []


def check_uscc(code: str, *, allow_unlisted_region: bool = True) -> list[Defect]:
    """Every defect of a normalised USCC candidate (empty list: valid).

    ``allow_unlisted_region`` is accepted for compatibility and changes nothing (see ``uscc_region``).
    """
    del allow_unlisted_region
    defects = uscc_format(code)
    if defects:
        return defects
    return (
        uscc_check_character(code)
        + uscc_authority_and_type(code)
        + uscc_region(code)
        + uscc_embedded_org_code(code)
    )


def check_ric(code: str, today: date) -> list[Defect]:
    """Every defect of a normalised resident ID number candidate (empty list: valid)."""
    defects = ric_format(code)
    if defects:
        return defects
    defects = ric_check_character(code) + ric_region(code) + ric_birth_date(code, today)
    if not defects:  # only a real date in a real region can be compared
        defects = ric_region_in_use_at_birth(code)
    return defects


# ---------------------------------------------------------------------------------------------
# Values that are not identifiers at all (for importers)
# ---------------------------------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d*)?[eE][+-]?\d+$")
_DECIMAL = re.compile(r"^\d{9,}\.\d+$")  # a long code a spreadsheet stored as a number: "….0"
_ORG_CODE = re.compile(r"^([0-9A-Z]{8})[-－—‐]?([0-9X])$")


def _iso7064_mod11_10_ok(digits: str) -> bool:
    """ISO 7064 MOD 11,10: the check of 15-digit business registration numbers (GB/T 17710)."""
    p = 10
    for c in digits[:-1]:
        s = (p + int(c)) % 10 or 10
        p = (2 * s) % 11
    return (p + int(digits[-1])) % 10 == 1


def _unusable(text: str, raw: str) -> Defect | None:
    """``text`` is the normalised value, ``raw`` the original (for messages)."""
    if not text:
        return Defect("empty", "the identifier is empty")
    # The value is never echoed: a mangled resident ID number keeps most of its digits (1.10105E+17,
    # 110105199001011234.0). The message says what shape it had.
    if _SCIENTIFIC.match(text):
        return Defect(
            "spreadsheet_number",
            "this looks like a code turned into a number in scientific notation by a spreadsheet: "
            "the digits are lost, ask the provider for the original",
        )
    if _DECIMAL.match(text):
        return Defect(
            "spreadsheet_number",
            "this looks like a code turned into a number with a decimal part by a spreadsheet: "
            "ask the provider for the original, kept as text",
        )
    if "*" in text:
        where = [i for i, c in enumerate(text, 1) if c == "*"]
        pos = (msg("position {first}", first=where[0]) if len(where) == 1
               else msg("positions {first}–{last}", first=where[0], last=where[-1]))
        return Defect(
            "masked",
            msg("the value contains '*' at {where}: a masked code cannot be validated or matched, "
                "ask the provider for the full code", where=pos),
        )
    m = _ORG_CODE.match(text)
    if m and (len(text) == 10 or not text.isdigit()):
        body, check = m.group(1), m.group(2)
        shown = f"{body}-{check}"
        if org_code_check_char(body) == check:
            said = msg("this is an old 9-character organization code ({code}), not a USCC; ask the provider for "
                       "the 18-character USCC", code=shown)
        else:
            said = msg("this looks like an old 9-character organization code ({code}), not a USCC, and its GB 11714 "
                       "check fails too (expected '{expected}'); ask the provider for the 18-character USCC",
                       code=shown, expected=org_code_check_char(body))
        return Defect("org_code", said)
    if len(text) == 9 and text.isdigit():
        passes = org_code_check_char(text[:8]) == text[8]
        return Defect(
            "org_code",
            msg("9-digit value ({code}): an old organization code without its dash, not a USCC; ask the provider "
                "for the 18-character USCC", code=text) if passes else
            msg("9-digit value ({code}): possibly an old organization code without its dash, not a USCC; ask the "
                "provider for the 18-character USCC", code=text),
        )
    if len(text) == 15 and text.isalnum() and text.isascii():
        return Defect("fifteen_digit", _describe_fifteen(text))
    if len(text) == 18 and text.isdigit() and text.endswith("000"):
        # Excel keeps 15 significant digits of a number: the last 3 of an 18-digit code become 0.
        # Flag it only when neither reading validates (a real code may end in 000); the embedded
        # organization code check catches the damaged ones whose outer check passes by chance.
        uscc_defects = check_uscc(text)
        ric_ok = not check_ric(text, date.max)
        if uscc_defects and not ric_ok:
            failing = {d.code for d in uscc_defects}
            if {"check_character", "org_code_check"} <= failing:
                failed = msg("the check character and the embedded organization code check fail")
            elif "check_character" in failing:
                failed = msg("the check character fails")
            elif "org_code_check" in failing:
                failed = msg("the embedded organization code check fails")
            else:
                failed = msg("the code fails")
            # echo it only when it cannot be a person's number (no province code starts with 9)
            shown = msg(" ({code})", code=text) if text.startswith("9") else ""
            return Defect(
                "spreadsheet_zeroed",
                msg("this looks like a code damaged by a spreadsheet{shown}: it kept only the first 15 digits and "
                    "turned the rest into zeros, and {failed}; ask the provider for the original",
                    shown=shown, failed=failed),
            )
    return None


def _describe_fifteen(text: str) -> str:
    tail = text[6:]
    is_org_code = bool(_ORG_CODE.match(tail)) and org_code_check_char(tail[:8]) == tail[8]
    if is_org_code and lookup_region(text[:6], allow_national=False) and text.isdigit():
        # all digits, it may also be an old 15-digit resident ID number: nothing of it is echoed
        return ("15-digit tax registration number (a region code and an organization code), not a USCC; "
                "ask the provider for the 18-character USCC")
    if is_org_code and lookup_region(text[:6], allow_national=False):
        return msg("15-character tax registration number (region {region} + organization code {org_code}), not a "
                   "USCC; ask the provider for the 18-character USCC", region=text[:6], org_code=_org_display(tail))
    if text.isdigit() and _iso7064_mod11_10_ok(text):
        return "15-digit business registration number (工商注册号), not a USCC; ask the provider for the 18-character USCC"
    if text.isdigit():
        return (
            "15-digit registration/tax number, not a USCC (or an old 15-digit ID card number); "
            "ask for the 18-character code"
        )
    return "15-character registration/tax number, not a USCC; ask the provider for the 18-character USCC"


def explain_unusable(raw: Any) -> str | None:
    """Why ``raw`` is recognisably not an identifier at all (spreadsheet damage, old code…), or None.

    None does not mean valid: it means the value has the shape of an identifier and must be parsed
    to know (``parse_identifier`` then names each defect).
    """
    if raw is None:
        return "the identifier is empty"
    if not isinstance(raw, str):
        raw = str(raw)
    text, _ = normalise(raw)
    found = _unusable(text, raw)
    return found.message if found else None


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def _fail(message: str, reason: str, defects: list[Defect], scheme: str | None, notes: tuple[str, ...]) -> InvalidInput:
    return InvalidInput(
        message,
        article=ARTICLE,
        field="identifier",
        code="invalid_identifier",
        details={
            "scheme": scheme,
            "reason": reason,
            "defects": [d.as_dict() for d in defects],
            "normalisations": list(notes),
        },
    )


# How a USCC defect reads when the value may be a person's number (all digits, the shape of a resident ID
# number): the messages above quote characters 3-17, most of such a number.
_UNECHOED = {
    "check_character": "the check character fails",
    "region": "the region code (characters 3-8) does not exist in GB/T 2260",
    "org_code_check": "the embedded organization code (characters 9-17) fails its GB 11714 check",
}


def _unechoed(defects: list[Defect]) -> list[Defect]:
    return [Defect(d.code, _UNECHOED[d.code]) if d.code in _UNECHOED else d for d in defects]


def _raise_defects(scheme: Scheme, code: str, defects: list[Defect], notes: tuple[str, ...], *,
                   echo: bool = True) -> None:
    joined = joined_messages([d.message for d in defects])
    if scheme == "uscc" and not echo:
        message = msg("invalid USCC: {defects}", defects=joined)
    elif scheme == "uscc":
        message = msg("invalid USCC {code}: {defects}", code=code, defects=joined)
    else:  # never echo a (possible) personal ID number
        message = msg("invalid resident ID number: {defects}", defects=joined)
    raise _fail(message, defects[0].code, defects, scheme, notes)


def _prepare(raw: Any) -> tuple[str, tuple[str, ...]]:
    if raw is None or not isinstance(raw, str):
        defect = Defect("not_text", "the identifier must be text")
        raise _fail(defect.message, defect.code, [defect], None, ())
    text, notes = normalise(raw)
    found = _unusable(text, raw)
    if found:
        raise _fail(found.message, found.code, [found], None, notes)
    return text, notes


def _build_uscc(code: str, notes: tuple[str, ...]) -> Identifier:
    region = lookup_region(code[2:8])
    listed = region is not None  # a listed Region carries its own code
    warnings: list[str] = []
    if region is None:
        region = unlisted_region(code[2:8])
        assert region is not None
        warnings.append(
            f"region code {region.code} is not in GB/T 2260: the code of a registration authority outside "
            f"GB/T 2260 (a development zone, reclamation area or other functional area) in "
            f"{region.full_name.split('（')[0]}"
        )
    elif region.abolished:
        warnings.append(f"region code {region.describe()}: still valid for codes issued under it")
    if code.isdigit() and code.endswith("000"):
        warnings.append(
            "the code is all digits and ends in 000, as codes damaged by a spreadsheet do (it passes both "
            "checks, so it is probably intact): if it came through a spreadsheet, compare it with the original"
        )
    auth_name, types = REGISTRATION_AUTHORITIES[code[0]]
    return Identifier(
        scheme="uscc",
        code=code,
        kind="government_organ" if code.startswith("11") else "organization",
        normalisations=notes,
        region_code=region.code,
        region_name=region.full_name,
        region_abolished=region.abolished,
        region=region,
        region_listed=listed,
        warnings=tuple(warnings),
        registration_authority=(code[0], auth_name),
        org_type=(code[1], types[code[1]]),
        org_code=code[8:17],
    )


def _build_ric(code: str, notes: tuple[str, ...]) -> Identifier:
    region = lookup_region(code[:6], allow_national=False)
    assert region is not None
    warnings: tuple[str, ...] = ()
    if region.abolished:
        warnings = (f"region code {region.describe()}: still valid for numbers issued under it",)
    return Identifier(
        scheme="ric",
        code=code,
        kind="natural_person",
        normalisations=notes,
        region_code=region.code,
        region_name=region.full_name,
        region_abolished=region.abolished,
        region=region,
        warnings=warnings,
        birth_date=_birth_date(code),
        sex="M" if int(code[16]) % 2 else "F",
    )


def parse_uscc(raw: str, *, today: date, allow_unlisted_region: bool = True) -> Identifier:
    """Parse and strictly validate a Unified Social Credit Code (GB 32100-2015).

    A region code absent from GB/T 2260 whose province exists is accepted with a warning, as
    registration authorities of development zones and reclamation areas issue them (see the module
    notes). ``allow_unlisted_region`` is accepted for compatibility and changes nothing.
    """
    del today, allow_unlisted_region  # a USCC carries no date; kept for a uniform signature
    code, notes = _prepare(raw)
    defects = check_uscc(code)
    if defects:
        _raise_defects("uscc", code, defects, notes)
    return _build_uscc(code, notes)


def parse_ric(raw: str, *, today: date) -> Identifier:
    """Parse and strictly validate an 18-digit resident identity card number (GB 11643-1999)."""
    code, notes = _prepare(raw)
    defects = check_ric(code, today)
    if defects:
        _raise_defects("ric", code, defects, notes)
    return _build_ric(code, notes)


def _ric_shaped(code: str) -> bool:
    return len(code) == 18 and code[:17].isdigit() and code[:17].isascii() and code[17] in "0123456789X"


def _plausibility(scheme: Scheme, code: str, today: date) -> float:
    """Share of the structural checks passed, to choose whose defects to report."""
    if scheme == "ric":
        born = _birth_date(code)
        checks = [
            not ric_region(code),
            born is not None and EARLIEST_BIRTH_DATE <= born <= today,
            not ric_check_character(code),
        ]
    else:
        checks = [
            not uscc_authority_and_type(code),
            not uscc_region(code),
            not uscc_embedded_org_code(code),
            not uscc_check_character(code),
        ]
    return sum(checks) / len(checks)


def parse_identifier(raw: str, *, today: date, allow_unlisted_region: bool = True) -> Identifier:
    """Parse a USCC or a resident ID number, deciding by shape.

    One rule for every caller: ``allow_unlisted_region`` is accepted for compatibility and changes
    nothing (a registration authority's region code outside GB/T 2260 is valid, with a warning).

    An 18-character value that is 17 digits + digit/X can be either: both are checked. If exactly one
    validates, it wins. If both validate (possible but rare), the resident ID reading wins, because
    treating a person's number as an organization's would publish it unmasked. If neither does, the
    defects of the more plausible reading (the larger share of structural checks passed; a tie goes
    to USCC) are reported. Any other 18-character value is a USCC candidate.
    """
    del allow_unlisted_region
    code, notes = _prepare(raw)
    return _parse_prepared(code, notes, today)


def unusable_or_parsed(raw: Any, *, today: date) -> str | Identifier:
    """``explain_unusable(raw)`` when it finds something (its message), else ``parse_identifier(raw, today=today)``
    (raising as that raises): the importer's one call per distinct value, the text normalised and its shape
    checked once instead of twice."""
    if type(raw) is not str:  # as the two calls do it (``explain_unusable`` reads ``str(raw)``)
        return explain_unusable(raw) or parse_identifier(raw, today=today)
    text, notes = normalise(raw)
    found = _unusable(text, raw)
    if found:
        return found.message
    return _parse_prepared(text, notes, today)


def _parse_prepared(code: str, notes: tuple[str, ...], today: date) -> Identifier:
    """``parse_identifier`` of a value ``_prepare`` has normalised (``code``) and found usable."""
    if len(code) != 18:
        defects = [Defect("length", msg("has {chars}, a USCC or resident ID number has 18", chars=_chars(len(code))))]
        defects += [d for d in _bad_chars(code, USCC_ALPHABET, "USCC") if d.code == "bad_character"]
        # the original may be a personal number: echo it only when it cannot be one
        raise _fail(
            msg("not an identifier: {defects}", defects=joined_messages([d.message for d in defects])),
            "length",
            defects,
            None,
            notes,
        )
    if _ric_shaped(code):
        ric_defects = check_ric(code, today)
        if not ric_defects:
            return _build_ric(code, notes)
        uscc_defects = check_uscc(code)
        if not uscc_defects:
            return _build_uscc(code, notes)
        if _plausibility("ric", code, today) > _plausibility("uscc", code, today):
            _raise_defects("ric", code, ric_defects, notes)
        if code.startswith("9"):  # no province code starts with 9: it cannot be a person's number
            _raise_defects("uscc", code, uscc_defects, notes)
        # read as a USCC, but it may be a person's mistyped number: neither it nor its parts are echoed
        _raise_defects("uscc", code, _unechoed(uscc_defects), notes, echo=False)
    defects = check_uscc(code)
    if defects:
        _raise_defects("uscc", code, defects, notes)
    return _build_uscc(code, notes)


def parse_lookup(raw: str, *, today: date) -> Identifier:
    """An identifier typed to find a subject (an inquiry, a check, a search, an import row naming a subject).

    An 18-character identifier is ``parse_identifier``'s. An old form that ``parse_identifier`` refuses is a key
    to look a subject up by when it passes its own check: a GB 11714 organization code (``XXXXXXXX-X`` or
    without the dash; scheme ``org``: its digest is that of the former identifier ``subject_identifier``
    records), or a 15-digit resident ID number whose region and birth date are real (GB 11643: read as its
    18-digit form, 19 inserted before the year and the check digit appended — it finds the person whose
    current or former number that is, and so the person for whom the 15-digit number was recorded, since it
    is recorded only when its 18-digit form is the person's: ``rules.check_ric_reissue``). Such an identifier
    carries ``former_form`` and, for a front door that must refuse it when it names nobody (the import),
    ``unknown_reason``: today's refusal word for word. Anything else is refused exactly as
    ``parse_identifier`` refuses it (the same error, the same message).
    """
    try:
        return parse_identifier(raw, today=today)
    except InvalidInput as exc:
        found = _old_form(raw, today, exc.message) if isinstance(raw, str) else None
        if found is None:
            raise
        return found


_NO_REGION = Region(code="", name="", abolished=False, province=None)  # an organization code names no region


def _old_form(raw: str, today: date, refusal: str) -> Identifier | None:
    text, notes = normalise(raw)
    m = _ORG_CODE.match(text)
    if m and org_code_check_char(m.group(1)) == m.group(2):
        code = m.group(1) + m.group(2)
        return Identifier(scheme="org", code=code, kind="organization", normalisations=notes, region_code="",
                          region_name="", region_abolished=False, region=_NO_REGION, org_code=code,
                          former_form="org", unknown_reason=refusal)
    if len(text) == 15 and text.isascii() and text.isdigit():
        first17 = text[:6] + "19" + text[6:]
        eighteen = first17 + ric_check_char(first17)
        if check_ric(eighteen, today):  # its region or its birth date is not real: refused as today
            return None
        return replace(_build_ric(eighteen, notes), former_form="ric15", unknown_reason=refusal)
    return None


def is_valid(raw: str, *, today: date, allow_unlisted_region: bool = True) -> bool:
    try:
        parse_identifier(raw, today=today, allow_unlisted_region=allow_unlisted_region)
    except InvalidInput:
        return False
    return True


def describe_defects(raw: str, *, today: date, allow_unlisted_region: bool = True) -> list[Defect]:
    """Every defect of ``raw`` as an identifier (empty list: valid)."""
    try:
        parse_identifier(raw, today=today, allow_unlisted_region=allow_unlisted_region)
    except InvalidInput as exc:
        return [Defect(d["code"], d["message"]) for d in exc.details["defects"]]
    return []
