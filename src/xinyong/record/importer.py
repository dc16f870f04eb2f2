"""The import workflow shared by the CLI and the API: one file, validated row by row, stored in
chunked transactions (a crash leaves whole chunks or none), every bad row reported with its line,
field, reason and article.

The clerk's file is read once, into the platform's stored copy: a spool of its rows holding only the
columns their catalog item declares, encrypted (``spool.write_spool``); a file refused whole is
refused before anything of it is kept. The import reads the spool back. Rejected rows go to the
platform's rejects copy (encrypted, declared columns only) and to the provider.
"""

from __future__ import annotations

import gc
import hashlib
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import orjson
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from .. import crypto
from ..audit import service as audit
from ..auth import Actor
from ..clock import local_date, now
from ..db import session_scope
from ..errors import DomainError, RuleViolation
from ..law import parameters
from ..law.errors import LawError
from ..models import Batch, BatchReject, CatalogItem, Unit
from ..unit import service as units
from . import service, spool, workflows
from .fields import FORMATS, declared_fields, detect_format, map_row, mask_id_shaped, missing_required
from .rules import ItemInfo, RecordDraft, RowContext, check_no_prohibited_columns, validate_row
from .service import Reject
from .spool import FileRefused, SpoolReader

RejectSink = Callable[[Reject, dict | None], None]
Progress = Callable[[int], None]


MAX_NOTICES = 1000  # masking notices per import; the count of the rest is told
STORE_ATTEMPTS = 5  # a chunk that collides with a concurrent import of the same rows is stored again


class ImportFailed(RuntimeError):
    """The import stopped on an error whose own text (a driver's message quoting a statement's
    parameters) could carry personal data: this one says what happened, masked."""


@dataclass
class ImportResult:
    batch_id: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    already_present: int = 0
    notices: list[tuple[int, str]] = field(default_factory=list)
    file_error: Reject | None = None
    dropped_columns: list[dict] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all accepted (or already present), 3 some rejected, 4 nothing usable."""
        if self.file_error is not None or (self.rows and self.rejected == self.rows) or not self.rows:
            return 4
        return 3 if self.rejected else 0

    def summary(self) -> dict:
        return {
            "batch_id": self.batch_id,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "already_present": self.already_present,
            "notices": [{"line": ln, "message": m} for ln, m in self.notices],
            "dropped_columns": self.dropped_columns,
            "file_error": None if self.file_error is None else {
                "line": self.file_error.line, "field": self.file_error.field,
                "reason": self.file_error.reason, "article": self.file_error.article},
        }


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def batches_dir() -> Path:
    from ..config import get_settings

    folder = get_settings().var_dir / "batches"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_copy_path(batch_id: str, filename: str | None = None) -> Path:
    """Where the platform keeps its copy of a submitted file: the encrypted spool of the rows, with
    only their declared columns (``spool``); Art. 37 deletion rewrites it without a deleted row.
    ``filename`` is the clerk's (it does not change where the copy is)."""
    return batches_dir() / f"{uuid.UUID(batch_id)}.spool"


def rejects_copy_path(batch_id: str) -> Path:
    """The platform's copy of a batch's rejected rows (encrypted JSON Lines; declared columns only)."""
    return batches_dir() / f"{uuid.UUID(batch_id)}.rejects"


def declared_by_item(session) -> dict[str, frozenset[str]]:
    """Catalog item code → the fields a record of it stores (``catalog_item.fields``, Art. 11)."""
    return {code: declared_fields(fields, fmt) for code, fields, fmt in
            session.execute(select(CatalogItem.code, CatalogItem.fields, CatalogItem.record_format))}


def item_infos(session) -> dict[str, ItemInfo]:
    return {i.code: ItemInfo(i.code, i.state, i.published_on, i.retired_on, i.untrustworthy, i.continuing,
                             declared_fields(i.fields, i.record_format))
            for i in session.scalars(select(CatalogItem))}


