"""Encryption at rest of personal information (Art. 20(4); PIPL Art. 51): natural persons'
identification numbers, and the platform's stored copies of uploaded files and rejects files.

Authenticated encryption only: AES-256-GCM by default, SM4-GCM (GB/T 32907, the commercial cryptography
of GB/T 39786) when ``XINYONG_DATA_CIPHER=sm4``. The keys never enter the database: they are a key ring
file (``XINYONG_DATA_KEY_FILE``; default ``$XINYONG_VAR_DIR/keys/data-keys.json``, created once, mode
0600) or, for a deployment whose secret store hands out one key, ``XINYONG_DATA_KEY`` (base64 of 32 bytes
for AES, 16 for SM4). Back the key ring up apart from the database: a backup holding both undoes the
encryption.

Every ciphertext names the key it was made with (``key_id``), so ``rotate`` adds a key and makes it the
one new ciphertexts use while old ones still decrypt; re-encrypting the stored values and files under it
(``xinyong keys rotate``) then lets the old key be retired.

Values: ``v1.<key_id>.<cipher>.<base64url(nonce || ciphertext || tag)>``, bound to a context string (the
associated data: e.g. the subject's identifier digest), so a ciphertext moved to another row fails to
decrypt. Files: a header line, then chunks of at most ``CHUNK`` bytes, each sealed with its index and a
final-chunk flag (a truncated or reordered file fails), read back as a stream in bounded memory.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import os
import struct
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from collections.abc import Iterable
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .config import env as setting, get_settings
from .errors import DomainError

AES = "aes-256-gcm"
SM4 = "sm4-gcm"
CIPHERS = {AES: 32, SM4: 16}  # cipher → key length in bytes
_SHORT = {AES: "a256gcm", SM4: "sm4gcm"}
_LONG = {v: k for k, v in _SHORT.items()}
NONCE = 12
TAG = 16
CHUNK = 1 << 20
FILE_MAGIC = b"XYENC1\n"
ENV_KEY = "__env__"


class KeyError_(DomainError):
    """A ciphertext names a key that is not in the key ring, or the key ring cannot be read."""

    status = 500
    code = "key_error"


class DecryptionFailed(DomainError):
    """A ciphertext that does not authenticate: altered, moved to another context, or the wrong key."""

    status = 500
    code = "decryption_failed"


@dataclass(frozen=True)
class Key:
    id: str
    cipher: str
    secret: bytes = b""

    def __repr__(self) -> str:  # never the secret, even in a traceback
        return f"Key(id={self.id!r}, cipher={self.cipher!r})"


@dataclass(frozen=True)
class KeyRing:
    active: str
    keys: dict[str, Key]
    path: Path | None  # None: the single key of XINYONG_DATA_KEY

    def key(self, key_id: str) -> Key:
        try:
            return self.keys[key_id]
        except KeyError:
            where = self.path or "XINYONG_DATA_KEY"
            raise KeyError_(f"the data key {key_id!r} is not in the key ring ({where}): restore it from the "
                            "key backup") from None

    @property
    def current(self) -> Key:
        return self.key(self.active)


def configured_cipher() -> str:
    raw = (setting("XINYONG_DATA_CIPHER") or "aes").strip().lower()
    if raw in ("aes", "aes-gcm", AES):
        return AES
    if raw in ("sm4", SM4):
        return SM4
    raise KeyError_(f"XINYONG_DATA_CIPHER is 'aes' (AES-256-GCM) or 'sm4' (SM4-GCM), not {raw!r}")


def key_ring_path() -> Path:
    env = setting("XINYONG_DATA_KEY_FILE")
    return Path(env) if env else get_settings().var_dir / "keys" / "data-keys.json"


_lock = threading.Lock()
_cache: dict[tuple, KeyRing] = {}


def key_ring() -> KeyRing:
    """The key ring in force (created on first use when no key is configured)."""
    env = setting("XINYONG_DATA_KEY")
    if env:
        cipher = configured_cipher()
        try:
            secret = base64.b64decode(env, validate=True)
        except ValueError:
            raise KeyError_("XINYONG_DATA_KEY is not base64") from None
        if len(secret) != CIPHERS[cipher]:
            raise KeyError_(f"XINYONG_DATA_KEY must be {CIPHERS[cipher]} bytes for {cipher}, not {len(secret)}")
        return KeyRing(ENV_KEY, {ENV_KEY: Key(ENV_KEY, cipher, secret)}, None)
    path = key_ring_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        with _lock:
            if not path.exists():
                _create_ring(path, _new_ring_doc(configured_cipher()))
        st = path.stat()
    stamp = (str(path), st.st_mtime_ns, st.st_size)
    ring = _cache.get(stamp)
    if ring is None:
        ring = _cache[stamp] = _read_ring(path)
    return ring


def _new_key_doc(cipher: str) -> tuple[str, dict]:
    key_id = f"k{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    return key_id, {"cipher": cipher, "key": base64.b64encode(os.urandom(CIPHERS[cipher])).decode(),
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds")}


def _new_ring_doc(cipher: str) -> dict:
    key_id, doc = _new_key_doc(cipher)
    return {"format": 1, "active": key_id, "keys": {key_id: doc}}


def _read_ring(path: Path) -> KeyRing:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        keys = {}
        for key_id, k in doc["keys"].items():
            cipher = k["cipher"]
            secret = base64.b64decode(k["key"])
            if cipher not in CIPHERS or len(secret) != CIPHERS[cipher]:
                raise ValueError(f"key {key_id}: bad cipher or length")
            keys[key_id] = Key(key_id, cipher, secret)
        ring = KeyRing(doc["active"], keys, path)
        ring.current  # noqa: B018 - the active key must exist
        return ring
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyError_(f"the data key ring {path} cannot be read: {exc}") from None


def _create_ring(path: Path, doc: dict) -> None:
    """Create the first key ring, unless another process just did: written aside, then hard-linked into
    place, which fails rather than replaces when the ring exists (a rename would replace it, and what the
    other process already sealed with its key could never be read again)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # the other process's ring stands; this one was never used
    finally:
        tmp.unlink(missing_ok=True)
    _cache.clear()


