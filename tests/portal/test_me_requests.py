"""/me/objections, /me/authorizations, /me/remedies, /me/restorations: the subject's requests, on both
databases, through the same services as the API."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from xinyong import crypto
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.models import Authorization, ListRemedy, Objection, Record, RestorationApplication, Subject
from xinyong.objection import service as objections
from xinyong.portal import i18n
from xinyong.restoration import materials
from xinyong.unit import service as units

from ..factories import PROVIDER_USCC
from ..helpers import issue_subject_token
from ..measure.conftest import RESPONSIBLE_RIC, black_list
from .support import portal_client


def _client(engine, subject_id):
    with session_scope(engine) as s:
        token = issue_subject_token(s, s.get(Subject, subject_id))
    client = portal_client(engine)
    assert client.sign_in(token).status_code == 303
    return client


def _provider(s):
    return units.actor_for(units.get_by_uscc(s, PROVIDER_USCC))


@pytest.mark.article("Art. 36.2")
def test_a_citizen_files_an_objection_with_an_evidence_file_and_sees_each_deadline(engine, portal_world):
    client = _client(engine, portal_world.person_id)
    record_id = portal_world.records["person"]
    page = client.get("/me/objections")
    assert page.status_code == 200 and portal_world.docs["person"] in page.text
    evidence = b"%PDF-1.4 receipt of the fine paid " + b"x" * 100
    resp = client.post("/me/objections", data={"kind": "error", "reason": "罚款已缴纳，信息有误",
                                               "record_ids": str(record_id), "evidence": "缴款书 第1号"},
                       files={"evidence_files": ("缴款凭证.pdf", evidence, "application/pdf")},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    oid = int(resp.headers["location"].rsplit("/", 1)[1])
    with session_scope(engine) as s:
        obj = s.get(Objection, oid)
        view = objections.view(s, obj, for_subject=True)
        assert s.get(Record, record_id).objection_open
    import hashlib
    digest = hashlib.sha256(evidence).hexdigest()
    assert view["evidence"] == ["缴款书 第1号", f"缴款凭证.pdf ({len(evidence)} bytes, SHA-256 {digest})"]
    stored = materials.folder() / digest  # kept encrypted, never in plain text
    assert stored.exists() and crypto.is_encrypted_file(stored) and b"receipt" not in stored.read_bytes()
    assert materials.read(digest) == evidence
    detail = client.get(f"/me/objections/{oid}")
    assert detail.status_code == 200
    due = view["steps"][0]["due_on"]
    shown = re.search(r'<td class="due"><time datetime="([^"]+)">([^<]+)</time>', detail.text)
    assert shown.groups() == (due, i18n.format_day(due, "zh"))
    assert digest in detail.text and "缴款凭证.pdf" in detail.text
    assert client.get(f"/me/objections/{oid}?lang=en").text.count(i18n.format_day(due, "en")) >= 1
    listing = client.get("/me/objections?lang=zh")
    assert view["number"] in listing.text and i18n.format_day(due, "zh") in listing.text


@pytest.mark.article("Art. 36.1")
def test_another_subjects_objection_is_not_found(engine, portal_world):
    person = _client(engine, portal_world.person_id)
    resp = person.post("/me/objections", data={"kind": "omission", "reason": "遗漏了表彰信息"},
                       follow_redirects=False)
    assert resp.status_code == 303
    oid = int(resp.headers["location"].rsplit("/", 1)[1])
    org = _client(engine, portal_world.org_id)
    assert org.get(f"/me/objections/{oid}").status_code == 404
    assert org.get("/me/objections/999999").status_code == 404
    assert person.get(f"/me/objections/{oid}").status_code == 200


def test_every_form_posted_without_csrf_token_is_refused(engine, portal_world):
    client = _client(engine, portal_world.person_id)
    for page in ("/me/objections", "/me/authorizations", "/me/remedies", "/me/restorations"):
        text = client.get(page).text  # the page's own forms carry the session's token (a browser posts it)
        assert f'name="csrf_token" value="{client.csrf()}"' in text and 'name="csrf_token" value=""' not in text
    for url in ("/me/objections", "/me/authorizations", "/me/authorizations/1/withdraw", "/me/remedies",
                "/me/restorations"):
        resp = client.post(url, data={"reason": "x", "record_id": "1", "entry_id": "1"}, no_csrf=True)
        assert resp.status_code == 403, url
        assert "/articles/19" in resp.text
    with session_scope(engine) as s:
        assert s.scalar(select(Objection.id)) is None and s.scalar(select(RestorationApplication.id)) is None


def test_the_pages_need_a_subject(engine, portal_world):
    anonymous = portal_client(engine)
    resp = anonymous.get("/me/objections", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login")


@pytest.mark.article("Art. 17.3")
def test_an_authorization_is_granted_and_withdrawn(engine, portal_world):
    client = _client(engine, portal_world.person_id)
    page = client.get("/me/authorizations")
    assert page.status_code == 200 and 'name="items"' in page.text
    refused = client.post("/me/authorizations", data={"unit_uscc": PROVIDER_USCC, "items": "penalty",
                                                      "purpose": "贷款审查", "valid_until": "2025-12-31",
                                                      "document": ""})
    assert refused.status_code == 422 and "/articles/17" in refused.text
    resp = client.post("/me/authorizations", data={"unit_uscc": PROVIDER_USCC, "items": "penalty",
                                                   "purpose": "贷款审查", "valid_until": "2025-12-31",
                                                   "document": "授权书 2025-01"}, follow_redirects=False)
    assert resp.status_code == 303
    with session_scope(engine) as s:
        auth = s.scalar(select(Authorization))
        assert auth.subject_id == portal_world.person_id and auth.items == ["penalty"]
        auth_id = auth.id
    shown = client.get("/me/authorizations")
    assert "授权书 2025-01" in shown.text and f"withdraw-{auth_id}" in shown.text
    other = _client(engine, portal_world.org_id)
    assert other.post(f"/me/authorizations/{auth_id}/withdraw", data={}).status_code == 404
    assert client.post(f"/me/authorizations/{auth_id}/withdraw", data={}, follow_redirects=False).status_code == 303
    with session_scope(engine) as s:
        assert s.get(Authorization, auth_id).withdrawn_at is not None
    assert f"withdraw-{auth_id}" not in client.get("/me/authorizations").text


@pytest.mark.article("Art. 25.3")
def test_a_listed_company_applies_for_remedy_and_follows_it(engine, portal_world):
    from datetime import date

    from xinyong.listing import service as listing

    with session_scope(engine) as s:
        organ = _provider(s)
        list_id = black_list(s, organ)
        org = s.get(Subject, portal_world.org_id)
        entry = listing.enter(s, list_id=list_id, subject=org.identifier, ground="1", ground_text="食品安全",
                              document="沪市监〔2025〕9号", decided_on=date(2025, 6, 1), actor=organ,
                              persons=[{"role": "principal", "name": "李某", "identifier": RESPONSIBLE_RIC}])
        entry_id = entry.id
    client = _client(engine, portal_world.org_id)
    page = client.get("/me/remedies")
    assert "沪市监〔2025〕9号" in page.text and f"remedy-{entry_id}" in page.text
    assert client.post("/me/remedies", data={"entry_id": str(entry_id), "reason": ""}).status_code == 422
    resp = client.post("/me/remedies", data={"entry_id": str(entry_id), "reason": "处罚已被撤销"},
                       follow_redirects=False)
    assert resp.status_code == 303
    with session_scope(engine) as s:
        rem = s.scalar(select(ListRemedy))
        assert rem.subject_id == portal_world.org_id and rem.status == "pending"
        listing.decide_remedy(s, remedy_id=rem.id, decided_by="court", outcome="revoked",
                              document="(2025)沪01行终1号", actor=_provider(s))
    page = client.get("/me/remedies").text
    assert "撤销列入" in page and "(2025)沪01行终1号" in page
    # another subject's entry: refused with its article
    person = _client(engine, portal_world.person_id)
    assert person.post("/me/remedies", data={"entry_id": str(entry_id), "reason": "x"}).status_code in (403, 409)


@pytest.mark.article("Art. 38")
def test_a_restoration_application_goes_to_the_provider_and_a_grant_restores_the_record(engine, portal_world):
    from xinyong.restoration import service as restorations

    client = _client(engine, portal_world.person_id)
    record_id = portal_world.records["person"]
    page = client.get("/me/restorations")
    assert page.status_code == 200 and f'value="{record_id}"' in page.text
    resp = client.post("/me/restorations", data={"record_id": str(record_id), "measure": "fulfilled",
                                                 "reason": "已缴清罚款", "materials": "缴款书"},
                       files={"material_files": ("收据.jpg", b"\xff\xd8 jpeg bytes", "image/jpeg")},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    aid = int(resp.headers["location"].rsplit("/", 1)[1])
    shown = client.get(f"/me/restorations/{aid}").text
    assert "决定单位处理中" in shown and "收据.jpg" in shown and 'id="publicity-minimum"' in shown
    again = client.post("/me/restorations", data={"record_id": str(record_id), "measure": "fulfilled",
                                                  "reason": "再次申请"})
    assert again.status_code == 409 and "/articles/38" in again.text
    assert _client(engine, portal_world.org_id).get(f"/me/restorations/{aid}").status_code == 404
    # the providing unit decides on its own page (/unit/restorations)
    with session_scope(engine) as s:
        provider = _provider(s)
        assert [a["id"] for a in restorations.inbox(s, provider.unit_id)] == [aid]
        unit_token = units.issue_token(s, unit=units.get_by_uscc(s, PROVIDER_USCC), label="clerk", actor=CONSOLE)
    clerk = portal_client(engine)
    assert clerk.sign_in(unit_token).headers["location"] == "/unit"
    inbox = clerk.get("/unit/restorations")
    assert inbox.status_code == 200 and f'id="application-{aid}"' in inbox.text and "收据.jpg" in inbox.text
    unsent = clerk.post(f"/unit/restorations/{aid}/decision", data={"outcome": "granted", "document": ""})
    assert unsent.status_code == 422 and "/articles/38" in unsent.text  # the written proof is named
    assert client.post(f"/unit/restorations/{aid}/decision",
                       data={"outcome": "granted", "document": "x"}).status_code == 403  # not the subject's to decide
    done = clerk.post(f"/unit/restorations/{aid}/decision",
                      data={"outcome": "granted", "document": "信用修复证明 第1号"}, follow_redirects=False)
    assert done.status_code == 303
    assert 'id="restorations-none"' in clerk.get("/unit/restorations").text
    with session_scope(engine) as s:
        assert s.get(Record, record_id).status == "restored"
        assert restorations.inbox(s, provider.unit_id) == []
    shown = client.get(f"/me/restorations/{aid}").text
    assert "准予修复" in shown and 'id="restored"' in shown and "信用修复证明 第1号" in shown
    # a restored record cannot be applied for again, and is not offered
    assert f'value="{record_id}"' not in client.get("/me/restorations").text
