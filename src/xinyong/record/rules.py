"""Rules for a record before it is aggregated (Art. 2, 9, 11, 14, 20, 35). Pure: no session, no request.

``validate_row`` turns one mapped import row into a ``RecordDraft`` or raises a ``DomainError``
naming the field and the article; the importer collects those as rejected rows. A file whose header
names a prohibited kind of personal information is refused whole (``check_no_prohibited_columns``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson

from ..catalog.rules import PROHIBITED_COLUMN_TERMS, article_key, check_item_aggregable, law_key, prohibited_kind  # noqa: F401 (re-exported)
from ..errors import DomainError, InvalidInput, RuleViolation, msg
from ..law import parameters
from ..law.periods import add_years
from ..law.rules import rule
from ..subject.identifiers import Identifier, mask_ric, parse_lookup, unusable_or_parsed
from .fields import (
    STRUCTURAL_KEYS,
    FieldError,
    content_keys,
    empty_required,
    format_keys,
    may_hold_id_number,
    mask_id_numbers,
    mask_id_shaped,
    parse_amount_yuan,
    parse_date,
    parse_enum,
)

DEFAULT_ITEM = {"CF": "penalty", "XK": "licence"}

PROCEDURES = {
    "ordinary": "ordinary", "一般程序": "ordinary", "普通程序": "ordinary", "一般": "ordinary",
    "simplified": "simplified", "简易程序": "simplified", "简易": "simplified", "当场处罚": "simplified",
}
SEVERITIES = {
    "slight": "slight", "轻微": "slight", "general": "general", "一般": "general",
    "serious": "serious", "严重": "serious",
}
BOOLEANS = {
    "true": "true", "yes": "true", "1": "true", "是": "true", "y": "true",
    "false": "false", "no": "false", "0": "false", "否": "false", "n": "false",
}
OTHER_DATES = ("valid_from", "valid_until", "publicity_until")
NATURAL_PERSON_CLASSES = ("自然人", "natural_person", "natural person")
ORGANIZATION_CLASSES = ("法人及非法人组织", "法人", "非法人组织", "个体工商户", "organization", "legal_person")


@dataclass(frozen=True)
class ItemInfo:
    code: str
    state: str
    published_on: date | None
    retired_on: date | None
    untrustworthy: bool
    continuing: bool
    # The canonical keys a record of the item stores (``fields.declared_fields``); None: those of the
    # row's own format (what ``map_row`` yields for it).
    fields: frozenset[str] | None = None
    # Art. 9.3: law → the articles whose conduct the item records (``catalog_item.conduct_laws``); None: no law
    # of the item's field lists its conduct.
    conduct_laws: dict[str, list[str]] | None = None


_MEMO_MAX = 50_000  # entries per memo of a RowContext: bounded memory on any file size
# Organizations' identifiers that parsed (public codes, stored in clear): kept across the imports of a
# process, keyed by (text, day) — a worker meets the same companies file after file, and the parse is
# pure. A natural person's number, and a refusal, never outlive the import that read them (``identifiers``).
_PUBLIC_IDENTIFIERS: dict[tuple[str, date], Identifier] = {}
_PUBLIC_MAX = 20_000  # (about 1 kB each, with its key: at most some 20 MB)
_SHARED_PARSED: dict[tuple, Any] = {}  # RowContext.parsed, bounded by _MEMO_MAX as each memo is


@dataclass(frozen=True)
class RowContext:
    unit_items: frozenset[str]
    items: dict[str, ItemInfo]
    fmt: str
    today: date
    # A file names each subject about five times: parse each identifier once per import.
    identifiers: dict[str, Identifier | DomainError] = field(default_factory=dict)
    # Values that repeat from row to row (dates, labels, amounts) are read once: these parsers are
    # pure, so the memo keeps only what they returned (a value that fails is parsed again, and raises
    # the same error, each time). Keys: (what, text). Shared by the imports of a process (none of it
    # is personal data: a document's dates, a label, an amount), so file after file meets them parsed.
    parsed: dict[tuple, Any] = field(default_factory=lambda: _SHARED_PARSED)

    def identifier(self, raw: str) -> Identifier:
        found = self.identifiers.get(raw)
        if found is None:
            if len(self.identifiers) > _MEMO_MAX:
                self.identifiers.clear()
            key = (raw, self.today)
            found = _PUBLIC_IDENTIFIERS.get(key)
            if found is None:
                try:
                    found = _parse_subject_id(raw, self.today)
                except DomainError as exc:
                    found = exc
                else:
                    if not found.is_natural_person and found.kind != "natural_person":
                        if len(_PUBLIC_IDENTIFIERS) > _PUBLIC_MAX:
                            _PUBLIC_IDENTIFIERS.clear()
                        _PUBLIC_IDENTIFIERS[key] = found
            self.identifiers[raw] = found
        if isinstance(found, DomainError):
            raise found.with_traceback(None)
        return found

    def date(self, raw: Any, field: str) -> date:
        """``parse_date(raw, field=field)``, memoised on the text (the field only names an error)."""
        if type(raw) is not str:
            return parse_date(raw, field=field)
        parsed = self.parsed
        key = ("date", raw)
        found = parsed.get(key)
        if found is None:
            found = parse_date(raw, field=field)
            if len(parsed) > _MEMO_MAX:
                parsed.clear()
            parsed[key] = found
        return found

    def enum(self, raw: Any, choices: dict[str, str], field: str) -> str:
        """``parse_enum(raw, choices, field=field)`` for this module's fixed tables, memoised."""
        if type(raw) is not str:
            return parse_enum(raw, choices, field=field)
        parsed = self.parsed
        key = (field, id(choices), raw)
        found = parsed.get(key)
        if found is None:
            found = parse_enum(raw, choices, field=field)
            if len(parsed) > _MEMO_MAX:
                parsed.clear()
            parsed[key] = found
        return found

    def amount(self, raw: Any, field: str, unit: str) -> Decimal:
        """``parse_amount_yuan(raw, field=field, unit=unit)``, memoised on (unit, text)."""
        if type(raw) is not str:
            return parse_amount_yuan(raw, field=field, unit=unit)
        parsed = self.parsed
        key = ("amount", unit, raw)
        found = parsed.get(key)
        if found is None:
            found = parse_amount_yuan(raw, field=field, unit=unit)
            if len(parsed) > _MEMO_MAX:
                parsed.clear()
            parsed[key] = found
        return found


