from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import PROVIDER_KINDS, Actor
from ..clock import today
from ..db import session_scope
from ..deps import bearer_token, engine, require_role
from ..errors import responses
from ..schemas import id_path
from ..responses import JSON
from . import authorizations, groupcommit, service
from .schemas import (AuthorizationIn, AuthorizationRead, AuthorizationWithdrawnRead, FindIn, FoundRecordsRead,
                      InquiryIn, InquiryLogRead, InquiryRead)

router = APIRouter(tags=["inquiries"])


async def answer_inquiry(eng: Engine, token: str, body: InquiryIn) -> dict:
    """The answer to ``POST /inquiries``, for both its doors (the route below and ``xinyong.hotroutes``).

    The reads and the decision in a read-only unit of work (PostgreSQL: one statement, one round trip, in a worker
    thread), then the log rows go to the engine's group-commit writer and the answer waits for their commit
    (Art. 34; ``groupcommit``)."""
    def read() -> groupcommit.DecidedInquiry:
        return groupcommit.read_inquiry(eng, token=token, subject=body.subject, purpose=body.purpose,
                                        case_no=body.case_no, channel="api")

    if eng.dialect.name == "postgresql" or groupcommit.SQLITE_READS_IN_THREAD:
        decided = await anyio.to_thread.run_sync(read)
    else:
        decided = read()
    answer = decided.answer
    [answer.inquiry_id] = await groupcommit.writer_for(eng).write(decided.rows, decided.events)
    answer.raise_if_denied()  # after the commit: the denial is logged too
    return answer.as_dict()


# Hot path: the answer is a pre-built orjson body; InquiryRead documents it (tests hold the body to it). An
# ordinary request (a bearer token, a JSON body the model accepts) is answered by ``xinyong.hotroutes`` with
# the same function, before FastAPI's routing; this route answers the rest and documents both.
@router.post("/inquiries", response_class=JSON,
             responses={200: {"model": InquiryRead, "description": "The answer (allowed)"},
                        **responses(401, 403, 404, 409, 422)})
async def inquire(body: InquiryIn, token: str = Depends(bearer_token), eng: Engine = Depends(engine)) -> JSON:
    """Inquire about a subject (in the body). Logged, allowed or denied, before the answer leaves."""
    return JSON(await answer_inquiry(eng, token, body))


subject_only = require_role("subject")


@router.get("/me/inquiries", response_model=list[InquiryLogRead], responses=responses(401, 403))
def my_inquiries(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> JSON:
    """Who inquired about me, when, for what purpose, under which authorization (Art. 34)."""
    with session_scope(eng) as s:
        return service.inquiries_about(s, who.subject_id)


@router.get("/me/authorizations", response_model=list[AuthorizationRead], responses=responses(401, 403))
def my_authorizations(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> list[dict]:
    with session_scope(eng) as s:
        return authorizations.of_subject(s, who.subject_id)


@router.post("/me/authorizations", status_code=201, response_model=AuthorizationRead,
             responses=responses(401, 403, 404, 409, 422))
def grant(body: AuthorizationIn, who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> dict:
    """Give a unit written authorization to inquire into my non-public information (Art. 17.3)."""
    with session_scope(eng) as s:
        auth = authorizations.grant(
            s, subject_id=who.subject_id, unit_uscc=body.unit_uscc, items=body.items, purpose=body.purpose,
            valid_from=body.valid_from or today(), valid_until=body.valid_until, document=body.document,
            actor=who, form=body.form, restricted_kinds=body.restricted_kinds,
            adverse_consequences_told=body.adverse_consequences_told, notice_version=body.notice_version)
        info = next(a for a in authorizations.of_subject(s, who.subject_id) if a["id"] == auth.id)
    return info


@router.delete("/me/authorizations/{authorization_id}", response_model=AuthorizationWithdrawnRead,
               responses=responses(401, 403, 404, 409, 422))
def withdraw(authorization_id: int = id_path("The authorization's id"), who: Actor = Depends(subject_only),
             eng: Engine = Depends(engine)) -> dict:
    with session_scope(eng) as s:
        authorizations.withdraw(s, authorization_id=authorization_id, reason="", actor=who)
    return {"id": authorization_id, "withdrawn": True}


@router.post("/records/find", tags=["records"], response_model=FoundRecordsRead,
             responses=responses(401, 403, 404, 422))
def find_records(body: FindIn, who: Actor = Depends(require_role(*PROVIDER_KINDS)),
                 eng: Engine = Depends(engine)) -> dict:
    """The provider's own records by their identity (item, document number, subject in the body): answered the
    same way whether or not the platform knows the subject, and logged as an inquiry (Art. 11, 34)."""
    with session_scope(eng) as s:
        ids = service.find_own_records(s, actor=who, subject=body.subject, item_code=body.catalog_item,
                                       doc_no=body.doc_no, channel="api")
    return {"record_ids": ids}
