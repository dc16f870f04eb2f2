"""Materials a subject sends with an application (an objection's evidence, a restoration's proofs): each file
is kept encrypted at rest (``crypto.open_writer``, like the stored batches), under the var directory, named by
its SHA-256; what the platform's tables hold of it is its name (ID-shaped runs masked), size and SHA-256."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from .. import crypto
from ..audit import service as audit
from ..clock import local_date
from ..law import parameters
from ..models import Objection, ObjectionRecord, RestorationApplication
from ..config import env, get_settings
from ..errors import InvalidInput, msg
from ..record.fields import mask_id_shaped

FOLDER = "materials"


def max_mb() -> int:
    """The upload limit of one file (``XINYONG_MATERIALS_MAX_MB``): a limit of the service, not a legal number."""
    return int(env("XINYONG_MATERIALS_MAX_MB") or 10)


def folder() -> Path:
    return get_settings().var_dir / FOLDER


def store(stream: BinaryIO, filename: str) -> dict:
    """Keep one uploaded file encrypted; returns ``{"name", "size", "sha256"}``."""
    limit = max_mb() * 1024 * 1024
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(msg("a file may be at most {megabytes} MB", megabytes=max_mb()), field="file")
    if not data:
        raise InvalidInput("the file is empty", field="file")
    digest = hashlib.sha256(data).hexdigest()
    target = folder() / digest
    if target.exists():
        os.utime(target)  # an unreferenced file's retention counts from its latest upload (``retention``)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        writer = crypto.open_writer(target)
        try:
            writer.write(data)
        except BaseException:
            writer.abort()
            raise
        writer.close()
    name = mask_id_shaped(Path(filename or "file").name.strip())[:120] or "file"
    return {"name": name, "size": len(data), "sha256": digest}


def read(sha256: str) -> bytes:
    """A stored file's bytes (for the deciding organ or the Center)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise InvalidInput("not a SHA-256", field="sha256")
    with crypto.open_reader(folder() / sha256) as fh:
        return fh.read()


def as_evidence(material: dict) -> str:
    """How an objection's evidence names a stored file (``Objection.evidence`` holds text)."""
    return f"{material['name']} ({material['size']} bytes, SHA-256 {material['sha256']})"


# --- retention (Art. 36, Art. 38; PIPL Art. 19: no longer than necessary) ------------------------------------

_SHA = re.compile(r"[0-9a-f]{64}")
_SHA_IN_EVIDENCE = re.compile(r"SHA-256 ([0-9a-f]{64})")  # how ``as_evidence`` names a file
DECIDED = ("granted", "refused")


def _evidence_shas(evidence) -> set[str]:
    return {m for line in evidence or () if isinstance(line, str) for m in _SHA_IN_EVIDENCE.findall(line)}


def _material_shas(items) -> set[str]:
    return {m["sha256"] for m in items or () if isinstance(m, dict) and isinstance(m.get("sha256"), str)}


def _file_day(path: Path) -> date:
    return local_date(datetime.fromtimestamp(path.stat().st_mtime, UTC))


def _objection_rows(session: Session):
    # only the rows that name a stored file at all (a text search over the JSON: both databases)
    return session.execute(select(Objection.id, Objection.status, Objection.closed_at, Objection.evidence)
                           .where(cast(Objection.evidence, String).like("%SHA-256 %")))


def _restoration_rows(session: Session):
    return session.execute(select(RestorationApplication.status, RestorationApplication.decided_on,
                                  RestorationApplication.materials)
                           .where(cast(RestorationApplication.materials, String).like("%sha256%")))


def _references(session: Session, day: date) -> dict[str, tuple[str, bool]]:
    """Every stored file a row names → (what names it: evidence | materials, whether every naming row is past
    its period: True, it may go)."""
    evidence_days = parameters.value("retention.objection_evidence_days", day)
    materials_days = parameters.value("retention.restoration_materials_days", day)
    found: dict[str, tuple[str, bool]] = {}
    for _oid, status, closed_at, evidence in _objection_rows(session):
        past = status == "closed" and closed_at is not None and (day - local_date(closed_at)).days > evidence_days
        for sha in _evidence_shas(evidence):
            found[sha] = ("evidence", found.get(sha, ("", True))[1] and past)
    for status, decided_on, items in _restoration_rows(session):
        past = status in DECIDED and decided_on is not None and (day - decided_on).days > materials_days
        for sha in _material_shas(items):
            found[sha] = ("materials", found.get(sha, ("", True))[1] and past)
    return found


