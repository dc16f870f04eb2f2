from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import engine, require_role
from ..errors import responses
from ..schemas import id_path
from . import service
from .schemas import ContactIn, ContactRead, NoticeRead

router = APIRouter(tags=["notices"])
subject_only = require_role("subject")
NoticeId = id_path("The letter's id")


@router.get("/me/notices", response_model=list[NoticeRead], responses=responses(401, 403))
def mine(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> list[dict]:
    """The subject's letters, newest first (Art. 32.1, 36, 37, 38)."""
    with session_scope(eng) as s:
        return service.inbox(s, who.subject_id)


@router.get("/me/notices/{notice_id}", response_model=NoticeRead, responses=responses(401, 403, 404, 422))
def letter(notice_id: int = NoticeId, who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> dict:
    """One letter, marked read."""
    with session_scope(eng) as s:
        return service.open_letter(s, subject_id=who.subject_id, notice_id=notice_id)


@router.put("/me/contact", response_model=ContactRead, responses=responses(401, 403, 404, 422))
def contact(body: ContactIn, who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> dict:
    """The e-mail address to announce letters to (each mail says only that a letter waits); empty withdraws it."""
    with session_scope(eng) as s:
        return service.set_contact(s, actor=who, address=body.address)
