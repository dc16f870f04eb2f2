"""The portal's words, Chinese first and English.

Pages and code say ``_("English text")`` (gettext): the English is the message id, and the Chinese comes from
the catalogs ``locale/zh/LC_MESSAGES/*.po`` (Babel's format; one file per area of the portal, merged when
first used; ``tests/portal/test_translations.py`` extracts every message from the templates and the code and
holds each to a translation).
Dates, moments and amounts are formatted with Babel's CLDR data, in Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

LANGS = ("zh", "en")
DEFAULT = "zh"
COOKIE = "xinyong_lang"

# The articles the home page links to, with a short title for each (English message ids; the Chinese is
# in ``shell.po``). ``KEY_ARTICLES`` yields ``(n, Chinese title, English title)`` when iterated.
KEY_ARTICLE_TITLES: tuple[tuple[int, str], ...] = (
    (15, "Disclosure and public display of public credit information"),
    (17, "Who may inquire, and the limits"),
    (18, "Inquiry windows and convenient inquiry services"),
    (34, "The subject's right to know, and credit reports"),
    (35, "The inquiry period of untrustworthiness information (5 years)"),
    (36, "Handling objections"),
    (37, "Deletion after revocation"),
    (38, "Credit restoration"),
)


class _KeyArticles:
    """``(n, zh, en)`` for each key article, the Chinese read from the catalogs when iterated."""

    def __iter__(self):
        zh = catalog("zh")
        return iter([(n, zh.get(en, en), en) for n, en in KEY_ARTICLE_TITLES])

    def __len__(self) -> int:
        return len(KEY_ARTICLE_TITLES)


KEY_ARTICLES = _KeyArticles()


# Refusals the public meets, worded for the page (the service's own message is English): article → the
# English message id (its Chinese in ``shell.po``). ``REASONS[ref]`` gives ``(Chinese, English)``.
REASON_MESSAGES: dict[str, str] = {
    "Art. 6.1": "Natural persons' credit information is not shown to the public (platform policy under Art. 6.1: "
                "lawful and necessary).",
    "Art. 19(1)": "Too many searches and pages from your address: please try again later (the platform's "
                  "information security mechanism under Art. 19(1)).",
}


class _Reasons(Mapping):
    """article → ``(Chinese, English)`` of its public wording, the Chinese read from the catalogs."""

    def __getitem__(self, ref: str) -> tuple[str, str]:
        message = REASON_MESSAGES[ref]
        return catalog("zh").get(message, message), message

    def __iter__(self):
        return iter(REASON_MESSAGES)

    def __len__(self) -> int:
        return len(REASON_MESSAGES)


REASONS = _Reasons()


def reason(ref: str | None) -> str | None:
    """The public wording of a refusal under ``ref`` in the page language (gettext), or None."""
    message = REASON_MESSAGES.get(ref or "")
    return gettext(message) if message else None


# --- gettext over the .po catalogs ---------------------------------------------------------------------

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANG: ContextVar[str] = ContextVar("xinyong_portal_lang", default=DEFAULT)
BABEL_LOCALE = {"zh": "zh_Hans_CN", "en": "en_GB"}


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """message id → translation, from every ``.po`` file of the language (English: the ids themselves)."""
    from babel.messages.pofile import read_po

    found: dict[str, str] = {}
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")) if folder.is_dir() else ():
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string and not message.fuzzy:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    text = message.string if isinstance(message.string, str) else message.string[0]
                    found[key] = text
                    if not isinstance(message.id, str):  # plural: keep the plural form's id too
                        plural = message.string if isinstance(message.string, str) else message.string[-1]
                        found[message.id[1]] = plural
    return found


def gettext(message: str, **variables) -> str:
    text = catalog(LANG.get()).get(message, message) if LANG.get() != "en" else message
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    chosen = singular if n == 1 else plural
    text = catalog(LANG.get()).get(chosen, chosen) if LANG.get() != "en" else chosen
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def translate_message(message: str, lang: str) -> str | None:
    """A service's (English) message in the page language, where the catalogs word it; else None.

    A message built with values (``errors.msg``) is looked up by its template and the translation filled with
    its values; a value that is itself a message (such a message, or a sentence the catalogs word) is translated
    too. Single words stay as they are (a state or a kind is a code the API and the forms use, shown as it is)."""
    if lang == "en":
        return message
    words = catalog(lang)
    template = getattr(message, "template", None)
    if template is None:
        return words.get(message)
    found = words.get(template) or (_JOINED.get(lang, lambda t: t)(template) if _only_placeholders(template) else None)
    if not found:
        return None
    params = {name: _translated_value(value, lang) for name, value in message.params.items()}
    try:
        return found.format(**params)
    except (KeyError, IndexError, ValueError):  # a translation whose placeholders differ (a test holds them)
        return None


# How the parts of a joined message are separated in a language ("a; b" reads "a；b" in Chinese)
_JOINED = {"zh": lambda template: template.replace("; ", "；")}


def _only_placeholders(template: str) -> bool:
    """A template with no words of its own (``errors.joined_messages``: ``{m0}; {m1}``) reads the same in every
    language: only its parts are translated."""
    import string

    return not any(ch.isalpha() for literal, *_ in string.Formatter().parse(template) for ch in literal)


def _translated_value(value, lang: str):
    if getattr(value, "template", None) is not None or (type(value) is str and " " in value):
        return translate_message(value, lang) or value
    return value


def format_day(value, lang: str) -> str:
    from babel.dates import format_date

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = _shanghai(value).date()
    return format_date(value, format="long", locale=BABEL_LOCALE[lang])


def format_moment(value, lang: str) -> str:
    from babel.dates import format_datetime

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return format_day(value, lang)
    return format_datetime(_shanghai(value), format="medium", locale=BABEL_LOCALE[lang])


def format_amount(value, lang: str) -> str:
    from babel.numbers import format_decimal

    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return format_decimal(number, locale=BABEL_LOCALE[lang])


def _shanghai(moment: datetime) -> datetime:
    from ..clock import TZ

    return moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment.astimezone(TZ)
