"""Credit reports: which reports are free, who pays, and where each record goes (Art. 34, 41).

Pure functions; the service gathers the facts (the subject's kind, the reports already issued this
calendar year, the parameter in force on the issue day, the configured fee).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..law.rules import rule

# Art. 41: the stages in which an administrative organ's use of a credit report may not be charged to
# the subject — government procurement, tendering, financial support, personnel management, project
# management — as Art. 28 purpose codes.
ART41_STAGES: dict[str, tuple[str, str]] = {
    "procurement": ("政府采购", "government procurement"),
    "tendering": ("招标投标", "tendering and bidding"),
    "funding": ("资金支持", "financial support"),
    "recruitment": ("人事管理（招录）", "personnel management (recruitment)"),
    "appointment": ("人事管理（职务任用）", "personnel management (appointment)"),
    "promotion": ("人事管理（职务晋升）", "personnel management (promotion)"),
    "project-support": ("项目管理", "project management"),
}


@dataclass(frozen=True)
class Charge:
    """How one issued report is accounted for."""

    free_rule: str  # art34.2 | not_applicable | art41 | organ
    counted_free: bool  # counts as one of the natural person's free reports this calendar year
    chargeable: bool  # outside any free allowance: the configured fee applies
    fee_yuan: Decimal | None
    payer: str  # subject | organ | none
    article: str
    note_zh: str
    note_en: str


@rule("Art. 34.2")
def own_report_charge(subject_kind: str, free_used_this_year: int, free_per_year: int,
                      fee_yuan: Decimal) -> Charge:
    """A natural person gets its free reports each calendar year from this platform; further ones, and
    legal persons' reports (the free-report rule does not cover them), carry the configured fee."""
    if subject_kind != "natural_person":
        return Charge("not_applicable", False, True, fee_yuan, "subject", "Art. 34.2",
                      "法人和非法人组织不适用自然人每年免费获取信用报告的规定；费用按本平台配置标准。",
                      "The free-report rule covers natural persons only; the configured fee applies.")
    if free_used_this_year < free_per_year:
        n = free_used_this_year + 1
        return Charge("art34.2", True, False, Decimal("0.00"), "none", "Art. 34.2",
                      f"本年度第{n}次免费信用报告（每年免费{free_per_year}次）。",
                      f"Free report {n} of {free_per_year} this calendar year.")
    return Charge("art34.2", False, True, fee_yuan, "subject", "Art. 34.2",
                  f"本年度免费次数（{free_per_year}次）已用完；费用按本平台配置标准。",
                  f"The {free_per_year} free reports of this calendar year are used; the configured fee "
                  "applies.")


@rule("Art. 41")
def organ_report_charge(purpose: str, fee_yuan: Decimal) -> Charge:
    """A report an administrative organ uses in procurement, tendering, financial support, personnel
    or project management is never charged to the subject, nor counted among its free reports."""
    if purpose in ART41_STAGES:
        zh, en = ART41_STAGES[purpose]
        return Charge("art41", False, False, fee_yuan if fee_yuan else None, "organ" if fee_yuan else "none",
                      "Art. 41", f"行政机关在{zh}环节使用信用报告，相关费用不得由申报主体承担；不计入本人免费次数。",
                      f"Used by an administrative organ in {en}: no cost is borne by the subject; not "
                      "counted among its free reports.")
    # Any other Art. 28 occasion: the organ asked, the organ's matter; the subject neither pays nor uses
    # up a free report.
    return Charge("organ", False, False, fee_yuan if fee_yuan else None, "organ" if fee_yuan else "none",
                  "Art. 28.1", "行政机关依职责查询取得的信用报告，费用不由信息主体承担；不计入本人免费次数。",
                  "Obtained by an administrative organ for its duties: not charged to the subject, not "
                  "counted among its free reports.")


# The report's sections (domain.md §8) and the catalog items each holds, in order.
SECTIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("basic", "基本信息", "Basic information", ()),
    ("administrative", "行政管理信息", "Administrative management", ("licence", "penalty")),
    ("honours", "荣誉及正面信息", "Honours and positive information", ("commendation",)),
    ("lists", "严重失信主体名单信息", "Lists of seriously untrustworthy entities", ()),
    ("abnormal", "经营异常信息", "Abnormal operations", ()),
    ("commitments", "信用承诺信息", "Credit commitments", ("commitment",)),
    ("evaluation", "信用评价结果", "Evaluation results", ()),
    ("judicial", "司法信息", "Judicial information", ("judgment-default",)),
    ("other", "其他信息", "Other information", ("arrears", "false-materials", "market-ban", "other-untrust")),
)
RECORD_SECTIONS = tuple(key for key, *_ in SECTIONS if key != "basic")


@rule("Art. 34.1")
def section_of(item_code: str) -> str:
    """Each record is reported under the section its catalog item belongs to; anything else under
    'other', so that no record the subject may see is left out of its report."""
    for key, _zh, _en, items in SECTIONS:
        if item_code in items:
            return key
    return "other"