def retention(session: Session, day: date, actor=None) -> dict:
    """The worker's ``materials`` job: delete the stored files every naming row is done with — an objection's
    evidence ``retention.objection_evidence_days`` after it closed (Art. 36), a restoration application's
    materials ``retention.restoration_materials_days`` after its decision (Art. 38) — and files no row names
    (an upload whose form then failed) or half-written copies after ``retention.materials_unreferenced_days``.
    A file an open objection or an undecided application names stays. One audit event for the run (counts
    only: a file's plain SHA-256 would let a guess of its content be confirmed)."""
    from ..auth import CONSOLE

    base = folder()
    counts = {"evidence": 0, "materials": 0, "unreferenced": 0, "half_written": 0, "kept": 0}
    if not base.is_dir():
        return counts
    unreferenced_days = parameters.value("retention.materials_unreferenced_days", day)
    named = _references(session, day)
    for path in sorted(base.iterdir()):
        name = path.name
        try:
            old = (day - _file_day(path)).days > unreferenced_days
        except FileNotFoundError:
            continue
        if name.startswith(".") and name.endswith(".tmp"):
            kind = "half_written" if old else None
        elif not _SHA.fullmatch(name):
            continue  # not a file this module wrote
        elif name in named:
            kind = named[name][0] if named[name][1] else None
        else:
            kind = "unreferenced" if old else None
        if kind is None:
            counts["kept"] += 1
            continue
        path.unlink(missing_ok=True)
        counts[kind] += 1
    deleted = {k: v for k, v in counts.items() if k != "kept"}
    if any(deleted.values()):
        audit.append(session, action="materials:retention", actor=actor or CONSOLE, object_type="materials",
                     object_id=day.isoformat(),
                     details={"deleted": deleted, "article": "Art. 36, Art. 38", "parameters": {
                         name: parameters.value(name, day) for name in (
                             "retention.objection_evidence_days", "retention.restoration_materials_days",
                             "retention.materials_unreferenced_days")}})
    return counts


def purge_records(session: Session, records: list[tuple[int, int]]) -> None:
    """Art. 37: when ``xinyong purge`` deletes records (``records``: a chunk, ``(record id, subject id)``), the
    evidence files of the objections against each go too — unless a row about something else (another objection,
    a restoration application) names the same file. The objections' text naming the file stays (name masked,
    size, digest). The rows are read once for the chunk; the files go record by record, each record's event
    counting those it removed."""
    from ..auth import CONSOLE

    objection_ids: dict[int, set[int]] = {}
    for oid, rid in session.execute(select(ObjectionRecord.objection_id, ObjectionRecord.record_id)
                                    .where(ObjectionRecord.record_id.in_(sorted(r for r, _s in records)))):
        objection_ids.setdefault(rid, set()).add(oid)
    if not objection_ids:
        return
    evidence = [(oid, _evidence_shas(ev)) for oid, _status, _closed_at, ev in _objection_rows(session)]
    kept: set[str] | None = None  # the files restoration applications name
    events = []
    for record_id, subject_id in records:
        ours = objection_ids.get(record_id)
        if not ours:
            continue
        theirs: set[str] = set()
        elsewhere: set[str] = set()
        for oid, shas in evidence:
            (theirs if oid in ours else elsewhere).update(shas)
        gone = theirs - elsewhere
        if not gone:
            continue
        if kept is None:
            kept = set()
            for _status, _decided_on, items in _restoration_rows(session):
                kept |= _material_shas(items)
        gone -= kept
        files = 0
        for sha in sorted(gone):
            path = folder() / sha
            if path.exists():
                path.unlink()
                files += 1
        if files:
            events.append(audit.event_row(action="materials:purge-record", actor=CONSOLE, object_type="materials",
                                          object_id=record_id, subject_id=subject_id,
                                          details={"record_id": record_id, "files": files, "article": "Art. 37"}))
    audit.append_many(session, events)


