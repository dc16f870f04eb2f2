"""What a one-subject check reads, in as few round trips and statements as the database allows.

A check of one subject reads the subject with its records (the inquiry's lean statement, which also says whether
a list entry names it) and, only when a list names it and a measure of the context rests on a list, its list
entries in force (as the listed subject and as a person responsible for a listed organization's act, Art. 33), on
the driver's cursor (``db.Prepared``). On PostgreSQL the front door (``POST /checks``) reads the token and the
subject in one statement (``TOKEN_WITH_SUBJECT``): one round trip for both. Measured here (2 shared cores, the
database on loopback; per call, interleaved): one statement p50 510-570 µs, p99 1.1-1.8 ms, 270-320 µs of CPU;
the two statements one after the other (main) 730-840 µs, 1.7-2.8 ms, 370-460 µs; the two in a psycopg pipeline
660-750 µs, 3.2-4.4 ms, 460-660 µs — the pipeline saves the round trip but costs more CPU than it and a longer
tail. The entries (1 % of the subjects here) and the authorizations (only for an organ whose list holds a
non-public item: the decision reads them itself) are not read with them: each statement costs the client
~150-200 µs of CPU, more than the round trip it would save for the 99 % who need neither. Nothing here decides
anything: the rows go to the one decision (``inquiry.service.decide_many``) and the check's rules, as the
statements' Core forms would.

Every statement is found by its own key (the token's digest, the identifier's digest) or names the subject's key
(``tests/test_shard_routing.py``, ``tests/measure/test_check_reads.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import bindparam, literal, null, select, union_all

from .. import tokens
from ..db import Prepared
from ..inquiry import service as inquiry
from ..listing import service as listing
from ..models import CreditList, ListEntry, ListEntryPerson, Subject

_E, _L, _P, _S = ListEntry.__table__, CreditList.__table__, ListEntryPerson.__table__, Subject.__table__

# The subject with its records, lean (no content, no source; whether a list entry names it), by digest.
SUBJECT_BY_DIGEST = inquiry.LEAN_SUBJECT_BY_DIGEST


def _entries_of_one() -> Prepared:
    """Listed entries on published lists in force on ``:on`` naming one subject (``:id``) — as the listed subject
    and as a responsible person: the rows ``listing.active_entries`` reads for one subject, in its order."""
    in_force = (_E.c.status == "listed", _L.c.state == "published", _L.c.published_on <= bindparam("on"))
    cols = (_E.c.id, _E.c.list_id, _E.c.ground, _E.c.document, _E.c.decided_on, _L.c.kind, _L.c.name, _L.c.code)
    as_subject = (select(_E.c.subject_id.label("key"), *cols, literal("subject").label("relation"),
                         null().label("role"))
                  .select_from(_E.join(_L, _L.c.id == _E.c.list_id))
                  .where(*in_force, _E.c.subject_id == bindparam("id")))
    as_person = (select(_P.c.subject_id.label("key"), *cols, literal("responsible").label("relation"),
                        _P.c.role.label("role"))
                 .select_from(_P.join(_E, _E.c.id == _P.c.entry_id).join(_L, _L.c.id == _E.c.list_id))
                 .where(*in_force, _P.c.subject_id == bindparam("id")))
    both = union_all(as_subject, as_person).subquery()
    return Prepared(select(both).order_by(both.c.key, both.c.id, both.c.relation.desc()))


ENTRIES_OF_ONE = _entries_of_one()


# The token's look-up left-joined to the subject with its records (lean, ``:key``): one statement, each row the
# token's columns then a subject row (``tokens.WithToken``).
TOKEN_WITH_SUBJECT = tokens.WithToken(
    inquiry.SUBJECT_RECORDS_LEAN.where(_S.c.identifier_digest == bindparam("key")), present="s_id",
    order=lambda o: (o.c.s_id, o.c.doc_date.desc(), o.c.id))


def token_and_subject(conn, *, token_key: dict, digest: str) -> tuple[list, list]:
    """PostgreSQL, the front door: the token's rows (as ``tokens.AUTH_BY_DIGEST`` answers) and the subject's (as
    ``SUBJECT_BY_DIGEST`` answers), in one statement: one round trip, without a pipeline (see the module's
    docstring for what each costs)."""
    return TOKEN_WITH_SUBJECT.rows(conn, {**token_key, "key": digest})


def entries_of(conn, subject_id: int, day: date) -> dict[int, list[dict[str, Any]]]:
    """The subject's entries in force on ``day`` as ``listing.active_entries`` answers them for one subject."""
    out: dict[int, list[dict[str, Any]]] = {}
    for row in ENTRIES_OF_ONE.rows(conn, {"id": subject_id, "on": day}):
        out.setdefault(row.key, []).append(listing.entry_ground(row, row.relation, row.role))
    return out
