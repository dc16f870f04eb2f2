"""The objection API: the subject files with its own token, parties act with theirs, outsiders see nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from xinyong.app import create_app

from .conftest import ORG_USCC, subject_token


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(engine):
    return TestClient(create_app(engine))


@pytest.mark.article("Art. 36.2(2)")
def test_api_provider_path_end_to_end(client, engine, world, pin):
    w = world
    pin("2025-09-30")
    me = _h(subject_token(engine, w.org_id))
    res = client.post("/api/v1/objections", headers=me, json={
        "record_ids": [w.records["a"]], "kind": "error", "reason": "金额错误", "evidence": ["缴款凭证"]})
    assert res.status_code == 201, res.text
    body = res.json()
    number = body["number"]
    assert body["status"] == "filed" and body["steps"][0]["due_on"] == "2025-10-09"
    # The record carries the marker in the subject's own inquiry.
    ans = client.post("/api/v1/inquiries", headers=me, json={}).json()
    assert next(r for r in ans["records"] if r["id"] == w.records["a"])["markers"] == ["under_objection"]
    center, provider = _h(w.center_token), _h(w.provider_token)
    # The provider sees nothing before the transfer; an outsider never.
    assert client.get(f"/api/v1/objections/{number}", headers=provider).status_code == 403
    assert client.get(f"/api/v1/objections/{number}", headers=_h(w.agency_token)).status_code == 403
    other = _h(subject_token(engine, w.other_org_id))
    assert client.get(f"/api/v1/objections/{number}", headers=other).status_code == 403
    res = client.post(f"/api/v1/objections/{number}/decision", headers=provider,
                      json={"outcome": "upheld", "document": "d", "reason": "r"})
    assert res.status_code == 422 and res.json()["article"] == "Art. 36.2"
    assert res.json()["article_text"]
    res = client.post(f"/api/v1/objections/{number}/note", headers=center, json={"path": "provider"})
    assert res.status_code == 200, res.text
    inbox = client.get("/api/v1/objections/inbox", headers=center).json()
    assert [(i["objection"], i["step"], i["due_on"]) for i in inbox] == [(number, "transfer", "2025-10-10")]
    pin("2025-10-09")
    assert client.post(f"/api/v1/objections/{number}/transfer", headers=center).status_code == 200
    inbox = client.get("/api/v1/objections/inbox", headers=provider).json()
    assert [(i["objection"], i["step"], i["due_on"], i["basis"]["article"]) for i in inbox] == [
        (number, "provider-decide", "2025-10-15", "Art. 36.2(2)")]
    assert client.get(f"/api/v1/objections/{number}", headers=provider).status_code == 200
    res = client.post(f"/api/v1/objections/{number}/decision", headers=_h(w.other_provider_token),
                      json={"outcome": "upheld", "document": "d", "reason": "r"})
    assert res.status_code == 403 and res.json()["article"] == "Art. 36.2(2)"
    res = client.post(f"/api/v1/objections/{number}/decision", headers=provider,
                      json={"outcome": "corrected", "document": "沪市监复〔2025〕9号", "reason": "复核更正",
                            "changes": {"content": "罚款人民币200元", "fine_wan": "0.02"}})
    assert res.status_code == 200, res.text
    mine = client.get("/api/v1/objections/inbox", headers=me).json()
    assert mine[0]["status"] == "decided" and mine[0]["decision"] is None  # not told yet
    assert client.post(f"/api/v1/objections/{number}/inform", headers=center).status_code == 200
    mine = client.get("/api/v1/objections/inbox", headers=me).json()
    assert mine[0]["status"] == "closed"
    assert (mine[0]["decision"]["outcome"], mine[0]["decision"]["reasons"]) == ("corrected", "复核更正")
    assert mine[0]["decision"]["information_source"].startswith("上海市测试监督管理局")
    ans = client.post("/api/v1/inquiries", headers=me, json={}).json()
    rec = next(r for r in ans["records"] if r["id"] == w.records["a"])
    assert rec["markers"] == [] and rec["content"]["content"] == "罚款人民币200元"


@pytest.mark.article("Art. 36.1")
def test_api_filing_is_the_subjects_own(client, engine, world):
    w = world
    me = _h(subject_token(engine, w.org_id))
    res = client.post("/api/v1/objections", headers=me, json={"record_ids": [w.records["foreign"]],
                                                             "reason": "r"})
    assert res.status_code == 403 and res.json()["article"] == "Art. 36.1"
    res = client.post("/api/v1/objections", headers=_h(w.provider_token),
                      json={"subject": ORG_USCC, "record_ids": [], "reason": "r"})
    assert res.status_code == 403  # units do not file objections for subjects (only the Center enters them)
    res = client.post("/api/v1/objections", headers=_h(w.center_token), json={"record_ids": [], "reason": "r"})
    assert res.status_code == 422 and res.json()["field"] == "subject"  # the Center names the subject
    res = client.post("/api/v1/objections", headers=me, json={"subject": ORG_USCC, "reason": "r"})
    assert res.status_code == 422 and res.json()["field"] == "subject"  # a subject files about itself
    assert client.get("/api/v1/objections/inbox").status_code == 401


@pytest.mark.article("Art. 36.3")
def test_api_credit_service_establishment(client, engine, world, pin):
    w = world
    pin("2025-09-30")
    me = _h(subject_token(engine, w.org_id))
    res = client.post("/api/v1/objections", headers=me, json={
        "record_ids": [w.records["c"]], "kind": "rights", "reason": "未经同意提供", "to_uscc": w.agency.unit_uscc})
    assert res.status_code == 201, res.text
    number = res.json()["number"]
    agency = _h(w.agency_token)
    assert client.get(f"/api/v1/objections/{number}", headers=_h(w.center_token)).status_code == 403
    res = client.post(f"/api/v1/objections/{number}/note", headers=_h(w.center_token), json={})
    assert res.status_code == 403 and res.json()["article"] == "Art. 36.3"
    assert client.post(f"/api/v1/objections/{number}/note", headers=agency, json={}).status_code == 200
    inbox = client.get("/api/v1/objections/inbox", headers=agency).json()
    assert [(i["step"], i["due_on"]) for i in inbox] == [("decide", "2025-10-16")]
    res = client.post(f"/api/v1/objections/{number}/decision", headers=agency,
                      json={"outcome": "upheld", "document": "评估〔2025〕1号", "reason": "",
                            "information_source": "上海市公共信用信息服务平台"})
    assert res.status_code == 422 and res.json()["article"] == "Art. 36.3"
    res = client.post(f"/api/v1/objections/{number}/decision", headers=agency,
                      json={"outcome": "upheld", "document": "评估〔2025〕1号", "reason": "经授权使用",
                            "information_source": "上海市公共信用信息服务平台"})
    assert res.status_code == 200, res.text
    mine = client.get(f"/api/v1/objections/{number}", headers=me).json()
    assert mine["decision"]["reasons"] == "经授权使用" and mine["status"] == "closed"
