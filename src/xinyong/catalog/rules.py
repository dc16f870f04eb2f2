"""Rules about the catalog (Art. 9–11)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

from ..errors import RuleViolation, msg
from ..law.rules import rule

STATES = ("proposed", "under-assessment", "public-comment", "approved", "published", "retired")
DISCLOSURE = ("public", "authorized", "restricted")

# Until the supervisor's full Art. 10 workflow exists, publishing and retiring are the two moves.
_ALLOWED = {
    "published": {"proposed", "under-assessment", "public-comment", "approved", "retired"},
    "retired": {"published"},
}


@rule("Art. 10.2")
def check_transition(current: str, target: str) -> None:
    """A catalog item moves only along its lifecycle: it is published after drafting, and retired once published."""
    if current not in _ALLOWED.get(target, set()):
        raise RuleViolation(
            msg("a catalog item that is '{current}' cannot become '{target}'", current=current, target=target),
            article="Art. 10.2",
            field="state",
        )


@rule("Art. 11")
def check_item_aggregable(code: str, state: str, published_on: date | None, retired_on: date | None,
                          on: date) -> None:
    """Only information of an item in the published catalog may be aggregated on the platform.

    A retired item was in the catalog until the day it was retired: from that day no new record of it is
    aggregated (a retirement published for a later day leaves the days before it open). Records aggregated before
    stay as they were and are served as before: their Art. 35 inquiry period runs on."""
    if state not in ("published", "retired") or published_on is None or published_on > on:
        raise RuleViolation(
            msg("catalog item '{code}' is not in the published catalog ({state}); information not in the catalog "
                "must not be aggregated", code=code, state=state),
            article="Art. 11",
            field="catalog_item",
        )
    if state == "retired" and retired_on is None:
        raise RuleViolation(
            msg("catalog item '{code}' is not in the published catalog ({state}); information not in the catalog "
                "must not be aggregated", code=code, state=state),
            article="Art. 11",
            field="catalog_item",
        )
    if retired_on is not None and retired_on <= on:
        raise RuleViolation(
            msg("catalog item '{code}' was retired on {retired_on}", code=code, retired_on=retired_on.isoformat()),
            article="Art. 11",
            field="catalog_item",
        )


COMPILERS = ("supervisor",)


@rule("Art. 10.2")
def may_compile(role: str) -> None:
    """The catalog is compiled and published by the social credit supervisor, under its own identity."""
    if role not in COMPILERS:
        from ..errors import Forbidden

        raise Forbidden("the catalog is compiled and published by the social credit supervisor, under its own "
                        "identity (its token)", article="Art. 10.2")


# Kinds of fields (Art. 14.2, 14.3) --------------------------------------------------------------------
# The restricted kinds of Art. 14.2: a natural person's income, deposits, securities, commercial insurance, real
# estate and tax amounts. A catalog item marks each field of such a kind (``catalog_item.field_kinds``); a credit
# service establishment sees it only under a written consent of that grade (inquiry.rules). Defined here, in the
# reference-data layer, so that the catalog checks its own marks; ``inquiry.rules.RESTRICTED_KINDS`` is this.
RESTRICTED_KINDS = ("income", "deposits", "securities", "commercial-insurance", "real-estate", "tax-amount")


@rule("Art. 14.2")
def check_field_kinds(code: str, field_kinds: dict | None) -> None:
    """A catalog item marks a field only with one of the restricted kinds of Art. 14.2 (income, deposits,
    securities, commercial insurance, real estate, tax amounts)."""
    for name, kind in (field_kinds or {}).items():
        if not isinstance(name, str) or not name or kind not in RESTRICTED_KINDS:
            raise RuleViolation(
                msg("catalog item '{code}' marks field '{field}' with '{kind}', which is not a restricted kind of "
                    "Art. 14.2", code=code, field=str(name), kind=str(kind)),
                article="Art. 14.2", field="field_kinds")


@rule("Art. 14.3")
def check_fields_not_prohibited(code: str, fields: list | None, field_kinds: dict | None,
                                kind_of: Callable[[str], str | None]) -> None:
    """No catalog field may be of a prohibited kind (religious faith, genes, fingerprints, blood type, illness and
    medical history): such information is never collected, whatever the consent. ``kind_of`` is the Art. 14.3
    matcher of field names (``record.rules.prohibited_kind``: the catalog, a lower layer, is handed it)."""
    for name in [*(fields or ()), *(field_kinds or {})]:
        kind = kind_of(str(name))
        if kind is not None:
            raise RuleViolation(
                msg("catalog item '{code}' declares field '{field}', which is {kind} information: it must never be "
                    "collected, whatever the consent", code=code, field=str(name), kind=kind),
                article="Art. 14.3", field="fields")


# Laws and their articles as the catalog names them (Art. 9.3) ---------------------------------------------------
_LAW_PREFIX = re.compile(r"^(?:中华人民共和国|上海市)")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ARTICLE_REF = re.compile(r"^(?:第?\s*(?P<a>[0-9]+|[零〇一二两三四五六七八九十百千]+)\s*条)?"
                          r"(?:\s*第?\s*(?P<p>[0-9]+|[零〇一二两三四五六七八九十]+)\s*款)?$"
                          r"|^(?:Art\.?\s*)?(?P<n>[0-9]+)(?:\.(?P<q>[0-9]+))?$", re.IGNORECASE)


def law_key(name: str) -> str:
    """A law's name as the platform compares it: without 《》, spaces, and the 中华人民共和国 / 上海市 prefix."""
    text = unicodedata.normalize("NFKC", name or "").replace("《", "").replace("》", "").replace(" ", "").strip()
    return _LAW_PREFIX.sub("", text)


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
    return total + current


