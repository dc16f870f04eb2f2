from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import engine, require_role
from ..errors import responses
from ..responses import JSON
from . import rules, service
from .schemas import GradeIn, GradeRead, GradingRulesRead

router = APIRouter(tags=["grades"])
subject_only = require_role("subject")
organ_only = require_role("administrative")


@router.get("/grading-rules", response_class=JSON,
            responses={200: {"model": GradingRulesRead, "description": "The published rules"}})
def published_rules() -> JSON:
    """The published grading rules (version, date, scale, every line)."""
    return JSON(rules.table().published())


# Hot paths: pre-built orjson bodies, documented by GradeRead (tests hold the bodies to it).
@router.get("/me/grade", response_class=JSON,
            responses={200: {"model": GradeRead, "description": "My grade"}, **responses(401, 403, 404, 422)})
def my_grade(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> JSON:
    """My grade (Art. 23) with every contribution explained."""
    with session_scope(eng) as s:
        return JSON(service.grade(s, subject_id=who.subject_id))


@router.post("/grades", response_class=JSON,
             responses={200: {"model": GradeRead, "description": "The grade, counting what the organ may see"},
                        **responses(401, 403, 404, 409, 422)})
def grade(body: GradeIn, who: Actor = Depends(organ_only), eng: Engine = Depends(engine)) -> JSON:
    """An organ's officer asks for a subject's grade: an inquiry (Art. 28 purpose), logged before the answer."""
    with session_scope(eng) as s:
        answer, out = service.grade_for_organ(s, actor=who, subject=body.subject, purpose=body.purpose)
    answer.raise_if_denied()  # after the commit: the denial is logged too
    return JSON(out)
