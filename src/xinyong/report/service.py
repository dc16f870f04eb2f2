"""Issue credit reports (Art. 34, 41), list them, and render an issued one again.

Every report is an inquiry: ``issue`` runs the one visibility decision for the requester
(``inquiry.service.decide_many``, channel "report") and everything the report holds — records, list entries,
the grade, the measures applied — is what that decision lets the requester see; the inquiry log records the
issue with exactly what it revealed. A refused request is logged and returned as a denied answer (the front
door commits, then raises). An allowed one is stored with its JSON snapshot; every format renders that
snapshot, so another format costs nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ..audit import service as audit
from ..auth import CONSOLE, Actor
from ..catalog import compilation
from ..clock import now, today
from ..config import env as setting
from ..errors import Forbidden, InvalidInput, NotFound, RuleViolation, msg
from ..grading import service as grading
from ..inquiry import rules as inquiry_rules
from ..inquiry import service as inquiries
from ..law import parameters
from ..listing import service as lists
from ..measure import service as measures
from ..measure.purge import deleted_ground as deleted_entry
from ..models import (Authorization, CreditList, CreditReport, ListEntry, RecordAction, RecordHistory, Subject,
                      Unit)
from ..models.report import CreditReportPdf
from ..unit.rules import PURPOSES
from . import pdfstore, rules, seal

DEFAULT_ISSUER = "上海市公共信用信息服务中心"
DEFAULT_ISSUER_EN = "Shanghai Public Credit Information Service Center"
FORMATS = ("json", "html", "pdf")
CHANNEL = "report"


@dataclass(frozen=True)
class ReportSettings:
    """Configuration, not law: the issuing institution's name and the fee of a chargeable report.

    ``XINYONG_REPORT_ISSUER`` (default 上海市公共信用信息服务中心), ``XINYONG_REPORT_ISSUER_EN``, and
    ``XINYONG_REPORT_FEE_YUAN`` (default 0: the regulation sets no fee; the operator configures its
    published charge for reports beyond the free ones, Art. 34.2).
    """

    issuer: str
    issuer_en: str
    fee_yuan: Decimal


def settings() -> ReportSettings:
    raw = setting("XINYONG_REPORT_FEE_YUAN", "0").strip() or "0"
    try:
        fee = Decimal(raw).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise InvalidInput(msg("XINYONG_REPORT_FEE_YUAN must be an amount in yuan, not {raw}", raw=repr(raw))) from None
    if fee < 0:
        raise InvalidInput("XINYONG_REPORT_FEE_YUAN cannot be negative")
    return ReportSettings(setting("XINYONG_REPORT_ISSUER", "").strip() or DEFAULT_ISSUER,
                          setting("XINYONG_REPORT_ISSUER_EN", "").strip() or DEFAULT_ISSUER_EN, fee)


def check_format(fmt: str) -> str:
    fmt = (fmt or "json").lower()
    if fmt not in FORMATS:
        raise InvalidInput(msg("format is one of {formats}", formats=", ".join(FORMATS)), field="format")
    return fmt


@dataclass
class Issued:
    answer: inquiries.Answer
    number: str | None = None
    snapshot: dict[str, Any] | None = None
    seal: dict[str, Any] | None = None  # digest, signature, key_id (report.seal)


def on_behalf_of(subject_id: int) -> Actor:
    """The operator's console issuing a subject's own report on its behalf (both are logged)."""
    return Actor(role=inquiry_rules.SUBJECT, subject_id=subject_id, officer="console")


def issue(session: Session, *, actor: Actor, subject: str | None = None, subject_id: int | None = None,
          purpose: str | None = None) -> Issued:
    """Issue a report to the subject itself (Art. 34) or to an administrative organ (Art. 28, 41).

    Flushes, never commits. A denied request comes back as ``Issued(answer)`` with no number.
    """
    own = actor.role == inquiry_rules.SUBJECT
    if own:
        if actor.subject_id is None or subject is not None or subject_id not in (None, actor.subject_id):
            raise Forbidden("a subject obtains its own report (Art. 34.2)", article="Art. 34.2")
        subject_id = actor.subject_id
    elif actor.role != inquiry_rules.ORGAN:
        raise Forbidden("reports are issued to the subject itself (Art. 34.2) and to administrative organs "
                        "(Art. 28, Art. 41); other units inquire (POST /api/v1/inquiries)")
    elif not (purpose or "").strip():
        raise InvalidInput("an administrative organ names the purpose of the report (an Art. 28 code)",
                           article="Art. 28.1", field="purpose")
    day = today()
    loaded = inquiries.load_one(session, subject=subject, subject_id=subject_id, day=day)
    [decided] = inquiries.decide_many(session, actor=actor, loaded=[loaded], purpose=None if own else purpose,
                                      on=day, with_lists=True)
    [answer] = inquiries.answers_for([decided], day)
    entries = _list_entries(session, loaded.target["id"], day, decided.decision) \
        if answer.allowed and loaded.target is not None else []
    [answer.inquiry_id] = inquiries.log(session, actor=actor, decided=[decided],
                                        revealed=[([r["id"] for r in answer.records],
                                                   [e["entry_id"] for e in entries])], channel=CHANNEL)[0]
    if not answer.allowed or not answer.found:
        return Issued(answer)
    target_id = loaded.target["id"]
    # Serialise issues for one subject so that two concurrent requests cannot both take the last free one.
    session.execute(select(Subject.id).where(Subject.id == target_id).with_for_update())
    conf = settings()
    if own:
        per_year = int(parameters.value("report.free_per_year_natural_person", day))
        used = _free_used(session, target_id, day)
        charge = rules.own_report_charge(answer.subject["kind"], used, per_year, conf.fee_yuan)
        free = {"per_year": per_year, "used_before": used,
                "parameter": "report.free_per_year_natural_person"}
    else:
        charge = rules.organ_report_charge(purpose, conf.fee_yuan)
        free = None
    issued_at = now()
    row = CreditReport(number=f"tmp-{uuid.uuid4().hex}", subject_id=target_id, issued_at=issued_at,
                       issued_on=day, requester_role=actor.role, requester_unit_id=actor.unit_id,
                       requester_officer=actor.officer, purpose=None if own else purpose,
                       inquiry_id=answer.inquiry_id, free_rule=charge.free_rule, counted_free=charge.counted_free,
                       chargeable=charge.chargeable, fee_yuan=charge.fee_yuan, fee_payer=charge.payer,
                       snapshot={})
    session.add(row)
    session.flush()
    number = f"XYBG{day:%Y%m%d}{row.id:08d}"
    requester = _requester(session, actor, own, purpose)
    snapshot = build_snapshot(session, number=number, issued_at=issued_at, conf=conf, answer=answer,
                              requester=requester, charge=charge, free=free, self_view=own, entries=entries,
                              target=loaded.target)
    digest = seal.digest_of(snapshot)
    signature, key_id = seal.sign(number, snapshot["issued_at"], digest)
    # One update naming the subject (the ORM's flush would update by the key alone: docs/scaling.md); it sets
    # the row's attributes in the session as well.
    session.execute(update(CreditReport).where(CreditReport.id == row.id, CreditReport.subject_id == target_id)
                    .values(number=number, snapshot=snapshot, digest=digest, signature=signature, key_id=key_id))
    audit.append(session, action="report:issue", actor=actor, object_type="report", object_id=row.id,
                 subject_id=target_id, content=snapshot,
                 details={"number": number, "inquiry_id": answer.inquiry_id, "free_rule": charge.free_rule,
                          "counted_free": charge.counted_free, "chargeable": charge.chargeable,
                          "fee_yuan": str(charge.fee_yuan) if charge.fee_yuan is not None else None,
                          "fee_payer": charge.payer, "purpose": row.purpose, "digest": digest})
    return Issued(answer, number, snapshot, {"digest": digest, "signature": signature, "key_id": key_id})


def _free_used(session: Session, subject_id: int, day: date) -> int:
    """The subject's own reports counted free in the calendar year of ``day``."""
    return session.scalar(select(func.count()).select_from(CreditReport).where(
        CreditReport.subject_id == subject_id, CreditReport.counted_free.is_(True),
        CreditReport.issued_on >= date(day.year, 1, 1), CreditReport.issued_on <= date(day.year, 12, 31))) or 0