@dataclass
class RecordDraft:
    item_code: str
    identifier: Identifier
    subject_name: str
    untrustworthy: bool
    doc_no: str
    doc_date: date
    doc_org: str
    conduct_date: date | None
    ended_on: date | None
    ended_on_source: str
    procedure: str | None
    severity: str | None
    amount_yuan: Decimal | None
    content: dict[str, Any]
    content_digest: str = field(default="")
    # content fields in which a resident ID number was masked before storing (never the number)
    masked: tuple[str, ...] = ()
    # what the provider is told of an accepted row (Art. 9.3: a free-text basis that cannot be checked)
    warnings: tuple[str, ...] = ()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@rule("Art. 11")
def check_unit_may_provide(unit_items: frozenset[str], item_code: str) -> None:
    """A unit provides only the catalog items it is registered to provide."""
    if item_code not in unit_items:
        raise RuleViolation(
            msg("this unit is not registered to provide catalog item '{item_code}'", item_code=item_code),
            article="Art. 11",
            field="catalog_item",
        )


@rule("Art. 11")
def check_legal_document(doc_no: str, doc_date_raw: str, doc_org: str) -> None:
    """Every record comes with the effective legal document behind it: number, date and issuing organ."""
    for name, value in (("doc_no", doc_no), ("doc_date", doc_date_raw), ("doc_org", doc_org)):
        if _blank(value):
            raise RuleViolation(
                "the legal document is incomplete: its number, date and issuing organ are required",
                article="Art. 11",
                field=name,
            )


@rule("Art. 11")
def check_complete(fmt: str, values: dict[str, Any]) -> None:
    """Information is provided completely: every field its format requires is filled in."""
    empty = empty_required(fmt, values)
    if empty:
        key, column = empty[0]
        raise RuleViolation(
            msg("required field {column} is empty (public credit information must be provided completely)",
                column=column),
            article="Art. 11",
            field=key,
        )


@rule("Art. 9.2(4)")
def check_penalty_is_untrustworthiness(procedure: str | None, slight: bool, severity: str | None) -> None:
    """Only ordinary-procedure penalties are untrustworthiness information, and not slight or mitigated ones."""
    if procedure is None:
        raise RuleViolation(
            "the penalty's procedure is not stated (procedure: ordinary or simplified); only penalties "
            "under the ordinary procedure may be aggregated as untrustworthiness information",
            article="Art. 9.2(4)",
            field="procedure",
        )
    if procedure == "simplified":
        raise RuleViolation(
            "a penalty under the simplified procedure is not untrustworthiness information",
            article="Art. 9.2(4)",
            field="procedure",
        )
    if slight or severity == "slight":
        raise RuleViolation(
            "the violation was slight, or its harm was proactively eliminated or mitigated: "
            "not untrustworthiness information",
            article="Art. 9.2(4)",
            field="slight" if slight else "severity",
        )


