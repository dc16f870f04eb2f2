from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import PROVIDER_KINDS, Actor
from ..clock import today
from ..db import session_scope
from .. import tokens
from ..deps import bearer_token, engine, require_role
from ..errors import InvalidInput
from ..responses import JSON
from . import authorizations, service
from .schemas import AuthorizationIn, FindIn, InquiryIn

router = APIRouter(tags=["inquiries"])


@router.post("/inquiries")
async def inquire(body: InquiryIn, token: str = Depends(bearer_token), eng: Engine = Depends(engine)) -> JSON:
    """Inquire about a subject (in the body). Logged, allowed or denied, before the answer leaves.

    Hot path: authentication, decision, answer and log in one unit of work, run on the event loop
    (a short database call; the threadpool costs more than it saves here).
    """
    with session_scope(eng) as s:
        who = tokens.authenticate(s, token)
        subject_id = None
        if body.subject is None:
            if who.subject_id is None:
                raise InvalidInput("name the subject", field="subject")
            subject_id = who.subject_id
        answer = service.inquire(s, actor=who, subject=body.subject, subject_id=subject_id,
                                 purpose=body.purpose, case_no=body.case_no, channel="api")
    answer.raise_if_denied()  # after the commit: the denial is logged too
    return JSON(answer.as_dict())


subject_only = require_role("subject")


@router.get("/me/inquiries")
def my_inquiries(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> JSON:
    """Who inquired about me, when, for what purpose, under which authorization (Art. 34)."""
    with session_scope(eng) as s:
        return JSON(service.inquiries_about(s, who.subject_id))


@router.get("/me/authorizations")
def my_authorizations(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> JSON:
    with session_scope(eng) as s:
        return JSON(authorizations.of_subject(s, who.subject_id))


@router.post("/me/authorizations", status_code=201)
def grant(body: AuthorizationIn, who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> JSON:
    """Give a unit written authorization to inquire into my non-public information (Art. 17.3)."""
    with session_scope(eng) as s:
        auth = authorizations.grant(
            s, subject_id=who.subject_id, unit_uscc=body.unit_uscc, items=body.items, purpose=body.purpose,
            valid_from=body.valid_from or today(), valid_until=body.valid_until, document=body.document,
            actor=who)
        info = next(a for a in authorizations.of_subject(s, who.subject_id) if a["id"] == auth.id)
    return JSON(info, status_code=201)


@router.delete("/me/authorizations/{authorization_id}")
def withdraw(authorization_id: int, who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> JSON:
    with session_scope(eng) as s:
        authorizations.withdraw(s, authorization_id=authorization_id, reason="", actor=who)
    return JSON({"id": authorization_id, "withdrawn": True})


@router.post("/records/find", tags=["records"])
def find_records(body: FindIn, who: Actor = Depends(require_role(*PROVIDER_KINDS)),
                 eng: Engine = Depends(engine)) -> JSON:
    """The provider's own records by their identity (item, document number, subject in the body): answered the
    same way whether or not the platform knows the subject, and logged as an inquiry (Art. 11, 34)."""
    with session_scope(eng) as s:
        ids = service.find_own_records(s, actor=who, subject=body.subject, item_code=body.catalog_item,
                                       doc_no=body.doc_no, channel="api")
    return JSON({"record_ids": ids})
