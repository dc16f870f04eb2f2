"""Letters to subjects (Art. 32.1, 36, 37, 38): written by ``tell`` in the transaction of the act they tell of,
read in the portal's inbox; where the subject gave an e-mail address, a mail is queued that says only that a
letter waits (``notice.mail`` sends it). Flushes, never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import crypto
from ..audit import service as audit
from ..auth import Actor
from ..clock import now
from ..errors import NotFound, msg
from ..models import Notice, NoticeMail, SubjectContact, Unit
from . import rules


def _context(subject_id: int) -> str:
    return f"subject_contact:{subject_id}"


def tell(session: Session, *, subject_id: int, kind: str, object_type: str, object_id: int, actor: Actor,
         organ_unit_id: int | None = None, **facts: Any) -> Notice:
    """Write the letter of ``kind`` (``rules.LETTERS``) to the subject, and queue its e-mail where the subject
    gave an address. ``organ_unit_id``: the organ that acted, named in the letter."""
    if organ_unit_id is not None:
        facts["organ"] = session.scalar(select(Unit.name).where(Unit.id == organ_unit_id)) or ""
    article, title, body = rules.LETTERS[kind](**facts)
    moment = now()
    n = Notice(subject_id=subject_id, kind=kind, article=article, title=str(title)[:300], body=body,
               object_type=object_type, object_id=object_id, created_at=moment)
    session.add(n)
    session.flush()
    if session.scalar(select(SubjectContact.address_enc).where(SubjectContact.subject_id == subject_id)):
        session.add(NoticeMail(notice_id=n.id, state="queued", attempts=0, next_attempt_at=moment))
    audit.append(session, action="notice:tell", actor=actor, object_type="notice", object_id=n.id,
                 subject_id=subject_id, content=body,
                 details={"kind": kind, "article": article, "object_type": object_type, "object_id": object_id})
    return n


# --------------------------------------------------------------------------------------------
# the subject's address


def set_contact(session: Session, *, actor: Actor, address: str | None) -> dict[str, Any]:
    """The subject gives (or, with ``None`` or empty, withdraws) the e-mail address notices are announced to."""
    sid = actor.subject_id
    if sid is None:
        raise NotFound("no subject")
    row = session.scalar(select(SubjectContact).where(SubjectContact.subject_id == sid))
    moment = now()
    if address and address.strip():
        enc = crypto.encrypt_text(rules.check_address(address), context=_context(sid))
        if row is None:
            row = SubjectContact(subject_id=sid, address_enc=enc, given_at=moment)
            session.add(row)
        else:
            row.address_enc, row.given_at, row.withdrawn_at = enc, moment, None
        action = "notice:contact"
    else:
        if row is not None and row.address_enc is not None:
            row.address_enc, row.withdrawn_at = None, moment
        action = "notice:contact-withdrawn"
    session.flush()
    audit.append(session, action=action, actor=actor, object_type="subject_contact", object_id=row.id if row else 0,
                 subject_id=sid, content={"subject": sid, "given": action == "notice:contact", "at": moment},
                 details={"given": action == "notice:contact"})
    return contact_of(session, sid)


def address_of(session: Session, subject_id: int) -> str | None:
    enc = session.scalar(select(SubjectContact.address_enc).where(SubjectContact.subject_id == subject_id))
    return crypto.decrypt_text(enc, context=_context(subject_id)) if enc else None


def contact_of(session: Session, subject_id: int) -> dict[str, Any]:
    """The subject's own address (shown to the subject only)."""
    row = session.scalar(select(SubjectContact).where(SubjectContact.subject_id == subject_id))
    if row is None or row.address_enc is None:
        return {"address": None, "given_at": None}
    return {"address": address_of(session, subject_id), "given_at": row.given_at}


# --------------------------------------------------------------------------------------------
# the inbox