def keep_copy(batch_id: str, source: Path, filename: str, *, engine: Engine | None = None) -> Path:
    """Spool ``source`` (the clerk's file, read once) as the batch's stored copy; raises
    :class:`~xinyong.record.spool.FileRefused` for a file refused whole (nothing is kept)."""
    with session_scope(engine) as s:
        declared = declared_by_item(s)
    return spool.write_spool(source, filename=filename, target=stored_copy_path(batch_id),
                             declared=declared).path


def new_batch_id() -> str:
    return str(uuid.uuid4())


def open_batch(engine: Engine, *, unit_uscc: str, filename: str, sha256: str | None = None, actor: Actor,
               batch_id: str | None = None, dropped_columns: list[dict] | None = None) -> str:
    """Record the submission first, so a batch id exists before any row is read (202 for the API).
    ``sha256`` may come later: the import sets it from the spooling when it is not known yet."""
    with session_scope(engine) as s:
        unit = units.get_by_uscc(s, unit_uscc)
        batch = Batch(id=batch_id or new_batch_id(), unit_id=unit.id, filename=filename[:255],
                      sha256=sha256 or "", received_at=now(), status="received", rows_total=0, accepted=0,
                      rejected=0, already_present=0, dropped_columns=dropped_columns or None)
        s.add(batch)
        return batch.id


def run_import(
    engine: Engine,
    *,
    batch_id: str,
    path: Path,
    actor: Actor,
    today: date,
    chunk_rows: int = 5000,
    on_reject: RejectSink | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file into the batch. ``path`` is the batch's spool (``keep_copy`` / the API), or the
    clerk's own file, which is then spooled first (read once; refused whole with ``file_error``)."""
    result = ImportResult(batch_id=batch_id)
    try:
        _run(engine, result, Path(path), actor, today, chunk_rows, on_reject, progress)
    except BaseException as exc:
        # Never a full ID number in the stored error, nor in what propagates to a terminal.
        text = mask_id_shaped(f"{type(exc).__name__}: {exc}")[:2000]
        with session_scope(engine) as s:
            batch = s.get(Batch, batch_id)
            batch.status, batch.finished_at = "failed", now()
            batch.error = text
        if isinstance(exc, Exception) and (isinstance(exc, DBAPIError) or _driver_error(exc)
                                           or text != f"{type(exc).__name__}: {exc}"[:2000]):
            raise ImportFailed(f"the import of batch {batch_id} failed: {text}") from None
        raise
    return result


def _driver_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("sqlite3", "psycopg"))


class _Notices:
    """The import's notices to the clerk, the per-row ones bounded."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str]] = []
        self.suppressed = 0

    def add(self, line: int, message: str) -> None:
        if len(self.rows) < MAX_NOTICES:
            self.rows.append((line, message))
        else:
            self.suppressed += 1

    def all(self) -> list[tuple[int, str]]:
        if self.suppressed:
            return [*self.rows, (0, f"{self.suppressed} further notice(s) of the same kind suppressed")]
        return list(self.rows)


def _column_names(fmt: str) -> dict[str, str]:
    """Canonical key → the format's first column for it (what the clerk sees)."""
    names: dict[str, str] = {}
    for col, target in FORMATS[fmt].columns.items():
        names.setdefault(target.split(":", 1)[0] if target.startswith("other_ids:") else target, col)
    return names


def _run(engine, result, path, actor, today, chunk_rows, on_reject, progress) -> None:
    with session_scope(engine) as s:
        batch = s.get(Batch, result.batch_id)
        unit = s.get(Unit, batch.unit_id)
        unit_id = unit.id
        unit_items = frozenset(p.item_code for p in unit.provides)
        items = item_infos(s)
        filename = batch.filename
        batch.status = "running"
    received_at = now()

    rejects_copy = _RejectsCopy(result.batch_id)
    try:
        spooled = _spool_clerks_file(path, result.batch_id, filename or path.name, items)
        if isinstance(spooled, FileRefused):
            result.file_error = Reject(1, spooled.field, spooled.message, spooled.article)
            rejects_copy.write(result.file_error, None)
            _finish(engine, result, None, None, [result.file_error], [], [], sha256=spooled.sha256)
            if on_reject:
                on_reject(result.file_error, None)
            return
        if spooled is not None:
            with session_scope(engine) as s:
                batch = s.get(Batch, result.batch_id)
                if not batch.sha256:
                    batch.sha256 = spooled.sha256
            path = spooled.path
        _import(engine, result, path, actor, today, chunk_rows, on_reject, progress, unit_id, unit_items,
                items, received_at, rejects_copy)
    finally:
        rejects_copy.close()


