"""Sealing the audit log (Art. 20(2)): chain the new events, extend the Merkle tree, sign a checkpoint.

``seal(engine)`` is safe to run often (from cron): with nothing new it does nothing. Two seals at
once cannot fork the log: they take a lock (``LOCK TABLE audit_checkpoint`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite) and the checkpoint's sequence and tree size are unique. On
PostgreSQL a short ``SHARE`` lock on ``audit_event`` first waits out the transactions that are
inserting events, so that no event with a lower id can commit after a seal has passed it.

Checkpoints are stored in ``audit_checkpoint`` and exported, signed, one file each
(``checkpoint-000042.json``, never overwritten) to ``XINYONG_AUDIT_EXPORT_DIR`` (default
``$XINYONG_VAR_DIR/audit/checkpoints``) — a place outside the database, ideally append-only
storage on another machine, so that cutting the database's tail is seen. The export directory is
never the signing key's directory nor inside it (sealing refuses): whoever may write one must not
thereby hold the other. The latest checkpoint is also published (``GET /api/v1/public/checkpoint``,
the portal's ``/transparency``), so that anyone can keep a copy and hold the log to it
(``xinyong audit verify --against FILE``).

The Ed25519 key is read from ``XINYONG_AUDIT_KEY_FILE`` (PKCS#8 PEM) if set, else generated once
as ``$XINYONG_VAR_DIR/keys/audit/ed25519.key`` (mode 0600, in a directory of mode 0700) with
``ed25519.pub`` beside it; a key at the old place (``$XINYONG_VAR_DIR/audit/ed25519.key``) is still
read. Verifying needs only the public key (``XINYONG_AUDIT_PUBLIC_KEY_FILE`` overrides where it is
read from).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..clock import now
from ..config import env as setting, get_settings
from ..db import session_scope
from ..errors import DomainError, RuleViolation
from ..models import AuditCheckpoint, AuditEvent
from .chain import BATCH, GENESIS, chain_step, event_bytes, iso_utc, iter_events
from .merkle import Frontier, extension_proof, leaf_hash
from .service import canonical_json

LOG_NAME = "xinyong audit log"
FORMAT_VERSION = 1
FILE_PREFIX = "checkpoint-"
ARTICLE = "Art. 20(2)"


# --- the key ----------------------------------------------------------------------------------


def audit_dir() -> Path:
    return get_settings().var_dir / "audit"


def keys_dir() -> Path:
    return get_settings().var_dir / "keys" / "audit"


def legacy_key_path() -> Path:
    """Where the key was generated before revision 0011: beside the exported checkpoints."""
    return audit_dir() / "ed25519.key"


def key_path() -> Path:
    env = setting("XINYONG_AUDIT_KEY_FILE")
    if env:
        return Path(env)
    new = keys_dir() / "ed25519.key"
    if not new.exists() and legacy_key_path().exists():
        return legacy_key_path()
    return new


def export_dir() -> Path:
    env = setting("XINYONG_AUDIT_EXPORT_DIR")
    return Path(env) if env else audit_dir() / "checkpoints"


def check_separation() -> None:
    """Refuse to export checkpoints into the signing key's directory or below it."""
    key = key_path()
    keydir, export = key.parent.resolve(), export_dir().resolve()
    if export == keydir or keydir in export.parents:
        hint = ""
        if key == legacy_key_path():
            hint = (f"; move the key to {keys_dir()} (mkdir -p {keys_dir()} && mv {key} {key.with_suffix('.pub')} "
                    f"{keys_dir()}/)")
        raise DomainError(f"the checkpoint export directory {export_dir()} is inside the audit signing key's "
                          f"directory {key.parent}: keep them apart (XINYONG_AUDIT_EXPORT_DIR, "
                          f"XINYONG_AUDIT_KEY_FILE){hint}", code="audit_configuration")


