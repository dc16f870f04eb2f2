from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..inquiry import groupcommit
from ..deps import actor, bearer_token, engine, require_role
from ..errors import responses
from ..responses import JSON
from ..schemas import id_path, text_path
from . import service
from .schemas import (AnnouncementIn, ApplicationIn, ApplicationRead, AppliedMeasureRead, CheckIn, CheckRead, MeasureIn,
                      MeasureRead, PublicMeasureRead)

router = APIRouter(tags=["measures"])
supervisor_only = require_role("supervisor")
organ_only = require_role("administrative")
subject_only = require_role("subject")


@router.get("/measures", response_model=list[MeasureRead], responses=responses(401, 403))
def application_list(who: Actor = Depends(actor), eng: Engine = Depends(engine)) -> list[dict]:
    """The published application list (Art. 22); the supervisor sees drafts too."""
    with session_scope(eng) as s:
        return service.application_list(s, include_drafts=who.role == "supervisor")


@router.post("/measures", status_code=201, response_model=MeasureRead, responses=responses(401, 403, 409, 422))
def add(body: MeasureIn, who: Actor = Depends(supervisor_only), eng: Engine = Depends(engine)) -> dict:
    """A draft line of the application list (the supervisor compiles it, Art. 22)."""
    with session_scope(eng) as s:
        m = service.add(s, code=body.code, name=body.name, description=body.measure, kind=body.kind, item=body.item,
                        incident=body.incident, incident_items=body.incident_items,
                        incident_lists=body.incident_lists, targets=body.targets,
                        reaches_responsible=body.reaches_responsible, contexts=body.contexts,
                        implementing_organ=body.implementing_organ, basis_text=body.basis_text,
                        basis_level=body.basis_level, implementing_units=body.implementing_units,
                        implementing_class=body.implementing_class, check_basis=body.check_basis,
                        check_basis_level=body.check_basis_level, actor=who)
        out = service.view(m)
    return out


@router.post("/measures/{measure}/publish", response_model=MeasureRead, responses=responses(401, 403, 404, 409, 422))
def publish(measure: str = text_path("The measure's id or code"), who: Actor = Depends(supervisor_only),
            eng: Engine = Depends(engine)) -> dict:
    """Record the public announcement (Art. 32.2): from today the measure may be applied."""
    with session_scope(eng) as s:
        return service.view(service.publish(s, measure=measure, actor=who))


@router.post("/measures/{measure}/announcement", response_model=MeasureRead,
             responses=responses(401, 403, 404, 409, 422))
def announce(body: AnnouncementIn, measure: str = text_path("The measure's id or code"),
             who: Actor = Depends(supervisor_only), eng: Engine = Depends(engine)) -> dict:
    """Record the supervisor's official announcement (the gazette, 信用上海, a national memorandum; its document
    and date): from that date, while it is published on the application list, the measure counts as announced
    (Art. 22, 32.2)."""
    with session_scope(eng) as s:
        return service.view(service.announce(s, measure=measure, announced_in=body.announced_in,
                                             document=body.document, on=body.announced_on, actor=who))


@router.get("/public/measures", response_model=list[PublicMeasureRead], responses=responses())
def public_application_list(eng: Engine = Depends(engine)) -> list[dict]:
    """The application list as published to everyone, without a token (Art. 22), with each measure's official
    announcement (Art. 32.2)."""
    with session_scope(eng) as s:
        return service.public_application_list(s)


@router.post("/measures/{measure}/withdraw", response_model=MeasureRead, responses=responses(401, 403, 404, 409, 422))
def withdraw(measure: str = text_path("The measure's id or code"), who: Actor = Depends(supervisor_only),
             eng: Engine = Depends(engine)) -> dict:
    with session_scope(eng) as s:
        return service.view(service.withdraw(s, measure=measure, actor=who))


async def answer_check(eng: Engine, token: str, body: CheckIn) -> dict:
    """The answer to ``POST /checks``, for both its doors (the route below and ``xinyong.hotroutes``).

    The authentication, the reads and the decision run in a read-only unit of work (``service.read_check``: on
    PostgreSQL, in a worker thread, the token and a one-subject check's subject in one statement; a
    one-subject check on SQLite on the event loop, as the inquiry's, ``groupcommit.SQLITE_READS_IN_THREAD``); the
    log rows and the check row go to the engine's group-commit writer (``inquiry.groupcommit``), and the answer
    waits for their commit (Art. 34)."""
    def prepare() -> service.PreparedCheck:
        with groupcommit.read_session(eng) as s:
            return service.read_check(s, token=token, subjects_raw=body.subjects, context=body.context,
                                      channel="api")

    if eng.dialect.name == "postgresql" or groupcommit.SQLITE_READS_IN_THREAD or len(body.subjects) != 1:
        prepared = await run_in_threadpool(prepare)
    else:
        prepared = prepare()
    written = await groupcommit.writer_for(eng).write_with(prepared.rows, prepared.events, prepared.extra)
    return prepared.finish(*written)


# Hot path: the answer is a pre-built orjson body; CheckRead documents it (tests hold the body to it). An
# ordinary request is answered by ``xinyong.hotroutes`` with the same function; this route answers the rest.
@router.post("/checks", response_class=JSON,
             responses={200: {"model": CheckRead, "description": "Each subject's measures, with grounds"},
                        **responses(401, 403, 409, 422)})
async def check(body: CheckIn, token: str = Depends(bearer_token), eng: Engine = Depends(engine)) -> JSON:
    """Before a decision: which announced measures apply to these subjects in this context, with basis and
    grounds. Every subject checked is an inquiry, logged with the check before the answer leaves (Art. 34)."""
    return JSON(await answer_check(eng, token, body))


@router.post("/checks/{check_id}/applications", status_code=201, response_model=ApplicationRead,
             responses=responses(401, 403, 404, 409, 422))
def apply(body: ApplicationIn, check_id: int = id_path("The check's id"), who: Actor = Depends(organ_only),
          eng: Engine = Depends(engine)) -> dict:
    """Record that the organ applied a measure the check returned (refused if not announced, Art. 32.2)."""
    with session_scope(eng) as s:
        app = service.apply(s, check_id=check_id, measure=body.measure, subject=body.subject,
                            document=body.document, actor=who)
        out = {"id": app.id, "measure_id": app.measure_id, "check_id": app.check_id, "document": app.document,
               "decided_on": app.decided_on.isoformat(), "grounds": app.grounds}
    return out


@router.get("/me/measures", response_model=list[AppliedMeasureRead], responses=responses(401, 403))
def my_measures(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> list[dict]:
    """The measures applied to me, their basis and their grounds (Art. 32.1)."""
    with session_scope(eng) as s:
        return service.applied_to(s, who.subject_id)