def _write_ring(path: Path, doc: dict) -> None:
    """Write the key ring whole (a private temporary file, fsynced, renamed into place), mode 0600."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _cache.clear()


def rotate(cipher: str | None = None) -> Key:
    """Add a new key (of ``cipher``, default the configured one) and make it the active key. Old keys stay,
    so what they encrypted still decrypts; re-encrypt, then ``retire`` them."""
    if setting("XINYONG_DATA_KEY"):
        raise KeyError_("the data key comes from XINYONG_DATA_KEY: rotate it in the secret store (set the new key "
                        "in XINYONG_DATA_KEY_FILE's ring instead to rotate here)")
    path = key_ring_path()
    ring = key_ring()
    doc = json.loads(path.read_text(encoding="utf-8"))
    key_id, kdoc = _new_key_doc(cipher or configured_cipher())
    doc["keys"][key_id] = kdoc
    doc["active"] = key_id
    _write_ring(path, doc)
    del ring
    return key_ring().current


def retire(key_ids: list[str]) -> None:
    """Remove keys from the ring (never the active one): call it once nothing is encrypted under them."""
    path = key_ring_path()
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc["active"] in key_ids:
        raise KeyError_("the active key cannot be retired")
    for k in key_ids:
        doc["keys"].pop(k, None)
    _write_ring(path, doc)


# --- the ciphers ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _aesgcm(key: Key) -> AESGCM:
    # Building the AES context costs as much as sealing a short value: one per key.
    return AESGCM(key.secret)


def _seal(key: Key, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if key.cipher == AES:
        return _aesgcm(key).encrypt(nonce, data, aad)
    enc = Cipher(algorithms.SM4(key.secret), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(data) + enc.finalize() + enc.tag


def _open(key: Key, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        if key.cipher == AES:
            return _aesgcm(key).decrypt(nonce, sealed, aad)
        if len(sealed) < TAG:
            raise InvalidTag
        dec = Cipher(algorithms.SM4(key.secret), modes.GCM(nonce, sealed[-TAG:])).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(sealed[:-TAG]) + dec.finalize()
    except InvalidTag:
        raise DecryptionFailed("a stored ciphertext does not authenticate (altered, moved, or the wrong key)") from None


def encrypt_text(value: str, *, context: str) -> str:
    """``value`` sealed under the active key, bound to ``context``."""
    return _encrypt(key_ring().current, value, context)


def encrypt_many(items: Iterable[tuple[str, str]]) -> list[str]:
    """``encrypt_text`` of each ``(value, context)``, the key ring read once (for bulk inserts and
    re-encryption: reading the ring costs more than sealing a short value)."""
    key = key_ring().current
    return [_encrypt(key, value, context) for value, context in items]


def _encrypt(key: Key, value: str, context: str) -> str:
    nonce = os.urandom(NONCE)
    sealed = _seal(key, nonce, value.encode(), context.encode())
    body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"v1.{key.id}.{_SHORT[key.cipher]}.{body}"


def decrypt_text(token: str, *, context: str) -> str:
    try:
        version, key_id, cipher, body = token.split(".", 3)
    except ValueError:
        raise DecryptionFailed("not an encrypted value") from None
    if version != "v1" or cipher not in _LONG:
        raise DecryptionFailed(f"unknown ciphertext format {version}.{cipher}")
    key = key_ring().key(key_id)
    if key.cipher != _LONG[cipher]:
        raise DecryptionFailed(f"key {key_id} is not a {_LONG[cipher]} key")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return _open(key, raw[:NONCE], raw[NONCE:], context.encode()).decode()


def key_id_of(token: str) -> str | None:
    """The key a value was encrypted under (None: not an encrypted value)."""
    parts = token.split(".", 3)
    return parts[1] if len(parts) == 4 and parts[0] == "v1" else None


def encrypt_bytes(data: bytes, *, context: str) -> bytes:
    """``data`` sealed under the active key, bound to ``context``: ``v1.KEY.CIPHER.`` then nonce and
    ciphertext, raw (a stored document: base64 would add a third)."""
    key = key_ring().current
    nonce = os.urandom(NONCE)
    return f"v1.{key.id}.{_SHORT[key.cipher]}.".encode() + nonce + _seal(key, nonce, data, context.encode())


def decrypt_bytes(blob: bytes, *, context: str) -> bytes:
    try:
        version, key_id, cipher, raw = bytes(blob).split(b".", 3)
    except ValueError:
        raise DecryptionFailed("not an encrypted value") from None
    if version != b"v1" or cipher.decode() not in _LONG:
        raise DecryptionFailed("unknown ciphertext format")
    key = key_ring().key(key_id.decode())
    if key.cipher != _LONG[cipher.decode()]:
        raise DecryptionFailed(f"key {key_id.decode()} is not a {_LONG[cipher.decode()]} key")
    return _open(key, raw[:NONCE], raw[NONCE:], context.encode())


# --- files ----------------------------------------------------------------------------------------


class EncryptedWriter(io.RawIOBase):
    """A binary file that encrypts what is written to it, chunk by chunk (``with`` it; ``close`` seals the
    last chunk). Written under a temporary name and renamed into place on close: a crash leaves no half
    file."""

    def __init__(self, path: Path, *, context: str) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._key = key_ring().current
        header = json.dumps({"key_id": self._key.id, "cipher": self._key.cipher, "chunk": CHUNK},
                            sort_keys=True).encode() + b"\n"
        self._aad = FILE_MAGIC + header + context.encode()
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._fh = os.fdopen(fd, "wb")
        self._fh.write(FILE_MAGIC + header)
        self._fh.flush()  # a file being written shows its key at once (``xinyong keys`` keeps that key)
        self._buf = bytearray()
        self._index = 0
        self._done = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self._buf += data
        while len(self._buf) > CHUNK:
            self._emit(bytes(self._buf[:CHUNK]), final=False)
            del self._buf[:CHUNK]
        return len(data)

    def _emit(self, data: bytes, *, final: bool) -> None:
        nonce = os.urandom(NONCE)
        aad = self._aad + struct.pack(">Q?", self._index, final)
        sealed = _seal(self._key, nonce, data, aad)
        self._fh.write(struct.pack(">I", len(sealed)) + nonce + sealed)
        self._index += 1

    def close(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self._emit(bytes(self._buf), final=True)
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self._fh.close()
            self._tmp.unlink(missing_ok=True)
            raise
        finally:
            super().close()

    def __exit__(self, exc_type, exc, tb) -> None:
        # An error inside ``with`` must not seal what was written so far into a file that
        # authenticates as whole: it is discarded.
        if exc_type is not None:
            self.abort()
        else:
            self.close()

    def __del__(self) -> None:
        # IOBase would close (seal) a writer dropped unclosed, e.g. after an error: a half file that
        # authenticates. Dropped unclosed means unfinished: discard it.
        if not getattr(self, "_done", True):
            self.abort()

    def abort(self) -> None:
        """Discard what was written (nothing is left behind)."""
        if not self._done:
            self._done = True
            self._fh.close()
            self._tmp.unlink(missing_ok=True)
            super().close()


class DecryptingReader(io.RawIOBase):
    """Reads an encrypted file back as its plaintext, one chunk in memory at a time."""

    def __init__(self, path: Path, *, context: str) -> None:
        super().__init__()
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by close()
        if self._fh.read(len(FILE_MAGIC)) != FILE_MAGIC:
            self._fh.close()
            raise DecryptionFailed(f"{Path(path).name} is not an encrypted file of the platform")
        header = self._fh.readline()
        try:
            self._key = key_ring().key(json.loads(header)["key_id"])
        except (ValueError, KeyError, TypeError):
            self._fh.close()
            raise DecryptionFailed(f"{Path(path).name} has a damaged header") from None
        except BaseException:
            self._fh.close()
            raise
        self._aad = FILE_MAGIC + header + context.encode()
        self._index = 0
        self._buf = b""
        self._final = False

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        head = self._fh.read(4)
        if len(head) < 4:
            raise DecryptionFailed("the encrypted file is truncated")
        (size,) = struct.unpack(">I", head)
        nonce = self._fh.read(NONCE)
        sealed = self._fh.read(size)
        for final in (False, True):
            try:
                self._buf += _open(self._key, nonce, sealed, self._aad + struct.pack(">Q?", self._index, final))
                self._final = final
                break
            except DecryptionFailed:
                if final:
                    raise
        self._index += 1
        if self._final and self._fh.read(1):
            raise DecryptionFailed("the encrypted file has data after its last chunk")

    def readinto(self, b) -> int:  # type: ignore[override]
        while not self._buf and not self._final:
            self._next()
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_writer(path: Path, *, context: str | None = None) -> EncryptedWriter:
    """An encrypted file at ``path``; its context (associated data) is its file name unless given, so
    that ``xinyong keys rotate`` can re-encrypt any of the platform's files knowing only where it is."""
    path = Path(path)
    return EncryptedWriter(path, context=path.name if context is None else context)


def open_reader(path: Path, *, context: str | None = None) -> BinaryIO:
    path = Path(path)
    return io.BufferedReader(DecryptingReader(path, context=path.name if context is None else context),
                             buffer_size=1 << 16)


def is_encrypted_file(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(FILE_MAGIC)) == FILE_MAGIC


def file_key_id(path: Path) -> str | None:
    """The key an encrypted file was written under (None: not an encrypted file)."""
    with open(path, "rb") as fh:
        if fh.read(len(FILE_MAGIC)) != FILE_MAGIC:
            return None
        return json.loads(fh.readline())["key_id"]


def reencrypt_file(path: Path) -> bool:
    """Re-encrypt a platform file under the active key, in place (streamed: one chunk in memory; the new
    file replaces the old one only once whole). False when it already is under the active key."""
    path = Path(path)
    active = key_ring().current.id
    if file_key_id(path) == active:
        return False
    with open_reader(path) as src, open_writer(path) as dst:
        while block := src.read(CHUNK):
            dst.write(block)
    return True
