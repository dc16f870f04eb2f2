"""The demo's world beyond records: the application list of measures, a public black list and a red list with
their entries, officers, and fixed sign-in tokens for the portal — so that every public page has something to
show and every role can sign in (``xinyong demo``, run by ``./dev run``).

Everything goes through the services (the same rules, the same audit events as the API); everything is
idempotent: a second run finds what the first made and adds nothing.

The demo tokens are fixed strings, printed by the demo and listed in README.md. They are for the demo database
only: anyone who reads the README can sign in with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import Actor, token_digest
from ..listing import service as listing
from ..measure import service as measures
from ..models import CreditList, Measure, Officer, Record, Subject, Unit, UnitToken
from ..unit import service as units
from .generate import demo_units, ric_check


@dataclass(frozen=True)
class DemoToken:
    token: str
    who: str  # who signs in with it, in words (English)
    who_zh: str
    home: str  # where the sign-in lands


# The fixed demo tokens, in the order README.md lists them.
DEMO_TOKENS: tuple[DemoToken, ...] = (
    DemoToken("demo-citizen", "a citizen (natural person) with records", "有信用记录的自然人", "/me"),
    DemoToken("demo-company", "the authorized agent of a company (on the black list)", "企业的授权代理人（该企业在严重失信名单上）",
              "/me"),
    DemoToken("demo-clerk", "a clerk of a district providing unit (浦东新区市场监督管理局)",
              "区级信息提供单位（浦东新区市场监督管理局）的经办人员", "/unit"),
    DemoToken("demo-organ", "an officer of an organ who runs pre-decision checks (上海市财政局, procurement)",
              "开展事前核查的机关工作人员（上海市财政局，政府采购）", "/unit"),
    DemoToken("demo-operator", "the operator (上海市公共信用信息服务中心)", "运营机构（上海市公共信用信息服务中心）", "/console"),
    DemoToken("demo-supervisor", "the supervisor (上海市发展和改革委员会)", "主管部门（上海市发展和改革委员会）", "/oversight"),
)

# (token, unit short name, staff number, officer's name) of the demo's officers
_OFFICERS = (
    ("demo-clerk", "pdsamr", "PD-0117", "陈静（演示）"),
    ("demo-organ", "finance", "CZ-0101", "王磊（演示）"),
    ("demo-operator", "center", "ZX-0001", "李敏（演示）"),
    ("demo-supervisor", "ndrc", "FG-0001", "赵刚（演示）"),
)
AGENT_NAME = "刘洋（演示代理人）"
AGENT_DOCUMENT = "授权委托书 演示〔2025〕1号"

BLACK_LIST = "DEMO-BL-SAMR"
RED_LIST = "DEMO-RL-SAMR"


def seed(session: Session, *, day: date, echo: Callable[[str], None] = print) -> dict[str, dict]:
    """Lists, measures, officers and the demo tokens. Returns token → {who, home} (for the printout)."""
    by_short = _units(session)
    samr = by_short["samr"]
    keeper = Actor(role="administrative", unit_id=samr.id, unit_uscc=samr.uscc, officer="demo")
    supervisor = by_short["ndrc"]
    compiler = Actor(role="supervisor", unit_id=supervisor.id, unit_uscc=supervisor.uscc, officer="demo")

    company = _company(session)
    black = _black_list(session, keeper, day, company)
    red = _red_list(session, keeper, day, exclude={company.id} if company else set())
    _name_lists(session, by_short, black, red, day)
    added = _measures(session, compiler, by_short, black, red, day)
    if added:
        echo(f"demo measures: {added} published and announced on the application list (/measures)")
    if consent_notice(session, day):
        echo("demo consent notice: version 1 published (shown on /me/authorizations, Art. 14.2)")
    draft = catalog_draft(session, samr, compiler, day)
    if draft:
        echo(f"demo catalog draft: {draft} out for public comment, two comments, one answered (/catalog, Art. 10.2)")
    return _tokens(session, by_short, company, day)


# --- a draft of the catalog out for public comment (Art. 10) ------------------------------------------------

DRAFT_ITEM = {"code": "grade-a-taxpayer", "name_zh": "纳税信用A级纳税人", "name_en": "Grade-A taxpayers",
              "class": "positive", "untrustworthy": False, "article": "Art. 9.1",
              "legal_basis": "《纳税信用管理办法》（国家税务总局公告2014年第40号）第二十九条", "disclosure": "public",
              "record_format": "general", "providers": "国家税务总局上海市税务局"}


def catalog_draft(session: Session, proposer_unit: Unit, compiler: Actor, day: date) -> int | None:
    """A proposal (contested, so assessed), compiled into a draft put out for comment from 10 days ago for 30 days,
    with two comments, one answered. Once: a second run adds nothing. Returns the draft's id when it was made."""

    from ..catalog import compilation
    from ..models import CatalogDraft

    if session.scalar(select(CatalogDraft.id).limit(1)) is not None:
        return None
    proposer = Actor(role=proposer_unit.kind, unit_id=proposer_unit.id, unit_uscc=proposer_unit.uscc, officer="demo")
    proposal = compilation.propose(session, item=DRAFT_ITEM, reasons="纳税信用A级纳税人名单依法向社会公开，纳入目录便于"
                                   "在行政审批中实施守信激励（第二十九条）", contested=True, actor=proposer,
                                   on=day - timedelta(days=40))
    compilation.record_assessment(session, proposal_id=proposal.id, held_on=day - timedelta(days=30),
                                  representatives=["市工商业联合会代表", "纳税人代表"], experts=["某大学法学院教授"],
                                  conclusion="同意纳入；仅记录名称、代码、年度和评定文书", actor=compiler)
    draft = compilation.compile_draft(session, title="上海市公共信用信息目录（2027年版）征求意见稿",
                                      proposal_ids=[proposal.id], actor=compiler, on=day - timedelta(days=12),
                                      procedures="归集程序：提供单位按目录要求每月通过平台报送，附评定文书；平台校验"
                                                 "字段和代码后归集，退回的行说明行号、字段、原因和条款。")
    compilation.put_out_for_comment(session, draft_id=draft.id, comment_from=day - timedelta(days=10),
                                    comment_to=day + timedelta(days=19), actor=compiler)
    first = compilation.record_comment(session, draft_id=draft.id, received_on=day - timedelta(days=8),
                                       summary="建议写明A级名单的更新频率", actor=compiler)
    compilation.respond(session, comment_id=first.id, response="采纳：按年度更新，写入归集程序", actor=compiler,
                        on=day - timedelta(days=5))
    compilation.record_comment(session, draft_id=draft.id, received_on=day - timedelta(days=2),
                               summary="建议同时纳入B级纳税人", actor=compiler)
    return draft.id


