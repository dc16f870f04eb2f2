"""The platform's exchange keys: an Ed25519 key that signs every export's manifest, and an X25519 key that other
platforms seal natural persons' numbers to (``seal`` / ``unseal``).

Both private keys live in one file under the var directory, encrypted under the data key ring like every other
file of the platform (``crypto.open_writer``; ``xinyong keys rotate`` re-encrypts it). They are made on first use;
``xinyong exchange key`` prints the two public keys for the partners to register.

Sealing: one value at a time, ECIES over X25519 — an ephemeral key pair per export file, HKDF-SHA256 of the shared
secret, AES-256-GCM with the file's name as associated data (a value moved to another file does not open). The
sealed form is ``sealed:v1:<ephemeral public key>:<nonce+ciphertext>`` (base64url), so a sealed value is one
token in a row: the file stays a file of the national format, every other field readable.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .. import crypto
from ..config import get_settings
from ..errors import InvalidInput, msg

SEALED_PREFIX = "sealed:v1:"
_RAW = serialization.Encoding.Raw
_PUB = serialization.PublicFormat.Raw
_PRIV = serialization.PrivateFormat.Raw
_NOENC = serialization.NoEncryption()
_lock = threading.Lock()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_bytes(text: str, *, field: str) -> bytes:
    """A partner's public key as given (base64 or base64url of the raw 32 bytes)."""
    try:
        raw = _unb64(text.strip().replace("+", "-").replace("/", "_"))
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise InvalidInput(msg("{field}: a public key is the base64 of its 32 raw bytes (`xinyong exchange key` "
                               "prints the platform's own)", field=field), field=field)
    return raw


@dataclass(frozen=True)
class PlatformKeys:
    signing: Ed25519PrivateKey
    sealing: X25519PrivateKey

    @property
    def verify_key(self) -> str:
        return _b64(self.signing.public_key().public_bytes(_RAW, _PUB))

    @property
    def seal_key(self) -> str:
        return _b64(self.sealing.public_key().public_bytes(_RAW, _PUB))

    def __repr__(self) -> str:  # never the secrets, even in a traceback
        return f"PlatformKeys(verify_key={self.verify_key})"


def keys_path() -> Path:
    return get_settings().var_dir / "exchange" / "platform-keys"


_cache: dict[str, PlatformKeys] = {}


def platform_keys() -> PlatformKeys:
    """The platform's keys, made on first use."""
    path = keys_path()
    found = _cache.get(str(path))
    if found is not None and path.exists():
        return found
    with _lock:
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            doc = {"signing": _b64(Ed25519PrivateKey.generate().private_bytes(_RAW, _PRIV, _NOENC)),
                   "sealing": _b64(X25519PrivateKey.generate().private_bytes(_RAW, _PRIV, _NOENC))}
            # written aside, then linked into place: fails rather than replaces when another process made them first
            aside = path.with_name(f".{path.name}.{os.getpid()}.new")
            with crypto.open_writer(aside, context=path.name) as fh:
                fh.write(orjson.dumps(doc))
            try:
                os.link(aside, path)
            except FileExistsError:
                pass
            finally:
                aside.unlink(missing_ok=True)
        with crypto.open_reader(path) as fh:
            doc = orjson.loads(fh.read())
        keys = PlatformKeys(Ed25519PrivateKey.from_private_bytes(_unb64(doc["signing"])),
                            X25519PrivateKey.from_private_bytes(_unb64(doc["sealing"])))
        _cache.clear()
        _cache[str(path)] = keys
        return keys


def sign(data: bytes) -> str:
    return _b64(platform_keys().signing.sign(data))


def verify(verify_key: str, data: bytes, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key_bytes(verify_key, field="verify_key")).verify(
            _unb64(signature.strip()), data)
        return True
    except (InvalidSignature, ValueError, InvalidInput):
        return False


def _file_key(shared: bytes, file_name: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"xinyong exchange v1 " + file_name.encode()).derive(shared)


class Sealer:
    """Seals values of one export file to one recipient: one ephemeral key for the file."""

    def __init__(self, recipient_seal_key: str, file_name: str) -> None:
        eph = X25519PrivateKey.generate()
        peer = X25519PublicKey.from_public_bytes(public_key_bytes(recipient_seal_key, field="seal_key"))
        self._aes = AESGCM(_file_key(eph.exchange(peer), file_name))
        self._eph = _b64(eph.public_key().public_bytes(_RAW, _PUB))
        self._aad = file_name.encode()

    def seal(self, value: str) -> str:
        nonce = os.urandom(12)
        return f"{SEALED_PREFIX}{self._eph}:{_b64(nonce + self._aes.encrypt(nonce, value.encode(), self._aad))}"


class Unsealer:
    """Opens the values sealed to this platform in one received file."""

    def __init__(self, file_name: str) -> None:
        self._keys = platform_keys()
        self._file_name = file_name
        self._by_eph: dict[str, AESGCM] = {}

    def unseal(self, token: str) -> str:
        try:
            eph, body = token[len(SEALED_PREFIX):].split(":", 1)
            aes = self._by_eph.get(eph)
            if aes is None:
                peer = X25519PublicKey.from_public_bytes(_unb64(eph))
                aes = self._by_eph[eph] = AESGCM(_file_key(self._keys.sealing.exchange(peer), self._file_name))
            raw = _unb64(body)
            return aes.decrypt(raw[:12], raw[12:], self._file_name.encode()).decode()
        except (ValueError, InvalidTag, UnicodeDecodeError):
            raise UnsealFailed() from None


class UnsealFailed(Exception):
    """A sealed value does not open with this platform's key for this file (sealed to another platform, or
    moved from another file, or altered). Its text names nothing of the value."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