def _requester(session: Session, actor: Actor, own: bool, purpose: str | None) -> dict[str, Any]:
    if own:
        return {"role": "subject", "zh": "信息主体本人", "en": "the subject itself",
                "via": "console" if actor.officer == "console" else "subject", "unit": None, "uscc": None,
                "officer": actor.officer, "purpose": None, "article": "Art. 34.2"}
    unit = session.get(Unit, actor.unit_id)
    zh, en, article = PURPOSES.get(purpose, (purpose, purpose, "Art. 28.1"))
    return {"role": actor.role, "zh": "行政机关", "en": "administrative organ", "via": "unit",
            "unit": unit.name, "uscc": unit.uscc, "officer": actor.officer,
            "purpose": {"code": purpose, "zh": zh, "en": en, "article": article}, "article": article}


# --- the snapshot ----------------------------------------------------------------------------

ACTION_LABELS = {
    "correct": ("更正", "corrected"),
    "withdraw": ("撤回", "withdrawn"),
    "restore": ("信用修复", "credit restored"),
    "revoke": ("撤销", "revoked"),
    "delete": ("删除", "deleted"),
    "objection-correct": ("异议更正", "corrected on objection (Art. 36)"),
}
MARKER_LABELS = {
    "under_objection": ("异议处理中", "under objection"),
    "restored": ("已信用修复（不对外提供查询）", "credit restored (no longer shown to inquirers)"),
}
ROLE_LABELS = {
    "subject": ("信息主体本人", "the subject itself"),
    "administrative": ("行政机关", "administrative organ"),
    "judicial": ("司法机关", "judicial organ"),
    "operator": ("市公共信用信息服务中心", "the Center"),
    "console": ("平台运维控制台", "the operator's console"),
    "public": ("社会公众", "the public"),
    "supervisor": ("市社会信用管理部门", "the supervisor"),
    "credit-service": ("信用服务机构", "credit service establishment"),
    "enterprise": ("企业", "enterprise"),
    "public-enterprise": ("公共企业", "public enterprise"),
    "public-institution": ("事业单位", "public institution"),
    "platform": ("其他信用信息平台", "another credit information platform"),  # an export to it (Art. 12)
}
# An export to another platform is logged with this purpose (exchange.service.PURPOSE; report may not import exchange).
EXCHANGE_PURPOSE = ("信用信息共享（向其他信用信息平台提供）", "credit information sharing (provided to another platform)",
                    "Art. 12")
DECISION_LABELS = {"allow": ("准予", "allowed"), "deny": ("拒绝", "refused"), "notfound": ("未找到", "not found")}


