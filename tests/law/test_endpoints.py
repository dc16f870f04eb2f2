from __future__ import annotations

import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from xinyong.law.endpoints import router  # noqa: E402
from xinyong.law.errors import LawError  # noqa: E402


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)

    @app.exception_handler(LawError)
    async def _law_error(_request: Request, exc: LawError) -> JSONResponse:
        return JSONResponse({"error": exc.code, "message": exc.message, "article": exc.article}, status_code=exc.status)

    return TestClient(app)


def test_article_text(client):
    r = client.get("/law/articles/Art. 36.2(1)")
    assert r.status_code == 200
    assert r.json()["zh"] == "第三十六条第二款第（一）项"
    assert "五个工作日" in r.json()["text"]
    assert client.get("/law/articles/Art. 57").json()["error"] == "unknown_article"
    assert len(client.get("/law/articles").json()) == 56


def test_parameters(client):
    r = client.get("/law/parameters/objection.center.decide_working_days", params={"on": "2026-03-02"})
    assert r.json()["value"] == 5 and r.json()["article"] == "Art. 36.2(1)"
    r = client.get("/law/parameters/objection.center.decide_working_days", params={"on": "2017-09-30"})
    assert r.status_code == 409
    assert r.json()["error"] == "parameter_not_in_force"
    assert r.json()["article"] == "Art. 36.2(1)"
    assert any(p["name"] == "regulation.in_force_from" for p in client.get("/law/parameters").json())


def test_due_and_deadline(client):
    assert client.get("/law/due", params={"start": "2026-10-01", "n": 1}).json()["due"] == "2026-10-08"
    r = client.get("/law/due", params={"start": "2026-12-30", "n": 5})
    assert r.status_code == 409 and r.json()["error"] == "unknown_calendar_year" and "2027" in r.json()["message"]
    d = client.get("/law/deadlines/restoration.hide_working_days", params={"start": "2026-05-08"}).json()
    assert d == {
        "due": "2026-05-12",
        "basis_parameter": "restoration.hide_working_days",
        "value": 3,
        "article": "Art. 38",
        "start": "2026-05-08",
    }