def _spool_clerks_file(path: Path, batch_id: str, filename: str, items: dict[str, ItemInfo]
                       ) -> spool.SpoolResult | FileRefused | None:
    """``path`` already a spool: None. Else the clerk's file, opened and read once: spooled as the
    batch's stored copy (its result), or refused whole (the refusal; nothing written)."""
    with open(path, "rb") as fh:
        if fh.read(len(crypto.FILE_MAGIC)) == crypto.FILE_MAGIC:
            return None
        fh.seek(0)
        try:
            return spool.write_spool(fh, filename=filename, target=stored_copy_path(batch_id),
                                     declared={c: i.fields for c, i in items.items()})
        except FileRefused as exc:
            return exc


def _import(engine, result, path, actor, today, chunk_rows, on_reject, progress, unit_id, unit_items, items,
            received_at, rejects_copy) -> None:
    stream = SpoolReader(path)
    fmt = stream.format
    ctx = RowContext(unit_items=unit_items, items=items, fmt=fmt, today=today)
    notices = _Notices()
    columns = _column_names(fmt)

    def validate(chunk: list) -> tuple[int, list[tuple[int, RecordDraft]], list[Reject], dict[int, dict]]:
        drafts: list[tuple[int, RecordDraft]] = []
        rejects: list[Reject] = []
        raws: dict[int, dict] = {}
        for row in chunk:
            raws[row.line] = row.values
            if row.error is not None:
                rejects.append(Reject(row.line, None, row.error, None))
                continue
            try:
                draft = validate_row(map_row(fmt, row.values), ctx)
            except (DomainError, LawError) as exc:
                # a reason may quote a value: never a full ID number in it (the rejects table, the API)
                rejects.append(Reject(row.line, getattr(exc, "field", None), mask_id_shaped(exc.message),
                                      exc.article))
                continue
            drafts.append((row.line, draft))
            for key in draft.masked:
                column = columns.get(key, key)
                notices.add(row.line, f"a resident ID number in {column} was masked (前6后4) before storing "
                                      "(Art. 20(4))")
        return len(chunk), drafts, rejects, raws

    def store(rows_through: int, drafts: list[tuple[int, RecordDraft]], rejects: list[Reject]) -> None:
        """One chunk, one transaction: its records, its rejects and the batch's counts. A chunk that
        collides with a concurrent import of the same rows is stored again: the rows that import
        committed first count as already present (or conflicts), never an error."""
        given = list(rejects)
        for attempt in range(1, STORE_ATTEMPTS + 1):
            try:
                with _collector_paused(), session_scope(engine) as s:
                    outcome = service.store_chunk(s, unit_id=unit_id, batch_id=result.batch_id,
                                                  drafts=drafts, received_at=received_at, actor=actor)
                    final = sorted([*given, *outcome.rejects], key=lambda r: r.line)
                    service.store_rejects(s, result.batch_id, final)
                    accepted = result.accepted + outcome.accepted
                    already_present = result.already_present + outcome.already_present
                    rejected = result.rejected + len(final)
                    batch = s.get(Batch, result.batch_id)
                    batch.rows_total, batch.accepted = rows_through, accepted
                    batch.rejected, batch.already_present = rejected, already_present
                break
            except Exception as exc:
                if attempt == STORE_ATTEMPTS or not _collided(exc):
                    raise
                time.sleep(0.01 * attempt)  # let the other import's commit land
        rejects[:] = final
        result.accepted, result.already_present, result.rejected = accepted, already_present, rejected

    def report(rows_through: int, rejects: list[Reject], raws: dict[int, dict]) -> None:
        result.rows = rows_through
        for r in rejects:
            values = raws.get(r.line)
            rejects_copy.write(r, values)
            if on_reject:
                on_reject(r, values)
        if progress:
            progress(result.rows)

    # Chunks are stored one after the other, in file order, each in its own transaction; while
    # one is being stored (mostly waiting on the database) the next one is read and validated.
    # A failure stops at the chunk that failed: the chunks before it are committed whole, no
    # chunk after it is stored.
    rows_read = 0
    chunks = _chunks(stream, chunk_rows)
    try:
        with _Storer(engine) as storer:
            while True:
                with _collector_paused():
                    chunk = next(chunks, None)
                    if chunk is None:
                        break
                    n, drafts, rejects, raws = validate(chunk)
                rows_read += n
                storer.wait()
                storer.submit(store, rows_read, drafts, rejects,
                              after=lambda rows_through=rows_read, rejects=rejects, raws=raws:
                              report(rows_through, rejects, raws))
            storer.wait()
    finally:
        stream.close()
    trailer = stream.trailer or {}
    result.dropped_columns = list(trailer.get("dropped_columns") or [])
    _finish(engine, result, fmt, trailer.get("encoding"), [],
            [tuple(n) for n in trailer.get("notices") or []], notices.all())


