"""The supervisor's page (/oversight): what the platform knows of breaches, each with its article."""

from __future__ import annotations

import pytest

from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.inquiry import service as inquiries
from xinyong.objection import service as objections
from xinyong.oversight import service
from xinyong.record import workflows
from xinyong.unit import service as units

from ..factories import PROVIDER_USCC, uscc
from ..helpers import TODAY
from .support import PortalClient, portal_client

SUPERVISOR_USCC = uscc(6262, prefix="11310000")
ORGAN_USCC = uscc(6363, prefix="11310000")
ORGAN_NAME = "上海市监督测试区城市管理局"


@pytest.fixture
def supervisor_token(engine) -> str:
    with session_scope(engine) as s:
        _, token = units.add_unit(s, name="上海市发展和改革委员会", kind="supervisor", uscc=SUPERVISOR_USCC,
                                  published_on=TODAY, actor=CONSOLE)
    return token


def _refused_inquiry(engine, person_ric: str) -> None:
    """An organ with no published inquiry list asks about a natural person: refused (and logged)."""
    with session_scope(engine) as s:
        organ, _ = units.add_unit(s, name=ORGAN_NAME, kind="administrative", uscc=ORGAN_USCC, published_on=TODAY,
                                  actor=CONSOLE)
        officer, _ = units.add_officer(s, unit=organ, staff_no="J-1", name="钱七", items=None, purposes=None,
                                       expires_at=None, actor=CONSOLE)
        actor = Actor(role="administrative", unit_id=organ.id, unit_uscc=organ.uscc, officer="J-1",
                      officer_id=officer.id)
    for _ in range(2):
        with session_scope(engine) as s:
            answer = inquiries.inquire(s, actor=actor, subject=person_ric, purpose="permit", channel="api")
        assert not answer.allowed


@pytest.mark.article("Art. 17.2")
def test_the_supervisor_sees_a_refused_inquiry_by_unit_and_article(engine, portal_world, supervisor_token):
    _refused_inquiry(engine, portal_world.person_ric)
    with session_scope(engine) as s:
        [row] = service.refused_inquiries(s)
    assert (row["unit"]["uscc"], row["count"]) == (ORGAN_USCC, 2)
    client = portal_client(engine)
    assert client.sign_in(supervisor_token).headers["location"] == "/oversight"
    page = client.get("/oversight")
    assert page.status_code == 200, page.text
    table = page.text.split('id="refused-inquiries"')[1].split("</table>")[0]
    assert ORGAN_NAME in table and f'href="/articles/{row["article"].split()[1].split(".")[0].split("(")[0]}"' in table
    assert "<td>2</td>" in table
    assert "未披露任何人的任何信息" in page.text  # attempts: nothing was disclosed, and the page says so
    english = client.get("/oversight?lang=en").text
    assert "a refused inquiry disclosed nothing" in english and "Refused inquiries, by unit and article" in english


@pytest.mark.article("Art. 36.2")
def test_late_objection_steps_and_deletions_appear_with_their_articles(engine, portal_world, supervisor_token,
                                                                      monkeypatch):
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-03T10:00:00")
    with session_scope(engine) as s:
        obj = objections.file(s, actor=Actor(role="subject", subject_id=portal_world.org_id),
                              subject_id=portal_world.org_id, kind="error", reason="金额错误",
                              record_ids=[portal_world.records["current"]], channel="portal")
        number = objections.number_of(obj)
        provider = units.actor_for(units.get_by_uscc(s, PROVIDER_USCC))
        workflows.revoke(s, record_id=portal_world.records["two_years"], document="沪复〔2025〕2号",
                         decided_by="court", reason="判决撤销", actor=provider)
    monkeypatch.setenv("XINYONG_TODAY", "2025-06-16T10:00:00")
    client = portal_client(engine)
    client.sign_in(supervisor_token)
    page = client.get("/oversight").text
    steps = page.split('id="late-objection-steps"')[1].split("</table>")[0]
    assert number in steps and "第三十六条第二款" in steps
    deletions = page.split('id="late-deletion-table"')[1].split("</table>")[0]
    assert f"#{portal_world.records['two_years']}" in deletions and "第三十七条" in deletions


@pytest.mark.article("Art. 20(2)")
def test_a_failed_verification_and_the_consoles_acts_are_shown(engine, portal_world, supervisor_token):
    class Failed:
        ok, events, sealed, unsealed, checkpoints, records = False, 10, 8, 2, 1, 3

        class _P:
            kind = "altered-row"
        problems = [_P()]

    from xinyong.console import record_console_act

    with session_scope(engine) as s:
        service.record_verification(s, report=Failed(), actor=CONSOLE)
        unit = units.get_by_uscc(s, PROVIDER_USCC)
        record_console_act(s, unit_id=unit.id, unit_uscc=unit.uscc, reason="单位系统故障，代为导入")
    client = portal_client(engine)
    client.sign_in(supervisor_token)
    page = client.get("/oversight").text
    failures = page.split('id="verification-failures"')[1].split("</table>")[0]
    assert "altered-row" in failures
    assert "单位系统故障，代为导入" in page.split('id="console-act-table"')[1]


@pytest.mark.article("Art. 19(2)")
def test_oversight_is_the_supervisors_only(engine, supervisor_token):
    client = portal_client(engine)
    assert client.get("/oversight", follow_redirects=False).headers["location"].startswith("/login")
    with session_scope(engine) as s:
        _, op = units.add_unit(s, name="上海市公共信用信息服务中心", kind="operator", uscc=uscc(6464, prefix="12310000"),
                               published_on=TODAY, actor=CONSOLE)
    other = PortalClient(client.app)
    other.sign_in(op)
    res = other.get("/oversight")
    assert res.status_code == 403 and 'href="/articles/19"' in res.text
