from __future__ import annotations

import pytest

from xinyong.law.articles import (
    ArticleRef,
    all_articles,
    from_chinese_numeral,
    paragraph_count,
    to_chinese_numeral,
)
from xinyong.law.errors import UnknownArticle


@pytest.mark.parametrize(
    ("text", "expected", "canonical", "zh"),
    [
        ("Art. 36", (36, None, None), "Art. 36", "第三十六条"),
        ("Art. 36.2", (36, 2, None), "Art. 36.2", "第三十六条第二款"),
        ("Art. 36.2(1)", (36, 2, 1), "Art. 36.2(1)", "第三十六条第二款第（一）项"),
        ("Art. 36.2(2)", (36, 2, 2), "Art. 36.2(2)", "第三十六条第二款第（二）项"),
        ("Art. 9.2(4)", (9, 2, 4), "Art. 9.2(4)", "第九条第二款第（四）项"),
        ("Art. 25.2(3)", (25, 2, 3), "Art. 25.2(3)", "第二十五条第二款第（三）项"),
        ("Art. 28.1(2)", (28, 1, 2), "Art. 28.1(2)", "第二十八条第一款第（二）项"),
        ("Art. 31(7)", (31, None, 7), "Art. 31(7)", "第三十一条第（七）项"),
        ("Art. 31.1(7)", (31, None, 7), "Art. 31(7)", "第三十一条第（七）项"),
        ("Art. 51.3", (51, 3, None), "Art. 51.3", "第五十一条第三款"),
        ("Art. 56", (56, None, None), "Art. 56", "第五十六条"),
        ("Art. 10.2", (10, 2, None), "Art. 10.2", "第十条第二款"),
        ("Article 17.3", (17, 3, None), "Art. 17.3", "第十七条第三款"),
        ("第三十六条第二款第（一）项", (36, 2, 1), "Art. 36.2(1)", "第三十六条第二款第（一）项"),
        ("第三十六条", (36, None, None), "Art. 36", "第三十六条"),
        ("第九条第二款第四项", (9, 2, 4), "Art. 9.2(4)", "第九条第二款第（四）项"),
        ("第三十一条第（七）项", (31, None, 7), "Art. 31(7)", "第三十一条第（七）项"),
        ("第十一条", (11, None, None), "Art. 11", "第十一条"),
    ],
)
def test_parse_and_render(text, expected, canonical, zh):
    ref = ArticleRef.parse(text)
    assert (ref.article, ref.paragraph, ref.item) == expected
    assert ref.canonical == canonical == ref.en() == str(ref)
    assert ref.zh() == zh
    # round trips, both ways
    assert ArticleRef.parse(ref.canonical) == ref
    assert ArticleRef.parse(ref.zh()) == ref


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Art. 57", "Articles 1–56"),
        ("Art. 0", "Articles 1–56"),
        ("Art. 36.4", "Article 36 has 3 paragraphs"),
        ("Art. 9.2(7)", "items (1)–(6)"),
        ("Art. 36.2(3)", "items (1)–(2)"),
        ("Art. 36.1(1)", "no items"),
        ("Art. 9(4)", "name the paragraph"),
        ("Art. 31.2", "1 paragraph"),
        ("第五十七条", "Articles 1–56"),
        ("第三十六条第四款", "3 paragraphs"),
        ("Section 5", "not an article reference"),
        ("", "not an article reference"),
    ],
)
def test_nonexistent_references_raise(text, fragment):
    with pytest.raises(UnknownArticle) as info:
        ArticleRef.parse(text)
    assert fragment in info.value.message


def test_direct_construction_is_validated_and_normalised():
    with pytest.raises(UnknownArticle):
        ArticleRef(57)
    assert ArticleRef(31, 1, 7) == ArticleRef(31, None, 7)
    assert ArticleRef(56, 1) == ArticleRef(56)


def test_texts_zh_are_from_the_chinese_text():
    assert ArticleRef.parse("Art. 36.2(1)").text().startswith("（一）属于市公共信用信息服务中心更正范围的")
    assert "五个工作日" in ArticleRef.parse("Art. 36.2(1)").text()
    para = ArticleRef.parse("Art. 36.2").text()
    assert para.startswith("信息主体向市公共信用信息服务中心提出异议的")
    assert "（一）" in para and "（二）" in para  # items belong to their paragraph
    assert ArticleRef.parse("Art. 36.3").text().startswith("信息主体向信用服务机构提出异议的")
    whole = ArticleRef.parse("Art. 56").text()
    assert whole == "第五十六条 本条例自2017年10月1日起施行。"
    assert ArticleRef.parse("Art. 9.2(4)").text().startswith("（四）适用一般程序作出的行政处罚信息")
    assert ArticleRef.parse("Art. 9.3").text().startswith("法律、法规对违法事项纳入目录已作出规定的")


def test_texts_en_best_effort():
    assert "within 5 working days" in ArticleRef.parse("Art. 36.2(1)").text("en")
    assert ArticleRef.parse("Art. 25.2(3)").text("en").startswith("(3)")
    assert ArticleRef.parse("Art. 36.3").text("en").startswith("Where information subjects submit objections to credit service")
    art56 = ArticleRef.parse("Art. 56").text("en")
    assert art56.startswith("Article 56:")
    assert "October 1, 2017" in art56  # the translation's "April 1" slip is annotated
    with pytest.raises(ValueError):
        ArticleRef.parse("Art. 1").text("fr")


def test_all_articles_lists_1_to_56():
    refs = all_articles()
    assert [r.article for r in refs] == list(range(1, 57))
    assert all(r.paragraph is None and r.item is None for r in refs)


def test_structure_matches_between_languages():
    assert paragraph_count(36) == 3
    assert paragraph_count(31) == 1
    assert paragraph_count(9) == 3


def test_contains():
    assert ArticleRef.parse("Art. 36").contains("Art. 36.2(1)")
    assert ArticleRef.parse("Art. 36.2").contains("Art. 36.2(1)")
    assert not ArticleRef.parse("Art. 36.3").contains("Art. 36.2(1)")
    assert not ArticleRef.parse("Art. 37").contains("Art. 36")


@pytest.mark.parametrize("n", [1, 9, 10, 11, 19, 20, 21, 36, 50, 56, 99, 100, 105, 110])
def test_chinese_numerals_round_trip(n):
    assert from_chinese_numeral(to_chinese_numeral(n)) == n


def test_chinese_numerals_examples():
    assert to_chinese_numeral(36) == "三十六"
    assert to_chinese_numeral(10) == "十"
    assert to_chinese_numeral(15) == "十五"
    assert from_chinese_numeral("一十五") == 15
