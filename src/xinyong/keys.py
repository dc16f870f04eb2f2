"""The data key ring from the console: ``xinyong keys status | rotate | reencrypt`` (docs/keys.md).

What is encrypted under the ring (``xinyong.crypto``): natural persons' numbers
(``subject.identifier_enc``, each bound to its subject's identifier digest) and the platform's files
under the var directory (stored upload copies, rejects files: ``crypto.open_writer``, bound to their
file names). Rotation adds a key and makes it the active one, then re-encrypts every value and file
still under an older key — the values in batches (one transaction and one bulk update each: a crash
leaves whole batches, and ``reencrypt`` resumes), the files streamed, each replaced only once whole —
and, asked to, retires the keys nothing is encrypted under any more. Nothing here prints, logs or
audits a secret or a number: counts and key ids only.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import typer
from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.engine import Engine

from . import crypto
from .audit import service as audit
from .auth import CONSOLE
from .config import get_settings
from .console import handles_errors, out, print_json
from .db import get_engine, session_scope
from .models import Subject, SubjectIdentifier

BATCH = 1000
_S = Subject.__table__
_F = SubjectIdentifier.__table__  # former identifiers: a natural person's former numbers, encrypted the same way
_ENCRYPTED = (_S, _F)
_REPLACES = {t.name: (update(t).where(t.c.id == bindparam("b_id"), t.c.identifier_enc == bindparam("b_old"))
                      .values(identifier_enc=bindparam("b_new"))) for t in _ENCRYPTED}
_REPLACE = _REPLACES["subject"]


@dataclass
class Usage:
    """How many values and files each key holds."""

    active: str
    ciphers: dict[str, str]  # key id → cipher, for the keys in the ring
    values: Counter = field(default_factory=Counter)  # key id → subject.identifier_enc values
    files: Counter = field(default_factory=Counter)  # key id → encrypted files
    pending: Counter = field(default_factory=Counter)  # key id → files being written now (temporary)
    values_elsewhere: int = 0  # under a key that is not in the ring: undecryptable until it is restored
    plaintext: int = 0  # natural persons with no ciphertext (migration 0010 not run?)
    unreadable_files: int = 0

    def in_use(self, key_id: str) -> bool:
        return bool(self.values[key_id] or self.files[key_id] or self.pending[key_id])

    def as_dict(self) -> dict:
        return {
            "active": self.active,
            "keys": [{"id": k, "cipher": c, "active": k == self.active, "values": self.values[k],
                      "files": self.files[k], "files_being_written": self.pending[k]}
                     for k, c in self.ciphers.items()],
            "values_under_unknown_keys": self.values_elsewhere,
            "files_under_unknown_keys": sum(n for k, n in self.files.items() if k not in self.ciphers),
            "natural_persons_not_encrypted": self.plaintext,
            "unreadable_files": self.unreadable_files,
        }


def _prefix(key_id: str) -> str:
    return f"v1.{key_id}."


def _is_temporary(path: Path) -> bool:
    # crypto's writers write ``.<name>.<pid>.<hex>.tmp`` and rename it into place when whole
    return path.name.startswith(".") and path.name.endswith(".tmp")


def encrypted_files(root: Path | None = None) -> Iterator[Path]:
    """Every encrypted file of the platform under the var directory (not the key ring's own folder),
    temporary ones included (a writer in progress), in a stable order."""
    root = Path(root or get_settings().var_dir)
    keys_dir = crypto.key_ring_path().parent.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here.resolve() == keys_dir:
            dirnames[:] = []
            continue
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            try:
                if crypto.is_encrypted_file(path):
                    yield path
            except OSError:
                continue


def usage(engine: Engine, root: Path | None = None) -> Usage:
    ring = crypto.key_ring()
    found = Usage(active=ring.active, ciphers={k: key.cipher for k, key in ring.keys.items()})
    total = plaintext = 0
    for table in _ENCRYPTED:  # the subjects' numbers and their former numbers
        enc = table.c.identifier_enc
        per_key = [func.sum(case((enc.startswith(_prefix(k), autoescape=True), 1), else_=0)) for k in ring.keys]
        person = (table.c.kind == "natural_person") if table is _S else table.c.scheme.in_(("ric", "ric15"))
        with engine.connect() as conn:
            row = conn.execute(select(func.count(enc), func.sum(case((and_(person, enc.is_(None)), 1), else_=0)),
                                      *per_key)).one()
        n_total, n_plain, *counts = row
        for k, n in zip(ring.keys, counts, strict=True):
            found.values[k] += int(n or 0)
        total += int(n_total or 0)
        plaintext += int(n_plain or 0)
    found.values_elsewhere = total - sum(found.values.values())
    found.plaintext = plaintext
    for path in encrypted_files(root):
        try:
            key_id = crypto.file_key_id(path)
        except (OSError, ValueError, KeyError):
            found.unreadable_files += 1
            continue
        (found.pending if _is_temporary(path) else found.files)[key_id] += 1
    return found


class RotationFailed(crypto.KeyError_):
    code = "reencryption_failed"


def reencrypt_values(engine: Engine, *, batch: int = BATCH) -> int:
    """Re-encrypt every ``subject.identifier_enc`` and ``subject_identifier.identifier_enc`` (a person's former
    numbers) not under the active key: ``batch`` rows a transaction, one bulk update each (a row changed
    meanwhile is left to the next run). Returns how many."""
    return sum(_reencrypt_table(engine, table, batch=batch) for table in _ENCRYPTED)


def _reencrypt_table(engine: Engine, table, *, batch: int) -> int:
    from .audit import binding

    active = crypto.key_ring().active
    enc = table.c.identifier_enc
    pick = (select(table.c.id, enc, table.c.identifier_digest)
            .where(enc.is_not(None), ~enc.startswith(_prefix(active), autoescape=True),
                   table.c.id > bindparam("after"))
            .order_by(table.c.id).limit(batch))
    replace = _REPLACES[table.name]
    done, after = 0, 0
    while True:
        with session_scope(engine) as s:
            rows = s.execute(pick, {"after": after}).all()
            if not rows:
                return done
            plain = []
            for r in rows:
                try:
                    plain.append((crypto.decrypt_text(r.identifier_enc, context=r.identifier_digest),
                                  r.identifier_digest))
                except (crypto.KeyError_, crypto.DecryptionFailed) as exc:
                    raise RotationFailed(f"{table.name} #{r.id}: {exc.message}") from None
            sealed = crypto.encrypt_many(plain)
            params = [{"b_id": r.id, "b_old": r.identifier_enc, "b_new": new}
                      for r, new in zip(rows, sealed, strict=True)]
            if table.name in binding.BOUND:  # a bound table: the rows' events carry their new digests
                s.connection().execute(replace, params)
                binding.touched(s, table.name, [(r.id,) for r in rows])
            else:
                s.execute(replace, params)
            done += len(rows)
            after = rows[-1].id


def reencrypt_files(root: Path | None = None) -> tuple[int, int]:
    """Re-encrypt every platform file not under the active key (streamed, replaced once whole).
    Returns (re-encrypted, already under the active key). Files being written are left to their writer."""
    done = already = 0
    for path in encrypted_files(root):
        if _is_temporary(path):
            continue
        try:
            changed = crypto.reencrypt_file(path)
        except FileNotFoundError:  # removed meanwhile (a purge): nothing left to re-encrypt
            continue
        except (crypto.KeyError_, crypto.DecryptionFailed) as exc:
            raise RotationFailed(f"{path}: {exc.message}") from None
        done += changed
        already += not changed
    return done, already


def retire_unused(engine: Engine, root: Path | None = None) -> list[str]:
    """Remove from the ring every key (never the active one) that no value or file is encrypted under,
    counted again just before."""
    found = usage(engine, root)
    idle = [k for k in found.ciphers if k != found.active and not found.in_use(k)]
    if idle:
        crypto.retire(idle)
    return idle


def drop_stored_pdfs_under_old_keys(engine: Engine) -> int:
    """Reports' stored PDFs (``report.pdfstore``) are a cache of what their snapshots render to: those under an
    older key are deleted rather than re-encrypted (the next download renders and stores them again), so that
    no stored copy holds a key in the ring."""
    from sqlalchemy import delete

    from .models.report import CreditReportPdf

    prefix = _prefix(crypto.key_ring().active).encode()
    column = CreditReportPdf.pdf
    with session_scope(engine) as s:
        return s.execute(delete(CreditReportPdf).where(func.substr(column, 1, len(prefix)) != prefix)).rowcount


def _reencrypt_and_retire(engine: Engine, *, batch: int, retire_old: bool) -> dict:
    values = reencrypt_values(engine, batch=batch)
    files, already = reencrypt_files()
    drop_stored_pdfs_under_old_keys(engine)
    retired = retire_unused(engine) if retire_old else []
    result = {"active": crypto.key_ring().active, "values_reencrypted": values, "files_reencrypted": files,
              "files_already_current": already, "retired": retired}
    with session_scope(engine) as s:
        audit.append(s, action="keys:reencrypt", actor=CONSOLE, object_type="data_key", object_id=result["active"],
                     details=result)
    return result


def rotate(engine: Engine, *, cipher: str | None = None, batch: int = BATCH, retire_old: bool = False) -> dict:
    """Add a key and make it the active one (audited at once), re-encrypt everything under the older keys,
    and retire those left unused when ``retire_old``."""
    previous = crypto.key_ring().active
    key = crypto.rotate(cipher)
    with session_scope(engine) as s:
        audit.append(s, action="keys:rotate", actor=CONSOLE, object_type="data_key", object_id=key.id,
                     details={"key_id": key.id, "cipher": key.cipher, "previous": previous})
    return {"new_key": key.id, "cipher": key.cipher, "previous": previous,
            **_reencrypt_and_retire(engine, batch=batch, retire_old=retire_old)}


# --- the console ----------------------------------------------------------------------------------

app = typer.Typer(help="The data key ring: encryption at rest of ID numbers and stored files (docs/keys.md).",
                  no_args_is_help=True)

_CIPHERS = {"aes": crypto.AES, "sm4": crypto.SM4}


@app.command("status")
@handles_errors
def status_command(as_json: bool = typer.Option(False, "--json")) -> None:
    """The active key, and how many values and files each key of the ring holds (never a secret)."""
    found = usage(get_engine())
    if as_json:
        print_json(found.as_dict())
        return
    ring = crypto.key_ring()
    out.print(f"key ring: {ring.path or 'XINYONG_DATA_KEY (one key from the environment)'}")
    out.print(f"active key: {found.active} ({found.ciphers[found.active]})")
    for k in found.as_dict()["keys"]:
        mark = " (active)" if k["active"] else ""
        pending = f", {k['files_being_written']} being written" if k["files_being_written"] else ""
        out.print(f"  {k['id']}{mark}  {k['cipher']}  {k['values']} values, {k['files']} files{pending}")
    d = found.as_dict()
    if d["values_under_unknown_keys"] or d["files_under_unknown_keys"]:
        out.print(f"warning: {d['values_under_unknown_keys']} values and {d['files_under_unknown_keys']} files are "
                  "under keys that are not in the ring: restore those keys from the key backup")
    if found.plaintext:
        out.print(f"warning: {found.plaintext} natural persons' numbers are not encrypted: run `xinyong db upgrade`")
    if found.unreadable_files:
        out.print(f"warning: {found.unreadable_files} encrypted files could not be read")


def _print_result(result: dict, as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    if "new_key" in result:
        out.print(f"new active key {result['new_key']} ({result['cipher']}), replacing {result['previous']}")
    out.print(f"re-encrypted {result['values_reencrypted']} values and {result['files_reencrypted']} files "
              f"({result['files_already_current']} files already under the active key)")
    if result["retired"]:
        out.print(f"retired {len(result['retired'])} keys: {', '.join(result['retired'])}")
    out.print("back up the key ring now (docs/keys.md)")


@app.command("rotate")
@handles_errors
def rotate_command(
    cipher: str = typer.Option(None, "--cipher", help="aes (AES-256-GCM) or sm4 (SM4-GCM); default: "
                               "XINYONG_DATA_CIPHER, else aes."),
    retire_old: bool = typer.Option(False, "--retire-old", help="Then remove the keys nothing is encrypted "
                                    "under any more."),
    batch: int = typer.Option(BATCH, "--batch", min=1, help="Values re-encrypted per transaction."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a new data key, make it the active one, re-encrypt every value and file under the older keys."""
    chosen = None
    if cipher is not None:
        chosen = _CIPHERS.get(cipher.strip().lower())
        if chosen is None:
            raise crypto.KeyError_(f"--cipher is aes or sm4, not {cipher!r}")
    _print_result(rotate(get_engine(), cipher=chosen, batch=batch, retire_old=retire_old), as_json)


@app.command("reencrypt")
@handles_errors
def reencrypt_command(
    retire_old: bool = typer.Option(False, "--retire-old", help="Then remove the keys nothing is encrypted "
                                    "under any more."),
    batch: int = typer.Option(BATCH, "--batch", min=1, help="Values re-encrypted per transaction."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Re-encrypt under the active key whatever is still under an older one, without adding a key (to finish
    a rotation that was interrupted, or after restoring old files)."""
    _print_result(_reencrypt_and_retire(get_engine(), batch=batch, retire_old=retire_old), as_json)
