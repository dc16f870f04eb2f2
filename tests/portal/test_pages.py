"""The public portal's pages, on both databases: home, search, a subject's public page, errors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from xinyong.app import create_app
from xinyong.db import session_scope
from xinyong.models import InquiryLog
from xinyong.portal import service as portal

from .support import portal_client
from .conftest import ORG_NAME, ORG_USCC, ORGAN_NAME, ORGAN_USCC, OTHER_NAME, PERSON_NAME


@pytest.fixture
def client(engine):
    return portal_client(engine)


def _portal_logs(engine):
    with session_scope(engine) as s:
        return list(s.scalars(select(InquiryLog).where(InquiryLog.channel == "portal").order_by(InquiryLog.id)))


# --- home ---------------------------------------------------------------------------------------

def test_home_page_is_chinese_first(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="zh-CN">' in html
    assert "上海市公共信用信息服务平台" in html
    assert '<label for="q">' in html and 'id="q" name="q"' in html and 'action="/search"' in html
    for n in (15, 17, 18, 34, 35, 36, 37, 38):
        assert f'href="/articles/{n}"' in html
    assert 'href="/docs"' in html and 'href="/openapi.json"' in html
    assert 'href="/?lang=en"' in html  # the language switch
    assert "<h1>" in html and "<h2" in html


def test_english_is_chosen_with_lang_and_remembered_in_a_cookie(client):
    r = client.get("/", params={"lang": "en"})
    assert r.status_code == 200
    assert '<html lang="en">' in r.text
    assert "Shanghai Public Credit Information Service Platform" in r.text
    assert 'href="/?lang=zh"' in r.text
    assert r.cookies.get("xinyong_lang") == "en"
    again = client.get("/")  # the client keeps the cookie
    assert '<html lang="en">' in again.text
    back = client.get("/", params={"lang": "zh"})
    assert '<html lang="zh-CN">' in back.text and back.cookies.get("xinyong_lang") == "zh"


def test_an_unknown_language_falls_back_to_chinese(client):
    r = client.get("/", params={"lang": "fr"})
    assert '<html lang="zh-CN">' in r.text and "xinyong_lang" not in r.cookies


def test_the_api_docs_and_static_css_are_served(client):
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"].startswith("xinyong")
    css = client.get("/static/portal.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]


def test_article_pages_show_both_texts(client):
    r = client.get("/articles/15")
    assert r.status_code == 200
    assert "第十五条" in r.text and "Article 15" in r.text
    assert client.get("/articles/57").status_code == 404
    assert client.get("/articles/x").status_code == 404


# --- search -------------------------------------------------------------------------------------

def _result_links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="/subjects/(\d+)" class="result-link">([^<]+)</a>', html)


def test_search_by_name_substring(client, portal_world):
    r = client.post("/search", data={"q": "门户测试"})
    assert r.status_code == 200
    found = dict((name, int(i)) for i, name in _result_links(r.text))
    assert found == {ORG_NAME: portal_world.org_id, ORGAN_NAME: portal_world.organ_id}
    assert ORG_USCC in r.text and ORGAN_USCC in r.text
    assert OTHER_NAME not in r.text and PERSON_NAME not in r.text


def test_search_by_uscc_normalised(client, portal_world):
    for q in (ORG_USCC, f"  {ORG_USCC.lower()} "):
        r = client.post("/search", data={"q": q})
        assert _result_links(r.text) == [(str(portal_world.org_id), ORG_NAME)]


def test_search_with_nothing_found_says_so(client, portal_world):
    r = client.post("/search", data={"q": "不存在的公司"})
    assert r.status_code == 200 and _result_links(r.text) == []
    assert "未找到" in r.text
    r = client.post("/search?lang=en", data={"q": "nothing-here"})
    assert "No legal person or organization" in r.text


def test_empty_search_shows_the_form_only(client):
    r = client.post("/search", data={"q": "   "})
    assert r.status_code == 200 and 'id="results-heading"' not in r.text


@pytest.mark.article("Art. 6.2")
def test_natural_persons_are_never_in_search_results(client, engine, portal_world):
    for q in ("门户测试贸易", "张某", PERSON_NAME):
        for r in (client.post("/search", data={"q": q}),):
            assert r.status_code == 200
            assert PERSON_NAME not in [name for _i, name in _result_links(r.text)]
            assert f"/subjects/{portal_world.person_id}\"" not in r.text
        with session_scope(engine) as s:
            assert all(x["kind"] != "natural_person" for x in portal.search(s, q))


@pytest.mark.article("Art. 6.2")
def test_an_id_number_is_neither_searched_nor_echoed(client, engine, portal_world):
    ric = portal_world.person_ric
    for q in (ric, ric.lower(), f" {ric[:6]} {ric[6:]} ", "31011519800102011X", "310115800102011"):
        for r in (client.post("/search", data={"q": q}),):
            assert r.status_code == 200
            assert _result_links(r.text) == []
            assert "不提供自然人信息查询" in r.text and 'href="/articles/6"' in r.text
            assert ric not in r.text and ric[6:14] not in r.text and q.strip() not in r.text
    with session_scope(engine) as s:
        assert portal.search(s, ric) == []
    # an organization's all-digit USCC is not mistaken for an ID number
    assert _result_links(client.post("/search", data={"q": ORGAN_USCC}).text) == [
        (str(portal_world.organ_id), ORGAN_NAME)]


def test_the_search_form_posts_so_that_what_is_typed_stays_out_of_urls(client):
    html = client.get("/").text
    assert 'action="/search" method="post"' in html


def test_search_treats_like_wildcards_literally(client, portal_world):
    assert _result_links(client.post("/search", data={"q": "%"}).text) == []
    assert _result_links(client.post("/search", data={"q": "_"}).text) == []


# --- a subject's page ---------------------------------------------------------------------------

@pytest.mark.article("Art. 15")
def test_subject_page_shows_public_records_within_the_publicity_period(client, portal_world):
    r = client.get(f"/subjects/{portal_world.org_id}")
    assert r.status_code == 200
    html = r.text
    assert ORG_NAME in html and ORG_USCC in html and "法人和非法人组织" in html
    docs = portal_world.docs
    for shown in ("current", "two_years", "serious", "objection", "commendation"):
        assert docs[shown] in html, shown
    # a general penalty decided 2021-03-01, before the first national rule: 36 months, over in 2024
    assert docs["pre_rule"] not in html
    # restored (Art. 38) and revoked (Art. 37) are never shown; arrears are not public (Art. 17.3)
    for hidden in ("restored", "revoked", "arrears", "person", "organ"):
        assert docs[hidden] not in html, hidden
    assert "欠缴" not in html
    # each record: item, document, date, organ, source unit, summary
    assert "适用一般程序作出的行政处罚信息" in html and "表彰奖励信息" in html
    assert "2024-05-20" in html and "上海市浦东新区市场监督管理局" in html and "上海市测试监督管理局" in html
    assert "销售过期食品的违法行为" in html and "罚款人民币2000元" in html


@pytest.mark.article("Art. 36")
def test_a_record_under_objection_carries_the_marker(client, portal_world):
    html = client.get(f"/subjects/{portal_world.org_id}").text
    block = html.split(f'id="record-{portal_world.records["objection"]}"')[1].split("</li>")[0]
    assert "异议处理中" in block
    current = html.split(f'id="record-{portal_world.records["current"]}"')[1].split("</li>")[0]
    assert "异议处理中" not in current
    en = client.get(f"/subjects/{portal_world.org_id}", params={"lang": "en"}).text
    assert "Under objection" in en and "Administrative penalties decided under the ordinary procedure" in en


def test_a_government_organ_has_a_public_page_too(client, portal_world):
    r = client.get(f"/subjects/{portal_world.organ_id}")
    assert r.status_code == 200
    assert ORGAN_NAME in r.text and portal_world.docs["organ"] in r.text and "机关" in r.text


@pytest.mark.article("Art. 34")
def test_each_page_view_is_logged_as_a_public_inquiry_on_the_portal(client, engine, portal_world):
    assert _portal_logs(engine) == []
    client.get(f"/subjects/{portal_world.org_id}")
    client.get(f"/subjects/{portal_world.person_id}")
    logs = _portal_logs(engine)
    assert [(log.subject_id, log.actor_role, log.decision) for log in logs] == [
        (portal_world.org_id, "public", "allow"), (portal_world.person_id, "public", "deny")]
    assert logs[0].article == "Art. 15" and logs[1].article == "Art. 6.1"
    assert portal_world.records["current"] in logs[0].record_ids
    assert portal_world.records["arrears"] not in logs[0].record_ids


@pytest.mark.article("Art. 6.1")
def test_a_natural_persons_page_is_refused_with_the_article(client, portal_world):
    r = client.get(f"/subjects/{portal_world.person_id}")
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/html")
    assert "第六条第一款" in r.text and "Art. 6.1" in r.text
    assert "合法、客观、必要的原则" in r.text
    assert "自然人的社会信用信息不向社会公开" in r.text
    assert PERSON_NAME not in r.text and portal_world.person_ric not in r.text
    assert portal_world.docs["person"] not in r.text
    en = client.get(f"/subjects/{portal_world.person_id}", params={"lang": "en"})
    assert en.status_code == 403 and "Art. 6.1" in en.text
    assert "Natural persons&#39; credit information is not shown to the public" in en.text


def test_an_unknown_subject_is_a_404_page(client, engine, portal_world):
    for path in ("/subjects/999999", "/subjects/abc", "/subjects/-1", f"/subjects/{portal_world.person_ric}"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html") and "未找到" in r.text
    assert _portal_logs(engine) == []
