"""The purge journal: what each Art. 37 deletion removed, kept outside the database, so that a restore from
an older backup deletes it again before the platform serves anything (``xinyong restore``; Art. 37: a
restore never brings back what was deleted).

``xinyong purge`` (``record.workflows.purge`` and the registered steps that delete list entries) notes each
deletion on its session (:func:`note`); at the end of the purge, before its transaction commits, the notes
are written as one file (:func:`write_noted`: a private temporary file, fsynced, renamed into place, the
directory fsynced). Written before the commit, a crash between the two leaves an entry for a deletion
that did not commit — of a record or an entry that was already revoked, whose deletion was owed anyway —
and never a committed deletion without its entry.

An entry holds what a tombstone holds — ids, the surrogate subject id, the item or list, the revoking
document, dates, keyed digests — never content, an identifier or a document number of the record.

The journal lives in ``XINYONG_PURGE_JOURNAL_DIR`` (default ``$XINYONG_VAR_DIR/audit/purges``): keep it
where the exported checkpoints are kept, away from the database's disk, because a restore needs it exactly
when the database is lost. It is never pruned by the platform (a few hundred bytes a deletion); entries
older than the oldest backup anyone may restore can be deleted by hand.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ..config import env, var_dir

FORMAT = 1
PREFIX = "purge-"
_NOTES = "xinyong.purge_journal"
KINDS = ("record", "list_entry")


def journal_dir() -> Path:
    configured = env("XINYONG_PURGE_JOURNAL_DIR")
    return Path(configured) if configured else var_dir() / "audit" / "purges"


def note(session: Any, kind: str, entry: dict[str, Any]) -> None:
    """Note one deletion made in this session's transaction (written by :func:`write_noted`)."""
    if kind not in KINDS:
        raise ValueError(f"a journal entry is one of {KINDS}, not {kind!r}")
    session.info.setdefault(_NOTES, []).append({"kind": kind, **entry})


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def write_noted(session: Any, directory: Path | None = None) -> Path | None:
    """Write the deletions noted on ``session`` as one journal file (None: nothing was deleted)."""
    notes = session.info.pop(_NOTES, None)
    if not notes:
        return None
    directory = directory or journal_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    doc = {"format": FORMAT, "written_at": stamp.isoformat(),
           "entries": [{k: _jsonable(v) for k, v in n.items()} for n in notes]}
    name = f"{PREFIX}{stamp:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}.json"
    path = directory / name
    tmp = directory / f".{name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


class JournalDamaged(Exception):
    """A journal file that cannot be read: a restore refuses to serve on a journal it cannot trust."""


@dataclass
class Journal:
    records: dict[int, dict[str, Any]] = field(default_factory=dict)  # record id → its last deletion entry
    entries: dict[int, dict[str, Any]] = field(default_factory=dict)  # list entry id → its deletion entry
    files: int = 0

    @property
    def size(self) -> int:
        return len(self.records) + len(self.entries)


def read(directory: Path | None = None) -> Journal:
    """Every deletion in the journal, in the order written (a later entry for the same id wins)."""
    directory = directory or journal_dir()
    journal = Journal()
    if not directory.is_dir():
        return journal
    for path in sorted(directory.glob(f"{PREFIX}*.json")):
        try:
            doc = orjson.loads(path.read_bytes())
            if doc.get("format") != FORMAT:
                raise ValueError(f"format {doc.get('format')!r}")
            for e in doc["entries"]:
                target = journal.records if e["kind"] == "record" else journal.entries
                target[int(e["record_id"] if e["kind"] == "record" else e["entry_id"])] = e
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise JournalDamaged(f"the purge journal file {path} cannot be read ({exc}): restore it from its "
                                 "copy before restoring the database") from None
        journal.files += 1
    return journal
