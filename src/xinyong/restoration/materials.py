"""Materials a subject sends with an application (an objection's evidence, a restoration's proofs): each file
is kept encrypted at rest (``crypto.open_writer``, like the stored batches), under the var directory, named by
its SHA-256; what the platform's tables hold of it is its name (ID-shaped runs masked), size and SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from .. import crypto
from ..config import get_settings
from ..errors import InvalidInput
from ..record.fields import mask_id_shaped

MAX_BYTES = 10 * 1024 * 1024  # an upload limit of the service, not a legal number
FOLDER = "materials"


def folder() -> Path:
    return get_settings().var_dir / FOLDER


def store(stream: BinaryIO, filename: str) -> dict:
    """Keep one uploaded file encrypted; returns ``{"name", "size", "sha256"}``."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"a file may be at most {MAX_BYTES // (1024 * 1024)} MB", field="file")
    if not data:
        raise InvalidInput("the file is empty", field="file")
    digest = hashlib.sha256(data).hexdigest()
    target = folder() / digest
    if not target.exists():
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
