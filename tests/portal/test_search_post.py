"""The portal searches by POST only (what is typed, perhaps an ID number, stays out of URLs and access
logs), on both databases: ``GET /search`` is the empty search page and reads no query, no page links with
``?q=``, and the language switch re-posts the query instead of putting it in a URL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from xinyong.app import create_app
from xinyong.portal.routes import HERE

from .support import portal_client
from .conftest import ORG_NAME, ORG_USCC

RESULTS = 'id="results-heading"'


@pytest.fixture
def client(engine):
    return portal_client(engine)


def _urls(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


def _assert_no_query_in_urls(html: str, *typed: str) -> None:
    for url in _urls(html):
        assert "q=" not in url, url
        for t in typed:
            assert t not in url, url


def test_get_search_is_the_empty_search_page_and_reads_no_query(client, portal_world):
    r = client.get("/search", params={"q": ORG_NAME})
    assert r.status_code == 200
    assert RESULTS not in r.text and ORG_NAME not in r.text and ORG_USCC not in r.text
    assert 'id="q" name="q" value=""' in r.text  # the form, empty
    assert 'action="/search" method="post"' in r.text
    _assert_no_query_in_urls(r.text, ORG_NAME)


@pytest.mark.article("Art. 6.2")
def test_an_id_number_in_a_search_url_is_neither_read_nor_echoed(client, portal_world):
    ric = portal_world.person_ric
    for params in ({"q": ric}, {"q": ric, "lang": "en"}):
        r = client.get("/search", params=params)
        assert r.status_code == 200
        assert ric not in r.text and ric[6:14] not in r.text
        assert "不提供自然人信息查询" not in r.text  # not even read: no refusal either
        _assert_no_query_in_urls(r.text, ric)
    home = client.get("/", params={"q": ric})  # nor does any other page carry it on
    assert ric not in home.text
    _assert_no_query_in_urls(home.text, ric)


def test_the_post_search_finds_and_its_language_switch_posts_the_query_again(client, portal_world):
    r = client.post("/search", data={"q": "门户测试贸易"})
    assert r.status_code == 200 and ORG_NAME in r.text and RESULTS in r.text
    _assert_no_query_in_urls(r.text, "门户测试贸易")
    switch = re.search(r'<form method="post" action="([^"]+)" class="lang-switch-form"[^>]*>(.*?)</form>', r.text,
                       re.S)
    assert switch, "the language switch of a results page is a form"
    assert switch.group(1) == "/search?lang=en"
    assert '<input type="hidden" name="q" value="门户测试贸易">' in switch.group(2)
    assert 'id="lang-switch"' in switch.group(2)
    # what the switch sends: the same search, in English, remembered
    en = client.post(switch.group(1), data={"q": "门户测试贸易"})
    assert '<html lang="en">' in en.text and ORG_NAME in en.text and RESULTS in en.text
    assert en.cookies.get("xinyong_lang") == "en"
    back = re.search(r'<form method="post" action="([^"]+)" class="lang-switch-form"', en.text)
    assert back and back.group(1) == "/search?lang=zh"


def test_a_refused_id_number_search_offers_a_plain_switch_without_the_number(client, portal_world):
    ric = portal_world.person_ric
    r = client.post("/search", data={"q": ric})
    assert "不提供自然人信息查询" in r.text and ric not in r.text
    assert 'class="lang-switch-form"' not in r.text and 'href="/search?lang=en"' in r.text
    _assert_no_query_in_urls(r.text, ric)


def test_no_page_links_with_a_query(client, portal_world):
    pages = [client.get("/"), client.get("/search"), client.post("/search", data={"q": ORG_USCC}),
             client.get(f"/subjects/{portal_world.org_id}"), client.get("/articles/15"),
             client.get("/subjects/999999")]
    for r in pages:
        _assert_no_query_in_urls(r.text, ORG_USCC)
    templates = Path(HERE) / "templates"
    for path in templates.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert "?q=" not in source and "&q=" not in source, path.name
        assert 'method="get"' not in source.lower(), path.name  # no form sends what it holds in a URL
