"""Subjects (Art. 2): keyed by surrogate id, found by a keyed digest of their identifier.

A natural person's number is personal information (PIPL Art. 28, 51; Art. 20(4)): ``subject.identifier``
holds only its masked form (前6后4) and ``subject.identifier_enc`` the number itself, encrypted
(``xinyong.crypto``, bound to the subject's identifier digest). ``identifier_of`` is the one way to read
it back. Organizations' codes are public and stay plain in ``identifier``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import orjson
from sqlalchemy import String, any_, bindparam, func, insert, literal, select, text, union_all
from sqlalchemy.orm import Session

from .. import crypto
from ..audit import service as audit
from ..clock import local_date, now, today
from ..config import get_settings
from ..db import json_text_array
from ..errors import InvalidInput, NotFound, msg
from ..models import Subject, SubjectChange, SubjectIdentifier
from .identifiers import Identifier, mask_ric, parse_identifier, parse_lookup

_LOOKUP_CHUNK = 900  # stays under every database's bound-parameter limit


def identifier_digest(ident: Identifier) -> str:
    """HMAC of the normalised identifier: how every look-up finds a subject without its number."""
    return hmac.new(
        get_settings().hmac_key, f"{ident.scheme}:{ident.code}".encode(), hashlib.sha256
    ).hexdigest()


def digest_of(scheme: str, code: str) -> str:
    """``identifier_digest`` of a code of any scheme, the former ones too (``org``: a GB 11714 organization
    code, ``ric15``: a 15-digit resident ID number)."""
    return hmac.new(get_settings().hmac_key, f"{scheme}:{code}".encode(), hashlib.sha256).hexdigest()


_FORMER = SubjectIdentifier.__table__


def former_subject_ids(conn: Any, digests: Iterable[str]) -> dict[str, int]:
    """Former identifiers' digests → the subject each now names (one statement per chunk): the fallback of
    every look-up by digest that missed ``subject``."""
    wanted = list(dict.fromkeys(digests))
    out: dict[str, int] = {}
    for i in range(0, len(wanted), _LOOKUP_CHUNK):
        part = wanted[i : i + _LOOKUP_CHUNK]
        q = select(_FORMER.c.identifier_digest, _FORMER.c.subject_id).where(_FORMER.c.identifier_digest.in_(part))
        out.update((d, sid) for d, sid in conn.execute(q))
    return out


def find(session: Session, raw: str) -> Subject:
    """The subject named by ``raw``: its identifier, or one of its former identifiers (an 18-character one,
    an old organization code recorded by a change, a 15-digit number through its 18-digit form:
    ``identifiers.parse_lookup``). An unknown old form is not known, as an unknown identifier is."""
    ident = parse_lookup(raw, today=today())
    digest = identifier_digest(ident)
    subject = session.scalar(select(Subject).where(Subject.identifier_digest == digest))
    if subject is None:
        sid = former_subject_ids(session, [digest]).get(digest)
        if sid is not None:
            return session.get(Subject, sid)
        raise NotFound(msg("no information subject {ident} is known to the platform", ident=ident.masked()),
                       field="subject")
    return subject


def resolve_many(session: Session, wanted: Iterable[tuple[Identifier, str]]) -> dict[tuple[str, str], int]:
    """Map (scheme, code) → subject id for every (identifier, name), creating the subjects not yet known.

    An old form (``identifiers.parse_lookup``: ``former_form`` set) only finds a subject, by its former
    identifier or its 18-digit form: one that finds none is absent from the map, never created (the caller
    refuses it with its ``unknown_reason``); the same identifier given in its own 18-character form names the
    subject it creates.

    Bulk: one digest per distinct identifier, one SELECT for all of them and one INSERT for the new ones
    (on PostgreSQL one statement that returns their ids; SQLite looks them up again).
    """
    by_digest: dict[str, tuple[Identifier, str]] = {}
    digest_of_key: dict[tuple[str, str], str] = {}
    for ident, name in wanted:
        key = (ident.scheme, ident.code)
        d = digest_of_key.get(key)  # computed once per distinct identifier
        if d is not None:
            if by_digest[d][0].former_form is not None and ident.former_form is None:
                by_digest[d] = (ident, name)  # the creatable form of the same identifier
            continue
        d = digest_of_key[key] = identifier_digest(ident)
        by_digest[d] = (ident, name)
    key_of = {d: key for key, d in digest_of_key.items()}
    found = _ids_for(session, list(by_digest))
    missing = [d for d in by_digest if d not in found and by_digest[d][0].former_form is None]
    if missing:
        created = now()
        # the natural persons' numbers encrypted in one pass (the key ring read once per chunk)
        people = [d for d in missing if by_digest[d][0].is_natural_person]
        sealed = dict(zip(people, crypto.encrypt_many((by_digest[d][0].code, d) for d in people), strict=True))
        rows = [
            {
                "kind": by_digest[d][0].kind,
                "scheme": by_digest[d][0].scheme,
                "identifier": by_digest[d][0].masked(),
                "identifier_enc": sealed.get(d),
                "identifier_digest": d,
                "name": by_digest[d][1][:200],
                "region_code": by_digest[d][0].region_code,
                "birth_date": getattr(by_digest[d][0], "birth_date", None),
                "created_at": created,
            }
            for d in missing
        ]
        if session.get_bind().dialect.name == "postgresql":
            returned = session.execute(_INSERT_RETURNING_PG, {"rows": orjson.dumps(rows).decode()})
            found.update((d, sid) for d, sid in returned)  # (a Result has keys(): not a mapping to update from)
        else:
            session.execute(insert(Subject.__table__), rows)
            found.update(_ids_for(session, missing))
    return {key_of[d]: sid for d, sid in found.items()}


_NEW_COLUMNS = ("kind", "scheme", "identifier", "identifier_enc", "identifier_digest", "name", "region_code",
                "birth_date", "created_at")


def _insert_returning_pg():
    """PostgreSQL: the new subjects as one JSON text (``json_to_recordset``, each column with its own type),
    inserted by one statement that returns their ids. psycopg's ``executemany`` dumped every value of every row
    in Python and the ids were then looked up again: ~40 µs a new subject, where an import's chunk of
    thousands of new subjects spent most of its store (2026-12-04)."""
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    table = Subject.__table__
    shape = ", ".join(f"{c} {table.c[c].type.compile(dialect)}" for c in _NEW_COLUMNS)
    cols = ", ".join(_NEW_COLUMNS)
    return text(f"INSERT INTO subject ({cols}) SELECT {cols} FROM json_to_recordset(CAST(:rows AS json)) AS r({shape}) "
                "RETURNING identifier_digest, id")


_INSERT_RETURNING_PG = _insert_returning_pg()


def stored_identifier(ident: Identifier, digest: str) -> tuple[str, str | None]:
    """What ``subject.identifier`` and ``subject.identifier_enc`` hold for ``ident``: a natural person's
    number masked and encrypted (bound to its digest), an organization's code as it is."""
    if ident.is_natural_person:
        return ident.masked(), crypto.encrypt_text(ident.code, context=digest)
    return ident.code, None