def _collided(exc: BaseException) -> bool:
    """A chunk's statement met the same rows (or subjects) of a concurrent import: a unique key taken
    by its commit, a deadlock between the two, or SQLite's writer lock lost to it."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in ("23505", "40P01", "40001"):
        return True
    if isinstance(orig, sqlite3.IntegrityError):
        return "UNIQUE constraint failed" in str(orig)
    if isinstance(orig, sqlite3.OperationalError):
        return "database is locked" in str(orig)
    return False


class _RejectsCopy:
    """The platform's copy of the rejected rows (encrypted, opened on the first one): line, field,
    reason, article and the row's declared columns, for ``GET /batches/{id}/rejects``."""

    def __init__(self, batch_id: str) -> None:
        self.batch_id = batch_id
        self._writer = None

    def write(self, reject: Reject, values: dict | None) -> None:
        if self._writer is None:
            self._writer = crypto.open_writer(rejects_copy_path(self.batch_id))
        self._writer.write(orjson.dumps({"line": reject.line, "field": reject.field, "reason": reject.reason,
                                         "article": reject.article, "values": values or {}}) + b"\n")

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while one chunk is read and validated, or stored; as it was
    after (on if it was on before, whatever the other thread did meanwhile).

    A chunk's rows and drafts stay alive until it is stored: thousands of new objects that survive,
    which set off collections scanning every object of the process (about a quarter of the import's
    time on the benchmark). One chunk's garbage is bounded; whatever cycles it leaves are collected
    as usual once the collector is back on, between chunks.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Storer:
    """Runs one store at a time on a worker thread, so that the caller can validate the next chunk
    meanwhile; ``wait`` returns once the pending store has finished (re-raising its error) and its
    ``after`` step has run on the caller's thread.

    Only for a database server (PostgreSQL): its work on a chunk (the ``COPY``, the foreign-key
    checks, the commit) then overlaps the validation of the next one — a 40,000-row file imports
    about 15 % faster. SQLite does its work in this process, mostly holding the GIL: there the two
    threads only contend, so the chunk is stored on the caller's thread.
    """

    def __init__(self, engine: Engine) -> None:
        self._pool = None if engine.dialect.name == "sqlite" else ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="xinyong-import")
        self._pending: tuple[Future, Callable[[], None]] | None = None

    def submit(self, fn: Callable[..., None], *args, after: Callable[[], None]) -> None:
        assert self._pending is None
        if self._pool is None:
            fn(*args)
            after()
            return
        self._pending = (self._pool.submit(fn, *args), after)

    def wait(self) -> None:
        if self._pending is not None:
            future, after = self._pending
            self._pending = None
            future.result()
            after()

    def __enter__(self) -> _Storer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            # on an error, the store under way (if any) finishes or fails whole before it propagates
            self._pool.shutdown(wait=True)


