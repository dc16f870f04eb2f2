"""Subjects (Art. 2): keyed by surrogate id, found by a keyed digest of their identifier."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..clock import now, today
from ..config import get_settings
from ..db import one_of
from ..errors import NotFound
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
        raise NotFound(f"no information subject {ident.masked()} is known to the platform", field="subject")
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
        session.execute(
            insert(Subject.__table__),
            [
                {
                    "kind": by_digest[d][0].kind,
                    "scheme": by_digest[d][0].scheme,
                    "identifier": by_digest[d][0].code,
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


def _ids_for(session: Session, digests: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(digests), _LOOKUP_CHUNK):
        part = digests[i : i + _LOOKUP_CHUNK]
        where = one_of(Subject.identifier_digest, part, session.get_bind().dialect.name)
        q = select(Subject.identifier_digest, Subject.id).where(where)
        out.update((d, i) for d, i in session.execute(q))
    return out


def public_view(subject: Subject) -> dict:
    """What may be shown outside: natural persons' numbers are masked."""
    code = subject.identifier
    if subject.kind == "natural_person":
        code = mask_ric(code)
    return {"id": subject.id, "kind": subject.kind, "name": subject.name, "identifier": code}