# --- the consent notice (Art. 14.2) --------------------------------------------------------------------------

NOTICE_ZH = ("授权告知书：您授权的单位将按您选定的事项、目的和期限查询您的信用信息。收入、存款、有价证券、商业保险、"
             "不动产和纳税数额信息属于限制采集的信息，提供这些信息可能对您产生不利后果（例如影响贷款、租赁或者其他"
             "交易的条件）；仅在您书面同意后方可提供。您可以随时撤回授权。")
NOTICE_EN = ("Consent notice: the unit you authorize may inquire into your credit information within the items, "
             "purpose and period you choose. Income, deposits, securities, commercial insurance, real estate and tax "
             "amounts are restricted information: providing it may have adverse consequences for you (for example "
             "on the terms of a loan, a lease or another transaction); it is provided only with your written "
             "consent. You may withdraw an authorization at any time.")


def consent_notice(session: Session, day: date) -> bool:
    """Publish the demo's consent notice, version 1, once (a second run adds nothing). True when published."""
    from ..inquiry import authorizations

    if authorizations.current_notice(session) is not None:
        return False
    authorizations.publish_notice(session, text_zh=NOTICE_ZH, text_en=NOTICE_EN, published_on=day,
                                  actor=Actor(role="console"))
    return True


# --- units ------------------------------------------------------------------------------------------------

def _units(session: Session) -> dict[str, Unit]:
    found = {}
    for u in demo_units():
        unit = session.scalar(select(Unit).where(Unit.uscc == u.uscc))
        if unit is not None:
            found[u.short] = unit
    return found