_FULL = select(Subject.kind, Subject.identifier, Subject.identifier_enc, Subject.identifier_digest)


def identifier_of(session_or_row: Session | Any, subject: Subject | int | None = None) -> str:
    """The subject's full identifier: the one way code reads a natural person's number (decrypted).

    ``identifier_of(session, subject)`` with a ``Subject`` or its id, or ``identifier_of(row)`` with
    anything holding ``kind``, ``identifier``, ``identifier_enc`` and ``identifier_digest`` (a ``Subject``,
    a result row, a mapping). Only where the number itself is needed (re-validating a record, a
    report to the person); everything shown outside uses the masked ``identifier``.
    """
    row: Any = session_or_row if subject is None else subject
    if isinstance(row, int):
        found = session_or_row.execute(_FULL.where(Subject.id == row)).one_or_none()
        if found is None:
            raise NotFound(msg("no information subject #{row}", row=row), field="subject")
        row = found
    get = row.__getitem__ if isinstance(row, Mapping) else lambda name: getattr(row, name)
    if get("kind") != "natural_person":
        return get("identifier")
    enc = get("identifier_enc")
    if enc is None:
        plain = get("identifier")
        if "*" in plain:  # only the masked form is left: nothing can give the number back
            raise crypto.DecryptionFailed("a natural person's number is not stored encrypted (migration 0010 "
                                          "not run on this row?)")
        return plain  # a row from before encryption (migration 0010 encrypts them)
    return crypto.decrypt_text(enc, context=get("identifier_digest"))


_WANTED = func.json_each(bindparam("wanted", type_=String)).table_valued("value")
_IDS_SQLITE = union_all(
    select(Subject.identifier_digest.label("d"), Subject.id.label("i"), literal(0).label("f"))
    .where(Subject.identifier_digest.in_(select(_WANTED.c.value).scalar_subquery())),
    select(_FORMER.c.identifier_digest, _FORMER.c.subject_id, literal(1))
    .where(_FORMER.c.identifier_digest.in_(select(_WANTED.c.value).scalar_subquery())),
).order_by(text("f"))


