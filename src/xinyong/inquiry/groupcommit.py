"""Group commit of the inquiry log, and an inquiry's reads in one round trip.

An inquiry over HTTP reads (the token, the subject with its records, the reference facts) in a read-only
unit of work, decides with the one decision (``service.decide_many``), builds its answer and its log rows,
and hands the rows to the ``LogWriter`` of its engine. The writer's thread takes everything pending (up to
``GROUP_ROWS`` rows), writes it in one transaction and commits once — one fsync for the whole group instead
of one per request — then resolves each request's future with its log ids. A small group (``SMALL_GROUP_ROWS``)
is one autocommit statement on PostgreSQL (one round trip, no BEGIN or COMMIT) and prepared statements on
SQLite; a larger one two statements a table (``LogWriter._commit``).

Art. 34: the answer never leaves before its log row is committed. The request awaits its future, and the
future is resolved only after the commit that holds its rows has returned; a request whose rows could not
be committed gets the exception instead (answered 500, nothing of it disclosed). A denial is logged the same
way before its refusal is answered. If a group's commit fails, each submission of it is retried alone, so
that one bad row cannot fail the others.

The reads write nothing: ``tokens.authenticate`` stamps no last use and counts no failure in the database
(a failure is noted for the guard, in memory), so the read path commits nothing. On PostgreSQL the token and
the subject (both found by a digest computed in Python) are read in one statement on an autocommit
connection (no BEGIN/COMMIT), with the subject's authorizations for the token's unit as one JSON column (so that
a decision that needs them costs no second round trip), in a worker thread: the event loop never waits on the
network. (Until 2026-12-03 these were three statements in a psycopg pipeline, also one round trip: the one
statement costs the server process ~16 % less CPU a request over HTTP, bench/README.md.) SQLite's reads stay
on the event loop (``SQLITE_READS_IN_THREAD``: measured).
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import weakref
from collections import namedtuple
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Iterator

from sqlalchemy import JSON, Table, bindparam, func, literal_column, select, type_coerce
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .. import tokens
from ..audit import service as audit
from ..auth import token_digest
from ..clock import today
from ..db import session_factory
from ..errors import InvalidInput
from ..models import Authorization, InquiryLog, Subject, Unit
from ..ops import counters
from ..subject import service as subjects
from ..subject.identifiers import parse_lookup
from . import service
from .service import Answer, Loaded

GROUP_ROWS = 512  # at most this many log rows in one transaction
# A group of up to this many rows (log rows and callers' rows) is written row by row in prepared statements, on
# PostgreSQL as one statement of a CTE pair a row (``LogWriter._commit_small``); a larger group (a check of many
# subjects) in two statements a table.
SMALL_GROUP_ROWS = 32
IDLE_EXIT_S = 5.0  # a writer's thread ends after this long with nothing to write (started again on demand)
STOP_TIMEOUT_S = 10.0
_LOG = InquiryLog.__table__
_A, _S = Authorization.__table__, Subject.__table__
# The subject's authorizations for the token's unit, by the identifier's digest, as one JSON column of the
# token's row (an index probe, usually none): read with the token and the subject, so that a decision that needs
# them costs no second round trip. Each an array of ``_AUTHORIZATION_FIELDS`` (the decision's facts of it).
# Those of an asker without a unit are read by the decision itself (``unit_id IS NULL``).
_AUTHORIZATION_FIELDS = ("id", "subject_id", "unit_id", "items", "purpose", "valid_from", "valid_until",
                         "withdrawn_at", "restricted_kinds", "form", "adverse_told_at")
_U = Unit.__table__
_AUTHORIZATIONS_OF_THE_UNIT = type_coerce(
    select(func.coalesce(func.json_agg(func.json_build_array(*[_A.c[f] for f in _AUTHORIZATION_FIELDS])),
                         literal_column("'[]'::json")))
    .select_from(_A.join(_S, _S.c.id == _A.c.subject_id))
    .where(_S.c.identifier_digest == bindparam("key"), _A.c.unit_id == _U.c.id)
    .scalar_subquery(), JSON).label("authorizations")
_AuthorizationRow = namedtuple("AuthorizationRow", _AUTHORIZATION_FIELDS)
# PostgreSQL: the token (``:digest``), the subject with its records (``:key``) and those authorizations in one
# statement: one round trip, no pipeline (``tokens.WithToken``).
TOKEN_SUBJECT_AUTHORIZATIONS = tokens.WithToken(
    service._SUBJECT_RECORDS.where(_S.c.identifier_digest == bindparam("key")), present="s_id",
    order=lambda o: (o.c.s_id, o.c.doc_date.desc(), o.c.id), extra=[_AUTHORIZATIONS_OF_THE_UNIT])


def _authorization_rows(values: list) -> list:
    """The JSON arrays of ``_AUTHORIZATIONS_OF_THE_UNIT`` as rows for ``service.authorization_facts`` (dates
    back from their ISO form; the moments are only tested for presence)."""
    rows = []
    for v in values:
        row = _AuthorizationRow(*v)
        rows.append(row._replace(valid_from=date.fromisoformat(row.valid_from),
                                 valid_until=date.fromisoformat(row.valid_until)))
    return rows


# SQLite's reads are in-process (~0.5 ms) and stay on the event loop: measured on a quiet machine (wrk -t2 -c8,
# 20k records, medians of 3 × 8 s), 516 req/s on the loop against 428 in a worker thread (on a loaded machine the
# thread had looked better: 373-554 against 283-427).
SQLITE_READS_IN_THREAD = False


@dataclass
class _Submission:
    rows: list[dict]
    events: list[dict]
    extra: tuple[Table, dict, dict] | None  # a row of the caller's with its event (a check's row)
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future


def _settle(future: asyncio.Future, ids: tuple[list[int], int | None] | None, error: BaseException | None) -> None:
    if future.done():  # the request was cancelled (client gone): its rows are committed or failed all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(ids)


class LogWriter:
    """Writes inquiry-log rows (with their audit events) for one engine on a thread of its own, one
    transaction and one commit per group of pending submissions. See the module's docstring (Art. 34)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cond = threading.Condition()
        self._pending: list[_Submission] = []
        self._thread: threading.Thread | None = None
        self._stopping = False
        # For tests: called in the writer's thread after a group's rows are written, before its commit.
        self.before_commit: Callable[[], None] | None = None
        self.groups = 0  # transactions committed (groups and retries alone)
        self.in_flight = 0  # submissions taken by the thread and not yet resolved

    async def write(self, rows: list[dict], events: list[dict]) -> list[int]:
        """Submit log rows and their events; return their ids once they are committed."""
        return (await self.submit(rows, events))[0]

    async def write_with(self, rows: list[dict], events: list[dict], extra: tuple[Table, dict, dict]
                         ) -> tuple[list[int], int | None]:
        """``write``, with a row of the caller's and its event in the same transaction (``inquiry.log``'s
        ``also``: a check's row); returns the log ids and the caller's row id."""
        return await self.submit(rows, events, extra)

    def submit(self, rows: list[dict], events: list[dict], extra: tuple[Table, dict, dict] | None = None
               ) -> asyncio.Future:
        """On the event loop: queue the rows; the future resolves with (log ids, extra's id) after their commit."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._cond:
            self._pending.append(_Submission(rows, events, extra, loop, future))
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="inquiry-log-writer", daemon=True)
                self._thread.start()
            else:
                self._cond.notify()
        return future

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Write what is pending, then end the thread (a later submission starts it again)."""
        with self._cond:
            thread = self._thread
            self._stopping = True
            self._cond.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _take(self) -> list[_Submission] | None:
        with self._cond:
            while not self._pending:
                if self._stopping or not self._cond.wait(IDLE_EXIT_S):
                    if not self._pending:
                        self._thread = None
                        return None
            group, n = [], 0
            while self._pending and (not group or n + len(self._pending[0].rows) <= GROUP_ROWS):
                sub = self._pending.pop(0)
                group.append(sub)
                n += len(sub.rows)
            self.in_flight = len(group)
            return group

    def _run(self) -> None:
        while True:
            group = self._take()
            if group is None:
                return
            try:
                self._write_group(group)
            except BaseException as exc:  # pragma: no cover - a bug here must not leave requests waiting
                for sub in group:
                    self._resolve(sub, None, exc)
            finally:
                self.in_flight = 0

    def _write_group(self, group: list[_Submission]) -> None:
        try:
            results = self._commit(group)
        except Exception as exc:
            if len(group) == 1:
                self._resolve(group[0], None, exc)
                return
            for sub in group:  # alone, so that one bad row fails only its own request
                try:
                    [result] = self._commit([sub])
                except Exception as alone:
                    self._resolve(sub, None, alone)
                else:
                    self._resolve(sub, result, None)
            return
        for sub, result in zip(group, results, strict=True):
            self._resolve(sub, result, None)

    def _commit(self, group: list[_Submission]) -> list[tuple[list[int], int | None]]:
        """One transaction for the group, one commit; (log ids, extra's id) per submission. A group of up to
        ``SMALL_GROUP_ROWS`` rows (log rows and callers' rows): on PostgreSQL one statement in autocommit, on
        SQLite a prepared statement a row on the driver's cursor and the events in one (``audit.insert_with_events``,
        measured ~20 % less CPU than SQLAlchemy's executemany for 4-16 rows); a larger one (a check of many
        subjects) two statements a table."""
        if sum(len(s.rows) + (s.extra is not None) for s in group) <= SMALL_GROUP_ROWS:
            return self._commit_small(group)
        session = session_factory(self.engine)()
        try:
            ids = audit.insert_many_with_events(session, _LOG, [r for s in group for r in s.rows],
                                                [e for s in group for e in s.events])
            extra_ids: dict[int, int] = {}
            by_table: dict[str, list[int]] = {}
            for n, sub in enumerate(group):
                if sub.extra is not None:
                    by_table.setdefault(sub.extra[0].name, []).append(n)
            for positions in by_table.values():
                table = group[positions[0]].extra[0]
                written = audit.insert_many_with_events(session, table, [group[n].extra[1] for n in positions],
                                                        [group[n].extra[2] for n in positions])
                extra_ids.update(zip(positions, written, strict=True))
            if self.before_commit is not None:
                self.before_commit()
            session.commit()
        finally:
            session.close()  # rolls back what was not committed
        self.groups += 1
        out, at = [], 0
        for n, sub in enumerate(group):
            out.append((ids[at:at + len(sub.rows)], extra_ids.get(n)))
            at += len(sub.rows)
        return out

    def _commit_small(self, group: list[_Submission]) -> list[tuple[list[int], int | None]]:
        """A small group: the log rows first, then the callers' rows (so that PostgreSQL's one statement has a
        shape that depends on the two counts only). On PostgreSQL the statement runs on an autocommit
        connection, where it is its own transaction — one round trip instead of four (BEGIN, the rows, the
        events, COMMIT)."""
        items = [(_LOG, row, event) for sub in group for row, event in zip(sub.rows, sub.events, strict=True)]
        items += [sub.extra for sub in group if sub.extra is not None]
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                if self.before_commit is not None:
                    self.before_commit()
                ids = audit.insert_with_events_autocommit(conn, items)
        else:
            session = session_factory(self.engine)()
            try:
                ids = audit.insert_with_events(session, items)
                if self.before_commit is not None:
                    self.before_commit()
                session.commit()
            finally:
                session.close()
        self.groups += 1
        out, at, extra_at = [], 0, sum(len(sub.rows) for sub in group)
        for sub in group:
            extra_id = None
            if sub.extra is not None:
                extra_id, extra_at = ids[extra_at], extra_at + 1
            out.append((ids[at:at + len(sub.rows)], extra_id))
            at += len(sub.rows)
        return out

    @staticmethod
    def _resolve(sub: _Submission, ids: tuple[list[int], int | None] | None, error: BaseException | None) -> None:
        try:
            sub.loop.call_soon_threadsafe(_settle, sub.future, ids, error)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


