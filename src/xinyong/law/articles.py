"""References to the regulation: ``Art. 36.2(1)`` = Article 36, paragraph 2, item (1).

``ArticleRef.parse`` reads the English form (``Art. 36``, ``Art. 36.2``, ``Art. 36.2(1)``,
``Art. 31(7)``) and the Chinese form (``第三十六条第二款第（一）项``), and checks against the
packaged Chinese text (authoritative) that the article, paragraph and item exist; a reference
that does not exist raises :class:`UnknownArticle`.

Paragraphs (款) are the line blocks of an article in the Chinese text; the first begins with
``第N条``. Item lines ``（一）…`` belong to the paragraph before them. In an article with a single
paragraph (e.g. Art. 19, 20, 31, 56) the paragraph number is dropped: ``Art. 31.1(7)`` and
``Art. 31(7)`` are the same reference and the canonical form is ``Art. 31(7)``
(第三十一条第（七）项). In an article with several paragraphs an item needs its paragraph:
``Art. 9(4)`` is refused, ``Art. 9.2(4)`` is right.

The texts are package data (``law/regulation/``) loaded lazily, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .errors import UnknownArticle

ZH_FILE = "shanghai-social-credit-regulations.zh.md"
EN_FILE = "shanghai-social-credit-regulations.en.txt"
ARTICLE_COUNT = 56
EN_ART56_NOTE = (
    "[Note: a slip in the translation. The authoritative Chinese text says 2017年10月1日: "
    "the Regulations took effect on October 1, 2017.]"
)

_DIGITS = "零一二三四五六七八九"
_CN_NUM = "零〇一二三四五六七八九十百"


def to_chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 16 → 十六, 36 → 三十六, 100 → 一百 (1 ≤ n ≤ 199)."""
    if n < 1 or n > 199:
        raise ValueError(f"numeral out of range: {n}")
    if n >= 100:
        rest = n - 100
        if rest == 0:
            return "一百"
        if rest < 10:
            return "一百零" + _DIGITS[rest]
        return "一百" + (_DIGITS[rest // 10] + "十" + (_DIGITS[rest % 10] if rest % 10 else ""))
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def from_chinese_numeral(text: str) -> int:
    """Inverse of :func:`to_chinese_numeral` (also accepts ``〇``/``零`` and ``一十``)."""
    if not text or any(ch not in _CN_NUM for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    digits = {ch: i for i, ch in enumerate(_DIGITS)} | {"〇": 0}
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = digits[ch]
    total += current
    if total < 1:
        raise ValueError(f"not a positive Chinese numeral: {text!r}")
    return total


# --------------------------------------------------------------------------------------------
# The texts


@dataclass
class _Paragraph:
    lines: list[str] = field(default_factory=list)  # the paragraph's own line(s), before items
    items: dict[int, str] = field(default_factory=dict)

    def text(self) -> str:
        return "\n".join([*self.lines, *self.items.values()])


@dataclass
class _Article:
    label: str  # "第三十六条" / "Article 36"
    paragraphs: list[_Paragraph] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(p.text() for p in self.paragraphs)


_ZH_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零〇]+)条[\s\u3000]*(.*)$")
_ZH_ITEM = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]")
_EN_ARTICLE = re.compile(r"^Article\s+(\d+)\s*:\s*(.*)$")
_EN_ITEM = re.compile(r"^\((\d+)\)")


def _read(name: str) -> str:
    return resources.files(__package__).joinpath("regulation", name).read_text(encoding="utf-8")


def _add_line(article: _Article, line: str, item_no: int | None) -> None:
    if item_no is not None and article.paragraphs:
        article.paragraphs[-1].items[item_no] = line
    else:
        article.paragraphs.append(_Paragraph([line]))


