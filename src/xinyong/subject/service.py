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
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .. import crypto
from ..clock import now, today
from ..config import get_settings
from ..db import one_of
from ..errors import NotFound, msg
from ..models import Subject
from .identifiers import Identifier, mask_ric, parse_identifier

_LOOKUP_CHUNK = 900  # stays under every database's bound-parameter limit


def identifier_digest(ident: Identifier) -> str:
    """HMAC of the normalised identifier: how every look-up finds a subject without its number."""
    return hmac.new(
        get_settings().hmac_key, f"{ident.scheme}:{ident.code}".encode(), hashlib.sha256
    ).hexdigest()


def find(session: Session, raw: str) -> Subject:
    ident = parse_identifier(raw, today=today())
    subject = session.scalar(select(Subject).where(Subject.identifier_digest == identifier_digest(ident)))
    if subject is None:
        raise NotFound(msg("no information subject {ident} is known to the platform", ident=ident.masked()),
                       field="subject")
    return subject


def resolve_many(session: Session, wanted: Iterable[tuple[Identifier, str]]) -> dict[tuple[str, str], int]:
    """Map (scheme, code) → subject id for every (identifier, name), creating the subjects not yet known.

    Bulk: one digest per distinct identifier, one SELECT per chunk of digests and one multi-row
    INSERT for the new ones.
    """
    by_digest: dict[str, tuple[Identifier, str]] = {}
    key_of: dict[str, tuple[str, str]] = {}
    seen: set[tuple[str, str]] = set()
    for ident, name in wanted:
        key = (ident.scheme, ident.code)
        if key in seen:
            continue
        seen.add(key)
        d = identifier_digest(ident)
        by_digest[d] = (ident, name)
        key_of[d] = key
    found = _ids_for(session, list(by_digest))
    missing = [d for d in by_digest if d not in found]
    if missing:
        created = now()
        # the natural persons' numbers encrypted in one pass (the key ring read once per chunk)
        people = [d for d in missing if by_digest[d][0].is_natural_person]
        sealed = dict(zip(people, crypto.encrypt_many((by_digest[d][0].code, d) for d in people), strict=True))
        session.execute(
            insert(Subject.__table__),
            [
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
            ],
        )
        found.update(_ids_for(session, missing))
    return {key_of[d]: sid for d, sid in found.items()}


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


def _ids_for(session: Session, digests: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(digests), _LOOKUP_CHUNK):
        part = digests[i : i + _LOOKUP_CHUNK]
        where = one_of(Subject.identifier_digest, part, session.get_bind().dialect.name)
        q = select(Subject.identifier_digest, Subject.id).where(where)
        out.update((d, i) for d, i in session.execute(q))
    return out


def public_view(subject: Subject) -> dict:
    """What may be shown outside: natural persons' numbers are masked (as stored; masking again is a
    no-op, and covers a row from before encryption)."""
    code = subject.identifier
    if subject.kind == "natural_person":
        code = mask_ric(code)
    return {"id": subject.id, "kind": subject.kind, "name": subject.name, "identifier": code}
