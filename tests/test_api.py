"""The HTTP API: authentication on every call, the error body, batches, single records."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from xinyong.app import create_app
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.unit import service as units
from xinyong.worker import drain

from .factories import CF_COLUMNS, PROVIDER_USCC, cf_row, to_csv, uscc
from .helpers import TODAY, add_provider


@pytest.fixture
def client(engine):
    with TestClient(create_app(engine)) as c:
        yield c


@pytest.fixture
def provider_token(engine):
    return add_provider(engine)[1]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_every_call_is_authenticated(client):
    res = client.get("/api/v1/catalog")
    assert res.status_code == 401
    body = res.json()
    assert set(body) >= {"error", "message", "article", "article_text"} and body["article"] is None
    assert client.get("/api/v1/catalog", headers=auth("xy_wrong")).status_code == 401


def test_catalog_and_me(client, provider_token):
    items = client.get("/api/v1/catalog", headers=auth(provider_token)).json()
    assert len(items) == 9
    me = client.get("/api/v1/units/me", headers=auth(provider_token)).json()
    assert me["uscc"] == PROVIDER_USCC and "penalty" in me["provides"]


def test_batch_upload_then_status(client, provider_token, engine):
    data = to_csv([cf_row(1), cf_row(2, procedure="simplified"), cf_row(3)], CF_COLUMNS)
    res = client.post("/api/v1/batches", headers=auth(provider_token),
                      files={"file": ("penalties.csv", data, "text/csv")})
    assert res.status_code == 202 and res.json()["status"] == "queued"
    batch_id = res.json()["batch_id"]
    assert client.get(f"/api/v1/batches/{batch_id}", headers=auth(provider_token)).json()["status"] == "queued"
    drain(engine)  # what `xinyong worker` does: the server never imports
    status = client.get(f"/api/v1/batches/{batch_id}", headers=auth(provider_token)).json()
    assert (status["status"], status["accepted"], status["rejected"]) == ("done", 2, 1)
    assert status["rejects"] == [{"line": 3, "field": "procedure", "article": "Art. 9.2(4)",
                                  "reason": status["rejects"][0]["reason"]}]


@pytest.mark.article("Art. 11")
def test_single_record(client, provider_token):
    row = cf_row(7)
    res = client.post("/api/v1/records", headers=auth(provider_token), json=row)
    assert res.status_code == 201 and res.json() == {"status": "accepted"}
    res = client.post("/api/v1/records", headers=auth(provider_token), json=row)
    assert res.status_code == 200 and res.json() == {"status": "already_present"}
    res = client.post("/api/v1/records", headers=auth(provider_token), json={**row, "CF_NR": "另一内容"})
    assert res.status_code == 409 and res.json()["article"] == "Art. 11"
    res = client.post("/api/v1/records", headers=auth(provider_token), json={**cf_row(8), "slight": "是"})
    body = res.json()
    assert res.status_code == 422 and body["article"] == "Art. 9.2(4)"
    assert "第九条" in body["article_text"] or "轻微" in body["article_text"]


def test_only_the_operator_registers_units(client, engine, provider_token):
    body = {"name": "某区市场监管局", "kind": "administrative", "uscc": uscc(8, prefix="11310000")}
    assert client.post("/api/v1/units", headers=auth(provider_token), json=body).status_code == 403
    with session_scope(engine) as s:
        _, op_token = units.add_unit(s, name="上海市公共信用信息服务中心", kind="operator",
                                     uscc=uscc(9, prefix="12310000"), published_on=TODAY, actor=CONSOLE)
    res = client.post("/api/v1/units", headers=auth(op_token), json=body)
    assert res.status_code == 201 and res.json()["token"].startswith("xy_")


def test_records_need_a_provider(client, engine):
    with session_scope(engine) as s:
        _, token = units.add_unit(s, name="某信用服务公司", kind="credit-service", uscc=uscc(10),
                                  published_on=TODAY, actor=CONSOLE)
    assert client.post("/api/v1/records", headers=auth(token), json=cf_row(1)).status_code == 403


def test_identifier_check_in_body_and_masked(client, provider_token):
    res = client.post("/api/v1/subjects/check", headers=auth(provider_token),
                      json={"code": "11010519491231002X"})
    assert res.status_code == 200
    assert res.json()["kind"] == "natural_person" and "19491231" not in res.json()["code"]


def test_openapi_and_docs(client):
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


def test_the_served_app_freezes_what_start_up_allocated(engine):
    import gc

    from xinyong.app import create_served_app

    try:
        app = create_served_app()
        assert gc.get_freeze_count() > 0 and app.title.startswith("xinyong")
    finally:
        gc.unfreeze()
