"""What a subject is told in writing, and when a failed e-mail is tried again. Pure functions.

Art. 32.1: an organ that applies a measure tells the subject in writing the measure, its basis and its grounds;
Art. 36.2(2), 36.3: the objector is told of each step; Art. 37, 38: a revocation or a restoration carried out.
The letter (``body``) holds codes, names, documents and ids, never an identifier: it is shown to the subject
only, in the portal. An e-mail says only that a letter waits there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..errors import InvalidInput, Message, msg
from ..law.rules import rule

KINDS = ("measure_applied", "objection_step", "record_revoked", "record_restored")
MAIL_STATES = ("queued", "sent", "failed")
# The objection's steps the objector is told of, the article of each (the decision's comes with it).
STEP_ARTICLES = {"note": "Art. 36.2", "transfer": "Art. 36.2(2)", "inform": "Art. 36.2(2)"}
STEPS = ("note", "transfer", "decide", "inform")


def _title(m: Message) -> tuple[Message, dict]:
    """The title, and how the letter keeps it (its template and values: the portal words it in Chinese)."""
    return m, {"template": m.template, "params": m.params}


def _step_title(step: str, number: str) -> Message:
    if step == "note":
        return msg("Your objection {number} was noted", number=number)
    if step == "transfer":
        return msg("Your objection {number} was transferred to the unit that provided the records", number=number)
    if step == "decide":
        return msg("Your objection {number} was decided", number=number)
    return msg("Your objection {number}: the decision of the unit that provided the records", number=number)


@rule("Art. 32.1")
def measure_letter(*, measure: dict, organ: str, document: str, decided_on: str, grounds: list[dict]
                   ) -> tuple[str, Message, dict]:
    """The written notice of a measure applied: the measure (its name, what it is), its basis and its level,
    its grounds, the organ that applied it and its decision document."""
    title, t = _title(msg("{organ} applied the measure {name} to you", organ=organ, name=measure["name"]))
    body = {"title": t, "measure": {k: measure.get(k) for k in ("id", "code", "name", "measure", "kind", "article",
                                                                "implementing_organ")},
            "basis": measure["basis"], "organ": organ, "document": document, "decided_on": decided_on,
            "grounds": [dict(g) for g in grounds]}
    return "Art. 32.1", title, body


@rule("Art. 36.2(2)")
def objection_letter(*, step: str, number: str, status: str, article: str | None = None,
                     outcome: str | None = None, document: str | None = None, reason: str | None = None
                     ) -> tuple[str, Message, dict]:
    """The objector is told of each step done: noted, transferred, decided (with its outcome, document and
    reasons), informed of the providing unit's decision."""
    art = article or STEP_ARTICLES[step]
    title, t = _title(_step_title(step, number))
    body = {"title": t, "objection": number, "step": step, "status": status, "outcome": outcome,
            "document": document, "reason": reason}
    return art, title, body


@rule("Art. 37")
def revoked_letter(*, record_id: int, item: str, document: str, decided_by: str, due_on: str | None
                   ) -> tuple[str, Message, dict]:
    """A record whose designation was revoked: no longer served, deleted by the date due."""
    title, t = _title(msg("Record {record} was revoked and will be deleted", record=record_id))
    return "Art. 37", title, {"title": t, "record_id": record_id, "item": item, "document": document,
                              "decided_by": decided_by, "due_on": due_on}


@rule("Art. 38")
def restored_letter(*, record_id: int, item: str, document: str) -> tuple[str, Message, dict]:
    """A record whose subject's credit was restored: removed from the inquiry interface."""
    title, t = _title(msg("Your credit was restored: record {record}", record=record_id))
    return "Art. 38", title, {"title": t, "record_id": record_id, "item": item, "document": document}


LETTERS = {"measure_applied": measure_letter, "objection_step": objection_letter, "record_revoked": revoked_letter,
           "record_restored": restored_letter}


def title_of(body: dict) -> Message:
    """The letter's title as a message (the portal words it in the page's language)."""
    t = body["title"]
    text = Message(t["template"].format(**t["params"]))  # the stored message, as ``msg`` built it
    text.template, text.params = t["template"], t["params"]
    return text


def check_address(address: str) -> str:
    """An e-mail address: one ``@``, a dot in the domain, no spaces, at most 254 characters."""
    a = (address or "").strip()
    local, _, domain = a.rpartition("@")
    if not local or "." not in domain or len(a) > 254 or any(c.isspace() for c in a) or domain.startswith("."):
        raise InvalidInput("not an e-mail address", field="address")
    return a


def after_failure(attempts: int, *, max_attempts: int, backoff_minutes: int, at: datetime
                  ) -> tuple[str, datetime | None]:
    """A mail failed for the ``attempts``-th time: queued again after the backoff (doubling each time), or
    ``failed`` once the attempts are spent."""
    if attempts >= max_attempts:
        return "failed", None
    return "queued", at + timedelta(minutes=backoff_minutes * 2 ** (attempts - 1))


def deleted_ground(g: dict, record_ids: set[int]) -> dict:
    """A ground naming a deleted record becomes a mark (Art. 37): its id, ``deleted``, the article."""
    if g.get("type") == "record" and g.get("record_id") in record_ids:
        return {"type": "record", "record_id": g["record_id"], "deleted": True, "article": "Art. 37"}
    return g