@rule("Art. 9.3")
def check_conduct_listed_by_law(conduct_laws: dict[str, list[str]] | None, law: str | None,
                                article: str | None) -> None:
    """Where a law names the conduct of its field that goes into the catalog, only that conduct is recorded.

    ``conduct_laws``: the item's allow-list, law → the articles whose conduct it records. A row naming one of those
    laws (``basis_law``) must name one of its articles (``basis_article``, the article or the article and its
    paragraph); a row naming another law is not limited by this rule."""
    if not conduct_laws or not (law or "").strip():
        return
    allowed = {law_key(name): articles for name, articles in conduct_laws.items()}
    listed = allowed.get(law_key(law or ""))
    if listed is None:
        return
    given = article_key(article or "")
    if given is None:
        raise RuleViolation(
            msg("basis_article '{article}' is not an article (write 第N条 or N, with 第M款 or .M)",
                article=article or ""), article="Art. 9.3", field="basis_article")
    keys = {article_key(a) for a in listed}
    if given not in keys and given.split(".")[0] not in keys:
        raise RuleViolation(
            msg("{law} names the conduct of its field that is recorded (articles {articles}); article {given} is "
                "not one of them, so it must not be aggregated under this item", law=law,
                articles=", ".join(listed), given=(article or "").strip()), article="Art. 9.3", field="basis_article")


def basis_warning(conduct_laws: dict[str, list[str]] | None, legal_basis: str | None,
                  basis_law: str | None) -> str | None:
    """The free-text basis (CF_YJ) of a row without a structured one cites a law that lists the recordable conduct
    (Art. 9.3): a warning (it cannot be checked from free text), never a refusal."""
    if not conduct_laws or (basis_law or "").strip() or not (legal_basis or "").strip():
        return None
    text = law_key(legal_basis)
    for name in conduct_laws:
        if law_key(name) and law_key(name) in text:
            return msg("legal_basis cites {law}, which names the conduct this item records (Art. 9.3): give basis_law "
                       "and basis_article so that the platform can check it", law=name)
    return None


@rule("Art. 2")
def check_full_civil_capacity(ident: Identifier, on: date, deemed: bool | None = None) -> None:
    """Only natural persons with full civil capacity on the date of the conduct are subjects: adults, and
    16- or 17-year-olds living mainly on their own labour income when the provider states it."""
    birth = getattr(ident, "birth_date", None)
    if ident.kind != "natural_person" or birth is None:
        return
    age = parameters.value("subject.full_capacity_age", on)
    if on >= add_years(birth, age):
        return
    # Civil Code Art. 18.2: from this age, a minor whose main source of living is their own labour
    # income is deemed to have full civil capacity. The platform cannot know it: the provider says so.
    labour_age = parameters.value("subject.labour_income_capacity_age", on)
    who = f"resident ID number {mask_ric(ident.code)}: the person"
    if on < add_years(birth, labour_age):
        raise RuleViolation(
            msg("{who} was under {labour_age} on {on}, the date of the conduct: only natural persons with full "
                "civil capacity are information subjects", who=who, labour_age=labour_age, on=on.isoformat()),
            article="Art. 2",
            field="subject_id",
        )
    if not deemed:
        raise RuleViolation(
            msg("{who} was under {age} on {on}, the date of the conduct: only natural persons "
                "with full civil capacity are information subjects (a person of {labour_age} or "
                "{age_below} whose main source of living is their own labour income is deemed to have it, "
                "Civil Code Art. 18.2: state it in the column deemed_full_capacity)",
                who=who, age=age, on=on.isoformat(), labour_age=labour_age, age_below=age - 1),
            article="Art. 2",
            field="deemed_full_capacity" if deemed is False else "subject_id",
        )


