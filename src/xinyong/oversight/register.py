"""The oversight register of possible breaches (Art. 19, 20, 49–51), and the competent authorities' decisions.

``TABLE`` is the one table (rendered in ``docs/oversight.md``): breach kind → responsible party → the duty's
article → the article of the consequence → the competent authority → what the regulation attaches, and the
decisions that authority may record. ``entries`` computes the register from what the platform already records
(the queries of ``oversight.service``, called, not copied), each entry with a stable key (kind + object id) and
its state from the decisions recorded (``oversight_decision``). ``decide`` records one — the supervisor only
(``rules.check_decider``); the Center cannot edit the register.

Refused inquiries are attempts: shown, with no sanction attached (nothing was disclosed). An inquiry outside an
organ's published list (Art. 17.2 → 50.2) cannot happen on this platform: it is refused before anything is
disclosed, so that row has no computed entries and its attempts show among the refused inquiries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..clock import local_date, now, today
from ..errors import InvalidInput, NotFound, msg
from ..law import parameters
from ..models import OversightDecision
from . import rules, service

ART50 = ("no_breach", "interview", "order_to_correct", "warning", "circulated_criticism", "corrected", "referred")
ART51_3 = ("no_breach", "order_to_correct", "corrected", "fine", "referred")


@dataclass(frozen=True)
class Breach:
    """One row of the register's table."""

    kind: str
    breach: str  # what the breach is
    party: str  # organ | center | credit-service | staff | any
    duty: str  # the article whose duty is breached
    article: str  # the article of the consequence
    authority: str  # AUTHORITIES
    consequence: str  # what the regulation (or the other law) attaches
    outcomes: tuple[str, ...]  # the decisions the authority may record; () — an attempt, none
    fine_parameter: str | None = None
    fine_only_after_order: bool = False
    computed_from: str = ""  # where the platform finds it ("" — not computed: see the note)
    other_law: str | None = None


AUTHORITIES = {
    "supervisor": "the social credit supervisor (市社会信用管理部门)",
    "superior-or-supervisor": "the organ's superior department or the social credit supervisor, within its remit",
    "disciplining-organ": "the organ that disciplines the staff member (处分机关)",
    "infosec-authority": "the information-security authority (信息安全相关主管部门)",
    "pipl-authority": "the departments performing personal information protection duties (履行个人信息保护职责的部门)",
    "none": "none: nothing was disclosed",
}

TABLE: tuple[Breach, ...] = (
    Breach("provider-late-step", "a providing unit late on its objection step (verification, correction)", "organ",
           "Art. 36.2", "Art. 50.2", "superior-or-supervisor",
           "an interview; by severity an order to correct, a warning or circulated criticism", ART50,
           computed_from="objection steps past their deadlines owed by a provider (service.late_objection_steps)"),
    Breach("outside-published-list", "an inquiry outside the organ's published list", "organ", "Art. 17.2",
           "Art. 50.2", "superior-or-supervisor",
           "an interview; by severity an order to correct, a warning or circulated criticism", ART50,
           computed_from=""),
    Breach("refused-inquiry", "an inquiry refused (an attempt: nothing was disclosed)", "any", "Art. 17.2",
           "Art. 17.2", "none", "none: an attempt, shown only", (),
           computed_from="refused inquiries by unit and article (service.refused_inquiries)"),
    Breach("center-inquiry", "the Center inquiring for a unit from its console: was it checked and lawful?", "center",
           "Art. 17", "Art. 51.1", "supervisor", "a fine within the range (fine.center_improper_inquiry_yuan)",
           ("no_breach", "fine", "referred"), fine_parameter="fine.center_improper_inquiry_yuan",
           computed_from="the console's inquiries, checks and reports for units (service.console_acts)"),
    Breach("verification-failure", "information-security duties: an audit verification failed", "center", "Art. 19",
           "Art. 51.2", "infosec-authority",
           "an order to correct within a time limit, and a penalty under the relevant rules",
           ("no_breach", "order_to_correct", "corrected", "referred"),
           computed_from="failed audit verifications (service.verifications)"),
    Breach("center-late-step", "the Center late on its objection step (marking, verification, reply)", "center",
           "Art. 36.2", "Art. 51.3", "supervisor",
           "an order to correct by a date; if it refuses to correct, a fine may be imposed within the range "
           "(fine.rights_breach_not_corrected_yuan)", ART51_3, fine_parameter="fine.rights_breach_not_corrected_yuan",
           fine_only_after_order=True, computed_from="objection steps past their deadlines owed by the Center"),
    Breach("credit-service-late-step", "a credit service establishment late on its objection step", "credit-service",
           "Art. 36.1", "Art. 51.3", "supervisor",
           "an order to correct by a date; if it refuses to correct, a fine may be imposed within the range "
           "(fine.rights_breach_not_corrected_yuan)", ART51_3, fine_parameter="fine.rights_breach_not_corrected_yuan",
           fine_only_after_order=True,
           computed_from="objection steps past their deadlines owed by a credit service establishment"),
    Breach("late-deletion", "a revoked record deleted after its deadline, or not yet", "center", "Art. 37",
           "Art. 51.3", "supervisor",
           "an order to correct by a date; if it refuses to correct, a fine may be imposed within the range "
           "(fine.rights_breach_not_corrected_yuan)", ART51_3, fine_parameter="fine.rights_breach_not_corrected_yuan",
           fine_only_after_order=True, computed_from="deletions past their deadlines (service.late_record_actions)"),
    Breach("late-restoration", "a restoration carried out after its deadline, or not yet", "center", "Art. 38",
           "Art. 51.3", "supervisor",
           "an order to correct by a date; if it refuses to correct, a fine may be imposed within the range "
           "(fine.rights_breach_not_corrected_yuan)", ART51_3, fine_parameter="fine.rights_breach_not_corrected_yuan",
           fine_only_after_order=True,
           computed_from="restorations past their deadlines (service.late_record_actions)"),
    Breach("staff-abuse", "staff abusing their powers, neglecting their duties or practising favouritism", "staff",
           "Art. 50.1", "Art. 50.1", "disciplining-organ", "administrative discipline by severity; a crime is "
           "prosecuted", ("referred",), computed_from=""),
    Breach("personal-information", "a breach for which another law sets the sanction (personal information)", "any",
           "Art. 49", "Art. 51.4", "pipl-authority", "as that law sets: PIPL (个人信息保护法) Art. 66",
           ("referred",), computed_from="", other_law="个人信息保护法 第六十六条"),
)
BY_KIND = {b.kind: b for b in TABLE}
STATES = ("attempt", "open", "decided", "order_pending", "deadline_passed")
_LATE_STEP_KIND = {"provider": "provider-late-step", "center": "center-late-step",
                   "credit-service": "credit-service-late-step"}