def article_key(ref: str) -> str | None:
    """``第一百二十四条第一款`` / ``124.1`` / ``Art. 124`` → ``"124.1"`` / ``"124"``; None when it is not one."""
    m = _ARTICLE_REF.match(unicodedata.normalize("NFKC", ref or "").replace(" ", ""))
    if not m or not (m["a"] or m["n"]):
        return None
    article, paragraph = (m["a"], m["p"]) if m["a"] else (m["n"], m["q"])
    return f"{_cn_number(article)}.{_cn_number(paragraph)}" if paragraph else str(_cn_number(article))


# Compiling the catalog (Art. 10) ------------------------------------------------------------------------------
COMMENT_PARAMETER = "catalog.comment_min_days"
PROPOSERS = ("administrative", "judicial", "public-enterprise", "public-institution", "supervisor")


@rule("Art. 10.1")
def check_proposal(role: str, reasons: str) -> None:
    """A unit proposing an item for the catalog states its reasons."""
    from ..errors import Forbidden

    if role not in PROPOSERS:
        raise Forbidden("items are proposed for the catalog by the units concerned (organs and the public bodies "
                        "that produce public credit information) or the supervisor", article="Art. 10.1")
    if not (reasons or "").strip():
        raise RuleViolation("a proposal states its reasons", article="Art. 10.1", field="reasons")


@rule("Art. 10.1")
def check_assessed(code: str, contested: bool, assessments: int) -> None:
    """A proposal on which opinions differ widely, or whose social impact may be large, is assessed with the
    supervisor, hearing representatives and experts, before it goes into a draft."""
    if contested and assessments == 0:
        raise RuleViolation(msg("the proposal of '{code}' is contested or may have a large social impact: it is "
                                "assessed with the supervisor, hearing representatives of those concerned and "
                                "experts, before it goes into the draft", code=code),
                            article="Art. 10.1", field="proposals")


@rule("Art. 10.1")
def check_assessment(representatives: list, experts: list, conclusion: str) -> None:
    """An assessment hears representatives of the groups concerned and experts, and reaches a conclusion."""
    if not [r for r in representatives if str(r).strip()]:
        raise RuleViolation("an assessment hears representatives of the groups concerned: name them",
                            article="Art. 10.1", field="representatives")
    if not [e for e in experts if str(e).strip()]:
        raise RuleViolation("an assessment hears experts: name them", article="Art. 10.1", field="experts")
    if not (conclusion or "").strip():
        raise RuleViolation("an assessment records its conclusion", article="Art. 10.1", field="conclusion")


@rule("Art. 10.1")
def check_retirement_proposal(code: str, state: str | None, retired_on: date | None) -> None:
    """An item proposed for retirement is one the catalog holds and has not retired.

    Platform policy resting on Art. 10: the article provides for proposing items for inclusion (纳入) with the
    reasons (10.1) and for the draft, public comment, approval and publication (10.2); it says nothing of taking an
    item out. The platform takes an item out of the catalog only by the same procedure, with the reasons."""
    if state is None:
        raise RuleViolation(msg("'{code}' is not an item of the public credit information catalog: there is nothing "
                                "to retire", code=code), article="Art. 10.1", field="code")
    if state != "published" or retired_on is not None:
        raise RuleViolation(msg("catalog item '{code}' is {state}: only an item in the published catalog is proposed "
                                "for retirement", code=code, state=state), article="Art. 10.1", field="code")


@rule("Art. 10.2")
def check_comment_period_start(compiled_on: date, comment_from: date) -> None:
    """The draft is put out for public comment once it is compiled: its comment period starts on or after the day
    it was compiled (Art. 10.2: the supervisor forms the draft, then puts it out for comment)."""
    if comment_from < compiled_on:
        raise RuleViolation(msg("the comment period starts on {comment_from}, before the draft was compiled on "
                                "{compiled_on}", comment_from=comment_from.isoformat(),
                                compiled_on=compiled_on.isoformat()), article="Art. 10.2", field="comment_from")