@rule("Art. 2")
def check_not_without_capacity(ident: Identifier, full_capacity: bool | None, deemed: bool | None) -> None:
    """A natural person the provider marks as without full civil capacity (a court-declared person
    without, or with limited, capacity: Civil Code Art. 21-24) is not an information subject."""
    if ident.kind != "natural_person" or full_capacity is not False:
        return
    if deemed:
        raise RuleViolation(
            "full_capacity says the person has no full civil capacity while deemed_full_capacity says "
            "they are deemed to have it: state one",
            article="Art. 2",
            field="full_capacity",
        )
    raise RuleViolation(
        msg("the provider states that the person (resident ID number {code}) has no full civil capacity (Civil "
            "Code Art. 21-24): only natural persons with full civil capacity are information subjects",
            code=mask_ric(ident.code)),
        article="Art. 2",
        field="full_capacity",
    )


@rule("Art. 11")
def check_dates(doc_date: date, conduct_date: date | None, ended_on: date | None, today: date) -> None:
    """Dates are coherent: none after today, and the conduct does not end before it began."""
    for name, value in (("doc_date", doc_date), ("conduct_date", conduct_date), ("ended_on", ended_on)):
        if value is not None and value > today:
            raise RuleViolation(
                msg("{name} {value} is after today ({today})",
                    name=name, value=value.isoformat(), today=today.isoformat()),
                article="Art. 11",
                field=name,
            )
    if conduct_date is not None and conduct_date > doc_date:
        raise RuleViolation(
            msg("the conduct ({conduct_date}) is dated after the decision ({doc_date})",
                conduct_date=conduct_date.isoformat(), doc_date=doc_date.isoformat()),
            article="Art. 11",
            field="conduct_date",
        )
    if ended_on is not None and conduct_date is not None and ended_on < conduct_date:
        raise RuleViolation(
            msg("ended_on {ended_on} is before the conduct began ({conduct_date})",
                ended_on=ended_on.isoformat(), conduct_date=conduct_date.isoformat()),
            article="Art. 11",
            field="ended_on",
        )


@rule("Art. 35.2")
def ended_on_for(item: ItemInfo, given: date | None, doc_date: date) -> tuple[date | None, str]:
    """The day the conduct or event ended: as given; else the decision date, or none yet for continuing conduct."""
    if given is not None:
        return given, "provided"
    if item.continuing:
        return None, "continuing"
    return doc_date, "decision_date"


def _parse_subject_id(raw: str, today: date) -> Identifier:
    # ``explain_unusable(raw)``, then ``parse_identifier(raw, …)`` when it found nothing, in one pass.
    # Development-zone region codes (e.g. 西安高新区 610131) are issued in practice though GB/T 2260
    # does not list them: a code that passes both checks is accepted when its province exists.
    unusable = unusable_or_parsed(raw, today=today)
    if not isinstance(unusable, str):
        return unusable
    # A valid old organization code or 15-digit number may name a subject the platform knows (its former
    # identifier, or the 18-digit form): stored under it, else refused with this message when the chunk's
    # subjects are looked up (``service.store_chunk``), never a new subject (issue 13 §6).
    try:
        ident = parse_lookup(raw, today=today) if isinstance(raw, str) else None
    except InvalidInput:
        ident = None
    if ident is not None and ident.former_form is not None:
        return ident  # its unknown_reason is this message
    raise InvalidInput(unusable, article="Art. 2", field="subject_id")


def _subject(values: dict[str, Any], ctx: RowContext) -> Identifier:
    raw = values.get("subject_id")
    if _blank(raw):
        raise InvalidInput(
            "the subject's identifier (USCC or resident identity card number) is missing",
            article="Art. 2",
            field="subject_id",
        )
    ident = ctx.identifier(raw)
    cls = (values.get("subject_class") or "").strip()
    if ident.former_form is not None and (cls in NATURAL_PERSON_CLASSES and not ident.is_natural_person
                                          or cls in ORGANIZATION_CLASSES and ident.is_natural_person):
        # an old form whose class disagrees: refused as today (it is not a look-up key for that class)
        raise InvalidInput(ident.unknown_reason, article="Art. 2", field="subject_id")
    if cls in NATURAL_PERSON_CLASSES and ident.kind != "natural_person":
        raise InvalidInput(
            msg("the subject class says '{cls}' but the identifier is a Unified Social Credit Code", cls=cls),
            article="Art. 2",
            field="subject_class",
        )
    if cls in ORGANIZATION_CLASSES and ident.kind == "natural_person":
        raise InvalidInput(
            msg("the subject class says '{cls}' but the identifier is a resident identity card number", cls=cls),
            article="Art. 2",
            field="subject_class",
        )
    return ident


