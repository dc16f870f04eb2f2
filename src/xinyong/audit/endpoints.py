"""The latest signed checkpoint of the audit log, published without a token (Art. 20(2)).

Anyone may keep a copy: the platform cannot later cut its log's tail, rewrite it, or fork it without
``xinyong audit verify --against <the copy>`` (or the same checks by hand) showing it. The response
holds the signed document exactly as exported (``document``, byte for byte ``checkpoint-<seq>.json``),
the same parsed (``checkpoint``), and the public key it verifies with (PEM).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.engine import Engine

from ..db import session_scope
from ..deps import engine as engine_dep
from ..errors import NotFound, responses
from . import seal as sealing
from .schemas import CheckpointRead, PublishedCheckpointRead

router = APIRouter(prefix="/public", tags=["public"])


def published(engine: Engine) -> dict[str, Any]:
    """The latest checkpoint as published: document, parsed checkpoint, public key and how to verify."""
    with session_scope(engine) as s:
        last = sealing.latest(s)
        document = None if last is None else last.document
    if document is None:
        raise NotFound("the audit log has no signed checkpoint yet (`xinyong audit seal`)")
    pem = sealing.public_pem()
    doc = orjson.loads(document)
    return {
        "checkpoint": doc,
        "document": document,
        "file_name": sealing.file_name(doc["seq"]),
        "public_key": pem,
        "key_id": doc.get("key_id"),
        "signature_valid": sealing.signature_ok(doc, sealing.verify_key()),
        "verify": "save `document` as checkpoint.json and run `xinyong audit verify --against checkpoint.json` "
                  "on the platform; or check by hand: Ed25519 signature over the canonical JSON (sorted keys, "
                  "no spaces) of the document without `signature`, with `public_key`",
    }


@router.get("/checkpoint", summary="The latest signed checkpoint of the audit log, and the public key",
            response_model=PublishedCheckpointRead, responses=responses(404))
def checkpoint(engine: Engine = Depends(engine_dep)) -> dict[str, Any]:
    return published(engine)


@router.get("/checkpoint/document", summary="The latest checkpoint exactly as exported (checkpoint-<seq>.json)",
            response_class=Response,
            responses={200: {"model": CheckpointRead, "description": "checkpoint-<seq>.json, byte for byte"},
                       **responses(404)})
def checkpoint_document(engine: Engine = Depends(engine_dep)) -> Response:
    pub = published(engine)
    return Response(pub["document"], media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{pub["file_name"]}"'})