_writers: weakref.WeakKeyDictionary[Engine, LogWriter] = weakref.WeakKeyDictionary()
_writers_lock = threading.Lock()


def writer_for(engine: Engine) -> LogWriter:
    writer = _writers.get(engine)
    if writer is None:
        with _writers_lock:
            writer = _writers.get(engine)
            if writer is None:
                writer = _writers[engine] = LogWriter(engine)
    return writer


def stop(engine: Engine) -> None:
    """Stop the engine's writer, if it has one (the app's lifespan, at shutdown)."""
    try:
        writer = _writers.get(engine)
    except TypeError:  # not an engine (an app built for its documents only): it has no writer
        return
    if writer is not None:
        writer.stop()


def stop_all() -> None:
    for writer in list(_writers.values()):
        writer.stop()


atexit.register(stop_all)


# --- the reads -------------------------------------------------------------------------------------------

@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work: nothing is committed. On PostgreSQL the connection is in autocommit, so
    that no BEGIN or COMMIT goes over the network (each statement reads a consistent snapshot of its own)."""
    conn = engine.connect()
    try:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        session = session_factory(engine)(bind=conn)
        try:
            yield session
        finally:
            session.close()
    finally:
        conn.close()


@dataclass
class DecidedInquiry:
    """A decided inquiry, not yet logged: its answer (``inquiry_id`` still 0) and its log rows with events."""

    answer: Answer
    rows: list[dict]
    events: list[dict]


def read_inquiry(engine: Engine, *, token: str, subject: str | None, purpose: str | None,
                 case_no: str | None, channel: str, on: date | None = None) -> DecidedInquiry:
    """Authenticate, load and decide one inquiry (no writes) and build its answer and log rows.

    The order of refusals is today's: an unknown token is refused before a malformed identifier."""
    day = on or today()
    ident = digest = None
    bad_identifier: InvalidInput | None = None
    if subject:
        try:
            ident = parse_lookup(subject, today=day)  # an old form finds its subject too (issue 13 §6)
            digest = subjects.identifier_digest(ident)
        except InvalidInput as exc:
            bad_identifier = exc
    token_key = {"digest": token_digest(token or "")}
    with read_session(engine) as s:
        # The session's own connection, without beginning the session's transaction (~20-40 µs a call here):
        # the reads below go to the driver's cursor and begin nothing either way (no BEGIN on SQLite for a
        # SELECT, autocommit on PostgreSQL); a rare path that uses the session itself begins it as before.
        conn = s.get_bind()
        authorizations = None
        if digest is not None and conn.dialect.name == "postgresql":
            auth_rows, subject_rows = TOKEN_SUBJECT_AUTHORIZATIONS.rows(conn, {**token_key, "key": digest})
            who = tokens.authenticated(auth_rows)
            if who.unit_id is not None:
                authorizations = service.authorization_facts(_authorization_rows(auth_rows[0].authorizations))
        else:
            who = tokens.authenticated(tokens.AUTH_BY_DIGEST.rows(conn, token_key))
            subject_rows = None
            if bad_identifier is not None:
                raise bad_identifier
        if digest is not None:
            if subject_rows is None:
                subject_rows = service.SUBJECT_BY_DIGEST.rows(conn, {"key": digest})
            loaded = service.loaded_from(subject_rows).get(digest)
            if loaded is None:  # a miss only: a former identifier names the subject it now belongs to
                loaded = service.load_subjects(conn, digests=[digest]).get(digest)
                authorizations = None  # read by the subject's id when the decision needs them
            loaded = loaded or Loaded(None, [], digest, ident.masked(), kind=ident.kind)
        elif subject is None:
            if who.subject_id is None:
                raise InvalidInput("name the subject", field="subject")
            loaded = service.load_one(s, subject_id=who.subject_id, day=day)
        else:  # an empty identifier: refused as load_one refuses it
            loaded = service.load_one(s, subject=subject, day=day)
        [decided] = service.decide_many(s, actor=who, loaded=[loaded], purpose=purpose, case_no=case_no, on=day,
                                        authorizations=authorizations)
    [answer] = service.answers_for([decided], day)
    rows = service.log_rows(who, [decided], answers=[answer], channel=channel)
    for row in rows:
        counters.inquiry(row["decision"], row["article"])
    return DecidedInquiry(answer, rows, service.log_events(who, rows))