def _with_records(session: Session, kind: str, exclude: set[int] = frozenset(), item: str | None = None,
                  limit: int = 1) -> list[Subject]:
    """The subjects of a kind with the most active records (ties: the lowest id): the demo's protagonists."""
    q = (select(Subject).join(Record, Record.subject_id == Subject.id)
         .where(Subject.kind == kind, Record.status == "active")
         .group_by(Subject.id).order_by(func.count(Record.id).desc(), Subject.id))
    if item:
        q = q.where(Record.item_code == item)
    if exclude:
        q = q.where(Subject.id.not_in(exclude))
    return list(session.scalars(q.limit(limit)))


def _company(session: Session) -> Subject | None:
    found = _with_records(session, "organization", item="penalty") or _with_records(session, "organization")
    return found[0] if found else None


# --- lists ------------------------------------------------------------------------------------------------

def _ric(region: str, birth: date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric_check(body)


def _black_list(session: Session, keeper: Actor, day: date, company: Subject | None) -> CreditList:
    lst = session.scalar(select(CreditList).where(CreditList.code == BLACK_LIST))
    if lst is not None:
        return lst
    comment_from, comment_to = day - timedelta(days=150), day - timedelta(days=91)
    lst = listing.define(
        session, code=BLACK_LIST, name="市场监督管理严重违法失信名单（演示）", kind="black",
        keeper_organ="上海市市场监督管理局",
        entry_standard="因实施严重违法行为受到较重行政处罚，且属于《市场监督管理严重违法失信名单管理办法》"
                       "第二章规定情形的市场主体。",
        legal_basis="《上海市社会信用条例》第二十四条、第二十五条；《市场监督管理严重违法失信名单管理办法》",
        entry_requirements="作出较重行政处罚（罚款数额较大、没收较大数额违法所得、吊销许可证件等）的同时，"
                           "依《市场监督管理严重违法失信名单管理办法》第二条至第十条决定列入，书面告知当事人。",
        removal_requirements="列入之日起满三年且未再发生同类违法行为的移出；满一年且已履行行政处罚义务、"
                             "作出信用承诺的，可以申请提前移出。",
        remedy_paths="对列入决定不服的，可以自收到决定书之日起六十日内申请行政复议，或者六个月内提起行政诉讼；"
                     "也可以向上海市市场监督管理局申请信用修复。",
        comment_from=comment_from, comment_to=comment_to, disclosure="public",
        public_basis="《市场监督管理严重违法失信名单管理办法》第十八条", public_basis_level="departmental-rule",
        actor=keeper)
    _comments(session, lst, keeper, comment_from, comment_to)
    listing.publish(session, list_id=lst.id, on=day - timedelta(days=60), actor=keeper)
    subjects = ([company] if company else []) + _with_records(
        session, "organization", exclude={company.id} if company else set(), item="penalty", limit=3)
    grounds = (("(2)", "在招标投标中串通投标，受到较重行政处罚"),
               ("(1)", "生产经营不符合食品安全标准的食品，严重危害人民群众身体健康"),
               ("(3)", "提交虚假材料取得登记，严重破坏市场公平竞争秩序"),
               ("(4)", "拒不履行行政处罚决定，经责令履行仍不履行"))
    for n, (subject, (ground, text)) in enumerate(zip(subjects, grounds), start=1):
        listing.enter(session, list_id=lst.id, subject=subject.identifier, ground=ground, ground_text=text,
                      document=f"沪市监信列〔{day.year}〕{n}号（演示）", decided_on=day - timedelta(days=50 - 7 * n),
                      persons=[{"role": "legal-representative", "name": f"演示法定代表人{n}",
                                "identifier": _ric("310115", date(1970 + n, 3, 12), 100 + n)}],
                      actor=keeper)
    return lst


def _comments(session: Session, lst: CreditList, keeper: Actor, start: date, end: date) -> None:
    """The comment record of the standard (Art. 24), where the platform keeps one."""
    record, respond = getattr(listing, "record_comment", None), getattr(listing, "respond_to_comment", None)
    if record is None:
        return
    for offset, summary, response in (
            (5, "建议明确“较重行政处罚”的罚款数额标准。", "已采纳：标准中引用《市场监督管理严重违法失信名单管理办法》第二条的规定。"),
            (20, "建议对初次违法且及时改正的市场主体不予列入。", "部分采纳：情节轻微并及时改正的，不予列入（第十条）。"),
    ):
        c = record(session, list_id=lst.id, received_on=start + timedelta(days=offset), summary=summary, actor=keeper)
        if respond is not None:
            respond(session, comment_id=c.id, response=response, on=end, actor=keeper)


def _red_list(session: Session, keeper: Actor, day: date, exclude: set[int]) -> CreditList:
    lst = session.scalar(select(CreditList).where(CreditList.code == RED_LIST))
    if lst is not None:
        return lst
    lst = listing.define(
        session, code=RED_LIST, name="上海市守合同重信用企业名单（演示）", kind="red", keeper_organ="上海市市场监督管理局",
        entry_standard="连续两年以上守合同重信用、无严重违法失信记录的企业。",
        legal_basis="《上海市社会信用条例》第二十四条；《上海市守合同重信用企业公示管理办法》",
        entry_requirements="企业自愿申报，经区市场监督管理部门初审、市市场监督管理局审核并公示无异议。",
        removal_requirements="受到较重行政处罚、被列入严重违法失信名单或者公示有效期届满的，移出名单。",
        remedy_paths="对不予列入或者移出决定有异议的，可以向上海市市场监督管理局提出书面复核申请。",
        disclosure="public", public_basis="《上海市守合同重信用企业公示管理办法》第十二条",
        public_basis_level="departmental-rule", actor=keeper)
    listing.publish(session, list_id=lst.id, on=day - timedelta(days=60), actor=keeper)
    winners = _with_records(session, "organization", exclude=exclude, item="commendation", limit=3) \
        or _with_records(session, "organization", exclude=exclude, limit=3)
    for n, subject in enumerate(winners, start=1):
        listing.enter(session, list_id=lst.id, subject=subject.identifier, ground=None,
                      ground_text=f"{day.year - 2}—{day.year - 1}年度上海市守合同重信用企业",
                      document=f"沪市监信公〔{day.year}〕{n}号（演示）", decided_on=day - timedelta(days=40), actor=keeper)
    return lst


def _name_lists(session: Session, by_short: dict[str, Unit], black: CreditList, red: CreditList, day: date) -> None:
    """Put the lists on the published inquiry lists of the organs whose measures they trigger (Art. 17.2)."""
    for short, wanted in (("samr", (black.id, red.id)), ("pdsamr", (red.id,)), ("finance", (black.id,))):
        unit = by_short.get(short)
        if unit is None:
            continue
        have = {q.list_id for q in units.inquiry_lists_of(session, unit.id)}
        if set(wanted) <= have:
            continue
        items = sorted({q.item_code for q in unit.inquiry_items})
        purposes = sorted({q.purpose for q in unit.inquiry_items})
        organ = Actor(role=unit.kind, unit_id=unit.id, unit_uscc=unit.uscc, officer="demo")
        units.publish_inquiry_list(session, unit=unit, items=items, lists=sorted(have | set(wanted)),
                                   purposes=purposes, published_on=day, actor=organ)


# --- measures -------------------------------------------------------------------------------------------

def _measures(session: Session, compiler: Actor, by_short: dict[str, Unit], black: CreditList, red: CreditList,
              day: date) -> int:
    samr, pdsamr, finance = (by_short[s].uscc for s in ("samr", "pdsamr", "finance"))
    specs = (
        dict(code="DEMO-I-29-1", name="行政许可便利服务（演示）", kind="incentive", item="1",
             description="在实施行政许可中给予优先办理、容缺受理等便利服务",
             incident="列入上海市守合同重信用企业名单", incident_items=[], incident_lists=[red.id],
             targets=["organization"], reaches_responsible=False, contexts=["permit"],
             implementing_organ="上海市市场监督管理局、上海市浦东新区市场监督管理局", implementing_units=[samr, pdsamr],
             basis_text="《上海市社会信用条例》第二十九条第（一）项", basis_level="local-regulation"),
        dict(code="DEMO-P-30-5", name="列为重点监管对象（演示）", kind="punishment", item="5",
             description="在日常监管中列为重点监管对象，增加监管频次，加强现场检查",
             incident="受到市场监督管理部门的行政处罚（公示期内）", incident_items=["penalty"], incident_lists=[],
             targets=["organization"], reaches_responsible=False, contexts=["inspection", "spot-check"],
             implementing_organ="上海市市场监督管理局、上海市浦东新区市场监督管理局", implementing_units=[samr, pdsamr],
             basis_text="《上海市社会信用条例》第三十条第（五）项", basis_level="local-regulation"),
        dict(code="DEMO-P-30-2", name="限制财政资金资助（演示）", kind="punishment", item="2",
             description="在财政资金资助等政策扶持中作相应限制",
             incident="欠缴税款、社会保险费或者拖欠劳动报酬", incident_items=["arrears"], incident_lists=[],
             targets=["organization"], reaches_responsible=False, contexts=["funding", "project-support"],
             implementing_organ="上海市财政局", implementing_units=[finance],
             basis_text="《上海市社会信用条例》第三十条第（二）项", basis_level="local-regulation"),
        dict(code="DEMO-R-31-1", name="限制参加政府采购活动（演示）", kind="restriction", item="1",
             description="列入严重违法失信名单期间，不得参加政府采购活动",
             incident="列入市场监督管理严重违法失信名单", incident_items=[], incident_lists=[black.id],
             targets=["organization"], reaches_responsible=True, contexts=["procurement"],
             implementing_organ="上海市财政局", implementing_units=[finance],
             basis_text="《中华人民共和国政府采购法》第二十二条第一款第（五）项", basis_level="law"),
    )
    announce = getattr(measures, "announce", None)
    added = 0
    for n, spec in enumerate(specs, start=1):
        if session.scalar(select(Measure.id).where(Measure.code == spec["code"])) is not None:
            continue
        m = measures.add(session, actor=compiler, **spec)
        measures.publish(session, measure=m.id, on=day, actor=compiler)
        if announce is not None:
            announce(session, measure=m.id, announced_in="credit-shanghai",
                     document=f"沪发改财金〔{day.year}〕{n}号（演示）", on=day, actor=compiler)
        added += 1
    return added


# --- officers and tokens --------------------------------------------------------------------------------

def _tokens(session: Session, by_short: dict[str, Unit], company: Subject | None, day: date) -> dict[str, dict]:
    from .. import tokens as tokenstore

    operator = Actor(role="operator", unit_id=by_short["center"].id, unit_uscc=by_short["center"].uscc,
                     officer="demo")
    for fixed, short, staff_no, name in _OFFICERS:
        unit = by_short[short]
        if _known(session, fixed):
            continue
        officer = session.scalar(select(Officer).where(Officer.unit_id == unit.id, Officer.staff_no == staff_no))
        if officer is None:
            officer, token = units.add_officer(session, unit=unit, staff_no=staff_no, name=name, items=None,
                                               purposes=None, expires_at=None, actor=operator)
        else:
            _, token = tokenstore.issue(session, actor=operator, label=f"demo {staff_no}", officer=officer)
        _fix(session, token, fixed)
    citizen = (_with_records(session, "natural_person") or [None])[0]
    if citizen is not None and not _known(session, "demo-citizen"):
        _, token = tokenstore.issue(session, actor=operator, label="demo citizen", subject=citizen)
        _fix(session, token, "demo-citizen")
    if company is not None and not _known(session, "demo-company"):
        _, token = tokenstore.issue(session, actor=operator, label="demo company agent", subject=company,
                                    agent_name=AGENT_NAME, agent_document=AGENT_DOCUMENT)
        _fix(session, token, "demo-company")
    return {t.token: {"who": t.who, "who_zh": t.who_zh, "home": t.home}
            for t in DEMO_TOKENS if _known(session, t.token)}


def _known(session: Session, token: str) -> bool:
    return session.scalar(select(UnitToken.id).where(UnitToken.token_digest == token_digest(token))) is not None


def _fix(session: Session, issued: str, fixed: str) -> None:
    """Replace a freshly issued (random) token by the fixed demo token: only its digest is stored."""
    row = session.scalar(select(UnitToken).where(UnitToken.token_digest == token_digest(issued)))
    row.token_digest = token_digest(fixed)
    row.label = f"{row.label} (demo token {fixed})"[:100]
    session.flush()
