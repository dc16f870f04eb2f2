"""Another platform played by a test: its own keys, and exports of its own, signed and sealed as a platform's are."""

from __future__ import annotations

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from xinyong.exchange import keys

_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


class Peer:
    def __init__(self, seed: int = 7) -> None:
        self._signing = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
        self._sealing = X25519PrivateKey.from_private_bytes(bytes([seed + 1]) * 32)
        self.verify_key = keys._b64(self._signing.public_key().public_bytes(*_RAW))
        self.seal_key = keys._b64(self._sealing.public_key().public_bytes(*_RAW))

    def bundle(self, recipient_seal_key: str, files: dict[str, list[dict]], *, export_id: int = 1,
               since: str = "r0.a0", watermark: str = "r1.a0") -> tuple[bytes, str, dict[str, bytes]]:
        """An export of this peer's: (manifest bytes, signature, files). A value given as ``("seal", text)`` is
        sealed to the recipient."""
        data = {}
        for name, rows in files.items():
            sealer = keys.Sealer(recipient_seal_key, name)
            lines = [orjson.dumps({k: sealer.seal(v[1]) if isinstance(v, tuple) else v for k, v in row.items()})
                     for row in rows]
            data[name] = b"".join(line + b"\n" for line in lines)
        manifest = {"format": "xinyong-exchange/1", "export_id": export_id,
                    "sender": {"verify_key": self.verify_key, "seal_key": self.seal_key},
                    "recipient": {"seal_key": recipient_seal_key}, "since": since, "watermark": watermark,
                    "files": [{"name": n, "rows": len(files[n]), "sha256": keys.digest(d)} for n, d in data.items()],
                    "counts": {n: len(files[n]) for n in data}}
        body = orjson.dumps(manifest)
        return body, keys._b64(self._signing.sign(body)), data