def signing_key(*, create: bool = True) -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        if setting("XINYONG_AUDIT_KEY_FILE") or not create:
            raise DomainError(f"the audit signing key {path} does not exist")
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent == keys_dir():
            os.chmod(path.parent, 0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # Written whole under a private name, then linked into place: a concurrent seal never reads
        # half a key, and the first one to link wins.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
            pub = path.with_suffix(".pub")
            pub_tmp = pub.with_name(f".{pub.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
            pub_tmp.write_bytes(_public_pem(key.public_key()))
            os.replace(pub_tmp, pub)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise DomainError(f"the audit signing key {path} is not an Ed25519 key")
    return key


def verify_key() -> Ed25519PublicKey | None:
    """The public key checkpoints are verified with; None when there is no key at all."""
    env = setting("XINYONG_AUDIT_PUBLIC_KEY_FILE")
    if env:
        path = Path(env)
        if not path.exists():
            raise DomainError(f"the audit public key {env} (XINYONG_AUDIT_PUBLIC_KEY_FILE) does not exist")
        key = serialization.load_pem_public_key(path.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise DomainError(f"{env} is not an Ed25519 public key")
        return key
    if key_path().exists():
        return signing_key(create=False).public_key()
    pub = key_path().with_suffix(".pub")
    if pub.exists():
        key = serialization.load_pem_public_key(pub.read_bytes())
        return key if isinstance(key, Ed25519PublicKey) else None
    return None


def public_pem() -> str | None:
    key = verify_key()
    return None if key is None else _public_pem(key).decode()


def no_public_key(checkpoints: int) -> DomainError:
    """The one-line refusal when there are checkpoints and no key to check them with."""
    where = setting("XINYONG_AUDIT_KEY_FILE") or str(key_path())
    return DomainError(f"no audit public key: {checkpoints} checkpoint(s) to verify, but no key at {where} "
                       f"(nor {Path(where).with_suffix('.pub').name} beside it); set XINYONG_AUDIT_PUBLIC_KEY_FILE "
                       "to the platform's public key (GET /api/v1/public/checkpoint gives it)",
                       code="audit_key_missing")


# --- the database -------------------------------------------------------------------------------


def database_label(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def require_migrated(engine: Engine) -> None:
    """Refuse, in one line, a database that is not at the current schema revision."""
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    from ..migrations import alembic_config, current

    try:
        rev = current(engine)
    except SQLAlchemyError as exc:
        raise DomainError(f"cannot open the database at {database_label(engine)}: "
                          f"{str(exc.orig if getattr(exc, 'orig', None) else exc).splitlines()[0]}",
                          code="database_unavailable") from None
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    if rev is None:
        raise DomainError(f"the database at {database_label(engine)} is not migrated (run xinyong db upgrade)",
                          code="database_not_migrated")
    if rev != head:
        raise DomainError(f"the database at {database_label(engine)} is at revision {rev}, not {head}: it is "
                          "not migrated (run xinyong db upgrade)", code="database_not_migrated")


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


# --- checkpoint documents ---------------------------------------------------------------------


def signed_body(doc: dict[str, Any]) -> bytes:
    """The bytes a checkpoint's signature covers: its canonical JSON without the signature."""
    return canonical_json({k: v for k, v in doc.items() if k != "signature"})


def sign(doc: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    body = {k: v for k, v in doc.items() if k != "signature"}
    return {**body, "signature": key.sign(signed_body(body)).hex()}


def signature_ok(doc: dict[str, Any], key: Ed25519PublicKey | None) -> bool:
    if key is None or doc.get("key_id") != key_id(key):
        return False
    try:
        key.verify(bytes.fromhex(doc.get("signature") or ""), signed_body(doc))
    except (InvalidSignature, ValueError):
        return False
    return True


def unwrap(doc: Any) -> dict[str, Any]:
    """A checkpoint document, also from the published form (``{"checkpoint": …, "public_key": …}``)."""
    if isinstance(doc, dict) and isinstance(doc.get("checkpoint"), dict) and "root_hash" not in doc:
        return doc["checkpoint"]
    return doc if isinstance(doc, dict) else {}


def load_witness(path: Path) -> dict[str, Any]:
    """A checkpoint kept elsewhere (``--against FILE``): the exported file, or the published JSON."""
    try:
        doc = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise DomainError(f"no checkpoint file {path}") from None
    except orjson.JSONDecodeError:
        raise DomainError(f"{path} is not a checkpoint document (not JSON)") from None
    doc = unwrap(doc)
    if doc.get("log") != LOG_NAME or "root_hash" not in doc:
        raise DomainError(f"{path} is not a checkpoint of the {LOG_NAME}")
    return doc


def render(doc: dict[str, Any]) -> str:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def file_name(seq: int) -> str:
    return f"{FILE_PREFIX}{seq:06d}.json"


def read_files(directory: Path | None = None) -> dict[int, tuple[Path, dict | None]]:
    """The exported checkpoints by sequence number; ``None`` for a file that is not valid JSON."""
    directory = directory or export_dir()
    found: dict[int, tuple[Path, dict | None]] = {}
    if not directory.is_dir():
        return found
    for path in directory.glob(f"{FILE_PREFIX}*.json"):
        stem = path.stem.removeprefix(FILE_PREFIX)
        if not stem.isdigit():
            continue
        try:
            doc = orjson.loads(path.read_bytes())
            if not isinstance(doc, dict):
                doc = None
        except orjson.JSONDecodeError:
            doc = None
        found[int(stem)] = (path, doc)
    return found


def write_file(seq: int, document: str, directory: Path | None = None) -> Path:
    """Write a checkpoint file once (never overwritten); the same content again is a no-op."""
    directory = directory or export_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name(seq)
    if path.exists():
        if path.read_text(encoding="utf-8") == document:
            return path
        raise RuleViolation(
            f"the exported checkpoint {path.name} exists with different content: the log would "
            "fork; run `xinyong audit verify`", article=ARTICLE)
    # A private temporary name per writer (process and thread): two seals never share one.
    tmp = directory / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(document)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # atomic, and fails rather than overwrite
    except FileExistsError:
        tmp.unlink()
        return write_file(seq, document, directory)
    tmp.unlink()
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


# --- sealing ----------------------------------------------------------------------------------


@dataclass
class SealResult:
    sealed: int  # events chained by this run (0: nothing new)
    seq: int | None
    tree_size: int
    root_hash: str | None
    last_event_id: int | None
    file: Path | None

    def summary(self) -> dict:
        return {"sealed": self.sealed, "checkpoint": self.seq, "tree_size": self.tree_size,
                "root_hash": self.root_hash, "last_event_id": self.last_event_id,
                "file": None if self.file is None else str(self.file)}


def _barrier(engine: Engine) -> int | None:
    """The highest event id below which every event has committed (PostgreSQL: waits them out)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE audit_event IN SHARE MODE"))
        upto = conn.execute(select(func.max(AuditEvent.id))).scalar()
        conn.commit()
    return upto


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE audit_checkpoint IN EXCLUSIVE MODE"))
    elif session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _store_chain(session: Session, updates: list[tuple[int, str]]) -> None:
    if not updates:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import BigInteger, String
        from sqlalchemy.dialects.postgresql import ARRAY

        session.execute(
            text("UPDATE audit_event SET chain_hash = v.h FROM unnest(:ids, :hs) AS v(id, h) "
                 "WHERE audit_event.id = v.id").bindparams(
                bindparam("ids", type_=ARRAY(BigInteger())), bindparam("hs", type_=ARRAY(String()))),
            {"ids": [u[0] for u in updates], "hs": [u[1] for u in updates]},
        )
    else:
        session.connection().exec_driver_sql(
            "UPDATE audit_event SET chain_hash = ? WHERE id = ?", [(h, i) for i, h in updates])


def latest(session: Session) -> AuditCheckpoint | None:
    return session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)).first()


def _refuse(message: str) -> RuleViolation:
    return RuleViolation(f"{message}; the log is not sealed further — run `xinyong audit verify`",
                         article=ARTICLE)


def _check_previous(session: Session, last: AuditCheckpoint, pub: Ed25519PublicKey,
                    files: dict[int, tuple[Path, dict | None]]) -> Frontier:
    doc = orjson.loads(last.document)
    if not signature_ok(doc, pub):
        raise _refuse(f"checkpoint #{last.seq} is not signed by the platform's audit key")
    frontier = Frontier.from_hex(last.tree_size, last.frontier)
    if (frontier.root().hex(), last.tree_size, last.chain_head, last.last_event_id) != (
            doc["root_hash"], doc["tree_size"], doc["chain_head"], doc["last_event_id"]):
        raise _refuse(f"checkpoint #{last.seq} does not match its signed document")
    head = session.execute(select(AuditEvent.chain_hash).where(AuditEvent.id == last.last_event_id)).scalar()
    if head != last.chain_head:
        raise _refuse(f"event {last.last_event_id}, the last one sealed by checkpoint #{last.seq}, "
                      "no longer carries the checkpoint's chain head")
    ahead = [seq for seq in files if seq > last.seq]
    if ahead:
        raise _refuse(f"the exported checkpoint #{min(ahead)} is missing from the database "
                      "(its tail was cut)")
    return frontier


def export_missing(engine: Engine, directory: Path | None = None) -> list[Path]:
    """Export every stored checkpoint that has no file yet (a crash between commit and export)."""
    directory = directory or export_dir()
    have = read_files(directory)
    written = []
    with session_scope(engine) as s:
        for seq, document in s.execute(select(AuditCheckpoint.seq, AuditCheckpoint.document)
                                       .order_by(AuditCheckpoint.seq)):
            if seq not in have:
                written.append(write_file(seq, document, directory))
    return written


def seal(engine: Engine, *, batch: int = BATCH) -> SealResult:
    """Chain every event not yet sealed, and sign and export a checkpoint of the whole log."""
    require_migrated(engine)
    check_separation()
    if not key_path().exists():
        with engine.connect() as conn:
            row = conn.execute(select(func.count(), func.max(AuditCheckpoint.key_id)).select_from(AuditCheckpoint)).one()
        if row[0]:
            raise DomainError(f"no audit signing key at {key_path()}, but the log has {row[0]} checkpoint(s) "
                              f"signed with key {row[1][:16]}…: restore the key (or set XINYONG_AUDIT_KEY_FILE); "
                              "a new key would not verify them", code="audit_key_missing")
    key = signing_key(create=True)
    pub = key.public_key()
    directory = export_dir()
    export_missing(engine, directory)
    upto = _barrier(engine)
    with session_scope(engine) as s:
        _lock(s)
        if s.get_bind().dialect.name != "postgresql":
            upto = s.execute(select(func.max(AuditEvent.id))).scalar()
        last = latest(s)
        files = read_files(directory)
        if last is None:
            if files:
                raise _refuse(f"the exported checkpoint #{min(files)} is missing from the database "
                              "(its tail was cut)")
            frontier, chain, after = Frontier(), GENESIS, None
        else:
            frontier = _check_previous(s, last, pub, files)
            chain, after = bytes.fromhex(last.chain_head), last.last_event_id
        if upto is None or (after is not None and upto <= after):
            return _unchanged(last)
        old = frontier.copy()
        new_leaves: list[bytes] = []
        updates: list[tuple[int, str]] = []
        count, last_id = 0, after
        for e in iter_events(s, after_id=after, upto_id=upto, batch=batch):
            data = event_bytes(e)
            chain = chain_step(chain, data)
            leaf = leaf_hash(data)
            frontier.append(leaf)
            if last is not None:
                new_leaves.append(leaf)
            updates.append((e.id, chain.hex()))
            if len(updates) >= batch:
                _store_chain(s, updates)
                updates = []
            count, last_id = count + 1, e.id
        if count == 0:
            return _unchanged(last)
        _store_chain(s, updates)
        seq = 1 if last is None else last.seq + 1
        sealed_at = now()
        doc = sign({
            "log": LOG_NAME,
            "version": FORMAT_VERSION,
            "seq": seq,
            "tree_size": frontier.size,
            "root_hash": frontier.root().hex(),
            "last_event_id": last_id,
            "chain_head": chain.hex(),
            "sealed_at": iso_utc(sealed_at),
            "previous": None if last is None else {
                "seq": last.seq, "tree_size": last.tree_size, "root_hash": last.root_hash},
            "consistency_proof": [] if last is None else [h.hex() for h in extension_proof(old, new_leaves)],
            "key_id": key_id(pub),
        }, key)
        document = render(doc)
        s.add(AuditCheckpoint(
            seq=seq, tree_size=frontier.size, root_hash=doc["root_hash"], last_event_id=last_id,
            chain_head=doc["chain_head"], sealed_at=sealed_at, frontier=frontier.to_hex(),
            key_id=doc["key_id"], signature=doc["signature"], document=document,
        ))
        s.flush()
    path = write_file(seq, document, directory)
    return SealResult(count, seq, frontier.size, doc["root_hash"], last_id, path)


def _unchanged(last: AuditCheckpoint | None) -> SealResult:
    if last is None:
        return SealResult(0, None, 0, None, None, None)
    return SealResult(0, last.seq, last.tree_size, last.root_hash, last.last_event_id,
                      export_dir() / file_name(last.seq))


def checkpoint_time(doc: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(doc["sealed_at"].replace("Z", "+00:00"))
    except (KeyError, AttributeError, ValueError):
        return None