def _optional_date(values: dict[str, Any], key: str, ctx: RowContext | None = None) -> date | None:
    raw = values.get(key)
    if raw == "" or _blank(raw):  # (most absent values are "", as map_row gives them)
        return None
    return parse_date(raw, field=key) if ctx is None else ctx.date(raw, key)


# ID numbers of natural persons (the counterpart's or a legal representative's) never enter content:
# the counterpart's is the subject's identifier, kept once in the subject table; a legal
# representative's is never published (national double-publicity rules).
PERSONAL_ID_KEYS = frozenset({"subject_id", "legal_rep_id"})


def _is_personal_id_column(key: str) -> bool:
    return key.upper().endswith("ZJHM")


def content_of(values: dict[str, Any], allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """The record's content: every filled mapped field the item declares (``allowed``: its content
    keys; None: every mapped field) but personal ID numbers.

    ``map_row`` has already cleaned every text value, so "filled" is simply non-empty.
    """
    if allowed is None:
        content = {k: v for k, v in values.items() if v and k not in PERSONAL_ID_KEYS}
    else:
        content = {k: v for k, v in values.items() if v and k in allowed and k not in PERSONAL_ID_KEYS}
    for key, value in content.items():
        if isinstance(value, dict):  # (other_ids): its filled entries but personal ID numbers
            content[key] = {k: v for k, v in value.items() if v and not _is_personal_id_column(k)}
    # an entry left empty is not kept (the others keep their order)
    return {k: v for k, v in content.items() if v} if not all(content.values()) else content


@rule("Art. 20(4)")
def mask_ids_in_content(content: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A resident ID number written inside a record's text is masked 前6后4 before the record is stored:
    the record may be shown, the number never is. Returns the content and the fields masked."""
    # Hot path: one search over all the text tells most rows apart (nothing shaped like a number).
    texts = []
    for v in content.values():
        if type(v) is str:
            texts.append(v)
        elif type(v) is dict:
            texts.extend(x for x in v.values() if type(x) is str)
    if not may_hold_id_number("\x00".join(texts)):
        return content, ()
    masked: list[str] = []
    out = content
    for key, value in content.items():
        if isinstance(value, str):
            new, n = mask_id_numbers(value)
        elif isinstance(value, dict):
            new, n = {}, 0
            for k, v in value.items():
                new[k], m = mask_id_numbers(v) if isinstance(v, str) else (v, 0)
                n += m
        else:
            continue
        if n:
            if out is content:
                out = dict(content)
            out[key] = new
            masked.append(key)
    return out, tuple(masked)


# The Art. 14.3 kinds and their matcher live with the catalog (a catalog field can never be of such a kind):
# ``catalog.rules.prohibited_kind``, used here for the columns of a file.


@rule("Art. 14.3")
def check_no_prohibited_columns(columns: Iterable[str]) -> None:
    """A file with a column naming religious faith, genes, fingerprints, blood type, illness or medical
    history is refused whole, before any copy of it is kept: such information is never collected."""
    for column in columns:
        kind = prohibited_kind(column)
        if kind is not None:
            column = mask_id_shaped(column)  # a data row read as the header: never a number in a message
            raise RuleViolation(
                msg("column '{column}' holds {kind} information, which must never be collected (Art. 14.3; "
                    "collection only as lawful and necessary, Art. 6): the file is refused whole and nothing of it "
                    "is kept; remove the column and submit the file again", column=column, kind=kind),
                article="Art. 14.3",
                field=column,
            )


def digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def validate_row(values: dict[str, Any], ctx: RowContext) -> RecordDraft:
    """Check one mapped row against every aggregation rule; the first failure is raised."""
    try:
        return _validate(values, ctx)
    except FieldError as exc:
        raise InvalidInput(exc.reason, field=exc.field) from exc


def _validate(values: dict[str, Any], ctx: RowContext) -> RecordDraft:
    # Hot path (every imported row): the rules below run in this order, each one as a function of
    # its own; repeated values (identifiers, dates, labels, amounts) are parsed once per import
    # through the context's memos.
    get = values.get
    code = (get("catalog_item") or "").strip() or DEFAULT_ITEM.get(ctx.fmt, "")
    if not code:
        raise InvalidInput("catalog_item is required", article="Art. 11", field="catalog_item")
    item = ctx.items.get(code)
    if item is None:
        raise RuleViolation(
            msg("'{code}' is not an item of the public credit information catalog; information not in the catalog "
                "must not be aggregated", code=code),
            article="Art. 11",
            field="catalog_item",
        )
    check_item_aggregable(item.code, item.state, item.published_on, item.retired_on, ctx.today)
    check_unit_may_provide(ctx.unit_items, code)
    doc_no = (get("doc_no") or "").strip()
    doc_org = (get("doc_org") or "").strip()
    check_legal_document(doc_no, get("doc_date") or "", doc_org)
    check_complete(ctx.fmt, values)
    ident = _subject(values, ctx)
    name = (get("subject_name") or "").strip()
    if not name:
        raise InvalidInput("the subject's name is missing", field="subject_name")

    doc_date = ctx.date(values["doc_date"], "doc_date")
    conduct_date = _optional_date(values, "conduct_date", ctx)
    given_end = _optional_date(values, "ended_on", ctx)
    check_dates(doc_date, conduct_date, given_end, ctx.today)
    if ident.kind == "natural_person":
        deemed = _optional_bool(values, "deemed_full_capacity", ctx)
        full = _optional_bool(values, "full_capacity", ctx)
        check_not_without_capacity(ident, full, deemed)
        check_full_civil_capacity(ident, conduct_date or doc_date, deemed)

    procedure = severity = None
    if code == "penalty":
        raw = get("procedure")
        procedure = None if raw == "" or _blank(raw) else ctx.enum(raw, PROCEDURES, "procedure")
        raw = get("slight")
        slight = False if raw == "" or _blank(raw) else ctx.enum(raw, BOOLEANS, "slight") == "true"
        raw = get("severity")
        severity = None if raw == "" or _blank(raw) else ctx.enum(raw, SEVERITIES, "severity")
        check_penalty_is_untrustworthiness(procedure, slight, severity)

    warning = None
    if item.conduct_laws:
        check_conduct_listed_by_law(item.conduct_laws, get("basis_law"), get("basis_article"))
        warning = basis_warning(item.conduct_laws, get("legal_basis"), get("basis_law"))

    declared = item.fields if item.fields is not None else _format_declared(ctx.fmt)
    amount = None
    if "fine_wan" in declared and not _blank(get("fine_wan")):
        amount = ctx.amount(values["fine_wan"], "fine_wan", "wan")
    elif "amount_yuan" in declared and not _blank(get("amount_yuan")):
        amount = ctx.amount(values["amount_yuan"], "amount_yuan", "yuan")
    elif "amount_yuan" in declared and not _blank(get("amount_wan")):
        amount = ctx.amount(values["amount_wan"], "amount_wan", "wan")

    ended_on, ended_source = ended_on_for(item, given_end, doc_date)
    # Only the item's declared fields are aggregated (Art. 11): the importer has dropped the other
    # columns already; a correction or a single record submitted over the API is held to it here.
    content = content_of(values, content_keys(declared))
    content["catalog_item"] = code
    content["doc_date"] = doc_date.isoformat()
    if conduct_date is not None:
        content["conduct_date"] = conduct_date.isoformat()
    if given_end is not None:
        content["ended_on"] = given_end.isoformat()
    if amount is not None:
        content["amount_yuan"] = str(amount)
    for key in OTHER_DATES:
        if key in content:
            content[key] = ctx.date(content[key], key).isoformat()
    content, masked = mask_ids_in_content(content)
    if masked:  # the columns of the record and its subject's name hold what content holds
        doc_no, doc_org = content.get("doc_no", doc_no), content.get("doc_org", doc_org)
        name = content.get("subject_name", name)
    return RecordDraft(
        item_code=code,
        identifier=ident,
        subject_name=name,
        untrustworthy=item.untrustworthy,
        doc_no=doc_no,
        doc_date=doc_date,
        doc_org=doc_org,
        conduct_date=conduct_date,
        ended_on=ended_on,
        ended_on_source=ended_source,
        procedure=procedure,
        severity=severity,
        amount_yuan=amount,
        content=content,
        content_digest=digest(content),
        masked=masked,
        warnings=(warning,) if warning else (),
    )


def _optional_bool(values: dict[str, Any], key: str, ctx: RowContext) -> bool | None:
    raw = values.get(key)
    if raw == "" or _blank(raw):
        return None
    return ctx.enum(raw, BOOLEANS, key) == "true"


@lru_cache(maxsize=8)
def _format_declared(fmt: str) -> frozenset[str]:
    return format_keys(fmt) | STRUCTURAL_KEYS


def reject_of(exc: DomainError) -> tuple[str | None, str, str | None]:
    return exc.field, exc.message, exc.article