def _finish(engine, result: ImportResult, fmt: str | None, encoding: str | None, rejects: list[Reject],
            reader_notices: list[tuple[int, str]], row_notices: list[tuple[int, str]],
            sha256: str | None = None) -> None:
    result.notices = [*reader_notices, *row_notices]
    with session_scope(engine) as s:
        if rejects:
            service.store_rejects(s, result.batch_id, rejects)
        batch = s.get(Batch, result.batch_id)
        batch.file_format = fmt
        batch.encoding = encoding
        batch.notices = [{"line": ln, "message": m} for ln, m in result.notices] or None
        batch.dropped_columns = result.dropped_columns or None
        if sha256 and not batch.sha256:
            batch.sha256 = sha256
        batch.status, batch.finished_at = "done", now()


def _chunks(stream, size: int) -> Iterator[list]:
    chunk: list = []
    for row in stream:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def batch_status(engine: Engine, batch_id: str, *, unit_id: int | None = None, limit: int = 1000) -> dict:
    from ..errors import NotFound

    with session_scope(engine) as s:
        batch = s.get(Batch, batch_id)
        if batch is None or (unit_id is not None and batch.unit_id != unit_id):
            raise NotFound(f"no batch {batch_id}")
        rejects = s.execute(
            select(BatchReject.line, BatchReject.field, BatchReject.reason, BatchReject.article)
            .where(BatchReject.batch_id == batch_id).order_by(BatchReject.line, BatchReject.id).limit(limit)
        ).all()
        return {
            "batch_id": batch.id,
            "filename": batch.filename,
            "status": batch.status,
            "format": batch.file_format,
            "encoding": batch.encoding,
            "received_at": batch.received_at.isoformat(),
            "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
            "rows": batch.rows_total,
            "accepted": batch.accepted,
            "rejected": batch.rejected,
            "already_present": batch.already_present,
            "notices": batch.notices or [],
            "dropped_columns": batch.dropped_columns or [],
            "error": batch.error,
            "rejects": [{"line": ln, "field": f, "reason": r, "article": a} for ln, f, r, a in rejects],
        }


REJECTS_HEADER = ("line", "field", "reason", "article")


def rejects_csv(engine: Engine, batch_id: str, *, unit_id: int | None = None) -> Iterator[str] | None:
    """The batch's rejects file as CSV text chunks (UTF-8 BOM first), decrypted from the platform's
    copy on the fly: line, field, reason, article, then the row's declared columns — the columns the
    import dropped first (line 1, Art. 11). None when there is neither. The provider's own artefact:
    full identifiers are in it (the provider needs them to fix the row)."""
    from ..errors import NotFound

    with session_scope(engine) as s:
        batch = s.get(Batch, batch_id)
        if batch is None or (unit_id is not None and batch.unit_id != unit_id):
            raise NotFound(f"no batch {batch_id}")
        dropped = list(batch.dropped_columns or [])
    path = rejects_copy_path(batch_id)
    has_copy = path.exists()
    if not has_copy and not dropped:
        return None
    return _render_rejects(path if has_copy else None, dropped)


def _render_rejects(path: Path | None, dropped: list[dict]) -> Iterator[str]:
    import csv
    import io

    columns: dict[str, None] = {}
    if path is not None:  # first pass: the union of the rows' columns, in order
        with crypto.open_reader(path) as fh:
            for raw in fh:
                columns.update(dict.fromkeys(orjson.loads(raw)["values"]))
    buf = io.StringIO()
    out = csv.writer(buf)

    def take() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    yield "\ufeff"
    out.writerow([*REJECTS_HEADER, *columns])
    for d in dropped:
        out.writerow([1, d.get("column", ""), f"column dropped: {d.get('reason', '')}", d.get("article", "")])
    yield take()
    if path is None:
        return
    with crypto.open_reader(path) as fh:
        for n, raw in enumerate(fh, 1):
            r = orjson.loads(raw)
            values = r["values"]
            out.writerow([r["line"], r["field"] or "", r["reason"], r["article"] or "",
                          *(values.get(c, "") for c in columns)])
            if n % 1000 == 0:
                yield take()
    yield take()


