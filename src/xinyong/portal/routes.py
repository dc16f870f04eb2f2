"""The public web portal: server-rendered pages over the same services as the API.

Routes: ``/`` (home and search form), ``POST /search`` (the form: organizations by name or USCC; what
is typed, perhaps a person's ID number, travels only in the body) and ``GET /search`` (the empty
search page: a query in the URL is never read, nor echoed),
``/subjects/{id}`` (a subject's public information: an inquiry by the public, logged),
``/articles/{n}`` (the text of an article), ``/static/…``. Chinese first; ``?lang=en`` switches and
is remembered in a cookie. Subjects travel in URLs only by their surrogate id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..db import session_scope
from ..errors import DomainError, NotFound
from ..law.articles import ArticleRef, all_articles, to_chinese_numeral
from ..law.errors import LawError
from . import i18n
from . import service as portal

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))

router = APIRouter(include_in_schema=False)

SEARCH_LIMIT = 20
SUMMARY_FIELDS = ("category", "act_type", "content", "facts", "legal_basis", "cert_name", "licence_no",
                  "valid_from", "valid_until")
COOKIE_MAX_AGE = 365 * 24 * 3600


def _lang(request: Request) -> tuple[str, bool]:
    """The page language, and whether it was chosen in this request (then it is remembered)."""
    asked = request.query_params.get("lang")
    if asked in i18n.LANGS:
        return asked, True
    cookie = request.cookies.get(i18n.COOKIE)
    return (cookie if cookie in i18n.LANGS else i18n.DEFAULT), False


def _switch_url(request: Request, lang: str, keep: dict[str, str] | None) -> str:
    """The same page in the other language; ``keep`` replaces the query (None: keep it, but ``lang``).
    Never a search query: that is re-posted by the switch (``switch_post``), not put in a URL."""
    other = "en" if lang == "zh" else "zh"
    if keep is None:
        params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "q")]
    else:
        params = [(k, v) for k, v in keep.items() if v and k != "q"]
    return f"{request.url.path}?{urlencode([*params, ('lang', other)])}"


def _render(request: Request, name: str, context: dict[str, Any], *, status: int = 200,
            keep: dict[str, str] | None = None) -> HTMLResponse:
    lang, chosen = _lang(request)
    ctx = {
        "lang": lang,
        "t": i18n.translator(lang),
        "switch_url": _switch_url(request, lang, keep),
        "key_articles": [(n, to_chinese_numeral(n), zh if lang == "zh" else en)
                         for n, zh, en in i18n.KEY_ARTICLES],
        **context,
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    if chosen:
        response.set_cookie(i18n.COOKIE, lang, max_age=COOKIE_MAX_AGE, samesite="lax", httponly=True)
    return response


def _error(request: Request, exc: DomainError | LawError) -> HTMLResponse:
    lang, _ = _lang(request)
    article = None
    if exc.article:
        try:
            ref = ArticleRef.parse(exc.article)
            article = {"ref": ref.canonical, "zh": ref.zh(), "text": ref.text(lang), "n": ref.article}
        except Exception:  # an unknown article must never hide the original error
            article = {"ref": exc.article, "zh": exc.article, "text": "", "n": None}
    worded = i18n.REASONS.get(article["ref"]) if article else None
    message = worded[0 if lang == "zh" else 1] if worded else exc.message
    return _render(request, "portal/error.html",
                   {"status": exc.status, "message": message, "message_lang": lang if worded else "en",
                    "article": article}, status=exc.status)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return _render(request, "portal/home.html", {"q": ""})


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    """The empty search page. There is no search by URL: a query string (``?q=``, perhaps a person's ID
    number, already in the access log) is neither read nor echoed."""
    return _render(request, "portal/search.html", {"q": "", "personal_id": False, "results": []}, keep={})


@router.post("/search", response_class=HTMLResponse)
def search_form(request: Request, q: str = Form("")) -> HTMLResponse:
    """The search form posts here, so that what is typed (perhaps an ID number) stays out of URLs."""
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
            raise NotFound(f"no article {n!r}")
        try:
            ref = ArticleRef(int(n))
        except LawError as exc:
            raise NotFound(str(exc)) from None
    except DomainError as exc:
        return _error(request, exc)
    return _render(request, "portal/article.html", {
        "n": ref.article, "n_zh": to_chinese_numeral(ref.article),
        "text_zh": ref.text("zh"), "text_en": ref.text("en"), "article_count": len(all_articles()),
    })
