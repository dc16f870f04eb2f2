"""House rules of the portal's templates, checked on their source: every form that posts carries the CSRF
token, and the shared macros are imported with the page's context (without it ``csrf_field()`` renders an
empty token and every real browser's form is refused: found by a browser test)."""

from __future__ import annotations

import re
from pathlib import Path

from xinyong.portal import web

TEMPLATES = Path(web.HERE) / "templates"


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_the_shared_macros_are_imported_with_context():
    wrong = [str(p.relative_to(TEMPLATES)) for p in _templates()
             if re.search(r'{%-?\s*import\s+"portal/_macros.html"\s+as\s+\w+\s*-?%}', p.read_text(encoding="utf-8"))]
    assert not wrong, f"import the macros 'with context': {wrong}"


def test_every_form_that_posts_carries_the_csrf_token():
    missing = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for form in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, flags=re.S | re.I):
            opening = form.group(0)[: form.group(0).index(">") + 1]
            if re.search(r'method\s*=\s*"?post', opening, flags=re.I) and "csrf_field()" not in form.group(1) \
                    and 'name="csrf_token"' not in form.group(1):
                missing.append(f"{path.relative_to(TEMPLATES)}: {opening[:80]}")
    assert not missing, missing