def _view(n: Notice, mail: NoticeMail | None) -> dict[str, Any]:
    return {"id": n.id, "kind": n.kind, "article": n.article, "title": rules.title_of(n.body), "body": n.body,
            "object_type": n.object_type, "object_id": n.object_id, "created_at": n.created_at,
            "read_at": n.read_at, "mail": mail.state if mail is not None else None}


def inbox(session: Session, subject_id: int) -> list[dict[str, Any]]:
    """The subject's letters, newest first."""
    rows = session.execute(select(Notice, NoticeMail).outerjoin(NoticeMail, NoticeMail.notice_id == Notice.id)
                           .where(Notice.subject_id == subject_id).order_by(Notice.id.desc())).all()
    return [_view(n, m) for n, m in rows]


def open_letter(session: Session, *, subject_id: int, notice_id: int) -> dict[str, Any]:
    """One letter of the subject's, marked read the first time it is opened."""
    n = session.get(Notice, notice_id)
    if n is None or n.subject_id != subject_id:
        raise NotFound(msg("no letter {notice}", notice=notice_id), field="notice")
    if n.read_at is None:
        n.read_at = now()
        session.flush()
    mail = session.scalar(select(NoticeMail).where(NoticeMail.notice_id == n.id))
    return _view(n, mail)


def unread(session: Session, subject_id: int) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(Notice)
                          .where(Notice.subject_id == subject_id, Notice.read_at.is_(None))) or 0


# --------------------------------------------------------------------------------------------
# the mails (notice.mail sends them)


def due_mails(session: Session, at: datetime) -> list[tuple[int, int]]:
    """(mail id, subject id) of the queued mails due now."""
    return [(m, s) for m, s in session.execute(
        select(NoticeMail.id, Notice.subject_id).join(Notice, Notice.id == NoticeMail.notice_id)
        .where(NoticeMail.state == "queued", NoticeMail.next_attempt_at <= at).order_by(NoticeMail.id))]


def failed_mails(session: Session) -> list[dict[str, Any]]:
    """Mails that finally failed (the operator's report; the letters are in the inboxes)."""
    return [{"mail_id": m.id, "notice_id": m.notice_id, "attempts": m.attempts, "last_error": m.last_error}
            for m in session.scalars(select(NoticeMail).where(NoticeMail.state == "failed").order_by(NoticeMail.id))]


# --------------------------------------------------------------------------------------------
# Art. 37: a deleted record's grounds in letters become marks


def forget_records(session: Session, records: list[tuple[int, int]]) -> None:
    """``record.workflows`` purge hook (``records``: a chunk, ``(record id, subject id)``): a letter's ground
    naming a deleted record becomes a mark."""
    by_subject: dict[int, list[int]] = {}
    for rid, sid in records:
        by_subject.setdefault(sid, []).append(rid)
    for n in session.scalars(select(Notice).where(Notice.subject_id.in_(sorted(by_subject)),
                                                  Notice.kind == "measure_applied")):
        for record_id in by_subject[n.subject_id]:
            grounds = n.body.get("grounds") or []
            if any(g.get("type") == "record" and g.get("record_id") == record_id and not g.get("deleted")
                   for g in grounds):
                n.body = {**n.body, "grounds": [rules.deleted_ground(g, {record_id}) for g in grounds]}
    session.flush()


def forget_entry(session: Session, entry: Any, subject_ids: Any, actor: Actor) -> None:
    """A deleted list entry (Art. 25.3 with Art. 37): a letter's ground naming it becomes a mark."""
    for n in session.scalars(select(Notice).where(Notice.subject_id.in_(list(subject_ids)),
                                                  Notice.kind == "measure_applied")):
        grounds = n.body.get("grounds") or []
        if any(g.get("entry_id") == entry.id and not g.get("deleted") for g in grounds):
            n.body = {**n.body, "grounds": [
                {"type": g["type"], "entry_id": entry.id, "deleted": True, "article": "Art. 37"}
                if g.get("entry_id") == entry.id else g for g in grounds]}
    session.flush()