def _ids_for(session: Session, digests: list[str]) -> dict[str, int]:
    """Digest → subject id, a former identifier's digest naming the subject it now belongs to: one statement
    (the subjects and the former identifiers in one UNION ALL), the digests bound as one JSON text."""
    out: dict[str, int] = {}
    if not digests:
        return out
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # The digests as one JSON array (``json_each``), the indexes searched as for an IN list: SQLAlchemy's
        # handling of 900 separate values cost several times the statement (the import's hot path).
        rows = session.execute(_IDS_SQLITE, {"wanted": orjson.dumps(digests).decode()})
    else:  # PostgreSQL
        wanted = json_text_array(digests)
        rows = session.execute(union_all(
            select(Subject.identifier_digest.label("d"), Subject.id.label("i"), literal(0).label("f"))
            .where(Subject.identifier_digest == any_(wanted)),
            select(_FORMER.c.identifier_digest, _FORMER.c.subject_id, literal(1))
            .where(_FORMER.c.identifier_digest == any_(wanted)),
        ).order_by(text("f")))
    for d, sid, _f in rows:
        out.setdefault(d, sid)  # the current identifier first
    return out


def public_view(subject: Subject) -> dict:
    """What may be shown outside: natural persons' numbers are masked (as stored; masking again is a
    no-op, and covers a row from before encryption)."""
    code = subject.identifier
    if subject.kind == "natural_person":
        code = mask_ric(code)
    return {"id": subject.id, "kind": subject.kind, "name": subject.name, "identifier": code}


# --- the life of a subject (issue 13 §6) ------------------------------------------------------------------


def _provides_any(session: Session, unit_id: int | None) -> bool:
    from ..models import UnitProvides

    if unit_id is None:
        return False
    return session.scalar(select(UnitProvides.unit_id).where(UnitProvides.unit_id == unit_id).limit(1)) is not None


def _digest_taken_by(session: Session, digest: str) -> int | None:
    sid = session.scalar(select(Subject.id).where(Subject.identifier_digest == digest))
    if sid is None:
        sid = former_subject_ids(session, [digest]).get(digest)
    return sid


def _change(session: Session, *, subject: Subject, kind: str, actor: Any, doc_no: str, doc_date: date,
            doc_org: str, effective_on: date | None, reason: str | None, **values: Any) -> SubjectChange:
    moment = now()
    row = SubjectChange(subject_id=subject.id, kind=kind, unit_id=actor.unit_id, doc_org=doc_org.strip()[:200],
                        doc_no=doc_no.strip()[:100], doc_date=doc_date, effective_on=effective_on or doc_date,
                        reason=(reason or "").strip() or None, recorded_by=actor.label[:120], recorded_at=moment,
                        recorded_on=local_date(moment), **values)
    session.add(row)
    session.flush()
    audit.append(session, action=f"subject:{kind}", actor=actor, object_type="subject_change", object_id=row.id,
                 subject_id=subject.id, details={"kind": kind, "change": row.id,
                                                 "other_subject": values.get("other_subject_id")})
    return row


def _former(session: Session, *, subject_id: int, scheme: str, code: str, digest: str, change: SubjectChange,
            natural_person: bool, enc: str | None = None) -> SubjectIdentifier:
    if natural_person:
        shown = mask_ric(code)
        enc = enc or crypto.encrypt_text(code, context=digest)
    else:
        shown, enc = code, None
    row = SubjectIdentifier(subject_id=subject_id, scheme=scheme, identifier=shown, identifier_enc=enc,
                            identifier_digest=digest, change_id=change.id,
                            valid_until=change.effective_on - timedelta(days=1))
    session.add(row)
    session.flush()
    return row


