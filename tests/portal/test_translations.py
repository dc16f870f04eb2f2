"""Every word the portal shows has its Chinese: the messages of the templates and of the portal's code
(gettext ``_()``), and every label, each found in the ``.po`` catalogs (``portal/locale/zh``)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from xinyong.portal import i18n, labels

PORTAL = Path(i18n.__file__).resolve().parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}


def _extracted() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PORTAL), METHODS, options_map=OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}):
        for text in (message if isinstance(message, tuple) else (message,)):
            if text:
                found.setdefault(text, []).append(f"{filename}:{lineno}")
    return found


def test_every_message_of_the_templates_and_the_code_has_its_chinese():
    catalog = i18n.catalog("zh")
    found = _extracted()
    assert found, "nothing extracted: the extraction itself is broken"
    missing = {text: where[:2] for text, where in found.items() if not catalog.get(text)}
    assert not missing, f"{len(missing)} message(s) without a Chinese translation: {missing}"


def test_every_label_has_its_chinese():
    catalog = i18n.catalog("zh")
    missing = [(domain, code, text) for domain, codes in labels.LABELS.items()
               for code, text in codes.items() if not catalog.get(text)]
    assert not missing, missing


def test_a_label_reads_in_the_page_language_and_an_unknown_code_shows_as_it_is():
    token = i18n.LANG.set("zh")
    try:
        assert labels.label("subject_kind", "natural_person") == "自然人"
        assert labels.label("subject_kind", "no-such-code") == "no-such-code"
    finally:
        i18n.LANG.reset(token)
    token = i18n.LANG.set("en")
    try:
        assert labels.label("subject_kind", "natural_person") == "Natural person"
    finally:
        i18n.LANG.reset(token)


def test_a_message_has_one_chinese_across_the_catalogs():
    """The areas' catalogs are merged by message id: the same English with two Chinese wordings would let
    one area's words silently replace another's (found when the catalogs were first merged)."""
    from babel.messages.pofile import read_po

    seen: dict[str, dict[str, str]] = {}
    for path in sorted((i18n.LOCALE_DIR / "zh" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and isinstance(message.id, str) and message.string:
                    seen.setdefault(message.id, {})[message.string] = path.name
    clashes = {msgid: wordings for msgid, wordings in seen.items() if len(wordings) > 1}
    assert not clashes, clashes
