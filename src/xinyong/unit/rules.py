"""Rules about units: their kinds, what they may provide, and organs' published inquiry lists."""

from __future__ import annotations

from ..auth import PROVIDER_KINDS, RELAY_KINDS, UNIT_KINDS
from ..errors import InvalidInput, RuleViolation, msg
from ..law.rules import rule

# Art. 28's occasions as purpose codes: code -> (Chinese, English, the Art. 28.1 item).
PURPOSES: dict[str, tuple[str, str, str]] = {
    "permit": ("实施行政许可", "administrative licensing", "Art. 28.1(1)"),
    "inspection": ("行政检查", "administrative inspection", "Art. 28.1(1)"),
    "spot-check": ("监督抽验", "supervisory spot checks", "Art. 28.1(1)"),
    "large-penalty": ("大额行政处罚裁量", "discretion over large penalties", "Art. 28.1(1)"),
    "procurement": ("政府采购", "government procurement", "Art. 28.1(2)"),
    "tendering": ("招标投标", "tendering and bidding", "Art. 28.1(2)"),
    "funding": ("资金支持", "financial support", "Art. 28.1(2)"),
    "project-support": ("项目支持", "project support", "Art. 28.1(2)"),
    "land": ("国有土地使用权出让", "transfer of state-owned land use rights", "Art. 28.1(2)"),
    "research": ("科研管理", "scientific research management", "Art. 28.1(2)"),
    "residence-permit": ("居住证管理", "residence permits", "Art. 28.1(3)"),
    "household-registration": ("落户管理", "household registration", "Art. 28.1(3)"),
    "id-card": ("居民身份证异地受理", "identity cards accepted away from home", "Art. 28.1(3)"),
    "recruitment": ("国家工作人员招录", "recruitment of state personnel", "Art. 28.1(4)"),
    "appointment": ("职务任用", "appointment to posts", "Art. 28.1(4)"),
    "promotion": ("职务晋升", "promotion", "Art. 28.1(4)"),
    "commendation": ("表彰奖励", "commendations and awards", "Art. 28.1(5)"),
    "routine": ("其他日常管理工作", "other routine management", "Art. 28.1(6)"),
}


def check_kind(kind: str) -> str:
    if kind not in UNIT_KINDS:
        raise InvalidInput(
            msg("unknown unit kind '{kind}'; one of: {unit_kinds}", kind=kind, unit_kinds=", ".join(UNIT_KINDS)),
            field="kind"
        )
    return kind


@rule("Art. 8.2")
def check_may_be_provider(kind: str, items: list[str]) -> None:
    """Only public credit information providers (organs, public enterprises and institutions) provide items — and
    a partner platform's unit, which relays theirs (Art. 12)."""
    if items and kind not in PROVIDER_KINDS and kind not in RELAY_KINDS:
        raise RuleViolation(
            msg("a unit of kind '{kind}' is not a provider of public credit information; providers are "
                "{provider_kinds}", kind=kind, provider_kinds=", ".join(PROVIDER_KINDS)),
            article="Art. 8.2",
            field="provides",
        )


@rule("Art. 28.1")
def check_purpose(purpose: str) -> str:
    """An inquiry purpose is one of the occasions Art. 28 lists."""
    if purpose not in PURPOSES:
        raise RuleViolation(
            msg("'{purpose}' is not an Art. 28 purpose; one of: {purposes}",
                purpose=purpose, purposes=", ".join(PURPOSES)),
            article="Art. 28.1",
            field="purpose",
        )
    return purpose


@rule("Art. 17.2")
def check_inquiry_list_owner(kind: str, inquires: list[str], purposes: list[str], mandate: str | None = None) -> None:
    """A published inquiry list (items and lists × purposes) belongs to an administrative organ (or an Art. 28.2 organization), and needs both halves."""
    if not inquires and not purposes:
        return
    if kind != "administrative" and not mandate:
        raise RuleViolation(
            msg("only administrative organs (and organizations that laws or regulations give public-affairs "
                "functions, Art. 28.2) publish a list of inquiry items and purposes (a '{kind}' unit inquires "
                "under the subject's authorization or its own basis)", kind=kind),
            article="Art. 17.2",
            field="inquires",
        )
    if not inquires or not purposes:
        raise RuleViolation(
            "an inquiry list needs both the items (--inquires) and the purposes (--purposes)",
            article="Art. 17.2",
            field="inquires" if not inquires else "purposes",
        )


JUDICIAL_SUBKINDS = ("court", "procuratorate")
MANDATE_KINDS = ("public-institution", "public-enterprise")


@rule("Art. 17.2")
def check_subkind(kind: str, subkind: str | None) -> str | None:
    """A judicial organ is registered with its kind (court or procuratorate): it names its cases in that kind's numbering."""
    if kind == "judicial":
        if subkind not in JUDICIAL_SUBKINDS:
            raise RuleViolation("a judicial organ is registered as a court or a procuratorate (--subkind): it "
                                "inquires for the cases it names in that kind's numbering", article="Art. 17.2",
                                field="subkind")
        return subkind
    if subkind:
        raise InvalidInput(msg("only judicial organs have a subkind (court | procuratorate), not a '{kind}' unit",
                               kind=kind),
                           field="subkind")
    return None


@rule("Art. 28.2")
def check_mandate(kind: str, mandate: str | None) -> None:
    """An organization that laws or regulations give public-affairs functions inquires as an organ does; it names that law."""
    if mandate and kind not in MANDATE_KINDS:
        raise RuleViolation(msg("a public-affairs mandate (Art. 28.2) is recorded for a public institution or "
                                "public enterprise that a law or regulation authorizes, not for a '{kind}' unit",
                                kind=kind),
                            article="Art. 28.2", field="mandate")


@rule("Art. 19(2)")
def check_officer_rights(unit_list: list[tuple[str, str]], items: list[str] | None,
                         purposes: list[str] | None) -> None:
    """An officer's query rights lie within the unit's published inquiry list."""
    unit_items = {i for i, _ in unit_list}
    unit_purposes = {p for _, p in unit_list}
    for item in items or ():
        if item not in unit_items:
            raise RuleViolation(
                msg("item '{item}' is not on the unit's published inquiry list; an officer's rights lie within the "
                    "unit's", item=item),
                article="Art. 19(2)",
                field="items",
            )
    for purpose in purposes or ():
        if purpose not in unit_purposes:
            raise RuleViolation(
                msg("purpose '{purpose}' is not on the unit's published inquiry list", purpose=purpose),
                article="Art. 19(2)",
                field="purposes",
            )


@rule("Art. 19(2)")
def console_reason(reason: str | None) -> str:
    """The console acts for a unit only with a recorded reason (kept and shown to the supervisor)."""
    if not (reason or "").strip():
        raise RuleViolation("the console acts for a unit only with a recorded reason: give it (xinyong "
                            "--console-reason TEXT …, or XINYONG_CONSOLE_REASON); it is kept and shown to the "
                            "supervisor", article="Art. 19(2)", field="console_reason")
    return reason.strip()
