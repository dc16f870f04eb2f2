"""The hot routes' own door (``xinyong.hotroutes``) answers exactly as the FastAPI routes do: the same status,
body and headers, the same log rows and refusal traces; what it does not take goes to FastAPI untouched."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from xinyong.app import create_app
from xinyong.db import session_scope
from xinyong.hotroutes import HotRoutes
from xinyong.models import AuditEvent, InquiryLog

from .inquiry.conftest import ORG_USCC, world  # noqa: F401

pytestmark = pytest.mark.article("Art. 34.1")

IDS = ("inquiry_id", "check_id")


def _without_ids(value):
    """The body with the ids a new log row or check gets (they differ between two requests by nature)."""
    if isinstance(value, dict):
        return {k: ("<id>" if k in IDS and isinstance(v, int) else _without_ids(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _seen(res) -> tuple:
    headers = {k: v for k, v in res.headers.items() if k != "content-length"}
    try:
        body = _without_ids(res.json())
    except json.JSONDecodeError:
        body = res.text
    return res.status_code, body, headers


def _counts(engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return (s.scalar(select(func.count()).select_from(InquiryLog)),
                s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("refusal:%"))))


def _cases(world):  # noqa: F811
    organ = {"Authorization": f"Bearer {world.organ_token}"}
    court = {"Authorization": f"Bearer {world.court_token}"}
    permit = {"subject": ORG_USCC, "purpose": "permit"}
    return [
        # (name, path, headers, json or raw body, taken by the hot door)
        ("allowed", "/api/v1/inquiries", organ, permit, True),
        ("a natural person", "/api/v1/inquiries", organ, {"subject": world.person_ric, "purpose": "permit"},
         True),
        ("denied: no purpose for a court", "/api/v1/inquiries", court, {"subject": ORG_USCC}, True),
        ("unknown subject", "/api/v1/inquiries", organ, {"subject": "91310000MA1FL0AB3X", "purpose": "permit"}, True),
        ("malformed identifier", "/api/v1/inquiries", organ, {"subject": "not-an-id", "purpose": "permit"}, True),
        ("unknown token", "/api/v1/inquiries", {"Authorization": "Bearer xy_nope"}, permit, True),
        ("scheme in lower case", "/api/v1/inquiries", {"Authorization": f"bearer {world.organ_token}"}, permit, True),
        ("an undeclared key", "/api/v1/inquiries", organ, {**permit, "extra": 1}, True),
        ("no token", "/api/v1/inquiries", {}, permit, False),
        ("another scheme", "/api/v1/inquiries", {"Authorization": f"Basic {world.organ_token}"}, permit, False),
        ("too long", "/api/v1/inquiries", organ, {"subject": "9" * 65, "purpose": "permit"}, False),
        ("not JSON", "/api/v1/inquiries", {**organ, "Content-Type": "application/json"}, b'{"subject": ', False),
        ("not an object", "/api/v1/inquiries", {**organ, "Content-Type": "application/json"}, b"[1, 2]", False),
        ("another content type", "/api/v1/inquiries", {**organ, "Content-Type": "text/plain"},
         json.dumps(permit).encode(), False),
        ("a check", "/api/v1/checks", organ, {"subjects": [ORG_USCC, world.person_ric], "context": "permit"},
         True),
        ("a check by a court", "/api/v1/checks", court, {"subjects": [ORG_USCC], "context": "permit"}, True),
        ("a check of nobody", "/api/v1/checks", organ, {"subjects": [], "context": "permit"}, True),
        ("a check with a bad identifier", "/api/v1/checks", organ, {"subjects": ["x"], "context": "permit"}, True),
    ]


def _post(client, path, headers, body):
    if isinstance(body, bytes):
        return client.post(path, headers=headers, content=body)
    return client.post(path, headers=headers, json=body)


def _hot_door(app) -> HotRoutes:
    layer = app.middleware_stack
    while not isinstance(layer, HotRoutes):
        layer = layer.app
    return layer


def test_both_doors_answer_every_request_alike(engine, world):  # noqa: F811
    hot, plain = TestClient(create_app(engine)), TestClient(create_app(engine, hot_routes=False))
    assert hot.get("/healthz").status_code == 200  # its middleware (the hot door) is built now
    door = _hot_door(hot.app)
    taken_by_door: list[str] = []
    for path, route in list(door.routes.items()):
        async def spy(*a, _real=route.answer, _path=path, **kw):
            taken_by_door.append(_path)
            return await _real(*a, **kw)
        door.routes[path] = replace(route, answer=spy)

    for name, path, headers, body, taken in _cases(world):
        before = _counts(engine)
        taken_by_door.clear()
        a = _post(hot, path, headers, body)
        middle = _counts(engine)
        b = _post(plain, path, headers, body)
        after = _counts(engine)
        assert _seen(a) == _seen(b), name
        assert middle[0] - before[0] == after[0] - middle[0], f"{name}: the log rows differ"
        assert middle[1] - before[1] == after[1] - middle[1], f"{name}: the refusal traces differ"
        assert bool(taken_by_door) == taken, f"{name}: taken by the hot door: {taken_by_door}, expected {taken}"
        if a.status_code == 200 and "inquiry_id" in a.json():
            assert a.json()["inquiry_id"] != b.json()["inquiry_id"]  # each request its own log row
    assert _seen(hot.get("/api/v1/inquiries")) == _seen(plain.get("/api/v1/inquiries"))  # a GET: 405 from FastAPI


def test_the_hot_door_names_the_route_in_the_metrics(engine, world):  # noqa: F811
    client = TestClient(create_app(engine))
    res = client.post("/api/v1/inquiries", headers={"Authorization": f"Bearer {world.organ_token}"},
                      json={"subject": ORG_USCC, "purpose": "permit"})
    assert res.status_code == 200
    metrics = client.get("/metrics").text
    assert any(line.startswith("xinyong_http_request_duration_seconds_count{") and 'route="/api/v1/inquiries"' in line
               and 'status="200"' in line for line in metrics.splitlines()), metrics[:2000]
