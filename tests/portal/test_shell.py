"""The portal's shell: its words through gettext (no more ``t(key)`` dictionaries), the site navigation, labels
and formatted dates and amounts on a subject's public page, and error pages worded in the page language."""

from __future__ import annotations

import re

import pytest

from xinyong.portal import i18n, labels

from .conftest import ORG_NAME
from .support import portal_client


@pytest.fixture
def client(engine):
    return portal_client(engine)


def test_the_words_outside_templates_have_their_chinese():
    """Titles of the key articles and the public wording of refusals: catalog messages."""
    zh = i18n.catalog("zh")
    messages = [en for _n, en in i18n.KEY_ARTICLE_TITLES] + list(i18n.REASON_MESSAGES.values())
    assert [m for m in messages if not zh.get(m)] == []
    assert not hasattr(i18n, "WORDS")  # the hand-written dictionary is gone
    assert [a[1] for a in i18n.KEY_ARTICLES][0] == "公共信用信息的公开与公示"
    assert i18n.REASONS["Art. 6.1"][0].startswith("自然人的社会信用信息不向社会公开")
    token = i18n.LANG.set("en")
    try:
        assert i18n.reason("Art. 19(1)").startswith("Too many searches")
    finally:
        i18n.LANG.reset(token)


def test_every_page_has_the_site_navigation_and_marks_where_one_is(client):
    for path in ("/", "/transparency", "/articles/15"):
        html = client.get(path).text
        nav = html.split('id="sitenav"')[1].split("</nav>")[0]
        for href in ("/catalog", "/organs", "/measures", "/lists", "/service", "/transparency"):
            assert f'href="{href}"' in nav, (path, href)
        assert "机关查询清单" in nav and "审计日志公开核验" in nav
        assert 'id="sitenav-home"' not in nav  # nobody signed in: no own area
    html = client.get("/transparency").text
    assert re.search(r'href="/transparency" aria-current="page"', html)
    en = client.get("/", params={"lang": "en"}).text
    assert "Catalog" in en.split('id="sitenav"')[1].split("</nav>")[0]


def test_a_signed_in_party_finds_its_own_area_in_the_navigation(client, engine, portal_world):
    from xinyong.db import session_scope
    from xinyong.models import Subject

    from ..helpers import issue_subject_token

    with session_scope(engine) as s:
        token = issue_subject_token(s, s.get(Subject, portal_world.org_id))
    assert client.sign_in(token).status_code == 303
    nav = client.get("/").text.split('id="sitenav"')[1].split("</nav>")[0]
    assert 'id="sitenav-home"' in nav and 'href="/me"' in nav and "我的信息" in nav


@pytest.mark.article("Art. 15")
def test_the_subject_page_shows_labels_dates_and_amounts_not_codes(client, portal_world):
    html = client.get(f"/subjects/{portal_world.org_id}").text
    block = html.split(f'id="record-{portal_world.records["current"]}"')[1].split("</li>")[0]
    assert "2024年5月20日" in block and '<time datetime="2024-05-20">' in block  # a date people read
    assert "一般程序" in block and ">ordinary<" not in block  # the procedure's label, not its code
    assert "失信信息" in block and ">True<" not in block and ">true<" not in block
    assert "法人和非法人组织" in html and "organization<" not in html
    en = client.get(f"/subjects/{portal_world.org_id}", params={"lang": "en"}).text
    block = en.split(f'id="record-{portal_world.records["current"]}"')[1].split("</li>")[0]
    assert "20 May 2024" in block and "Ordinary procedure" in block and "Decision date" in block
    assert ORG_NAME in en


def test_amounts_are_grouped_for_people():
    token = i18n.LANG.set("zh")
    try:
        assert i18n.format_amount("1234567.50", "zh") == "1,234,567.5"
        assert labels.label("shell_severity", "serious") == "严重"
    finally:
        i18n.LANG.reset(token)


@pytest.mark.article("Art. 19(1)")
def test_error_pages_are_worded_in_the_page_language(client):
    r = client.get("/articles/99")
    assert r.status_code == 404 and "《上海市社会信用条例》没有这一条。" in r.text and "未找到" in r.text
    en = client.get("/articles/99", params={"lang": "en"})
    assert en.status_code == 404 and "the Regulations have no such article" in en.text
    r = client.get("/subjects/999999", params={"lang": "zh"})  # the English choice above is remembered
    assert r.status_code == 404 and "没有找到该信息主体" in r.text
    # a form posted without its CSRF token (Art. 19(1)): refused, not "not shown to the public"
    r = client.post("/search", data={"q": "x", "csrf_token": ""})
    assert r.status_code == 403
    assert "不予办理" in r.text and 'href="/articles/19"' in r.text and "不予公开" not in r.text