def build_snapshot(session: Session, *, number: str, issued_at, conf: ReportSettings,
                   answer: inquiries.Answer, requester: dict, charge: rules.Charge, free: dict | None,
                   self_view: bool, entries: list[dict[str, Any]], target: dict[str, Any]) -> dict[str, Any]:
    """The issued report as data: facts only, each record with its source, document and history — all of
    it what ``answer.decision`` lets the requester see."""
    sections = build_sections(session, answer=answer, entries=entries, target=target)
    return _snapshot(session, number=number, issued_at=issued_at, conf=conf, answer=answer, requester=requester,
                     charge=charge, free=free, self_view=self_view, sections=sections, target=target)


def build_sections(session: Session, *, answer: inquiries.Answer, entries: list[dict[str, Any]],
                   target: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's sections: each record with its source, document, history and markers, the list entries,
    the grade and the measures applied — what ``answer.decision`` lets the requester see."""
    records = answer.records
    histories = _histories(session, {r["id"]: r["content"] for r in records}, target["id"])
    by_section: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    item_names: dict[str, tuple[str, str]] = {}
    # the catalog version each record was received under: derived (never stored), the versions read once
    catalog_version = compilation.version_lookup(session)
    for rec in records:
        source = {k: v for k, v in rec["source"].items() if k in ("unit", "uscc", "received_at")}
        source["catalog_version"] = catalog_version(source.get("received_at"))
        rec = {**rec, "source": source,
               "markers": [{"code": m, "zh": MARKER_LABELS.get(m, (m, m))[0], "en": MARKER_LABELS.get(m, (m, m))[1]}
                           for m in rec["markers"]],
               "history": histories.get(rec["id"], [])}
        code = rec["item"]["code"]
        item_names[code] = (rec["item"]["name_zh"], rec["item"]["name_en"])
        by_section[rules.section_of(code)][code].append(rec)
    sections = []
    for key, zh, en, items in rules.SECTIONS:
        if key == "basic":
            continue
        codes = [c for c in items if c in by_section[key]] + sorted(c for c in by_section[key] if c not in items)
        groups = [{"code": c, "zh": item_names[c][0], "en": item_names[c][1], "records": by_section[key][c]}
                  for c in codes]
        sections.append({"key": key, "zh": zh, "en": en, "groups": groups})
    _add_facts(session, sections, target, today(), answer.decision, entries)
    for sec in sections:
        sec["count"] = section_count(sec)
        sec["none"] = None if sec["count"] else {"zh": "暂无记录", "en": "none recorded"}
    return sections


def _snapshot(session: Session, *, number: str, issued_at, conf: ReportSettings, answer: inquiries.Answer,
              requester: dict, charge: rules.Charge, free: dict | None, self_view: bool, sections: list[dict],
              target: dict[str, Any]) -> dict[str, Any]:
    subject = answer.subject
    kind_zh = {"natural_person": "自然人", "organization": "法人和非法人组织",
               "government_organ": "机关法人"}.get(subject["kind"], subject["kind"])
    basic = {"name": subject.get("name"), "identifier": subject["identifier"], "kind": subject["kind"],
             "kind_zh": kind_zh, "scheme_zh": "公民身份号码" if subject["kind"] == "natural_person"
             else "统一社会信用代码"}
    if subject.get("deregistered_on") is not None:  # as the answer says who the subject is (issue 13 §6)
        basic["deregistered_on"] = subject["deregistered_on"].isoformat()
    inquiry_rows = _inquiries(session, target["id"]) if self_view else None
    consent_rows = consents(session, target["id"]) if self_view else None
    return {
        "title": {"zh": "公共信用信息报告", "en": "Public credit information report"},
        "number": number,
        "issued_at": issued_at.isoformat(timespec="seconds"),
        "issuer": {"zh": conf.issuer, "en": conf.issuer_en},
        "requested_by": requester,
        "inquiry": {"id": answer.inquiry_id, "article": answer.article, "reason": answer.reason},
        "charge": {"free_rule": charge.free_rule, "counted_free": charge.counted_free,
                   "chargeable": charge.chargeable,
                   "fee_yuan": str(charge.fee_yuan) if charge.fee_yuan is not None else None,
                   "payer": charge.payer, "article": charge.article, "note_zh": charge.note_zh,
                   "note_en": charge.note_en, "free": free,
                   "fee_basis": "configuration XINYONG_REPORT_FEE_YUAN"},
        "subject": basic,
        "summary": [{"key": s["key"], "zh": s["zh"], "en": s["en"], "count": s["count"]} for s in sections],
        "sections": sections,
        "inquiries": inquiry_rows,
        "uses": _uses(inquiry_rows) if inquiry_rows is not None else None,
        "consents": consent_rows,
        "changes": changes(session, target["id"]) if self_view else None,
        "letters": letters(session, target["id"]) if self_view else None,
        "notes": [
            {"zh": "本报告仅记载信息提供单位依法提供的事实信息，每条信息均注明来源单位和文书。",
             "en": "This report states facts as provided by the providing units, each with its source and "
                   "document."},
            {"zh": "失信信息查询期限为自失信行为或者事件终止之日起五年，期满后不再提供（第三十五条）；"
                   "已撤销的信息不予记载（第三十七条）。",
             "en": "Untrustworthiness information is provided for five years from the day the conduct or "
                   "event ended (Art. 35); revoked information is not reported (Art. 37)."},
            {"zh": "信息主体认为信息有误的，可以向本中心提出异议（第三十六条）。",
             "en": "A subject who considers information wrong may file an objection with the Center "
                   "(Art. 36)."},
        ],
    }


def section_count(section: dict[str, Any]) -> int:
    """What a section holds: its records, list entries, grade and measures (the summary counts them all)."""
    grade = section.get("grade")
    return (sum(len(g["records"]) for g in section["groups"])
            + sum(1 for e in section.get("entries") or () if not e.get("deleted"))
            + (1 if grade and grade.get("graded") else 0) + len(section.get("measures") or ()))


def _add_facts(session: Session, sections: list[dict], subject: dict, day: date, decision, entries: list[dict]) -> None:
    """The subject's list entries in force (Art. 25, 29, 33), its credit grade (Art. 23) and the measures
    applied to it (Art. 32.1), each in its section (Art. 34.1) — as far as the decision lets the requester see."""
    by_key = {s["key"]: s for s in sections}
    by_key["lists"]["entries"] = [e for e in entries if e["list_kind"] != "red"]
    by_key["honours"]["entries"] = [e for e in entries if e["list_kind"] == "red"]
    by_key["evaluation"]["grade"] = _grade(session, subject, day, decision)
    by_key["other"]["measures"] = _measures(session, subject["id"], decision, day)


def _list_entries(session: Session, subject_id: int, day: date, decision) -> list[dict[str, Any]]:
    found = [e for e in lists.active_entries(session, [subject_id], day).get(subject_id, [])
             if inquiry_rules.entry_visible(e["list_id"], decision)]
    organs = dict(session.execute(select(CreditList.id, CreditList.keeper_organ)
                                  .where(CreditList.id.in_({e["list_id"] for e in found}))).all()) if found else {}
    return [{"entry_id": e["entry_id"], "list": {"code": e["list_code"], "name": e["list"]},
             "list_kind": e["list_kind"], "organ": organs.get(e["list_id"]), "ground": e["ground"],
             "article": e["article"], "relation": e["relation"], "role": e["role"],
             "document": {"number": e["document"], "date": e["decided_on"]}}
            for e in sorted(found, key=lambda e: (e["decided_on"], e["entry_id"]))]


def _grade(session: Session, subject: dict, day: date, decision) -> dict[str, Any]:
    try:
        g = grading.grade(session, subject_id=subject["id"], decision=None if decision.self_view else decision,
                          on=day)
    except RuleViolation as exc:  # a natural person with no legal basis configured (Art. 23)
        return {"graded": False, "zh": "未评级（未配置法律依据）", "en": "not graded (no legal basis configured)",
                "article": exc.article, "reason": str(exc)}
    return {"graded": True, "grade": g["grade"], "score": g["score"], "start": g["start"], "on": g["on"],
            "article": g["article"],
            "rules": {"version": g["rules"]["version"], "published_on": g["rules"]["published_on"],
                      "source": g["rules"]["source"]},
            "legal_basis_for_natural_persons": g["legal_basis_for_natural_persons"],
            "contributions": g["contributions"]}


def _measures(session: Session, subject_id: int, decision, day: date) -> list[dict[str, Any]]:
    """The measures applied, with basis and grounds (Art. 32.1). The subject sees them all; anyone else only
    those every ground of which the decision lets it see (a ground it may not see, or one deleted, would tell
    it that such information exists or existed)."""
    applied = measures.applied_to(session, subject_id)
    if decision.self_view:
        return applied
    in_force = inquiries.servable_ids(session, [g["record_id"] for a in applied for g in a["grounds"]
                                                if g.get("type") == "record" and not g.get("deleted")],
                                      decision, day)

    def seen(g: dict) -> bool:
        if g.get("deleted"):
            return False
        if g.get("type") == "record":
            return g.get("record_id") in in_force
        return inquiry_rules.entry_visible(g.get("list_id"), decision)

    return [a for a in applied if a["grounds"] and all(seen(g) for g in a["grounds"])]


def _histories(session: Session, current: dict[int, dict], subject_id: int) -> dict[int, list[dict]]:
    """Each record's changes with their reasons and documents (Art. 34.1), in two bulk queries (by the subject
    too: each routes to the subject's shard, docs/scaling.md)."""
    record_ids = list(current)
    if not record_ids:
        return {}
    out: dict[int, list[dict]] = defaultdict(list)
    hist = session.execute(
        select(RecordHistory, Unit.name).outerjoin(Unit, Unit.id == RecordHistory.actor_unit_id)
        .where(RecordHistory.subject_id == subject_id, RecordHistory.record_id.in_(record_ids))
        .order_by(RecordHistory.record_id, RecordHistory.version)).all()
    acts = session.execute(select(RecordAction).where(RecordAction.subject_id == subject_id,
                                                      RecordAction.record_id.in_(record_ids))).scalars().all()
    decided = {(a.record_id, a.action, a.document): a.decided_by for a in acts}
    rows_by_record: dict[int, list] = defaultdict(list)
    for h, unit_name in hist:
        rows_by_record[h.record_id].append((h, unit_name))
    for rid, rows in rows_by_record.items():
        for i, (h, unit_name) in enumerate(rows):
            zh, en = ACTION_LABELS.get(h.action, (h.action, h.action))
            out[rid].append({
                "version": h.version, "action": h.action, "action_zh": zh, "action_en": en,
                "changed_at": h.changed_at.isoformat(timespec="seconds"), "by": unit_name,
                "reason": h.reason, "document": h.document,
                "decided_by": decided.get((rid, h.action, h.document)),
                "fields_changed": _changed_fields(h.previous_content,
                                                  rows[i + 1][0].previous_content if i + 1 < len(rows) else current[rid]),
            })
    # Acts with no history row of their own (none today; kept so no act is silently left out).
    seen = {(rid, e["action"], e["document"]) for rid, es in out.items() for e in es}
    for a in acts:
        if (a.record_id, a.action, a.document) not in seen and a.action in ("correct", "withdraw", "restore"):
            zh, en = ACTION_LABELS.get(a.action, (a.action, a.action))
            out[a.record_id].append({"version": None, "action": a.action, "action_zh": zh, "action_en": en,
                                     "changed_at": a.received_at.isoformat(timespec="seconds"), "by": None,
                                     "reason": a.reason, "document": a.document, "decided_by": a.decided_by,
                                     "fields_changed": []})
    return out


def _changed_fields(before: dict | None, after: dict | None) -> list[str]:
    if not before or after is None:
        return []
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


RESTRICTED_KIND_LABELS = {"income": ("收入", "income"), "deposits": ("存款", "deposits"),
                          "securities": ("有价证券", "securities"),
                          "commercial-insurance": ("商业保险", "commercial insurance"),
                          "real-estate": ("不动产", "real estate"), "tax-amount": ("纳税数额", "tax amounts")}
CONSENT_FORMS = {"written": ("书面", "in writing"), "other": ("其他形式", "other form")}


def consents(session: Session, subject_id: int) -> list[dict[str, Any]]:
    """The subject's consent records (Art. 14.2, 17.3), for its own report: who was authorized, the items and the
    purpose, until when, on which notice version, in which form, the restricted kinds and whether the adverse
    consequences were told, and when it was withdrawn."""
    from ..models import ConsentNotice

    rows = session.execute(
        select(Authorization, Unit.name, Unit.uscc, ConsentNotice.version)
        .join(Unit, Unit.id == Authorization.unit_id)
        .outerjoin(ConsentNotice, ConsentNotice.id == Authorization.notice_id)
        .where(Authorization.subject_id == subject_id).order_by(Authorization.id)).all()
    out = []
    for a, name, uscc, version in rows:
        form = a.form or inquiry_rules.WRITTEN
        grade = inquiry_rules.restricted_grade(a.restricted_kinds, form, a.adverse_told_at is not None)
        out.append({
            "id": a.id, "unit": {"name": name, "uscc": uscc}, "items": list(a.items), "purpose": a.purpose,
            "valid_from": a.valid_from.isoformat(), "valid_until": a.valid_until.isoformat(), "document": a.document,
            "granted_at": a.granted_at.isoformat(timespec="seconds"), "notice_version": version,
            "form": form, "form_zh": CONSENT_FORMS.get(form, (form, form))[0],
            "form_en": CONSENT_FORMS.get(form, (form, form))[1],
            "restricted_kinds": [{"code": k, "zh": RESTRICTED_KIND_LABELS.get(k, (k, k))[0],
                                  "en": RESTRICTED_KIND_LABELS.get(k, (k, k))[1], "opened": k in grade}
                                 for k in (a.restricted_kinds or [])],
            "adverse_consequences_told_at": (a.adverse_told_at.isoformat(timespec="seconds")
                                             if a.adverse_told_at else None),
            "adverse_text": a.adverse_text,
            "withdrawn_at": a.withdrawn_at.isoformat(timespec="seconds") if a.withdrawn_at else None,
        })
    return out


CHANGE_LABELS = {
    "name_changed": ("名称变更", "name changed"),
    "identifier_changed": ("标识变更", "identifier changed"),
    "former_identifier": ("登记原标识", "former identifier recorded"),
    "deregistered": ("注销", "deregistered"),
    "merged_into": ("并入另一主体", "merged into another subject"),
    "merged_from": ("另一主体并入本主体", "another subject merged into this one"),
    "split_from": ("由另一主体分立而来", "split from another subject"),
    "split_into": ("另一主体由本主体分立", "another subject split from this one"),
}


LETTER_LABELS = {
    "measure_applied": ("措施实施告知", "a measure applied to you (its basis, grounds and organ)"),
    "objection_step": ("异议处理告知", "a step of your objection"),
    "record_revoked": ("信息撤销告知", "information about you revoked, to be deleted"),
    "record_restored": ("信用修复告知", "your credit restored: the information hidden from inquiry"),
}


def letters(session: Session, subject_id: int) -> list[dict[str, Any]]:
    """The letters the platform sent the subject (Art. 32.1, 36, 37, 38), for its own report: when, what kind, the
    article, whether and when it was read, and whether the e-mail announcing it went out. Not their text: the
    letters stay in the subject's inbox (``/me/notices``), and a letter may name a record that Art. 37 later
    deletes (the report is stored)."""
    from ..clock import local_date
    from ..notice import service as notices

    out = []
    for n in reversed(notices.inbox(session, subject_id)):  # oldest first, as the report's other tables
        zh, en = LETTER_LABELS.get(n["kind"], (n["kind"], n["kind"]))
        out.append({"id": n["id"], "kind": n["kind"], "zh": zh, "en": en, "article": n["article"],
                    "sent_on": local_date(n["created_at"]).isoformat(),
                    "read_on": local_date(n["read_at"]).isoformat() if n["read_at"] else None,
                    "mail": n["mail"]})
    return out


def changes(session: Session, subject_id: int) -> list[dict[str, Any]]:
    """The changes of the subject's name and identifiers (issue 13 §6), for its own report: the day each took
    effect, its kind, before → after, the providing unit and the document (with the decision's reason for a
    merger or a split, and the other subject by its public view). A natural person's numbers as the change
    holds them, masked (前6后4): the report is stored; the full numbers are shown only on the subject's own
    page (``/me``), read live."""
    from ..subject import service as subject_life

    out = []
    for c in subject_life.history(session, subject_id)["changes"]:
        zh, en = CHANGE_LABELS.get(c["kind"], (c["kind"], c["kind"]))
        other = c["other_subject"]
        out.append({
            "day": c["effective_on"].isoformat(), "kind": c["kind"], "zh": zh, "en": en,
            "old": c["old_value"], "new": c["new_value"],
            "other": {"name": other["name"], "identifier": other["identifier"]} if other else None,
            "unit": c["unit"], "reason": c["reason"],
            "document": {"number": c["doc_no"], "date": c["doc_date"].isoformat(), "organ": c["doc_org"]},
        })
    return out


def _inquiries(session: Session, subject_id: int) -> list[dict]:
    """Who inquired, when, for what purpose, under which authorization (Art. 34.2)."""
    rows = inquiries.inquiries_about(session, subject_id)
    auth_ids = {r["authorization_id"] for r in rows if r["authorization_id"]}
    auths = {a.id: a for a in session.scalars(select(Authorization).where(Authorization.id.in_(auth_ids)))} \
        if auth_ids else {}
    out = []
    for r in rows:
        a = auths.get(r["authorization_id"])
        role_zh, role_en = ROLE_LABELS.get(r["by"]["role"], (r["by"]["role"], r["by"]["role"]))
        purpose = r["purpose"]
        p_zh, p_en, _ = PURPOSES.get(purpose, EXCHANGE_PURPOSE if purpose == "exchange" else (purpose, purpose, None)) \
            if purpose else (None, None, None)
        dec_zh, dec_en = DECISION_LABELS.get(r["decision"], (r["decision"], r["decision"]))
        out.append({
            "at": r["at"][:19], "role": r["by"]["role"], "role_zh": role_zh, "role_en": role_en,
            "unit": r["by"]["unit"], "officer": r["by"]["officer"], "channel": r["channel"],
            "purpose": purpose, "purpose_zh": p_zh, "purpose_en": p_en, "case_no": r["case_no"],
            "authorization": ({"id": a.id, "document": a.document, "purpose": a.purpose,
                               "valid_until": a.valid_until.isoformat()} if a else None),
            "decision": r["decision"], "decision_zh": dec_zh, "decision_en": dec_en, "article": r["article"],
            "records_returned": r["records_returned"],
        })
    return out


def _uses(rows: list[dict]) -> list[dict]:
    """The uses of the information (Art. 34.2): the lawful grounds on which it was provided, from the log."""
    uses: dict[tuple, dict] = {}
    for r in rows:
        if r["decision"] != "allow":
            continue
        if r["role"] == "administrative":
            zh, en, article = PURPOSES.get(r["purpose"], (r["purpose"], r["purpose"], "Art. 28.1"))
            key = ("organ", r["purpose"])
            label = {"zh": f"行政机关用于{zh}", "en": f"used by administrative organs for {en}",
                     "article": article}
        elif r["role"] == "judicial":
            key, label = ("judicial",), {"zh": "司法机关依法查询办理案件", "en": "judicial organs, for their cases",
                                         "article": "Art. 17.2"}
        elif r["role"] == "subject":
            key, label = ("self",), {"zh": "信息主体本人查询及获取信用报告", "en": "the subject's own inquiries "
                                     "and reports", "article": "Art. 17.1"}
        elif r["role"] == "operator":
            key, label = ("center",), {"zh": "本中心处理异议、修复等事项", "en": "the Center handling cases "
                                       "(objections, restorations)", "article": "Art. 20(1)"}
        elif r["authorization"]:
            key = ("authorized", r["purpose"])
            label = {"zh": f"经信息主体书面授权查询（{r['purpose']}）",
                     "en": f"with the subject's written authorization ({r['purpose']})", "article": "Art. 17.3"}
        else:
            key, label = ("public",), {"zh": "查询公开信息", "en": "public information", "article": "Art. 15"}
        use = uses.setdefault(key, {**label, "count": 0, "last": r["at"]})
        use["count"] += 1
        use["last"] = max(use["last"], r["at"])
    return list(uses.values())


# --- reading issued reports ------------------------------------------------------------------

def listing(session: Session, subject_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(CreditReport.number, CreditReport.issued_at, CreditReport.requester_role, CreditReport.purpose,
               CreditReport.free_rule, CreditReport.counted_free, CreditReport.chargeable, CreditReport.fee_yuan,
               CreditReport.fee_payer, Unit.name)
        .outerjoin(Unit, Unit.id == CreditReport.requester_unit_id)
        .where(CreditReport.subject_id == subject_id)
        .order_by(CreditReport.issued_at.desc(), CreditReport.id.desc())).all()
    return [{"number": r.number, "issued_at": r.issued_at.isoformat(timespec="seconds"),
             "requested_by": r.name or r.requester_role, "purpose": r.purpose, "free_rule": r.free_rule,
             "counted_free": r.counted_free, "chargeable": r.chargeable,
             "fee_yuan": str(r.fee_yuan) if r.fee_yuan is not None else None, "fee_payer": r.fee_payer}
            for r in rows]


def get(session: Session, number: str, *, actor: Actor) -> dict[str, Any]:
    """An issued report's snapshot, for its subject, the organ that requested it, or the console.

    Another format of the same report: nothing is counted or charged, no new number is issued.
    """
    row = session.scalar(select(CreditReport).where(CreditReport.number == number))
    visible = row is not None and (
        actor.role == "console" and actor.unit_id is None
        or (actor.role == inquiry_rules.SUBJECT and actor.subject_id == row.subject_id)
        or (actor.unit_id is not None and actor.unit_id == row.requester_unit_id))
    if not visible:
        raise NotFound(msg("no report {number} of yours", number=number))  # never reveals whether another's exists
    return row.snapshot


def get_sealed(session: Session, number: str, *, actor: Actor) -> tuple[dict[str, Any], dict[str, Any]]:
    """``get``, with the report's seal (digest, signature, key id: what the HTML and PDF print)."""
    snapshot = get(session, number, actor=actor)
    row = session.execute(select(CreditReport.digest, CreditReport.signature, CreditReport.key_id)
                          .where(CreditReport.number == number)).one()
    return snapshot, {"digest": row.digest, "signature": row.signature, "key_id": row.key_id}


# --- the subject's own view (the portal's /me) ---------------------------------------------------

def own_view(session: Session, *, actor: Actor, channel: str = "portal") -> dict[str, Any]:
    """What a subject (or its agent) sees of itself: the decision, records with source, document, history and
    markers, list entries, the grade and the measures applied — built as its own report is, without issuing
    one. An inquiry by the subject about itself, logged (Art. 17.1) with exactly what it revealed. The subject's
    own identifier unmasked: the only place it is shown in full."""
    from ..subject import service as subjects

    if actor.role != inquiry_rules.SUBJECT or actor.subject_id is None:
        raise Forbidden("a subject sees its own information (Art. 17.1)", article="Art. 17.1")
    day = today()
    loaded = inquiries.load_one(session, subject_id=actor.subject_id, day=day)
    [decided] = inquiries.decide_many(session, actor=actor, loaded=[loaded], purpose=None, on=day, with_lists=True)
    [answer] = inquiries.answers_for([decided], day)
    entries = _list_entries(session, loaded.target["id"], day, decided.decision) \
        if answer.allowed and loaded.target is not None else []
    [answer.inquiry_id] = inquiries.log(session, actor=actor, decided=[decided],
                                        revealed=[([r["id"] for r in answer.records],
                                                   [e["entry_id"] for e in entries])], channel=channel)[0]
    answer.raise_if_denied()  # a subject's own inquiry is always allowed; never show a half page
    target = loaded.target
    sections = build_sections(session, answer=answer, entries=entries, target=target)
    subject = answer.subject
    return {
        "subject": {"id": target["id"], "kind": subject["kind"], "name": subject.get("name"),
                    "identifier": subjects.identifier_of(session, target["id"])},
        "inquiry_id": answer.inquiry_id,
        "sections": sections,
        "records": [rec for sec in sections for g in sec["groups"] for rec in g["records"]],
        "entries": entries,
        "grade": next((sec.get("grade") for sec in sections if sec.get("grade")), None),
        "measures": next((sec.get("measures") for sec in sections if sec.get("measures") is not None), []),
    }


def own_subject(session: Session, subject_id: int) -> dict[str, Any]:
    """The signed-in subject's own kind and name (its pages' heading; "agent X acting for Y")."""
    row = session.execute(select(Subject.kind, Subject.name).where(Subject.id == subject_id)).one_or_none()
    if row is None:
        raise NotFound("no such information subject", field="subject")
    return {"kind": row.kind, "name": row.name}


def inquiries_of(session: Session, subject_id: int) -> list[dict[str, Any]]:
    """Who inquired about the subject, when, why and under which authorization (Art. 34.2), as its own report
    states it (``inquiry.service.inquiries_about``, the API's ``GET /me/inquiries``, with the authorization's
    document and the labels)."""
    return _inquiries(session, subject_id)


def free_reports(session: Session, *, subject_id: int, kind: str) -> dict[str, Any]:
    """How many free reports the subject has left this calendar year (Art. 34.2): natural persons only; the
    count of the parameter in force today, less the reports already counted free this year."""
    day = today()
    if kind != "natural_person":
        return {"applies": False, "article": "Art. 34.2", "fee_yuan": str(settings().fee_yuan)}
    per_year = int(parameters.value("report.free_per_year_natural_person", day))
    used = _free_used(session, subject_id, day)
    return {"applies": True, "per_year": per_year, "used": used, "remaining": max(per_year - used, 0),
            "year": day.year, "article": "Art. 34.2", "fee_yuan": str(settings().fee_yuan)}


# --- /verify/{number}: is a report shown to someone genuine? ---------------------------------------

def verification(session: Session, number: str) -> dict[str, Any]:
    """What the platform states about an issued report, for anyone holding it (no sign-in): its number, issue
    time, issuer, the subject's kind and name as the report states them, the stored digest and signature, and
    whether the stored snapshot was rewritten since issue (Art. 37). ``NotFound`` for an unknown number.
    What the caller may show of it (a natural person's name) is decided by the page."""
    row = session.scalar(select(CreditReport).where(CreditReport.number == number))
    if row is None:
        raise NotFound(msg("no report {number}", number=number), field="number")
    snap = row.snapshot
    subject = snap.get("subject") or {}
    current = seal.digest_of(snap)
    return {
        "number": row.number, "issued_at": snap.get("issued_at"), "issued_on": row.issued_on,
        "issuer": snap.get("issuer"), "title": snap.get("title"),
        "subject": {"kind": subject.get("kind"), "kind_zh": subject.get("kind_zh"), "name": subject.get("name"),
                    "identifier": subject.get("identifier")},  # as the report states it: a person's masked
        "digest": row.digest, "signature": row.signature, "key_id": row.key_id,
        "signature_valid": seal.signature_valid(row.number, snap.get("issued_at") or "", row.digest, row.signature,
                                                row.key_id),
        "current_digest": current,
        "amended": row.digest is not None and current != row.digest,
        "requested_by_subject": row.requester_role == inquiry_rules.SUBJECT,
    }


# --- Art. 37: deleted information leaves the issued reports too ----------------------------------
#
# A report is a stored snapshot (every format renders it), so it holds copies of what it reported: a
# record in its group, in the grade's contributions and in the grounds of an applied measure; a list entry
# in its section, in the contributions and in the grounds. When the record or entry is deleted (Art. 37;
# an entry revoked on remedy, Art. 25.3) every copy goes. A record leaves its group (as revoked
# information is not reported); where it or an entry explained something — the grade's points, a measure's
# grounds, the list section — a mark naming only its id and the article takes its place, so the grade
# still adds up and a measure still shows it rested on a ground, now deleted.

DELETED_RECORD_NOTE = "信息已依法删除 (the information was deleted as the law requires)"


def deleted_record(record_id: int) -> dict[str, Any]:
    return {"type": "record", "record_id": record_id, "deleted": True, "hidden": True, "article": "Art. 37",
            "note": DELETED_RECORD_NOTE}


def _is_record(item: dict, record_id: int) -> bool:
    return item.get("type") == "record" and item.get("record_id") == record_id and not item.get("deleted")


def _is_entry(item: dict, entry_id: int) -> bool:
    # the list section's entries carry no "type"; contributions and grounds name it
    return (item.get("type", "list-entry") == "list-entry" and item.get("entry_id") == entry_id
            and not item.get("deleted"))


def _without(snap: dict[str, Any], *, record_id: int | None = None, entry_id: int | None = None) -> bool:
    """Remove the record or entry from the snapshot in place (marks where it explained something);
    True when anything changed. Counts and the summary follow."""
    if record_id is not None:
        cites, mark = (lambda item: _is_record(item, record_id)), deleted_record(record_id)
    else:
        cites, mark = (lambda item: _is_entry(item, entry_id)), deleted_entry(entry_id)
    changed = False
    for section in snap.get("sections", []):
        if record_id is not None:
            for group in section["groups"]:
                kept = [r for r in group["records"] if r["id"] != record_id]
                if len(kept) != len(group["records"]):
                    group["records"], changed = kept, True
            section["groups"] = [g for g in section["groups"] if g["records"]]
        if entry_id is not None and any(cites(e) for e in section.get("entries") or ()):
            section["entries"], changed = [dict(mark) if cites(e) else e for e in section["entries"]], True
        grade = section.get("grade") or {}
        if any(cites(c) for c in grade.get("contributions") or ()):
            # the points stay: the grade the report stated was computed with them
            grade["contributions"] = [{**mark, "points": c["points"]} if cites(c) else c
                                      for c in grade["contributions"]]
            changed = True
        for measure in section.get("measures") or ():
            if any(cites(g) for g in measure["grounds"]):
                measure["grounds"], changed = [dict(mark) if cites(g) else g for g in measure["grounds"]], True
        section["count"] = section_count(section)
        if not section["count"]:
            section["none"] = {"zh": "暂无记录", "en": "none recorded"}
    if changed:
        counts = {s["key"]: s["count"] for s in snap["sections"]}
        for s in snap["summary"]:
            s["count"] = counts.get(s["key"], s["count"])
    return changed


def _rewrite(session: Session, subject_ids: list[int], *, action: str, actor: Actor, details: dict[str, Any],
             record_id: int | None = None, entry_id: int | None = None) -> None:
    """Rewrite every stored report of these subjects that holds a copy; each rewrite is audited with the
    digest of the snapshot now stored (as ``report:issue`` holds the issued one's)."""
    rows = session.execute(select(CreditReport.id, CreditReport.subject_id, CreditReport.snapshot)
                           .where(CreditReport.subject_id.in_(subject_ids)).order_by(CreditReport.id)).all()
    for report_id, subject_id, snap in rows:
        if not _without(snap, record_id=record_id, entry_id=entry_id):
            continue
        session.execute(update(CreditReport).where(CreditReport.id == report_id).values(snapshot=snap))
        pdfstore.discard(session, [report_id])  # the stored PDF printed what was deleted
        audit.append(session, action=action, actor=actor, object_type="report", object_id=report_id,
                     subject_id=subject_id, content=snap, details={**details, "article": "Art. 37"})


def purge_records(session: Session, records: list[tuple[int, int]]) -> None:
    """Remove deleted records (``records``: a purge's chunk, ``(record id, subject id)``) from every stored report
    of their subjects (a record is reported, graded and grounds measures only in its own subject's reports):
    one event per record and report, with the digest of the snapshot as that record left it (as ``_rewrite``
    audits each); each report rewritten once, its PDF discarded."""
    by_subject: dict[int, list[int]] = {}
    for rid, sid in records:
        by_subject.setdefault(sid, []).append(rid)
    rewritten: list[int] = []
    events: list[dict] = []
    for rep in session.scalars(select(CreditReport).where(CreditReport.subject_id.in_(sorted(by_subject)))
                               .order_by(CreditReport.id)):
        changed = False
        for record_id in by_subject[rep.subject_id]:
            if _without(rep.snapshot, record_id=record_id):  # in place
                changed = True
                events.append(audit.event_row(action="report:purge-record", actor=CONSOLE, object_type="report",
                                              object_id=rep.id, subject_id=rep.subject_id, content=rep.snapshot,
                                              details={"record_id": record_id, "article": "Art. 37"}))
        if changed:
            flag_modified(rep, "snapshot")
            rewritten.append(rep.id)
    pdfstore.discard(session, rewritten)  # the stored PDFs printed what was deleted
    audit.append_many(session, events)
    session.flush()


def purge_entry(session: Session, entry: ListEntry, subject_ids: list[int], actor: Actor) -> None:
    """Remove a deleted list entry from every stored report of the listed subject and of its responsible
    persons (whose reports show it too)."""
    _rewrite(session, subject_ids, action="report:purge-entry", actor=actor, details={"entry_id": entry.id},
             entry_id=entry.id)