def record_change(session: Session, *, actor: Any, subject: str, kind: str, doc_no: str, doc_date: date,
                  doc_org: str, effective_on: date | None = None, reason: str | None = None,
                  new_name: str | None = None, new_identifier: str | None = None,
                  former_identifier: str | None = None) -> SubjectChange:
    """A providing unit records a change of a subject with its document (Art. 11): ``name_changed``
    (``new_name``; the old name stays in the history), ``identifier_changed`` (``new_identifier``; the old one
    becomes a former identifier, by which the subject is still found), ``former_identifier`` (an old
    organization code that the subject's USCC embeds, or the 15-digit number whose 18-digit form is the
    person's), ``deregistered`` (the subject stays, marked, with its records and history). ``subject``: any
    identifier that finds it. Flushes, never commits."""
    from . import rules

    day = today()
    if kind not in rules.UNIT_KINDS:
        raise InvalidInput(msg("unknown kind of change '{kind}'", kind=kind), field="kind")
    rules.check_provider(_provides_any(session, actor.unit_id))
    rules.check_change_document(doc_no, doc_date, doc_org, today=day)
    target = find(session, subject)
    rules.check_not_deregistered(target.deregistered_on)
    common = {"subject": target, "actor": actor, "doc_no": doc_no, "doc_date": doc_date, "doc_org": doc_org,
              "effective_on": effective_on, "reason": reason}
    person = target.kind == "natural_person"
    if kind == "name_changed":
        name = rules.check_new_name(target.name, new_name)
        row = _change(session, kind=kind, old_value=target.name, new_value=name, **common)
        target.name = name
    elif kind == "identifier_changed":
        new = parse_identifier(new_identifier or "", today=day)
        digest = identifier_digest(new)
        rules.check_identifier_change(target.kind, new.kind, target.identifier_digest, digest)
        taken = _digest_taken_by(session, digest)
        rules.check_identifier_free(taken, target.id)
        if taken == target.id:  # back to a former identifier: it is current again
            session.delete(session.scalar(select(SubjectIdentifier).where(
                SubjectIdentifier.identifier_digest == digest)))
            session.flush()
        old_digest, old_shown, old_enc = target.identifier_digest, target.identifier, target.identifier_enc
        row = _change(session, kind=kind, old_value=old_shown, new_value=new.masked(), old_digest=old_digest,
                      new_digest=digest, **common)
        shown, enc = stored_identifier(new, digest)
        target.identifier, target.identifier_enc, target.identifier_digest = shown, enc, digest
        target.region_code = new.region_code
        target.birth_date = getattr(new, "birth_date", None)
        session.flush()
        former = SubjectIdentifier(subject_id=target.id, scheme=target.scheme, identifier=old_shown,
                                   identifier_enc=old_enc, identifier_digest=old_digest, change_id=row.id,
                                   valid_until=row.effective_on - timedelta(days=1))
        target.scheme = new.scheme
        session.add(former)
    elif kind == "former_identifier":
        current = identifier_of(session, target)
        if person:
            code, scheme = rules.check_ric_reissue(former_identifier or "", current), "ric15"
            shown = mask_ric(code)
        else:
            code, scheme = rules.check_org_code_of_uscc(former_identifier or "", current), "org"
            shown = f"{code[:8]}-{code[8]}"
        digest = digest_of(scheme, code)
        rules.check_identifier_free(_digest_taken_by(session, digest), target.id)
        if _digest_taken_by(session, digest) == target.id:
            raise InvalidInput("the former identifier is already recorded for the subject",
                               field="former_identifier")
        row = _change(session, kind=kind, old_value=shown, new_value=target.identifier, old_digest=digest,
                      new_digest=target.identifier_digest, **common)
        _former(session, subject_id=target.id, scheme=scheme, code=code, digest=digest, change=row,
                natural_person=person)
    else:  # deregistered
        row = _change(session, kind=kind, **common)
        target.deregistered_on = row.effective_on
    session.flush()
    return row


def merge(session: Session, *, actor: Any, absorbed: str, into: str, doc_no: str, doc_date: date, doc_org: str,
          reason: str, effective_on: date | None = None) -> tuple[SubjectChange, SubjectChange]:
    """The operator's recorded decision that ``absorbed`` merged into ``into`` (platform policy, on the
    registration authority's document, Art. 11): ``absorbed`` stays a subject, deregistered, with its records
    and history (each record stays about the subject whose conduct it is); both histories name the other.
    Never automatic: two subjects are never joined by a name or any other match. Flushes, never commits."""
    from . import rules

    rules.check_decider(actor.role)
    rules.check_change_document(doc_no, doc_date, doc_org, today=today())
    why = rules.check_decision(reason)
    gone, stays = find(session, absorbed), find(session, into)
    rules.check_distinct(gone.id, stays.id)
    rules.check_not_deregistered(gone.deregistered_on)
    rules.check_not_deregistered(stays.deregistered_on)
    common = {"actor": actor, "doc_no": doc_no, "doc_date": doc_date, "doc_org": doc_org,
              "effective_on": effective_on, "reason": why}
    a = _change(session, subject=gone, kind="merged_into", other_subject_id=stays.id, **common)
    b = _change(session, subject=stays, kind="merged_from", other_subject_id=gone.id, **common)
    gone.deregistered_on = a.effective_on
    session.flush()
    return a, b


