"""A credit report's seal: its digest, the platform's signature over it, and the QR code to check it (Art. 34).

The digest is the SHA-256 of the snapshot's canonical JSON (``audit.canonical``: keys sorted, orjson) — the
same bytes whichever format the report was downloaded in, and whoever recomputes it from the JSON report
(parse it, dump it with sorted keys and no spaces, hash it). The signature is the platform's Ed25519 audit key
(``audit.seal.signing_key``, the key that signs the audit checkpoints; its public half is on /transparency)
over the canonical JSON of ``{"type", "number", "issued_at", "digest", "key_id"}``; Ed25519 is deterministic,
so signing the same report twice gives the same signature.

Both are computed once, at issue, and stored with the report (``credit_report.digest``/``signature``): an
Art. 37 purge rewrites the stored snapshot later (deleted information leaves every copy), and a report shown
to a bank must still be checkable against what was issued — the digest of the snapshot as it now stands is
computed when asked (``current_digest``), and /verify says when the two differ.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import orjson

from ..audit.canonical import canonical_json
from ..errors import DomainError

SEAL_TYPE = "xinyong credit report"


def digest_of(snapshot: dict[str, Any]) -> str:
    """The report's digest, as anyone recomputes it from the JSON report (stored values only: the snapshot
    as the database gives it back, so that issue time and later agree)."""
    stored = orjson.loads(orjson.dumps(snapshot, option=orjson.OPT_NON_STR_KEYS))
    return hashlib.sha256(canonical_json(stored)).hexdigest()


def digest_of_json(data: bytes | str) -> str | None:
    """The digest of a JSON report someone pasted or uploaded; None when it is not a JSON object."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict):
        return None
    return hashlib.sha256(canonical_json(parsed)).hexdigest()


def signed_message(number: str, issued_at: str, digest: str, key_id: str) -> bytes:
    return canonical_json({"type": SEAL_TYPE, "number": number, "issued_at": issued_at, "digest": digest,
                           "key_id": key_id})


def sign(number: str, issued_at: str, digest: str) -> tuple[str | None, str | None]:
    """(signature hex, key id) with the platform's audit key; (None, None) when the platform has no key it
    may use (``XINYONG_AUDIT_KEY_FILE`` names a missing file): the report is issued unsigned, and /verify says
    so, rather than refusing a subject its report."""
    from ..audit import seal as audit_seal

    try:
        key = audit_seal.signing_key(create=True)
    except DomainError:
        return None, None
    kid = audit_seal.key_id(key.public_key())
    return key.sign(signed_message(number, issued_at, digest, kid)).hex(), kid


def signature_valid(number: str, issued_at: str, digest: str | None, signature: str | None,
                    key_id: str | None) -> bool:
    """Whether ``signature`` is the platform's over this report's number, issue time and digest."""
    from cryptography.exceptions import InvalidSignature

    from ..audit import seal as audit_seal

    if not (digest and signature and key_id):
        return False
    try:
        key = audit_seal.verify_key()
    except DomainError:
        return False
    if key is None or audit_seal.key_id(key) != key_id:
        return False
    try:
        key.verify(bytes.fromhex(signature), signed_message(number, issued_at, digest, key_id))
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_path(number: str) -> str:
    return f"/verify/{number}"


def verify_url(base_url: str, number: str, digest: str | None = None) -> str:
    """Where the QR code points: the verify page, with the digest, so that scanning a printed report checks
    it at once (the digest is no personal information: a hash of the whole report)."""
    from ..config import env

    # behind a reverse proxy the request's own address is the internal one: the public address is configured
    public = env("XINYONG_PUBLIC_URL")
    url = (public or base_url).rstrip("/") + verify_path(number)
    return f"{url}?digest={digest}" if digest else url


def qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_inline(scale=3, border=2)


def qr_png(url: str) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=4, border=2)
    return buf.getvalue()


def view(number: str, issued_at: str, digest: str | None, signature: str | None, key_id: str | None,
         base_url: str | None) -> dict[str, Any]:
    """What a rendered report prints of its seal (HTML, PDF): digest, signature, key and where to check it."""
    url = verify_url(base_url or "", number, digest) if base_url else verify_path(number)
    return {"digest": digest, "signature": signature, "key_id": key_id, "verify_url": url,
            "signed": bool(signature)}
