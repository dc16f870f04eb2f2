"""A unit's work in the portal (both databases): the objection inbox and its steps (Art. 36), the pre-decision
check (Art. 28–32) and the unit's officers (Art. 19(2))."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape

from xinyong import tokens
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.errors import InvalidInput
from xinyong.models import Unit
from xinyong.objection import service as objections
from xinyong.portal import i18n
from xinyong.subject.identifiers import parse_identifier
from xinyong.unit import service as units

from ..conftest import PINNED_TODAY
from ..factories import PROVIDER_USCC
from ..helpers import TODAY
from ..inquiry.conftest import ORG_USCC
from ..measure.conftest import joint, world  # noqa: F401 - fixtures
from .support import portal_client

BAD_USCC = ORG_USCC[:-1] + ("0" if ORG_USCC[-1] != "0" else "1")  # a wrong check character


def _officer_token(engine, uscc: str, staff_no: str, **rights) -> str:
    with session_scope(engine) as s:
        unit = units.get_by_uscc(s, uscc)
        return units.add_officer(s, unit=unit, staff_no=staff_no, name="王五", items=rights.get("items"),
                                 purposes=rights.get("purposes"), expires_at=None, actor=CONSOLE)[1]


def _unit_token(engine, unit_id: int) -> str:
    with session_scope(engine) as s:
        return tokens.issue(s, actor=CONSOLE, label="admin", unit=s.get(Unit, unit_id))[1]


def _transferred(engine, w, record: str) -> str:
    """An objection the Center received, noted within the provider's scope and transferred to it."""
    with session_scope(engine) as s:
        obj = objections.file(s, actor=CONSOLE, subject_id=w.org_id, kind="error", reason="处罚金额记载错误",
                              evidence=["决定书复印件"], record_ids=[w.records[record]], channel="cli")
        objections.note(s, objection=obj.id, actor=CONSOLE, path="provider")
        objections.transfer(s, objection=obj.id, actor=CONSOLE)
        return objections.number_of(obj)


def _rows(page: str) -> list[tuple[str, str]]:
    """(class, objection number) of each row of the inbox table, in order."""
    return re.findall(r'<tr class="([^"]*)" data-objection="([^"]+)"', page)