@rule("Art. 10.2")
def check_comment_open(state: str, received_on: date, comment_from: date | None, comment_to: date | None) -> None:
    """Anyone may comment on a draft that is out for public comment, during its comment period."""
    if state != "out_for_comment" or comment_from is None or comment_to is None \
            or not comment_from <= received_on <= comment_to:
        raise RuleViolation(msg("the draft is not open for comment on {day}: comments are received during its "
                                "public comment period", day=received_on.isoformat()),
                            article="Art. 10.2", field="draft")


@rule("Art. 10.2")
def check_comment_period(comment_from: date, comment_to: date, min_days: int) -> None:
    """The draft catalog is put out for public comment, for at least the minimum period."""
    days = (comment_to - comment_from).days + 1
    if days < min_days:
        raise RuleViolation(msg("a comment period of {days} days; the draft catalog is put out for public comment "
                                "for at least {min_days}", days=days, min_days=min_days),
                            article="Art. 10.2", field="comment_to")


@rule("Art. 10.2")
def check_comment_received(received_on: date, comment_from: date | None, comment_to: date | None) -> None:
    """A comment on the draft is one received while it was out for comment."""
    if comment_from is None or comment_to is None or not comment_from <= received_on <= comment_to:
        raise RuleViolation(msg("a comment received on {received_on} is outside the draft's comment period",
                                received_on=received_on.isoformat()), article="Art. 10.2", field="received_on")


@rule("Art. 10.2")
def check_approvable(state: str, comment_to: date | None, on: date, unanswered: int) -> None:
    """The deliberative body approves a draft only after its public comment, every comment answered."""
    if state != "out_for_comment" or comment_to is None:
        raise RuleViolation("the draft catalog is put out for public comment before it is approved",
                            article="Art. 10.2", field="state")
    if on <= comment_to:
        raise RuleViolation(msg("the comment period runs until {comment_to}: it is approved after that",
                                comment_to=comment_to.isoformat()), article="Art. 10.2", field="approved_on")
    if unanswered:
        raise RuleViolation(msg("{n} comment(s) on the draft have no response yet", n=unanswered),
                            article="Art. 10.2", field="comments")


@rule("Art. 10.2")
def check_publishable(state: str) -> None:
    """The catalog is published once the deliberative body has approved the draft."""
    if state != "approved":
        raise RuleViolation("the draft catalog is published after the deliberative body approved it "
                            "(record its approval: document and date)", article="Art. 10.2", field="state")


# The prohibited kinds of Art. 14.3, and how a field's or a column's name is matched to one -------------------
# Art. 14.3: kinds of personal information whose collection is prohibited whatever the consent —
# religious faith, genes, fingerprints, blood type, illness and medical history. A header column whose
# name names one refuses the file (Art. 6: collection lawful and necessary). Chinese names are matched by
# the terms they contain, once the innocent compounds that contain a term are taken out (转基因: a
# product's GMO labelling; 疾病预防控制: the CDC, an organ; 宗教事务: the religious affairs bureau);
# English names word by word, so that "general" or "genre" is not "gene" and "good faith" is not faith.
PROHIBITED_COLUMN_TERMS: dict[str, tuple[str, ...]] = {
    "religious faith": ("宗教信仰", "信仰", "宗教", "religion", "religions", "religious", "faith"),
    "genes": ("基因", "遗传", "gene", "genes", "genetic", "genetics", "genome", "dna"),
    "fingerprints": ("指纹", "fingerprint", "fingerprints"),
    "blood type": ("血型", "blood type", "blood group", "bloodtype", "bloodgroup"),
    "illness or medical history": ("疾病", "病史", "病情", "既往病", "病历", "诊断", "illness", "illnesses",
                                   "disease", "diseases", "medical history", "medicalhistory", "diagnosis",
                                   "diagnoses"),
}
_INNOCENT_ZH = ("转基因", "疾病预防控制", "宗教事务")
_INNOCENT_EN = ("good faith", "bad faith", "disease control", "disease prevention")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORDS = re.compile(r"[a-z]+")


def _prohibited_terms() -> tuple[list[tuple[str, str]], dict[tuple[str, ...], str]]:
    zh, en = [], {}
    for kind, terms in PROHIBITED_COLUMN_TERMS.items():
        for term in terms:
            if term.isascii():
                en[tuple(term.split())] = kind
            else:
                zh.append((term, kind))
    return zh, en


_ZH_TERMS, _EN_TERMS = _prohibited_terms()


def prohibited_kind(column: str) -> str | None:
    """The Art. 14.3 kind a column name names (e.g. "blood type"), or None."""
    name = unicodedata.normalize("NFKC", column or "")
    rest = name
    for innocent in _INNOCENT_ZH:
        rest = rest.replace(innocent, "")
    for term, kind in _ZH_TERMS:
        if term in rest:
            return kind
    words = _WORDS.findall(_CAMEL.sub(" ", name).lower())
    text = " ".join(words)
    for innocent in _INNOCENT_EN:
        text = text.replace(innocent, " ")
    words = text.split()
    for i in range(len(words)):
        for n in (1, 2):
            kind = _EN_TERMS.get(tuple(words[i:i + n]))
            if kind is not None:
                return kind
    return None