def split(session: Session, *, actor: Any, source: str, new: str, new_name: str, doc_no: str, doc_date: date,
          doc_org: str, reason: str, source_ends: bool = False,
          effective_on: date | None = None) -> tuple[SubjectChange, SubjectChange]:
    """The operator's recorded decision that the subject ``new`` (created when unknown) split from ``source``
    (platform policy, on the registration authority's document, Art. 11); ``source_ends``: the source was
    dissolved by the split (新设分立) and is deregistered. Records stay with the subject they are about.
    Flushes, never commits."""
    from . import rules

    rules.check_decider(actor.role)
    rules.check_change_document(doc_no, doc_date, doc_org, today=today())
    why = rules.check_decision(reason)
    parent = find(session, source)
    rules.check_not_deregistered(parent.deregistered_on)
    ident = parse_identifier(new, today=today())
    child_id = resolve_many(session, [(ident, (new_name or "").strip() or ident.masked())])[(ident.scheme,
                                                                                            ident.code)]
    child = session.get(Subject, child_id)
    rules.check_distinct(parent.id, child.id)
    common = {"actor": actor, "doc_no": doc_no, "doc_date": doc_date, "doc_org": doc_org,
              "effective_on": effective_on, "reason": why}
    a = _change(session, subject=child, kind="split_from", other_subject_id=parent.id, **common)
    b = _change(session, subject=parent, kind="split_into", other_subject_id=child.id, **common)
    if source_ends:
        parent.deregistered_on = b.effective_on
    session.flush()
    return a, b


def digests_of_many(session: Session, subject_ids: list[int]) -> dict[int, set[str]]:
    """Every identifier digest that names each of these subjects: the current one and the former ones."""
    out: dict[int, set[str]] = {}
    for sid, digest in session.execute(select(Subject.id, Subject.identifier_digest)
                                       .where(Subject.id.in_(subject_ids))):
        out.setdefault(sid, set()).add(digest)
    for sid, digest in session.execute(select(SubjectIdentifier.subject_id, SubjectIdentifier.identifier_digest)
                                       .where(SubjectIdentifier.subject_id.in_(subject_ids))):
        out.setdefault(sid, set()).add(digest)
    return out


def change_view(session: Session, row: SubjectChange) -> dict:
    """A change as shown to the unit that recorded it, the operator or the subject itself: identifiers only as
    stored (a person's number masked), the other subject of a merger or split by its public view."""
    from ..models import Unit

    other = session.get(Subject, row.other_subject_id) if row.other_subject_id else None
    unit = session.get(Unit, row.unit_id) if row.unit_id else None
    return {"id": row.id, "subject_id": row.subject_id, "kind": row.kind, "old_value": row.old_value,
            "new_value": row.new_value, "other_subject": public_view(other) if other else None,
            "unit": unit.name if unit else None, "doc_org": row.doc_org, "doc_no": row.doc_no,
            "doc_date": row.doc_date, "effective_on": row.effective_on, "reason": row.reason,
            "recorded_on": row.recorded_on}


def history(session: Session, subject_id: int, *, to_self: bool = False) -> dict:
    """The subject's life: its names and identifiers (former ones with the day they ended) and every change
    with its document. A natural person's numbers are masked, except to the subject itself (``to_self``)."""
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound(msg("no information subject #{row}", row=subject_id), field="subject")
    changes = session.scalars(select(SubjectChange).where(SubjectChange.subject_id == subject_id)
                              .order_by(SubjectChange.effective_on, SubjectChange.id)).all()
    formers = session.scalars(select(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject_id)
                              .order_by(SubjectIdentifier.valid_until, SubjectIdentifier.id)).all()

    def shown(row: Any) -> str:
        if to_self and row.identifier_enc is not None:
            return crypto.decrypt_text(row.identifier_enc, context=row.identifier_digest)
        return row.identifier

    names = [c.old_value for c in changes if c.kind == "name_changed"] + [subject.name]
    return {
        "id": subject.id, "kind": subject.kind, "name": subject.name,
        "identifier": identifier_of(session, subject) if to_self else public_view(subject)["identifier"],
        "deregistered_on": subject.deregistered_on,
        "names": names,
        "former_identifiers": [{"scheme": f.scheme, "identifier": shown(f), "valid_until": f.valid_until}
                               for f in formers],
        "changes": [change_view(session, c) for c in changes],
    }
