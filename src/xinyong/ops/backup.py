"""Backups and restores: ``xinyong backup DIR [--keys-to KDIR] [--prune]``, ``xinyong restore PATH``.

A backup is a directory ``DIR/xinyong-<UTC stamp>/`` written under a temporary name and renamed into place
when whole:

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the platform runs) or
  ``database.pgdump`` (``pg_dump --format=custom`` of the configured schema, taken in an exported snapshot
  so that the row counts in the manifest are those of the dump);
- what the database cannot live without, under ``files/``: the exported audit checkpoints, the operator's
  calendar years, the stored batch copies and rejects copies (``var/batches``, encrypted), the objections'
  evidence and restoration materials (``var/materials``, encrypted);
- ``manifest.json``: the SHA-256 of every file, the schema revision, the rows of every table, the last
  checkpoint, and fingerprints of the keys the data needs (never the keys).

The keys — the data key ring, the audit signing key, the HMAC key's file — are never in it: a backup holding
both the ciphertexts and their keys would undo encryption at rest. ``--keys-to KDIR`` writes them to a
separate destination (refused when it is the backup directory, inside it, or around it); keep it on other
media, with other people's access (docs/keys.md).

A restore checks every digest, puts the keys back (``--keys-from``, never over different ones), restores
the database and the files, upgrades the schema, and — before anything is served (``RESTORE-IN-PROGRESS``
in the var directory keeps ``/readyz`` at 503 until it is done) — replays the purge journal
(``ops.journal``): every record and list entry deleted under Art. 37 since the backup is deleted again, with
its hooks (reports, measure applications), its line in the stored batch copy and its tombstone, then the
retention steps of ``xinyong purge`` run. A restore never brings back what was deleted.

Backups are kept ``retention.backup_days`` (``--prune``; the newest is always kept).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine, make_url

from .. import __version__
from ..config import env, get_settings, reset_settings, var_dir
from ..errors import DomainError

FORMAT = 1
PREFIX = "xinyong-"
KEYS_PREFIX = "xinyong-keys-"
MANIFEST = "manifest.json"
KEYS_MANIFEST = "keys-manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FINGERPRINT_LABEL = b"xinyong backup: which HMAC key"


class BackupError(DomainError):
    status = 500
    code = "backup_error"


# --- where things are ------------------------------------------------------------------------------------


def _sources() -> dict[str, Path]:
    """The directories a backup copies, by their name under ``files/``."""
    from ..audit import seal
    from ..law import calendar

    return {"checkpoints": seal.export_dir(), "calendar": calendar.calendar_dir(),
            "batches": get_settings().var_dir / "batches",
            # objections' evidence and restoration materials (encrypted): what the subject sent is kept
            "materials": get_settings().var_dir / "materials"}


def _key_files() -> dict[str, Path | None]:
    """The key files, by their name in a key backup (None: the key comes from the environment)."""
    from .. import crypto
    from ..audit import seal

    audit_key = seal.key_path()
    return {
        "data-keys.json": None if env("XINYONG_DATA_KEY") else crypto.key_ring_path(),
        "audit/ed25519.key": audit_key,
        "audit/ed25519.pub": audit_key.with_suffix(".pub"),
        "hmac.key": None if env("XINYONG_HMAC_KEY") else var_dir() / "hmac.key",
    }


def hmac_fingerprint(key: bytes) -> str:
    """Tells two HMAC keys apart without revealing either."""
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:32]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _inside(a: Path, b: Path) -> bool:
    """``a`` is ``b`` or below it."""
    a, b = a.resolve(), b.resolve()
    return a == b or b in a.parents


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


# --- PostgreSQL --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgTarget:
    host: str | None
    port: int | None
    user: str | None
    password: str | None
    database: str
    schema: str

    def args(self) -> list[str]:
        out = []
        if self.host:
            out += ["-h", self.host]
        if self.port:
            out += ["-p", str(self.port)]
        if self.user:
            out += ["-U", self.user]
        return out + ["-d", self.database]

    def environ(self) -> dict[str, str]:
        extra = {"PGPASSWORD": self.password} if self.password else {}
        # the URL's other options do not apply to a dump; TimeZone makes its timestamps Shanghai's
        return {**os.environ, **extra, "PGOPTIONS": "-cTimeZone=Asia/Shanghai"}


def pg_target(url: str) -> PgTarget:
    parsed = make_url(url)
    schema = "public"
    options = parsed.query.get("options")
    for part in ([options] if isinstance(options, str) else list(options or ())):
        for token in part.split():
            token = token.removeprefix("-c")
            if token.startswith("search_path="):
                schema = token.split("=", 1)[1].split(",")[0].strip().strip('"') or schema
    return PgTarget(parsed.host, parsed.port, parsed.username, parsed.password, parsed.database or "postgres",
                    schema)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client): a PostgreSQL backup "
                          "needs pg_dump and pg_restore of the server's major version or newer")
    return found


def _major(version_num: int) -> int:
    return version_num // 10000


def pg_versions(engine: Engine) -> dict[str, Any]:
    """The server's and pg_dump's versions; refuses a pg_dump older than the server (it would refuse too)."""
    tool = _pg_tool("pg_dump")
    line = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    client = line.split()[-1] if line else "?"
    try:
        client_major = int(client.split(".")[0])
    except ValueError:
        client_major = 0
    with engine.connect() as conn:
        server_num = int(conn.execute(text("SHOW server_version_num")).scalar())
        server = conn.execute(text("SHOW server_version")).scalar()
    if client_major and client_major < _major(server_num):
        raise BackupError(f"pg_dump {client} is older than the server ({server}): install the "
                          f"postgresql-client of version {_major(server_num)} or newer")
    return {"server": server, "pg_dump": client}


# --- backup ------------------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    keys_path: Path | None = None
    pruned: list[Path] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        m = self.manifest
        return {"backup": str(self.path), "database": m["database"]["file"], "revision": m["database"]["revision"],
                "files": len(m["files"]), "rows": sum(m["database"]["rows"].values()),
                "last_checkpoint": m["audit"]["last_checkpoint"],
                "keys": str(self.keys_path) if self.keys_path else None, "pruned": [str(p) for p in self.pruned]}


def check_destinations(directory: Path, keys_to: Path | None) -> None:
    """The keys never go where the data goes: not the same directory, not one inside the other."""
    if keys_to is None:
        return
    if _inside(keys_to, directory) or _inside(directory, keys_to):
        raise BackupError(f"--keys-to {keys_to} is (or contains, or lies inside) the backup directory "
                          f"{directory}: a backup holding both the data and its keys would undo encryption at "
                          "rest; give the keys a destination of their own (other media)", code="backup_keys_together")
    keys_dir = (get_settings().var_dir / "keys").resolve()
    if _inside(directory, keys_dir):
        raise BackupError(f"the backup directory {directory} lies in the key directory {keys_dir}")


def _table_rows(engine: Engine, conn=None) -> dict[str, int]:
    names = sorted(inspect(conn if conn is not None else engine).get_table_names())
    own = conn if conn is not None else engine.connect()
    try:
        quote = engine.dialect.identifier_preparer.quote
        return {n: int(own.execute(text(f"SELECT count(*) FROM {quote(n)}")).scalar()) for n in names}
    finally:
        if conn is None:
            own.close()


def _revision(engine: Engine) -> str | None:
    from ..migrations import current

    return current(engine)


def _last_checkpoint(conn) -> int | None:
    from ..models import AuditCheckpoint

    return conn.execute(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()).limit(1)).scalar()


def _backup_sqlite(engine: Engine, dest: Path) -> dict[str, Any]:
    source = engine.url.database
    if not source or source == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)  # the online backup API: a consistent copy, while the platform writes
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy of the database does not pass SQLite's quick_check: {check}")
        names = [r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        rows = {n: int(dst.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}
        revision = dst.execute("SELECT version_num FROM alembic_version").fetchone()
        last = dst.execute("SELECT max(seq) FROM audit_checkpoint").fetchone()[0] if "audit_checkpoint" in rows else None
    finally:
        dst.close()
        src.close()
    return {"dialect": "sqlite", "file": SQLITE_FILE, "rows": rows, "revision": revision[0] if revision else None,
            "last_checkpoint": last}


def _backup_postgres(engine: Engine, dest: Path) -> dict[str, Any]:
    versions = pg_versions(engine)
    target = pg_target(engine.url.render_as_string(hide_password=False))
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
        # the dump runs in this transaction's snapshot: the counts below are those of the dump
        proc = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                               f"--schema={target.schema}", f"--snapshot={snapshot}", f"--file={dest}",
                               *target.args()], env=target.environ(), capture_output=True, text=True)
        if proc.returncode != 0:
            raise BackupError(f"pg_dump failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
        rows = _table_rows(engine, conn)
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        last = _last_checkpoint(conn)
        conn.rollback()
    return {"dialect": "postgresql", "file": PG_FILE, "rows": rows, "revision": revision, "schema": target.schema,
            "last_checkpoint": last, "versions": versions}


def _copy_tree(source: Path, dest: Path, name: str) -> list[dict[str, Any]]:
    """Copy the regular files under ``source`` (no temporary files, no symbolic links) to ``dest/name``."""
    listed = []
    if not source.is_dir():
        return listed
    for path in sorted(source.rglob("*")):
        if path.is_symlink() or not path.is_file() or _is_temporary(path):
            continue
        rel = path.relative_to(source)
        target = dest / name / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, target)
        except FileNotFoundError:  # deleted meanwhile (a retention step): not in the backup either
            continue
        listed.append({"path": f"files/{name}/{rel.as_posix()}", "sha256": _sha256(target),
                       "bytes": target.stat().st_size})
    return listed


def _write_json(path: Path, doc: dict) -> None:
    with path.open("wb") as fh:
        fh.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        fh.flush()
        os.fsync(fh.fileno())


def backup(engine: Engine, directory: Path, *, keys_to: Path | None = None) -> BackupResult:
    """Back the platform up into a new directory under ``directory`` (and its keys under ``keys_to``)."""
    from ..audit import seal
    from ..crypto import key_ring

    directory = Path(directory)
    check_destinations(directory, keys_to)
    seal.require_migrated(engine)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = _stamp()
    name = f"{PREFIX}{stamp}"
    work = directory / f".{name}.{uuid.uuid4().hex[:8]}.partial"
    work.mkdir()
    try:
        # the database first, then the files: a deletion between the two leaves the files newer (a line
        # already blanked), never a file older than the database (a restore replays the journal either way)
        if engine.dialect.name == "sqlite":
            database = _backup_sqlite(engine, work / SQLITE_FILE)
        elif engine.dialect.name == "postgresql":
            database = _backup_postgres(engine, work / PG_FILE)
        else:
            raise BackupError(f"no backup for the {engine.dialect.name} database")
        database["sha256"] = _sha256(work / database["file"])
        files = []
        for label, source in _sources().items():
            files += _copy_tree(source, work / "files", label)
        ring = key_ring()
        manifest = {
            "format": FORMAT, "kind": "xinyong backup", "name": name, "created_at": datetime.now(UTC).isoformat(),
            "xinyong_version": __version__, "database": database, "files": files,
            "audit": {"last_checkpoint": database.pop("last_checkpoint"),
                      "signing_key_id": _audit_key_id()},
            "keys": {"hmac_fingerprint": hmac_fingerprint(get_settings().hmac_key),
                     "data_key_ids": sorted(ring.keys), "data_key_active": ring.active,
                     "backed_up_to": None},
        }
        keys_path = None
        if keys_to is not None:
            keys_path = backup_keys(Path(keys_to), stamp)
            manifest["keys"]["backed_up_to"] = keys_path.name
        _write_json(work / MANIFEST, manifest)
        _fsync_dir(work)
        final = directory / name
        os.rename(work, final)
        _fsync_dir(directory)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _audit_backup(engine, manifest, final)
    return BackupResult(final, manifest, keys_path)


def _audit_key_id() -> str | None:
    from ..audit import seal

    key = seal.verify_key()
    return None if key is None else seal.key_id(key)


def _audit_backup(engine: Engine, manifest: dict, path: Path) -> None:
    """The log records that a copy of the data exists (who holds personal data, Art. 19): after the copy, so
    the event is not in it."""
    from ..audit import service as audit
    from ..auth import CONSOLE
    from ..db import session_scope

    with session_scope(engine) as s:
        audit.append(s, action="ops:backup", actor=CONSOLE, object_type="backup", object_id=manifest["name"],
                     content={"manifest": _sha256(path / MANIFEST)},
                     details={"revision": manifest["database"]["revision"], "files": len(manifest["files"]),
                              "keys_apart": manifest["keys"]["backed_up_to"] is not None})


def backup_keys(keys_to: Path, stamp: str) -> Path:
    """Copy the key files into ``keys_to/xinyong-keys-<stamp>/`` (mode 0700, files 0600) with their digests."""
    keys_to.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = keys_to / f"{KEYS_PREFIX}{stamp}"
    work = keys_to / f".{final.name}.{uuid.uuid4().hex[:8]}.partial"
    work.mkdir(mode=0o700)
    try:
        listed, from_environment = [], []
        for name, source in _key_files().items():
            if source is None:
                from_environment.append(name)
                continue
            if not source.is_file():
                continue
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(source.read_bytes())
                fh.flush()
                os.fsync(fh.fileno())
            listed.append({"path": name, "sha256": _sha256(target)})
        _write_json(work / KEYS_MANIFEST, {"format": FORMAT, "kind": "xinyong key backup", "name": final.name,
                                           "created_at": datetime.now(UTC).isoformat(), "files": listed,
                                           "from_environment": from_environment})
        _fsync_dir(work)
        os.rename(work, final)
        _fsync_dir(keys_to)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


# --- retention -------------------------------------------------------------------------------------------


def _created_day(path: Path, manifest_name: str) -> date | None:
    from ..clock import TZ

    try:
        doc = orjson.loads((path / manifest_name).read_bytes())
        return datetime.fromisoformat(doc["created_at"]).astimezone(TZ).date()
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prune(directory: Path, *, keep_days: int | None = None, prefix: str = PREFIX,
          manifest_name: str = MANIFEST, on: date | None = None) -> list[Path]:
    """Delete the backups in ``directory`` made more than ``keep_days`` (default ``retention.backup_days``)
    days before ``on``; the newest is always kept, and anything that is not a whole backup is left alone."""
    from ..clock import today
    from ..law import parameters

    day = on or today()
    days = keep_days if keep_days is not None else parameters.value("retention.backup_days", day)
    found = []
    for path in Path(directory).glob(f"{prefix}*"):
        if prefix == PREFIX and path.name.startswith(KEYS_PREFIX):
            continue
        created = _created_day(path, manifest_name) if path.is_dir() else None
        if created is not None:
            found.append((created, path.name, path))
    found.sort()
    deleted = []
    for created, _name, path in found[:-1]:  # never the newest
        if created < day - timedelta(days=days):
            shutil.rmtree(path)
            deleted.append(path)
    return deleted


# --- restore ---------------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    backup: Path
    revision_restored: str | None
    revision_now: str | None
    rows_match: bool
    replayed_records: list[int]
    replayed_entries: list[int]
    skipped: list[dict[str, Any]]
    warnings: list[str]
    purge: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        return {"backup": str(self.backup), "revision": {"backup": self.revision_restored, "now": self.revision_now},
                "rows_as_in_manifest": self.rows_match,
                "deleted_again": {"records": len(self.replayed_records), "list_entries": len(self.replayed_entries)},
                "journal_entries_not_applied": self.skipped, "warnings": self.warnings, "purge": self.purge}


def find_backup(path: Path) -> Path:
    """``path`` itself when it is a backup, else the newest backup in it."""
    path = Path(path)
    if (path / MANIFEST).is_file():
        return path
    candidates = sorted(p for p in path.glob(f"{PREFIX}*") if (p / MANIFEST).is_file()
                        and not p.name.startswith(KEYS_PREFIX))
    if not candidates:
        raise BackupError(f"no backup in {path} (a directory with {MANIFEST})")
    return candidates[-1]


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        doc = orjson.loads((path / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise BackupError(f"{path / MANIFEST} cannot be read: {exc}") from None
    if doc.get("kind") != "xinyong backup" or doc.get("format") != FORMAT:
        raise BackupError(f"{path} is not a backup of this format")
    return doc


def verify_backup(path: Path, manifest: dict[str, Any]) -> None:
    """Every file present with its digest, and nothing but them."""
    expected = {manifest["database"]["file"]: manifest["database"]["sha256"],
                **{f["path"]: f["sha256"] for f in manifest["files"]}}
    for rel, digest in expected.items():
        file = path / rel
        if not file.is_file():
            raise BackupError(f"the backup {path.name} lacks {rel}")
        if _sha256(file) != digest:
            raise BackupError(f"{rel} in the backup {path.name} does not match its digest in the manifest")
    extra = sorted(p.relative_to(path).as_posix() for p in path.rglob("*")
                   if p.is_file() and p.name != MANIFEST and p.relative_to(path).as_posix() not in expected)
    if extra:
        raise BackupError(f"the backup {path.name} holds files its manifest does not list: {', '.join(extra[:5])}")


def _restore_keys(keys_from: Path | None, manifest: dict[str, Any]) -> list[str]:
    """Put the key files back where the configuration expects them; never over a different key."""
    placed = []
    if keys_from is None:
        return placed
    keys_from = Path(keys_from)
    if not (keys_from / KEYS_MANIFEST).is_file():
        wanted = manifest["keys"].get("backed_up_to")
        if wanted and (keys_from / wanted / KEYS_MANIFEST).is_file():
            keys_from = keys_from / wanted
        else:  # the newest key backup there (the fingerprints are checked before anything is restored)
            found = sorted(p for p in keys_from.glob(f"{KEYS_PREFIX}*") if (p / KEYS_MANIFEST).is_file())
            if not found:
                raise BackupError(f"no key backup in {keys_from} ({KEYS_MANIFEST})")
            keys_from = found[-1]
    doc = orjson.loads((keys_from / KEYS_MANIFEST).read_bytes())
    for entry in doc["files"]:
        source = keys_from / entry["path"]
        if _sha256(source) != entry["sha256"]:
            raise BackupError(f"{entry['path']} in the key backup does not match its digest")
    # the HMAC key first, before anything reads the settings (they would generate a new one)
    order = sorted(doc["files"], key=lambda e: e["path"] != "hmac.key")
    for entry in order:
        if entry["path"] == "hmac.key":
            target = None if env("XINYONG_HMAC_KEY") else var_dir() / "hmac.key"
        else:
            target = _key_files().get(entry["path"])
        if target is None:
            continue
        data = (keys_from / entry["path"]).read_bytes()
        if target.exists():
            if target.read_bytes() != data:
                raise BackupError(f"{target} exists with a different key: move it aside before restoring the "
                                  "key backup (a key is never overwritten)")
            continue
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        placed.append(str(target))
        if entry["path"] == "hmac.key":
            reset_settings()
    return placed


def _check_keys(manifest: dict[str, Any]) -> None:
    """The keys the backup's data needs are the ones in place — checked without creating any (a key made
    here would stand in the way of the real one)."""
    from .. import crypto

    if not env("XINYONG_HMAC_KEY") and not (var_dir() / "hmac.key").is_file():
        raise BackupError(f"no HMAC key ({var_dir() / 'hmac.key'} or XINYONG_HMAC_KEY): restore the key backup "
                          "(--keys-from KDIR)", code="backup_wrong_key")
    if not env("XINYONG_DATA_KEY") and not crypto.key_ring_path().is_file():
        raise BackupError(f"no data key ring at {crypto.key_ring_path()}: restore the key backup (--keys-from KDIR)",
                          code="backup_wrong_key")
    key_ring = crypto.key_ring
    if hmac_fingerprint(get_settings().hmac_key) != manifest["keys"]["hmac_fingerprint"]:
        raise BackupError("the HMAC key in use is not the one the backup was made with: identifiers would not be "
                          "found (restore it with --keys-from, or set XINYONG_HMAC_KEY)", code="backup_wrong_key")
    missing = sorted(set(manifest["keys"]["data_key_ids"]) - set(key_ring().keys))
    if missing:
        raise BackupError(f"the data key ring lacks {', '.join(missing)}, which the backup's data is encrypted "
                          "under: restore the key backup (--keys-from)", code="backup_wrong_key")


def _restore_sqlite(engine: Engine, source: Path, *, replace: bool) -> None:
    target = Path(engine.url.database or "")
    if not target.name or target.name == ":memory:":
        raise BackupError("restore needs a database file (XINYONG_DATABASE_URL=sqlite:///PATH)")
    engine.dispose()
    if target.exists() and target.stat().st_size and not replace:
        with sqlite3.connect(target) as conn:
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if tables:
            raise BackupError(f"the database {target} is not empty: restore into an empty one, or give --replace",
                              code="restore_target_not_empty")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    shutil.copyfile(source, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    for suffix in ("-wal", "-shm", "-journal"):  # a stale log would be replayed into the restored file
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def _restore_postgres(engine: Engine, source: Path, manifest: dict[str, Any], *, replace: bool) -> None:
    target = pg_target(engine.url.render_as_string(hide_password=False))
    schema = manifest["database"].get("schema", "public")
    if schema != target.schema:
        raise BackupError(f"the backup is of schema {schema}, the configured database uses {target.schema}: "
                          f"restore into a database whose search_path is {schema}")
    with engine.connect() as conn:
        objects = conn.execute(text("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                    "WHERE n.nspname = :s"), {"s": schema}).scalar()
        exists = conn.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}).scalar()
        if objects and not replace:
            raise BackupError(f"the schema {schema} is not empty: restore into an empty one, or give --replace",
                              code="restore_target_not_empty")
        if exists and not objects:
            # the dump creates the schema: an empty one in the way is dropped (RESTRICT: only if empty)
            conn.execute(text(f'DROP SCHEMA "{schema}" RESTRICT'))
            conn.commit()
    engine.dispose()
    args = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    args += ["--single-transaction", *(["--clean", "--if-exists"] if objects else [])]
    proc = subprocess.run([*args, *target.args(), str(source)], env=target.environ(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"pg_restore failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")


def _restore_files(backup_path: Path, manifest: dict[str, Any], warnings: list[str]) -> None:
    from ..audit import seal

    sources = _sources()
    for entry in manifest["files"]:
        _files, label, rel = entry["path"].split("/", 2)
        target = sources[label] / rel
        data_path = backup_path / entry["path"]
        if target.exists():
            if _sha256(target) == entry["sha256"]:
                continue
            if label == "checkpoints":
                raise BackupError(f"the exported checkpoint {target} differs from the backup's: two histories of "
                                  "the audit log meet here; keep both files and run xinyong audit verify",
                                  code="restore_checkpoint_conflict")
            if label == "calendar":
                warnings.append(f"kept the calendar year {target.name} in place (it differs from the backup's)")
                continue
            # batches: the live copy was rewritten after the backup (a line blanked): the newer one stays
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        shutil.copyfile(data_path, tmp)
        os.replace(tmp, target)
    last = manifest["audit"]["last_checkpoint"] or 0
    later = sorted(seq for seq in seal.read_files() if seq > last)
    if later:
        warnings.append(f"the export directory holds checkpoints #{later[0]}…#{later[-1]}, sealed after this backup: "
                        "the restored log ends before them (what the backup lacks is lost, and audit verify "
                        "says so); keep them as the evidence, and move them aside before sealing again "
                        "(docs/deployment.md)")


def replay_journal(session, journal) -> tuple[list[int], list[int], list[dict[str, Any]]]:
    """Make every record and list entry of the journal that the restored database still holds pending for
    deletion again (the record revoked, its deletion action as it was; the entry revoked): the purge that
    follows deletes them as it did. An id that now names something else (its identity differs from the
    journal's keyed digests) is left alone and reported."""
    from ..audit import service as audit
    from ..auth import CONSOLE
    from ..clock import now
    from ..models import ListEntry, Record, RecordAction, RecordHistory

    records, entries, skipped = [], [], []
    for record_id, e in sorted(journal.records.items()):
        rec = session.get(Record, record_id)
        if rec is None:
            continue  # deleted before the backup, or made after it
        imported = session.scalar(select(RecordHistory.previous_digest)
                                  .where(RecordHistory.record_id == rec.id, RecordHistory.previous_digest.is_not(None))
                                  .order_by(RecordHistory.version).limit(1)) or rec.content_digest
        member = audit.member_digest([rec.subject_id, rec.item_code, rec.doc_no, imported])
        same = (rec.subject_id, rec.unit_id, rec.item_code) == (e["subject_id"], e["unit_id"], e["item_code"])
        if not same or (e.get("member_digest") and e["member_digest"] != member):
            skipped.append({"record_id": record_id, "reason": "the id names another record in the restored database"})
            continue
        pending = session.scalar(select(RecordAction.id).where(RecordAction.record_id == rec.id,
                                                               RecordAction.action.in_(("revoke", "delete")),
                                                               RecordAction.done_at.is_(None)).limit(1))
        if pending is None:
            at = now()
            session.add(RecordAction(
                record_id=rec.id, subject_id=rec.subject_id, unit_id=rec.unit_id, item_code=rec.item_code,
                action=e.get("action") or "revoke", document=e.get("document") or "(purge journal)",
                reason=f"deleted on {e.get('deleted_at', '?')[:10]} after the backup; deleted again on restore "
                       "(Art. 37)", decided_by=e.get("decided_by"), received_at=at,
                received_on=date.fromisoformat(e["received_on"]) if e.get("received_on") else at.date(),
                due_on=date.fromisoformat(e["due_on"]) if e.get("due_on") else None,
                basis_parameter=e.get("basis_parameter"), basis_value=e.get("basis_value"),
                basis_article=e.get("basis_article"), done_at=None))
        rec.status = "revoked"
        records.append(record_id)
    for entry_id, e in sorted(journal.entries.items()):
        entry = session.get(ListEntry, entry_id)
        if entry is None:
            continue
        if (entry.list_id, entry.subject_id) != (e["list_id"], e["subject_id"]):
            skipped.append({"entry_id": entry_id, "reason": "the id names another list entry in the restored database"})
            continue
        entry.status = "revoked"
        if entry.removed_on is None and e.get("revoked_on"):
            entry.removed_on = date.fromisoformat(e["revoked_on"])
        entries.append(entry_id)
    session.flush()
    if records or entries or skipped:
        audit.append(session, action="ops:restore-replay", actor=CONSOLE, object_type="backup", object_id="journal",
                     content={"records": records, "entries": entries},
                     details={"records": len(records), "list_entries": len(entries), "skipped": len(skipped),
                              "article": "Art. 37"})
    return records, entries, skipped


def restore(path: Path, *, keys_from: Path | None = None, journal_dir: Path | None = None,
            replace: bool = False) -> RestoreResult:
    """Restore the backup at ``path`` (or the newest in it) into the configured database and var directory."""
    from .. import db
    from ..auth import CONSOLE
    from .. import deletion
    from ..migrations import upgrade
    from . import health, journal

    backup_path = find_backup(path)
    manifest = read_manifest(backup_path)
    verify_backup(backup_path, manifest)
    journal_doc = journal.read(journal_dir)  # fails closed on a damaged journal, before anything changes
    placed_keys = _restore_keys(keys_from, manifest)
    reset_settings()
    db.reset_engine()
    warnings: list[str] = []
    if placed_keys:
        warnings.append(f"keys put back: {', '.join(placed_keys)}")
    _check_keys(manifest)
    engine = db.get_engine()
    dialect = manifest["database"]["dialect"]
    if dialect != engine.dialect.name:
        raise BackupError(f"the backup is of a {dialect} database, the configured one is {engine.dialect.name}")
    # from here the database changes: /readyz answers 503 until the journal is replayed (the marker stays if
    # the restore fails half-way: a half-restored database is not served)
    marker = health.restore_marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"restoring {backup_path.name} since {datetime.now(UTC).isoformat()}\n", encoding="utf-8")
    source = backup_path / manifest["database"]["file"]
    if dialect == "sqlite":
        _restore_sqlite(engine, source, replace=replace)
    else:
        _restore_postgres(engine, source, manifest, replace=replace)
    db.reset_engine()
    engine = db.get_engine()
    rows = _table_rows(engine)
    rows_match = all(rows.get(t) == n for t, n in manifest["database"]["rows"].items())
    if not rows_match:
        raise BackupError("the restored database does not hold the rows the manifest counts", code="restore_mismatch")
    _restore_files(backup_path, manifest, warnings)
    upgrade(engine)  # a backup from an older version: its schema brought to this one
    with db.session_scope(engine) as s:
        records, entries, skipped = replay_journal(s, journal_doc)
        report = deletion.purge(s, actor=CONSOLE)
        # files the backup brought back that their retention period had removed since (Art. 19, 36, 38)
        from ..clock import today
        from ..restoration import materials

        materials.retention(s, today())
        from ..audit import service as audit

        audit.append(s, action="ops:restore", actor=CONSOLE, object_type="backup", object_id=manifest["name"],
                     content={"manifest": _sha256(backup_path / MANIFEST)},
                     details={"revision": manifest["database"]["revision"], "deleted_again": len(records) + len(entries),
                              "journal_files": journal_doc.files, "article": "Art. 37"})
    with db.session_scope(engine) as s:
        deletion.scrub_storage(s)
    revision_now = _revision(engine)
    marker.unlink(missing_ok=True)
    purge = {"deleted": len(report.deleted), **{name: len(r.deleted) for name, r in report.steps.items()}}
    return RestoreResult(backup_path, manifest["database"]["revision"], revision_now, rows_match, records, entries,
                         skipped, warnings, purge)
