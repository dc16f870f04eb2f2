"""/me/authorizations as a consent form (Art. 14.2): the notice shown, the adverse consequences told, writing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from xinyong.auth import Actor
from xinyong.db import session_scope
from xinyong.inquiry import authorizations
from xinyong.models import Authorization, Subject

from ..factories import PROVIDER_USCC
from ..helpers import issue_subject_token
from .support import portal_client


def _client(engine, subject_id):
    with session_scope(engine) as s:
        token = issue_subject_token(s, s.get(Subject, subject_id))
    client = portal_client(engine)
    assert client.sign_in(token).status_code == 303
    return client


@pytest.mark.article("Art. 14.2")
def test_the_portal_form_shows_the_notice_and_records_a_graded_consent(engine, portal_world):
    with session_scope(engine) as s:
        authorizations.publish_notice(s, text_zh="提供收入信息可能影响您的信用评价", text_en="may affect your rating",
                                      published_on=date(2025, 1, 1), actor=Actor(role="console"))
    client = _client(engine, portal_world.person_id)
    page = client.get("/me/authorizations")
    assert page.status_code == 200 and 'id="consent-notice"' in page.text and 'name="adverse_told"' in page.text
    base = {"unit_uscc": PROVIDER_USCC, "items": "penalty", "purpose": "贷款审查", "valid_until": "2025-12-31",
            "document": "授权书 2025-02", "restricted_kinds": "income", "written": "1"}
    refused = client.post("/me/authorizations", data=base)  # the adverse consequences not told
    assert refused.status_code == 422 and "/articles/14" in refused.text
    resp = client.post("/me/authorizations", data={**base, "adverse_told": "1"}, follow_redirects=False)
    assert resp.status_code == 303
    with session_scope(engine) as s:
        auth = s.scalar(select(Authorization))
        assert auth.restricted_kinds == ["income"] and auth.form == "written" and auth.notice_id is not None
        assert auth.adverse_told_at is not None and auth.adverse_text == "may affect your rating"
    listed = client.get("/me/authorizations").text.split('id="authorization-list"', 1)[1].split("</table>", 1)[0]
    assert 'class="consent-kinds"' in listed and "收入" in listed and "未生效" not in listed


@pytest.mark.article("Art. 14.2")
def test_an_organizations_agent_is_not_offered_the_restricted_kinds(engine, portal_world):
    with session_scope(engine) as s:
        authorizations.publish_notice(s, text_zh="授权告知", text_en="consent notice",
                                      published_on=date(2025, 1, 1), actor=Actor(role="console"))
    person_page = _client(engine, portal_world.person_id).get("/me/authorizations")
    assert 'id="restricted-kinds"' in person_page.text and 'value="tax-amount"' in person_page.text
    client = _client(engine, portal_world.org_id)  # the organization's authorized agent
    page = client.get("/me/authorizations")
    assert page.status_code == 200 and 'id="consent-notice"' in page.text
    assert 'id="restricted-kinds"' not in page.text and 'name="restricted_kinds"' not in page.text
    assert 'name="adverse_told"' not in page.text
    # restricted kinds posted anyway are not recorded for an organization (Art. 14.2 protects natural persons)
    resp = client.post("/me/authorizations", data={
        "unit_uscc": PROVIDER_USCC, "items": "penalty", "purpose": "贷款审查", "valid_until": "2025-12-31",
        "document": "授权书 2025-03", "restricted_kinds": "income", "written": "1", "adverse_told": "1"},
        follow_redirects=False)
    assert resp.status_code == 303
    with session_scope(engine) as s:
        auth = s.scalar(select(Authorization).where(Authorization.subject_id == portal_world.org_id))
        assert auth.restricted_kinds is None and auth.adverse_told_at is None and auth.form == "written"


@pytest.mark.article("Art. 14.2")
def test_the_public_catalog_page_shows_a_fields_restricted_kind(engine, portal_world):
    from xinyong import refcache
    from xinyong.models import CatalogItem

    with session_scope(engine) as s:
        s.add(CatalogItem(code="income-proof", name_zh="收入证明信息", name_en="Proof of income", item_class="neutral",
                          untrustworthy=False, article="Art. 14.2", legal_basis="测试", disclosure="authorized",
                          record_format="general", providers="测试", state="published",
                          published_on=date(2020, 1, 1), fields=["content", "amount_yuan"],
                          field_kinds={"amount_yuan": "income"}))
    refcache.invalidate()
    client = portal_client(engine)
    page = client.get("/catalog")
    assert page.status_code == 200
    section = page.text.split('id="item-income-proof"', 1)[1].split("</section>", 1)[0]
    assert "field-kinds" in section and "amount_yuan" in section
    assert "field-kinds" not in page.text.split('id="item-penalty"', 1)[1].split("</section>", 1)[0]
    zh = client.get("/catalog", headers={"Accept-Language": "zh-CN"})
    assert "收入" in zh.text.split('id="item-income-proof"', 1)[1].split("</section>", 1)[0]
    api = client.get("/api/v1/public/catalog").json()
    assert {i["code"]: i["field_kinds"] for i in api}["income-proof"] == {"amount_yuan": "income"}
