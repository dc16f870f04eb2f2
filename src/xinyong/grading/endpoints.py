from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.engine import Engine

from ..auth import Actor
from ..db import session_scope
from ..deps import engine, require_role
from ..responses import JSON
from . import rules, service
from .schemas import GradeIn

router = APIRouter(tags=["grades"])
subject_only = require_role("subject")
organ_only = require_role("administrative")


@router.get("/grading-rules")
def published_rules() -> JSON:
    """The published grading rules (version, date, scale, every line)."""
    return JSON(rules.table().published())


@router.get("/me/grade")
def my_grade(who: Actor = Depends(subject_only), eng: Engine = Depends(engine)) -> JSON:
    """My grade (Art. 23) with every contribution explained."""
    with session_scope(eng) as s:
        return JSON(service.grade(s, subject_id=who.subject_id))


@router.post("/grades")
def grade(body: GradeIn, who: Actor = Depends(organ_only), eng: Engine = Depends(engine)) -> JSON:
    """An organ's officer asks for a subject's grade: an inquiry (Art. 28 purpose), logged before the answer."""
    with session_scope(eng) as s:
        answer, out = service.grade_for_organ(s, actor=who, subject=body.subject, purpose=body.purpose)
    answer.raise_if_denied()  # after the commit: the denial is logged too
    return JSON(out)
