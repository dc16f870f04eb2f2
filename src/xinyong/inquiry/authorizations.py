"""Written authorizations a subject gives a unit to inquire into its non-public information (Art. 17.3)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import service as audit
from ..auth import Actor
from ..clock import now, today
from ..errors import Forbidden, InvalidInput, NotFound, msg
from ..law.rules import rule
from ..models import Authorization, CatalogItem, ConsentNotice, Subject, Unit
from . import rules as consent_rules
from ..unit import service as units


@rule("Art. 17.3")
def check_written_authorization(document: str, items: list[str], purpose: str, valid_from: date,
                                valid_until: date) -> None:
    """An authorization is written (names its document), scoped to items, for a purpose, and dated."""
    if not document.strip():
        raise InvalidInput("the written authorization must be named (its title or number)",
                           article="Art. 17.3", field="document")
    if not items:
        raise InvalidInput("an authorization names the catalog items it covers", article="Art. 17.3",
                           field="items")
    if not purpose.strip():
        raise InvalidInput("an authorization names its purpose", article="Art. 17.3", field="purpose")
    if valid_until < valid_from:
        raise InvalidInput("an authorization cannot end before it begins", article="Art. 17.3",
                           field="valid_until")


def grant(
    session: Session,
    *,
    subject_id: int,
    unit_uscc: str,
    items: list[str],
    purpose: str,
    valid_from: date,
    valid_until: date,
    document: str,
    actor: Actor,
    form: str | None = None,
    restricted_kinds: list[str] | None = None,
    adverse_consequences_told: bool = False,
    adverse_text: str | None = None,
    notice_version: int | None = None,
) -> Authorization:
    _check_actor(actor, subject_id)
    items = sorted(set(items))
    check_written_authorization(document, items, purpose, valid_from, valid_until)
    consent_rules.check_scope_not_prohibited(items)
    kinds = sorted(set(restricted_kinds or []))
    consent_rules.check_scope_not_prohibited(kinds)
    consent_rules.check_restricted_consent(kinds, form, adverse_consequences_told)
    subject = session.get(Subject, subject_id)
    consent_rules.check_restricted_only_for_persons(subject.kind if subject is not None else "", kinds)
    notice = _notice(session, notice_version)
    known = set(session.scalars(select(CatalogItem.code).where(CatalogItem.code.in_(items))))
    unknown = [i for i in items if i not in known]
    if unknown:
        raise NotFound(msg("not catalog items: {unknown}", unknown=", ".join(unknown)), field="items")
    unit = units.get_by_uscc(session, unit_uscc)
    auth = Authorization(subject_id=subject_id, unit_id=unit.id, items=items, purpose=purpose.strip(),
                         valid_from=valid_from, valid_until=valid_until, document=document.strip()[:200],
                         granted_at=now(), form=form or consent_rules.WRITTEN, restricted_kinds=kinds or None,
                         notice_id=notice.id if notice is not None else None)
    if adverse_consequences_told:
        auth.adverse_told_at = auth.granted_at
        auth.adverse_text = (adverse_text or (notice.text_en if notice is not None else "") or "").strip() or None
    session.add(auth)
    session.flush()
    audit.append(session, action="authorization:grant", actor=actor, object_type="authorization",
                 object_id=auth.id, subject_id=subject_id, content=describe(auth, unit))
    return auth


def withdraw(session: Session, *, authorization_id: int, reason: str, actor: Actor) -> Authorization:
    auth = session.get(Authorization, authorization_id)
    if auth is None:
        raise NotFound(msg("no authorization {authorization_id}", authorization_id=authorization_id))
    _check_actor(actor, auth.subject_id)
    if auth.withdrawn_at is None:
        auth.withdrawn_at, auth.withdrawn_reason = now(), (reason or "").strip() or None
        audit.append(session, action="authorization:withdraw", actor=actor, object_type="authorization",
                     object_id=auth.id, subject_id=auth.subject_id,
                     details={"reason_given": bool(auth.withdrawn_reason)})
    return auth


def of_subject(session: Session, subject_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Authorization, Unit).join(Unit, Unit.id == Authorization.unit_id)
        .where(Authorization.subject_id == subject_id).order_by(Authorization.id))
    return [describe(a, u) for a, u in rows]


def describe(auth: Authorization, unit: Unit) -> dict[str, Any]:
    return {
        "id": auth.id,
        "unit": {"name": unit.name, "uscc": unit.uscc},
        "items": list(auth.items),
        "purpose": auth.purpose,
        "valid_from": auth.valid_from.isoformat(),
        "valid_until": auth.valid_until.isoformat(),
        "document": auth.document,
        "granted_at": auth.granted_at.isoformat(),
        "withdrawn_at": auth.withdrawn_at.isoformat() if auth.withdrawn_at else None,
        "form": auth.form or consent_rules.WRITTEN,
        "restricted_kinds": list(auth.restricted_kinds or []),
        "adverse_consequences_told_at": auth.adverse_told_at.isoformat() if auth.adverse_told_at else None,
        "notice_id": auth.notice_id,
        "grade": sorted(consent_rules.restricted_grade(auth.restricted_kinds, auth.form,
                                                       auth.adverse_told_at is not None)),
    }


def publish_notice(session: Session, *, text_zh: str, text_en: str, published_on: date,
                   actor: Actor) -> ConsentNotice:
    """The operator publishes a new version of the consent notice text; earlier versions are kept."""
    if actor.role not in ("console", "operator"):
        raise Forbidden("only the operator publishes the consent notice", article="Art. 14.2")
    if not text_zh.strip() or not text_en.strip():
        raise InvalidInput("a consent notice has a Chinese and an English text", article="Art. 14.2",
                           field="text")
    latest = session.scalar(select(ConsentNotice.version).order_by(ConsentNotice.version.desc()).limit(1))
    notice = ConsentNotice(version=(latest or 0) + 1, text_zh=text_zh.strip(), text_en=text_en.strip(),
                           published_on=published_on)
    session.add(notice)
    session.flush()
    audit.append(session, action="consent-notice:publish", actor=actor, object_type="consent-notice",
                 object_id=notice.id, details={"version": notice.version})
    return notice


def current_notice(session: Session, day: date | None = None) -> ConsentNotice | None:
    """The notice version in force on a day (the latest published on or before it)."""
    q = select(ConsentNotice)
    if day is not None:
        q = q.where(ConsentNotice.published_on <= day)
    return session.scalars(q.order_by(ConsentNotice.version.desc()).limit(1)).first()


def _notice(session: Session, version: int | None) -> ConsentNotice | None:
    if version is None:
        return current_notice(session, today())  # the Shanghai day, never the UTC one
    notice = session.scalar(select(ConsentNotice).where(ConsentNotice.version == version))
    if notice is None:
        raise NotFound(msg("no consent notice version {version}", version=version), field="notice_version")
    return notice


def _check_actor(actor: Actor, subject_id: int) -> None:
    # The subject itself, or the operator's console entering a written authorization on its behalf.
    if actor.role == "console" or (actor.role == "subject" and actor.subject_id == subject_id):
        return
    raise Forbidden("only the subject gives or withdraws its authorizations", article="Art. 17.3")