_CONSOLE_INQUIRIES = ("xinyong inquire", "xinyong check", "xinyong report")


def table() -> list[dict[str, Any]]:
    """The table, as data (the API's and docs' form)."""
    return [{"kind": b.kind, "breach": b.breach, "party": b.party, "duty": b.duty, "article": b.article,
             "authority": b.authority, "consequence": b.consequence, "outcomes": list(b.outcomes),
             "fine_parameter": b.fine_parameter, "computed_from": b.computed_from, "other_law": b.other_law}
            for b in TABLE]


def _found(session: Session, day: date) -> list[dict[str, Any]]:
    """What the platform records of possible breaches: (kind, object id, unit, what was found, when)."""
    data = service.breaches(session, on=day)
    out: list[dict[str, Any]] = []
    for r in data["refused_inquiries"]:
        who = (r["unit"] or {}).get("uscc") or r["asker"]
        out.append({"kind": "refused-inquiry", "object": f"{who}:{r['article'].removeprefix('Art. ')}",
                    "article": r["article"], "unit": r["unit"], "found": r, "since": r["last_at"]})
    for r in data["late_objection_steps"]:
        out.append({"kind": _LATE_STEP_KIND.get(r["party"], "provider-late-step"), "object": str(r["step_id"]),
                    "unit": r["unit"], "found": r, "since": r["due_on"]})
    for kind, rows in (("late-deletion", data["late_deletions"]), ("late-restoration", data["late_restorations"])):
        out.extend({"kind": kind, "object": str(r["action_id"]), "unit": r["unit"], "found": r, "since": r["due_on"]}
                   for r in rows)
    out.extend({"kind": "verification-failure", "object": str(v["event_id"]), "unit": None, "found": v,
                "since": v["at"]} for v in data["verification_failures"])
    out.extend({"kind": "center-inquiry", "object": str(a["event_id"]), "unit": a["unit"], "found": a,
                "since": a["at"]} for a in service.console_acts(session) if a["command"] in _CONSOLE_INQUIRIES)
    return out


def _decisions(session: Session, keys: list[str] | None = None) -> dict[str, list[OversightDecision]]:
    q = select(OversightDecision).order_by(OversightDecision.decided_on, OversightDecision.id)
    if keys is not None:
        q = q.where(OversightDecision.entry_key.in_(keys or [""]))
    found: dict[str, list[OversightDecision]] = {}
    for d in session.scalars(q):
        found.setdefault(d.entry_key, []).append(d)
    return found