@pytest.mark.article("Art. 36.2(2)")
def test_the_inbox_shows_the_overdue_objection_first_and_a_decision_closes_its_step(engine, world,  # noqa: F811
                                                                                      monkeypatch):
    w = world
    monkeypatch.setenv("XINYONG_TODAY", "2025-05-20T10:00:00")
    late = _transferred(engine, w, "current")  # the provider decides within 5 working days: by 2025-05-27
    monkeypatch.setenv("XINYONG_TODAY", PINNED_TODAY)
    fresh = _transferred(engine, w, "arrears")  # transferred today: due 2025-06-23
    c = portal_client(engine)
    assert c.sign_in(_officer_token(engine, PROVIDER_USCC, "PRV-9")).status_code == 303

    page = c.get("/unit/objections")
    assert page.status_code == 200
    assert _rows(page.text) == [("overdue", late), ("", fresh)]
    assert "2025年5月27日" in page.text and 'id="overdue-count"' in page.text

    detail = c.get(f"/unit/objections/{late}")
    assert detail.status_code == 200 and 'id="decision-form"' in detail.text
    # a form without the CSRF token is refused; a decision without its document is refused with its article
    bare = c.post(f"/unit/objections/{late}/decision", data={"outcome": "upheld", "document": "x", "reason": "y"},
                  no_csrf=True)
    assert bare.status_code == 403
    refused = c.post(f"/unit/objections/{late}/decision",
                     data={"outcome": "upheld", "document": " ", "reason": "经核查，处罚金额记载无误"})
    assert refused.status_code == 422 and 'id="refusal"' in refused.text
    assert "/articles/36" in refused.text and "经核查，处罚金额记载无误" in refused.text  # the form keeps what was typed

    done = c.post(f"/unit/objections/{late}/decision",
                  data={"outcome": "upheld", "document": "沪测监异〔2025〕1号", "reason": "经核查，处罚金额记载无误"},
                  follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/unit/objections/{late}?done=decision"
    with session_scope(engine) as s:
        view = objections.view(s, objections.get(s, late))
    step = next(x for x in view["steps"] if x["step"] == "provider-decide")
    assert step["done_on"] == TODAY.isoformat() and step["late"] is True
    assert view["status"] == "decided" and view["decision"]["document"] == "沪测监异〔2025〕1号"
    assert _rows(c.get("/unit/objections").text) == [("", fresh)]

    # The Center informs the objector of the decision from its own inbox: the objection closes.
    center = portal_client(engine)
    center.sign_in(_officer_token(engine, w.operator.unit_uscc, "OPE-9"))
    assert late in center.get("/unit/objections").text
    assert center.post(f"/unit/objections/{late}/inform", data={}, follow_redirects=False).status_code == 303
    assert "已办结" in center.get(f"/unit/objections/{late}").text
    # a unit that does not handle the objection does not see it
    other = portal_client(engine)
    other.sign_in(w.organ_token)
    assert other.get(f"/unit/objections/{fresh}").status_code == 403


@pytest.mark.article("Art. 32.1")
@pytest.mark.article("Art. 28.1")
def test_a_batch_check_shows_measures_with_their_basis_and_the_defect_of_an_invalid_identifier(engine, joint):  # noqa: F811
    w = joint.w
    c = portal_client(engine)
    c.sign_in(w.organ_token)
    assert c.get("/unit/checks").status_code == 200
    listed = "\n".join([ORG_USCC, BAD_USCC, w.person_ric])
    res = c.post("/unit/checks", data={"context": "permit", "subjects": listed})
    assert res.status_code == 200, res.text
    results = res.text[res.text.index('id="results"'):]
    with pytest.raises(InvalidInput) as defect:
        parse_identifier(BAD_USCC, today=TODAY, allow_unlisted_region=True)
    first, second, third = (results.split(f'id="subject-{n}"')[1] for n in (1, 2, 3))
    assert "P-PENALTY" in first and "R-MARKET" in first
    assert html.escape("《上海市社会信用条例》第三十条") in first and "/articles/30" in first  # basis and article
    assert "沪罚〔2024〕1号" in first and "沪市监〔2025〕9号" in first  # the grounds: a record and a list entry
    assert "P-DRAFT" not in results and "P-LATER" not in results  # not announced on the day
    # the defect in the page's language (Chinese: worded from the message's template and values)
    assert str(escape(i18n.translate_message(defect.value.message, "zh"))) in second and "代码无效" in second
    assert "check character is" not in second
    # the person's number only masked in the results (what the officer typed stays in the form)
    assert w.person_ric not in results and w.person_ric[:6] + "********" + w.person_ric[-4:] in third
    links = " ".join(re.findall(r'(?:href|action)="([^"]*)"', res.text))
    assert ORG_USCC not in links and w.person_ric not in links and ORG_USCC not in str(res.url)

    # an uploaded CSV of bidders: the identifier column is found by its header
    data = "名称,统一社会信用代码\n上海测试贸易有限公司,{}\n某公司,{}\n".format(ORG_USCC, BAD_USCC).encode()
    up = c.post("/unit/checks", data={"context": "permit"}, files={"file": ("bidders.csv", data, "text/csv")})
    assert up.status_code == 200 and 'id="subject-2"' in up.text and 'id="subject-3"' not in up.text
    assert "P-PENALTY" in up.text.split('id="subject-1"')[1].split('id="subject-2"')[0]

    # checks are made by an organ (Art. 28.1), through one of its officers (Art. 19(2))
    admin = portal_client(engine)
    admin.sign_in(_unit_token(engine, w.organ.unit_id))
    page = admin.get("/unit/checks")
    assert page.status_code == 403 and "/articles/19" in page.text
    court = portal_client(engine)
    court.sign_in(w.court_token)
    page = court.get("/unit/checks")
    assert page.status_code == 403 and "/articles/28" in page.text


@pytest.mark.article("Art. 19(2)")
def test_an_officer_is_added_limited_and_revoked_and_its_token_no_longer_signs_in(engine, world):  # noqa: F811
    w = world
    admin = portal_client(engine)
    admin.sign_in(_unit_token(engine, w.organ.unit_id))
    assert admin.get("/unit/officers").status_code == 200
    added = admin.post("/unit/officers", data={"staff_no": "ORG-042", "name": "赵六", "items": ["penalty"],
                                               "purposes": ["permit"]})
    assert added.status_code == 200
    token = re.search(r'<code id="new-token">([^<]+)</code>', added.text).group(1)
    assert token.startswith("xy_") and token not in str(added.url)
    assert token not in admin.get("/unit/officers").text  # shown once only
    with session_scope(engine) as s:
        officer = next(o for o in units.officers_of(s, w.organ.unit_id) if o.staff_no == "ORG-042")
        assert (officer.items, officer.purposes) == (["penalty"], ["permit"])
        officer_id = officer.id

    # limits stay within the unit's published list
    refused = admin.post(f"/unit/officers/{officer_id}/limit", data={"items": ["licence"]})
    assert refused.status_code == 422 and "/articles/19" in refused.text
    assert admin.post(f"/unit/officers/{officer_id}/limit", data={"items": ["penalty", "arrears"]},
                      follow_redirects=False).status_code == 303
    with session_scope(engine) as s:
        limited = next(o for o in units.officers_of(s, w.organ.unit_id) if o.id == officer_id)
        assert (limited.items, limited.purposes) == (["penalty", "arrears"], None)

    officer = portal_client(engine)
    assert officer.sign_in(token).status_code == 303
    assert officer.get("/unit/checks").status_code == 200
    assert officer.get("/unit/officers").status_code == 403  # officers are managed with the unit's own token
    revoked = admin.post(f"/unit/officers/{officer_id}/revoke", data={}, follow_redirects=False)
    assert revoked.status_code == 303
    assert officer.get("/unit/checks", follow_redirects=False).status_code == 303  # the session ended
    again = portal_client(engine)
    assert again.sign_in(token).status_code == 401
    assert "已停用" in admin.get("/unit/officers").text
    # another unit's officer is not this unit's to revoke
    other = portal_client(engine)
    other.sign_in(_unit_token(engine, w.court.unit_id))
    assert other.post(f"/unit/officers/{officer_id}/revoke", data={}).status_code == 404
