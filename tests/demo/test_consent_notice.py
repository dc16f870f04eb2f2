"""The demo publishes a consent notice version, so /me/authorizations shows notice text (Art. 14.2)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from xinyong.clock import today
from xinyong.db import session_scope
from xinyong.demo import world
from xinyong.inquiry import authorizations
from xinyong.models import ConsentNotice


@pytest.mark.article("Art. 14.2")
def test_the_demo_publishes_one_consent_notice_version(engine):
    with session_scope(engine) as s:
        assert world.consent_notice(s, today()) is True
    with session_scope(engine) as s:
        assert world.consent_notice(s, today()) is False  # a second run adds nothing
        notice = authorizations.current_notice(s, today())
        assert notice.version == 1 and "不利后果" in notice.text_zh and "adverse consequences" in notice.text_en
        assert s.scalar(select(func.count()).select_from(ConsentNotice)) == 1
