"""What every portal page shares: the templates, the page language and its words (gettext), who is signed
in (``Viewer``), CSRF tokens, and error pages that name their article.

Pages are thin: a route reads the form, calls the same service the API calls (``xinyong.<domain>.service``),
and renders. Nothing here decides what anyone may see: that is the one visibility decision
(``xinyong.inquiry``), reached through the services.

Sessions (``websession``): a sign-in sets the ``xinyong_session`` cookie (HTTP-only, ``SameSite=Strict``);
``viewer(request)`` finds the session, ends it when idle or old, and authenticates its token again, so a
revoked token ends its sessions at once.

CSRF: every form carries ``csrf_token`` (the macro ``csrf_field()`` in ``portal/_macros.html``); a POST
without the right one is refused (403, Art. 19(1)) by ``check_csrf``. Signed in, the token is the session's;
before sign-in it is the ``xinyong_csrf`` cookie's (double submit; the cookie is ``SameSite=Strict``).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ..auth import Actor
from ..errors import DomainError, Forbidden
from ..law.articles import ArticleRef, to_chinese_numeral
from ..law.errors import LawError
from . import i18n, labels

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
# ``|day``, ``|moment``, ``|amount``, ``|label(domain)``: in the language of the page being rendered
# (``render`` sets ``i18n.LANG`` while it renders)
templates.env.filters.update({
    "day": lambda value: i18n.format_day(value, i18n.LANG.get()),
    "moment": lambda value: i18n.format_moment(value, i18n.LANG.get()),
    "amount": lambda value: i18n.format_amount(value, i18n.LANG.get()),
    "label": lambda code, domain: labels.label(domain, code),
})

SESSION_COOKIE = "xinyong_session"
CSRF_COOKIE = "xinyong_csrf"
CSRF_FIELD = "csrf_token"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600

# Where each kind of signed-in party works.
HOME_OF_ROLE = {"subject": "/me", "operator": "/console", "supervisor": "/oversight"}
UNIT_HOME = "/unit"


def home_of(actor: Actor) -> str:
    return HOME_OF_ROLE.get(actor.role, UNIT_HOME)


# --- language -------------------------------------------------------------------------------------------

def lang(request: Request) -> tuple[str, bool]:
    """The page language, and whether it was chosen in this request (then it is remembered)."""
    asked = request.query_params.get("lang")
    if asked in i18n.LANGS:
        return asked, True
    cookie = request.cookies.get(i18n.COOKIE)
    return (cookie if cookie in i18n.LANGS else i18n.DEFAULT), False


def switch_url(request: Request, page_lang: str, keep: dict[str, str] | None) -> str:
    """The same page in the other language; ``keep`` replaces the query (None: keep it, but ``lang``).
    Never a search query: that is re-posted by the switch (``switch_post``), not put in a URL."""
    other = "en" if page_lang == "zh" else "zh"
    if keep is None:
        params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "q")]
    else:
        params = [(k, v) for k, v in keep.items() if v and k != "q"]
    return f"{request.url.path}?{urlencode([*params, ('lang', other)])}"


# --- who is signed in -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Viewer:
    """A signed-in party: the actor its token names, and its session."""

    actor: Actor
    session_id: int
    csrf: str
    token_id: int
    display: str = ""  # who the header names (websession._display)

    @property
    def home(self) -> str:
        return home_of(self.actor)


def viewer(request: Request) -> Viewer | None:
    """Who is signed in on this request (None: nobody, or the session ended). Cached on the request."""
    if "xinyong_viewer" in request.scope:
        return request.scope["xinyong_viewer"]
    from ..db import session_scope
    from . import websession

    found = None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with session_scope(request.app.state.engine) as session:
            found = websession.resolve(session, cookie)
    request.scope["xinyong_viewer"] = found
    return found


class SignInRequired(Exception):
    """Raised by ``require``: the page answers with a redirect to ``/login`` (``install`` maps it)."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def require(request: Request, *, roles: tuple[str, ...] | None = None, article: str = "Art. 19(2)",
            message: str = "this page is not for the party signed in") -> Viewer:
    """The signed-in viewer, or a redirect to ``/login`` (nobody signed in), or 403 naming ``article`` (a
    party whose role is not among ``roles``; a unit's role is its kind: administrative, judicial, …)."""
    found = viewer(request)
    if found is None:
        raise SignInRequired(request.url.path)
    if roles is not None and found.actor.role not in roles:
        raise Forbidden(message, article=article)
    return found