@lru_cache(maxsize=1)
def _zh() -> dict[int, _Article]:
    text = _read(ZH_FILE)
    if "<!-- INFO END -->" in text:
        text = text.split("<!-- INFO END -->", 1)[1]
    articles: dict[int, _Article] = {}
    current: _Article | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("<!--"):
            continue
        m = _ZH_ARTICLE.match(line)
        if m:
            number = from_chinese_numeral(m.group(1))
            current = articles.setdefault(number, _Article(f"第{m.group(1)}条"))
            current.paragraphs.append(_Paragraph([m.group(2).strip()]))
            continue
        if current is None:
            continue
        im = _ZH_ITEM.match(line)
        _add_line(current, line, from_chinese_numeral(im.group(1)) if im else None)
    missing = [n for n in range(1, ARTICLE_COUNT + 1) if n not in articles]
    if missing:  # pragma: no cover - guards the packaged text
        raise RuntimeError(f"the packaged Chinese text lacks articles {missing}")
    return articles


@lru_cache(maxsize=1)
def _en() -> dict[int, _Article]:
    articles: dict[int, _Article] = {}
    current: _Article | None = None
    for raw in _read(EN_FILE).splitlines():
        line = raw.strip()
        if not line:
            continue
        m = _EN_ARTICLE.match(line)
        if m:
            number = int(m.group(1))
            current = articles.setdefault(number, _Article(f"Article {number}"))
            current.paragraphs.append(_Paragraph([m.group(2).strip()]))
            continue
        if current is None:
            continue
        if line.startswith("Chapter ") or line.startswith("["):
            current = None  # chapter headings and the translator's trailing notes
            continue
        im = _EN_ITEM.match(line)
        _add_line(current, line, int(im.group(1)) if im else None)
    last = articles.get(ARTICLE_COUNT)
    if last is not None and "April 1, 2017" in last.paragraphs[0].lines[0]:
        last.paragraphs[0].lines.append(EN_ART56_NOTE)
    return articles


# --------------------------------------------------------------------------------------------
# ArticleRef

_EN_REF = re.compile(
    r"^\s*(?:Art(?:icle)?\.?\s*)?(\d+)(?:\s*\.\s*(\d+))?(?:\s*\(\s*(\d+)\s*\))?\s*$", re.IGNORECASE
)
_N = r"[一二三四五六七八九十百零〇]+"
_ZH_REF = re.compile(
    rf"^\s*第({_N})条(?:第({_N})款)?(?:第?[（(]({_N})[）)]项?|第({_N})项)?\s*$"
)


