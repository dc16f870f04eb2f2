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
