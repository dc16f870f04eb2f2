"""Read-only HTTP endpoints of the law kernel (mounted under /api/v1 by ``xinyong.api``).

The kernel imports nothing of the platform: authentication is added where the router is mounted,
and LawError is rendered by the application's error handler (``error [Art. …]`` body).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query

from .articles import ArticleRef, all_articles
from .parameters import all_parameters, parameter
from .periods import add_working_days
from .periods import deadline as compute_deadline

router = APIRouter(prefix="/law", tags=["law"])


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


@router.get("/articles")
def list_articles() -> list[dict[str, str]]:
    """Every article of the regulation, with its Chinese reference."""
    return [{"article": a.canonical, "zh": a.zh()} for a in all_articles()]


@router.get("/articles/{ref}")
def get_article(ref: str, lang: str = Query("zh", pattern="^(zh|en)$")) -> dict[str, Any]:
    """The text of an article, paragraph or item (``Art. 36.2(1)`` or ``第三十六条第二款第（一）项``)."""
    article = ArticleRef.parse(ref)
    return {"article": article.canonical, "zh": article.zh(), "lang": lang, "text": article.text(lang)}


@router.get("/parameters")
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


@router.get("/parameters/{name}")
def get_parameter(name: str, on: date) -> dict[str, Any]:
    """The value of a parameter in force on a day (409 parameter_not_in_force when none holds)."""
    pv = parameter(name).at(on)
    return {
        "name": name,
        "on": on.isoformat(),
        "value": _jsonable(pv.value),
        "article": pv.article.canonical,
        "since": pv.since.isoformat(),
        "until": pv.until.isoformat() if pv.until else None,
        "source": pv.source,
    }


@router.get("/due")
def due(start: date, n: int = Query(..., ge=1, le=366)) -> dict[str, Any]:
    """The n-th working day strictly after ``start`` (409 unknown_calendar_year when unknown)."""
    return {"start": start.isoformat(), "n": n, "due": add_working_days(start, n).isoformat()}


@router.get("/deadlines/{name}")
def get_deadline(name: str, start: date) -> dict[str, Any]:
    """A working-day deadline computed from a parameter, with its basis."""
    return compute_deadline(name, start).as_dict()
