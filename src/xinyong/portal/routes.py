"""The public web portal: server-rendered pages over the same services as the API.

Routes: ``/`` (home and search form), ``POST /search`` (the form: organizations by name or USCC; what
is typed, perhaps a person's ID number, travels only in the body) and ``GET /search`` (the empty
search page: a query in the URL is never read, nor echoed),
``/subjects/{id}`` (a subject's public information: an inquiry by the public, logged),
``/articles/{n}`` (the text of an article), ``/static/…``. Chinese first; ``?lang=en`` switches and
is remembered in a cookie. Subjects travel in URLs only by their surrogate id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from ..db import session_scope
from ..errors import DomainError, NotFound
from ..law.articles import ArticleRef, all_articles, to_chinese_numeral
from ..law.errors import LawError
from . import web
from . import service as portal

HERE = web.HERE
STATIC_DIR = web.STATIC_DIR
templates = web.templates

router = APIRouter(include_in_schema=False)

SEARCH_LIMIT = 20
# the content fields a record's public summary shows (their labels: LABELS["shell_field"])
SUMMARY_FIELDS = ("category", "act_type", "procedure", "severity", "content", "facts", "legal_basis", "cert_name",
                  "licence_no", "valid_from", "valid_until")

# The shared page machinery lives in ``web``; these names stay for the modules that import them from here.
NO_ARTICLE = "the Regulations have no such article"  # worded in shell.po (error_page translates it)

_lang = web.lang
_render = web.render
_error = web.error_page


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return _render(request, "portal/home.html", {"q": ""})


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    """The empty search page. There is no search by URL: a query string (``?q=``, perhaps a person's ID
    number, already in the access log) is neither read nor echoed."""
    return _render(request, "portal/search.html", {"q": "", "personal_id": False, "results": []}, keep={})


@router.post("/search", response_class=HTMLResponse)
def search_form(request: Request, q: str = Form(""), csrf_token: str = Form("")) -> HTMLResponse:
    """The search form posts here, so that what is typed (perhaps an ID number) stays out of URLs."""
    try:
        web.check_csrf(request, csrf_token)
    except DomainError as exc:
        return _error(request, exc)
    return _search_page(request, q)


def _search_page(request: Request, q: str) -> HTMLResponse:
    query = portal.normalise_query(q)
    if portal.looks_like_personal_id(query):
        # Natural persons are not shown to the public (Art. 6.2): no search, and no echo of the number.
        return _render(request, "portal/search.html", {"q": "", "personal_id": True, "results": []}, keep={})
    results: list[dict[str, Any]] = []
    if query:
        with session_scope(request.app.state.engine) as session:
            results = portal.search(session, query, limit=SEARCH_LIMIT + 1)
    return _render(request, "portal/search.html", {
        "q": query, "results": results[:SEARCH_LIMIT], "more": len(results) > SEARCH_LIMIT,
        "limit": SEARCH_LIMIT, "personal_id": False,
        # the language switch posts the query again (in the body) rather than linking to it
        "switch_post": {"q": query} if query else None,
    }, keep={})


@router.get("/subjects/{subject_id}", response_class=HTMLResponse)
def subject(request: Request, subject_id: str) -> HTMLResponse:
    try:
        if not subject_id.isdigit() or len(subject_id) > 18:
            raise NotFound("no such information subject", field="subject")
        # The inquiry log entry is committed with the scope, before anything is shown or refused.
        with session_scope(request.app.state.engine) as session:
            page = portal.subject_page(session, int(subject_id))
        page.answer.raise_if_denied()
    except (DomainError, LawError) as exc:
        return _error(request, exc)
    records = [_record(r) for r in page.records]
    return _render(request, "portal/subject.html", {"subject": page.answer.subject, "records": records})


def _record(r: dict[str, Any]) -> dict[str, Any]:
    content = r.get("content") or {}
    summary = [(key, str(content[key])) for key in SUMMARY_FIELDS if content.get(key)]
    return {**r, "summary": summary}


@router.get("/articles/{n}", response_class=HTMLResponse)
def article(request: Request, n: str) -> HTMLResponse:
    try:
        if not n.isdigit() or len(n) > 3:
            raise NotFound(NO_ARTICLE)
        try:
            ref = ArticleRef(int(n))
        except LawError:
            raise NotFound(NO_ARTICLE) from None
    except DomainError as exc:
        return _error(request, exc)
    return _render(request, "portal/article.html", {
        "n": ref.article, "n_zh": to_chinese_numeral(ref.article),
        "text_zh": ref.text("zh"), "text_en": ref.text("en"), "article_count": len(all_articles()),
    })