@dataclass(frozen=True, order=True)
class ArticleRef:
    """Article / paragraph / item of the regulation, checked against the Chinese text.

    ``paragraph`` is ``None`` for the whole article, and always ``None`` in an article that has a
    single paragraph (so ``Art. 31.1(7)`` == ``Art. 31(7)``).
    """

    article: int
    paragraph: int | None = None
    item: int | None = None

    def __post_init__(self) -> None:
        articles = _zh()
        label = self._label(self.article, self.paragraph, self.item)
        if self.article not in articles:
            raise UnknownArticle(
                f"{label} does not exist: the regulation has Articles 1–{ARTICLE_COUNT}"
            )
        art = articles[self.article]
        paragraph = self.paragraph
        count = len(art.paragraphs)
        if paragraph is not None:
            if paragraph < 1 or paragraph > count:
                raise UnknownArticle(
                    f"{label} does not exist: Article {self.article} has "
                    f"{count} paragraph{'s' if count != 1 else ''}"
                )
            if count == 1:
                paragraph = None
                object.__setattr__(self, "paragraph", None)
        if self.item is not None:
            if paragraph is None and count > 1:
                with_items = [i + 1 for i, p in enumerate(art.paragraphs) if p.items]
                hint = f", e.g. Art. {self.article}.{with_items[0]}({self.item})" if with_items else ""
                raise UnknownArticle(
                    f"{label} is ambiguous: Article {self.article} has {count} paragraphs; "
                    f"name the paragraph{hint}"
                )
            para = art.paragraphs[(paragraph or 1) - 1]
            if self.item not in para.items:
                where = f"Art. {self.article}.{paragraph}" if paragraph else f"Art. {self.article}"
                have = f"items (1)–({max(para.items)})" if para.items else "no items"
                raise UnknownArticle(f"{label} does not exist: {where} has {have}")

    @staticmethod
    def _label(article: int, paragraph: int | None, item: int | None) -> str:
        out = f"Art. {article}"
        if paragraph is not None:
            out += f".{paragraph}"
        if item is not None:
            out += f"({item})"
        return out

    # -- parsing ------------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str | ArticleRef) -> ArticleRef:
        """``"Art. 36.2(1)"``, ``"Art. 36"``, ``"Art. 31(7)"`` or ``"第三十六条第二款第（一）项"``."""
        if isinstance(text, ArticleRef):
            return text
        if not isinstance(text, str):
            raise UnknownArticle(f"not an article reference: {text!r}")
        m = _EN_REF.match(text)
        if m:
            a, p, i = (int(g) if g else None for g in m.groups())
            return cls(a, p, i)  # type: ignore[arg-type]
        m = _ZH_REF.match(text)
        if m:
            a = from_chinese_numeral(m.group(1))
            p = from_chinese_numeral(m.group(2)) if m.group(2) else None
            item = m.group(3) or m.group(4)
            i = from_chinese_numeral(item) if item else None
            return cls(a, p, i)
        raise UnknownArticle(
            f"not an article reference: {text!r} (expected e.g. 'Art. 36.2(1)' or '第三十六条第二款第（一）项')"
        )

    # -- rendering ----------------------------------------------------------------------------

    @property
    def canonical(self) -> str:
        return self._label(self.article, self.paragraph, self.item)

    def __str__(self) -> str:
        return self.canonical

    def en(self) -> str:
        return self.canonical

    def zh(self) -> str:
        out = f"第{to_chinese_numeral(self.article)}条"
        if self.paragraph is not None:
            out += f"第{to_chinese_numeral(self.paragraph)}款"
        if self.item is not None:
            out += f"第（{to_chinese_numeral(self.item)}）项"
        return out

    @property
    def article_ref(self) -> ArticleRef:
        """The whole article this reference is part of."""
        return ArticleRef(self.article)

    def contains(self, other: ArticleRef | str) -> bool:
        """True when ``other`` is this reference or lies inside it (Art. 36 contains Art. 36.2(1))."""
        other = ArticleRef.parse(other)
        if other.article != self.article:
            return False
        if self.paragraph is not None and other.paragraph != self.paragraph:
            return False
        return self.item is None or other.item == self.item

    def text(self, lang: str = "zh") -> str:
        """The text of this article, paragraph or item.

        ``zh`` comes from the authoritative Chinese text. ``en`` is a best-effort reading of the
        English translation: where its paragraphs or items do not line up with the Chinese, the
        whole English article is returned. The article-level text keeps its label (``第三十六条``),
        paragraph- and item-level texts do not.
        """
        if lang not in ("zh", "en"):
            raise ValueError(f"unknown language {lang!r}: use 'zh' or 'en'")
        articles = _zh() if lang == "zh" else _en()
        art = articles.get(self.article)
        if art is None:  # pragma: no cover - the English file has all 56 articles
            return ""
        if self.paragraph is None and self.item is None:
            first, *rest = art.text().split("\n", 1)
            head = f"{art.label}: {first}" if lang == "en" else f"{art.label} {first}"
            return "\n".join([head, *rest])
        index = (self.paragraph or 1) - 1
        if index >= len(art.paragraphs):
            return art.text()
        para = art.paragraphs[index]
        if self.item is None:
            return para.text()
        return para.items.get(self.item, art.text() if lang == "en" else "")


def all_articles() -> list[ArticleRef]:
    """Every article of the regulation (1–56), article level."""
    return [ArticleRef(n) for n in sorted(_zh())]


def paragraph_count(article: int) -> int:
    ref = ArticleRef(article)
    return len(_zh()[ref.article].paragraphs)