# --- CSRF -----------------------------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    """The token this request's forms carry (created for a first visit, set as a cookie by ``render``)."""
    found = viewer(request)
    if found is not None:
        return found.csrf
    token = request.cookies.get(CSRF_COOKIE) or request.scope.get("xinyong_new_csrf")
    if not token:
        token = request.scope["xinyong_new_csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form posted without this session's (or this browser's) CSRF token (Art. 19(1))."""
    found = viewer(request)
    expected = found.csrf if found is not None else request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise Forbidden("the form was not sent from this site's page (missing or wrong csrf_token): "
                        "reload the page and send it again", article="Art. 19(1)")


# --- rendering ------------------------------------------------------------------------------------------

def article_info(ref: str, page_lang: str) -> dict[str, Any]:
    """An article reference as a page shows it: its words in the page language and a link to its text."""
    try:
        parsed = ArticleRef.parse(ref)
    except Exception:  # an unknown reference must never hide what it was attached to
        return {"ref": ref, "label": ref, "href": None, "text": ""}
    return {"ref": parsed.canonical, "label": parsed.zh() if page_lang == "zh" else parsed.canonical,
            "href": f"/articles/{parsed.article}", "text": parsed.text(page_lang)}


def worded(message: str | None, page_lang: str) -> tuple[str, str]:
    """A service's (English) message in the page's language where the catalogs word it, with the language it is
    in (``en`` when they do not: the page marks it)."""
    if not message:
        return "", page_lang
    found = i18n.translate_message(message, page_lang)
    return (found, page_lang) if found else (str(message), "en")


def _filters(page_lang: str) -> dict[str, Any]:
    return {
        "label": lambda code, domain: labels.label(domain, code),
        "day": lambda value: i18n.format_day(value, page_lang),
        "moment": lambda value: i18n.format_moment(value, page_lang),
        "amount": lambda value: i18n.format_amount(value, page_lang),
    }


def render(request: Request, name: str, context: dict[str, Any], *, status: int = 200,
           keep: dict[str, str] | None = None) -> HTMLResponse:
    page_lang, chosen = lang(request)
    token = i18n.LANG.set(page_lang)
    try:
        found = viewer(request)
        ctx = {
            "lang": page_lang,
            "switch_url": switch_url(request, page_lang, keep),
            "key_articles": [(n, to_chinese_numeral(n), zh if page_lang == "zh" else en)
                             for n, zh, en in i18n.KEY_ARTICLES],
            "viewer": found,
            "csrf_token": csrf_token(request),
            "article_info": lambda ref: article_info(ref, page_lang),
            "word": lambda message: worded(message, page_lang),
            **_filters(page_lang),
            **context,
        }
        # rendered now, while the page language is set for gettext
        body = templates.get_template(name).render({"request": request, **ctx})
    finally:
        i18n.LANG.reset(token)
    response = HTMLResponse(body, status_code=status)
    response.headers["Cache-Control"] = "no-store" if found is not None else "no-cache"
    if chosen:
        response.set_cookie(i18n.COOKIE, page_lang, max_age=LANG_COOKIE_MAX_AGE, samesite="lax", httponly=True)
    new_csrf = request.scope.get("xinyong_new_csrf")
    if new_csrf:
        response.set_cookie(CSRF_COOKIE, new_csrf, samesite="strict", httponly=True, secure=_secure(request))
    return response


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def redirect(path: str) -> RedirectResponse:
    """After a form: see the result with GET (303), so that a reload does not post it again."""
    return RedirectResponse(path, status_code=303)


def error_page(request: Request, exc: DomainError | LawError) -> HTMLResponse:
    """A refusal or an error as a page: its status, the reason in the page language where it is worded, and
    the article linked to its text."""
    page_lang, _ = lang(request)
    article = None
    if exc.article:
        try:
            ref = ArticleRef.parse(exc.article)
            article = {"ref": ref.canonical, "zh": ref.zh(), "text": ref.text(page_lang), "n": ref.article}
        except Exception:  # an unknown article must never hide the original error
            article = {"ref": exc.article, "zh": exc.article, "text": "", "n": None}
    # the service's own message where the catalogs word it, else the article's worded reason, else as it is
    translated = i18n.translate_message(exc.message, page_lang) if page_lang != "en" else None
    worded = i18n.REASONS.get(article["ref"]) if article and not translated else None
    if translated:
        message, message_lang = translated, page_lang
    elif worded:
        message, message_lang = worded[0 if page_lang == "zh" else 1], page_lang
    else:
        message, message_lang = exc.message, "en"
    return render(request, "portal/error.html",
                  {"status": exc.status, "message": message, "message_lang": message_lang, "article": article},
                  status=exc.status)


def install(app) -> None:
    """Page-level handlers: a page that needs a sign-in redirects to ``/login``, keeping where it was."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired):  # noqa: ARG001
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)


def format_value(value: Any, page_lang: str) -> str:
    """A stored value as people read it (dates as dates, amounts grouped, booleans as words)."""
    if isinstance(value, bool):
        return i18n.gettext("yes") if value else i18n.gettext("no")
    if isinstance(value, datetime):
        return i18n.format_moment(value, page_lang)
    if isinstance(value, date):
        return i18n.format_day(value, page_lang)
    if isinstance(value, (int, float, Decimal)):
        return i18n.format_amount(value, page_lang)
    return "" if value is None else str(value)
