"""Read-only HTTP endpoints of the law kernel (mounted under /api/v1 by ``xinyong.api``).

The kernel imports nothing of the platform: authentication (and the 401/403/429 it documents) is added
where the router is mounted, and LawError is rendered by the application's error handler (the
``{"error", "message", "article", "article_text"}`` body). Every path here answers 404 for what does not
exist and 422 for what does not parse — never a 500.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from .articles import ArticleRef, all_articles, from_chinese_numeral
from .errors import LawError, UnknownArticle
from .parameters import all_parameters, parameter
from .periods import _MAX_SPAN_PER_DAY, add_working_days
from .periods import deadline as compute_deadline

router = APIRouter(prefix="/law", tags=["law"])


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error statuses a route answers; ``xinyong.api`` gives them the platform's error body (the kernel
    imports nothing of the platform)."""
    text = {404: "Not found", 409: "The law cannot answer (a parameter not in force, a calendar year not known)",
            422: "Invalid input"}
    return {c: {"description": text[c]} for c in codes}


class _Read(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArticleSummaryRead(_Read):
    article: str = Field(..., description="e.g. 'Art. 36'")
    zh: str = Field(..., description="e.g. 第三十六条")


class ArticleRead(_Read):
    article: str = Field(..., description="The canonical reference, e.g. 'Art. 36.2(1)'")
    zh: str
    lang: str
    text: str


class ParameterValueRead(_Read):
    value: Any
    since: date
    until: date | None
    source: str


class ParameterRead(_Read):
    name: str
    description: str
    unit: str
    article: str
    source: str
    values: list[ParameterValueRead]


class ParameterOnRead(_Read):
    name: str
    on: date
    value: Any
    article: str
    since: date
    until: date | None
    source: str


class DueRead(_Read):
    start: date
    n: int
    due: date


class DeadlineRead(_Read):
    due: date
    basis_parameter: str
    value: int
    article: str
    start: date


class _NotFound(LawError):
    code = "unknown_article"
    status = 404


class _UnknownParameter(LawError):
    code = "unknown_parameter"
    status = 404


class _Invalid(LawError):
    code = "invalid_input"
    status = 422


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _article(ref: str) -> ArticleRef:
    """``ref`` parsed and checked: 422 when it is no reference at all, 404 when it names a part of the
    regulation that does not exist (naming the enclosing article, where that one exists)."""
    try:
        return ArticleRef.parse(ref)
    except UnknownArticle as exc:
        if exc.message.startswith("not an article reference"):
            raise _Invalid("not an article reference (expected e.g. 'Art. 36.2(1)' or '第三十六条第二款第（一）项')",
                           ) from None
        whole = _enclosing(ref)
        raise _NotFound(exc.message, article=whole.canonical if whole else None) from None
    except ValueError:  # a Chinese numeral that is no number (第零条)
        raise _Invalid("not an article reference: the article number is not a positive number") from None


_EN_ARTICLE_NO = re.compile(r"^\s*(?:Art(?:icle)?\.?\s*)?(\d+)", re.IGNORECASE)
_ZH_ARTICLE_NO = re.compile(r"^\s*第([一二三四五六七八九十百零〇]+)条")


def _enclosing(ref: str) -> ArticleRef | None:
    """The whole article a reference to a missing paragraph or item lies in, when that article exists."""
    try:
        if m := _EN_ARTICLE_NO.match(ref):
            return ArticleRef(int(m.group(1)))
        if m := _ZH_ARTICLE_NO.match(ref):
            return ArticleRef(from_chinese_numeral(m.group(1)))
    except (UnknownArticle, ValueError):
        pass
    return None


def _parameter(name: str):
    if name not in {p.name for p in all_parameters()}:
        raise _UnknownParameter(f"no legal parameter {name!r} (GET /api/v1/law/parameters lists them)")
    return parameter(name)


@router.get("/articles", response_model=list[ArticleSummaryRead])
def list_articles() -> list[dict[str, str]]:
    """Every article of the regulation, with its Chinese reference."""
    return [{"article": a.canonical, "zh": a.zh()} for a in all_articles()]


@router.get("/articles/{ref}", response_model=ArticleRead, responses=_responses(404, 422))
def get_article(ref: Annotated[str, Path(max_length=64, description="'Art. 36.2(1)' or '第三十六条第二款第（一）项'")],
                lang: str = Query("zh", pattern="^(zh|en)$")) -> dict[str, Any]:
    """The text of an article, paragraph or item (``Art. 36.2(1)`` or ``第三十六条第二款第（一）项``): 404 when the
    regulation has no such article, paragraph or item, 422 when ``ref`` is not a reference."""
    article = _article(ref)
    return {"article": article.canonical, "zh": article.zh(), "lang": lang, "text": article.text(lang)}


@router.get("/parameters", response_model=list[ParameterRead])
def list_parameters() -> list[dict[str, Any]]:
    """Every legal parameter with its dated values and sources."""
    return [
        {
            "name": p.name,
            "description": p.description,
            "unit": p.unit,
            "article": p.article.canonical,
            "source": p.source,
            "values": [
                {
                    "value": _jsonable(v.value),
                    "since": v.since.isoformat(),
                    "until": v.until.isoformat() if v.until else None,
                    "source": v.source,
                }
                for v in p.values
            ],
        }
        for p in all_parameters()
    ]


@router.get("/parameters/{name}", response_model=ParameterOnRead, responses=_responses(404, 409, 422))
def get_parameter(name: Annotated[str, Path(max_length=128)], on: date) -> dict[str, Any]:
    """The value of a parameter in force on a day (409 parameter_not_in_force when none holds)."""
    pv = _parameter(name).at(on)
    return {
        "name": name,
        "on": on.isoformat(),
        "value": _jsonable(pv.value),
        "article": pv.article.canonical,
        "since": pv.since.isoformat(),
        "until": pv.until.isoformat() if pv.until else None,
        "source": pv.source,
    }


def _countable(start: date, n: int) -> None:
    """A count that would run past the calendar's last day (9999-12-31) is refused, not overflowed."""
    if date.max - start < timedelta(days=n * _MAX_SPAN_PER_DAY):
        raise _Invalid(f"{n} working days after {start.isoformat()} run past the end of the calendar",
                       article=None)


@router.get("/due", response_model=DueRead, responses=_responses(409, 422))
def due(start: date, n: int = Query(..., ge=1, le=366)) -> dict[str, Any]:
    """The n-th working day strictly after ``start`` (409 unknown_calendar_year when unknown)."""
    _countable(start, n)
    return {"start": start.isoformat(), "n": n, "due": add_working_days(start, n).isoformat()}


@router.get("/deadlines/{name}", response_model=DeadlineRead, responses=_responses(404, 409, 422))
def get_deadline(name: Annotated[str, Path(max_length=128)], start: date) -> dict[str, Any]:
    """A working-day deadline computed from a parameter, with its basis (404 for an unknown parameter, 422 for
    one that is not a number of working days)."""
    param = _parameter(name)
    if param.unit != "working_days":
        raise _Invalid(f"parameter {name} is in {param.unit}, not working days", article=param.article.canonical)
    for pv in param.values:
        if pv.holds_on(start) and isinstance(pv.value, int):
            _countable(start, pv.value)
    return compute_deadline(name, start).as_dict()