def state_of(row: Breach, decisions: list[OversightDecision], day: date) -> tuple[str, date | None]:
    """The entry's state on ``day`` and the deadline it follows: an attempt; open (no decision); an order to
    correct pending until its deadline, or its deadline passed with no correction; decided."""
    if not row.outcomes:
        return "attempt", None
    if not decisions:
        return "open", None
    order: date | None = None
    for d in decisions:
        if d.outcome == "order_to_correct":
            order = d.deadline
        elif d.outcome in ("corrected", "fine", "no_breach", "referred"):
            order = None
    if order is not None:
        return ("deadline_passed" if day > order else "order_pending"), order
    return "decided", None


def _decision_view(d: OversightDecision) -> dict[str, Any]:
    return {"id": d.id, "outcome": d.outcome, "decided_on": d.decided_on.isoformat(), "decided_by": d.decided_by,
            "document": d.document, "reasons": d.reasons, "deadline": d.deadline.isoformat() if d.deadline else None,
            "amount_yuan": d.amount_yuan, "article": d.article, "authority": d.authority}


def entries(session: Session, day: date | None = None) -> list[dict[str, Any]]:
    """The register on ``day``: every possible breach the platform records, with its article, party, authority,
    the consequence attached, its state and the decisions recorded. Deadlines passed first, then open."""
    day = day or today()
    found = _found(session, day)
    decided = _decisions(session)
    out = []
    for f in found:
        row = BY_KIND[f["kind"]]
        key = f"{row.kind}:{f['object']}"
        ds = decided.get(key, [])
        state, deadline = state_of(row, ds, day)
        out.append({"key": key, "kind": row.kind, "breach": row.breach, "duty": f.get("article") or row.duty,
                    "article": row.article, "party": row.party, "unit": f["unit"], "authority": row.authority,
                    "consequence": row.consequence, "outcomes": list(row.outcomes), "other_law": row.other_law,
                    "state": state, "deadline": deadline.isoformat() if deadline else None,
                    "since": f["since"], "found": f["found"], "decisions": [_decision_view(d) for d in ds]})
    order = {s: i for i, s in enumerate(("deadline_passed", "open", "order_pending", "decided", "attempt"))}
    out.sort(key=lambda e: (order[e["state"]], e["kind"], e["key"]))
    return out


def entry(session: Session, key: str, day: date | None = None) -> dict[str, Any]:
    for e in entries(session, day):
        if e["key"] == key:
            return e
    raise NotFound(msg("no entry {key} on the oversight register", key=key[:120]))


def decide(session: Session, *, key: str, actor: Actor, outcome: str, decided_by: str, document: str,
           reasons: str = "", deadline: date | None = None, amount_yuan: int | None = None,
           referred_to: str = "") -> dict[str, Any]:
    """Record the competent authority's decision on an entry (the supervisor only). Returns the entry as it now
    stands."""
    rules.check_decider(actor.role)
    moment = now()
    day = local_date(moment)
    current = entry(session, key, day)
    row = BY_KIND[current["kind"]]
    rules.check_outcome(outcome, allowed=row.outcomes, article=row.article, document=document, reasons=reasons)
    if not (decided_by or "").strip():
        raise InvalidInput("name the authority's officer who decided", field="decided_by", article=row.article)
    history = [(d["outcome"], date.fromisoformat(d["deadline"]) if d["deadline"] else None)
               for d in current["decisions"]]
    if outcome == "order_to_correct":
        rules.check_order_deadline(deadline, day)
    else:
        deadline = None
    if outcome == "fine":
        low, high = parameters.value(row.fine_parameter, day)
        rules.check_fine_range(amount_yuan, low=int(low), high=int(high), article=row.article)
        if row.fine_only_after_order:
            rules.check_refused_to_correct(history, day)
    else:
        amount_yuan = None
    if outcome == "corrected":
        rules.check_correction(history)
    text = (reasons or "").strip()
    if outcome == "referred" and (referred_to or "").strip():
        text = f"{referred_to.strip()}: {text}" if text else referred_to.strip()
    d = OversightDecision(entry_key=key, kind=row.kind, article=row.article, authority=row.authority,
                          outcome=outcome, decided_on=day, decided_at=moment, decided_by=decided_by.strip()[:120],
                          document=document.strip()[:200], reasons=text or None, deadline=deadline,
                          amount_yuan=amount_yuan, recorded_by=actor.label[:120])
    session.add(d)
    session.flush()
    info = {"entry_key": key, "kind": row.kind, "article": row.article, "outcome": outcome,
            "decided_on": day.isoformat(), "deadline": deadline.isoformat() if deadline else None,
            "amount_yuan": amount_yuan}
    audit.append(session, action="oversight:decide", actor=actor, object_type="oversight_decision", object_id=d.id,
                 content={**info, "document": d.document, "reasons": d.reasons, "decided_by": d.decided_by},
                 details=info)
    return entry(session, key, day)