def submit_record(session, *, unit_id: int, values: dict, actor: Actor, today: date,
                  report: dict | None = None) -> str:
    """One record through the API: the same rules as a file row. Returns 'accepted' or 'already_present'.

    ``report`` (optional) receives ``dropped_columns`` (fields not declared for the item, dropped,
    Art. 11) and ``notices`` (IDs masked in the text)."""
    from ..errors import Conflict

    unit = session.get(Unit, unit_id)
    header = list(values)
    check_no_prohibited_columns(header)
    fmt = detect_format(header)
    items = item_infos(session)
    ctx = RowContext(unit_items=frozenset(p.item_code for p in unit.provides), items=items, fmt=fmt,
                     today=today)
    missing = missing_required(fmt, header)
    if missing:
        raise RuleViolation(f"required field(s) missing: {', '.join(missing)}",
                            article="Art. 11", field=missing[0])
    text = {k: "" if v is None else str(v) for k, v in values.items()}
    # Only the item's declared fields are read (Art. 11): the others are dropped, and said so.
    kept, dropped = spool.declared_only(fmt, text, {c: i.fields for c, i in items.items()})
    draft = validate_row(map_row(fmt, kept), ctx)
    outcome = service.store_chunk(session, unit_id=unit_id, batch_id=None, drafts=[(0, draft)],
                                  received_at=now(), actor=actor)
    if outcome.rejects:
        r = outcome.rejects[0]
        raise Conflict(r.reason, article=r.article, field=r.field)
    if report is not None:
        report["dropped_columns"] = dropped
        report["notices"] = [f"a resident ID number in {key} was masked (前6后4) before storing (Art. 20(4))"
                             for key in draft.masked]
    return "accepted" if outcome.accepted else "already_present"


# --- retention (Art. 19) -------------------------------------------------------------------------------

FINISHED = ("done", "failed")


def purge_stored_copies(session, actor: Actor, day: date) -> workflows.PurgeReport:
    """``xinyong purge`` step: delete the stored copies (spools) and the platform's rejects copies of
    finished batches once their retention period is over (``retention.upload_copy_days`` /
    ``retention.rejects_days``, platform policy under Art. 19). A batch that is not done or failed is
    never touched. One audit event per batch, naming what was deleted."""
    report = workflows.PurgeReport([], [], [])
    kinds = (("stored copy", stored_copy_path, "retention.upload_copy_days"),
             ("rejects copy", rejects_copy_path, "retention.rejects_days"))
    keep = {name: parameters.parameter(name).at(day) for _, _, name in kinds}
    rows = session.execute(select(Batch.id, Batch.finished_at).where(Batch.status.in_(FINISHED),
                                                                       Batch.finished_at.is_not(None)))
    for batch_id, finished_at in rows:
        finished_on = local_date(finished_at)
        deleted = []
        for what, where, name in kinds:
            days = keep[name].value
            try:
                path = where(batch_id)
            except ValueError:  # not an id the platform made: it names no file
                continue
            if (day - finished_on).days > days and path.exists():
                path.unlink()
                deleted.append({"file": what, "parameter": name, "days": days})
        if deleted:
            report.deleted.append({"object": f"batch {batch_id}: {', '.join(d['file'] for d in deleted)}",
                                   "finished_on": finished_on.isoformat()})
            audit.append(session, action="batch:copies_deleted", actor=actor, object_type="batch",
                         object_id=batch_id, details={"deleted": deleted, "article": "Art. 19",
                                                      "finished_on": finished_on.isoformat()})
    return report


workflows.register_purge_step("stored_copies", purge_stored_copies)
