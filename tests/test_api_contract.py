"""The API contract: every operation declares its success model and the error statuses its dependencies can
produce, with the one error body; pre-built (hot) bodies match their models; odd input is a 4xx, never a 500;
malformed JSON names its position; an unexpected error is a generic 500; the docs work offline.

The walk over the routes is dynamic: a route added later (by any domain) is held to the same contract.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPBearer
from fastapi.testclient import TestClient

from xinyong.app import create_app
from xinyong.audit import seal
from xinyong.audit.schemas import CheckpointRead
from xinyong.error_model import ErrorRead
from xinyong.grading.schemas import GradeRead, GradingRulesRead
from xinyong.inquiry.schemas import InquiryRead
from xinyong.measure.schemas import CheckRead
from xinyong.report.schemas import ReportRead

from xinyong.subject.identifiers import mask_ric

from .factories import ric
from .helpers import add_provider
from .measure.conftest import Joint, joint, world  # noqa: F401  (fixtures)
from .inquiry.conftest import ORG_USCC, subject_token


@pytest.fixture(scope="module")
def app():
    # The routes and the OpenAPI document do not depend on the database: built once.
    return create_app(engine=object())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def openapi(app) -> dict:
    return app.openapi()


def _api_routes(app):
    for rc in iter_route_contexts(app.routes):
        if isinstance(rc.original_route, APIRoute) and rc.path.startswith("/api/") and rc.include_in_schema:
            yield rc


def _calls(dependant):
    for d in dependant.dependencies:
        yield d.call
        yield from _calls(d)


def _authenticated(dependant) -> bool:
    return any(isinstance(call, HTTPBearer) for call in _calls(dependant))


def _params(dependant, kind: str) -> list:
    out = list(getattr(dependant, kind))
    for d in dependant.dependencies:
        out += _params(d, kind)
    return out


def required_statuses(rc) -> set[str]:
    """What a route's own dependencies can answer, whatever its body does."""
    dep = rc.dependant
    need = {"429"}  # the rate limits stand in front of every route
    if _authenticated(dep):
        need |= {"401", "403"}
    if _params(dep, "path_params"):
        need |= {"404", "422"}
    if _params(dep, "query_params") or _params(dep, "body_params") or _params(dep, "path_params"):
        need |= {"422"}
    return need


def test_the_walk_sees_every_api_operation(app, openapi):
    walked = {(m, rc.path) for rc in _api_routes(app) for m in rc.methods}
    documented = {(m.upper(), p) for p, ops in openapi["paths"].items() if p.startswith("/api/") for m in ops}
    assert walked == documented and len(walked) >= 55


def test_every_operation_documents_what_its_dependencies_can_answer(app, openapi):
    missing = []
    for rc in _api_routes(app):
        for method in rc.methods:
            op = openapi["paths"][rc.path][method.lower()]
            lacking = required_statuses(rc) - set(op["responses"])
            if lacking:
                missing.append(f"{method} {rc.path}: {sorted(lacking)}")
    assert not missing, "undocumented statuses:\n" + "\n".join(missing)


def test_every_authenticated_route_is_found_authenticated(app):
    # the dependency walk is what the test above relies on: the routes known to need a token are found so
    authenticated = {rc.path for rc in _api_routes(app) if _authenticated(rc.dependant)}
    assert {"/api/v1/inquiries", "/api/v1/checks", "/api/v1/law/articles/{ref}", "/api/v1/catalog",
            "/api/v1/records/{record_id}/corrections"} <= authenticated
    assert "/api/v1/public/checkpoint" not in authenticated


def _resolve(openapi: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_success_has_a_schema_and_every_error_the_error_body(openapi):
    problems = []
    for path, ops in openapi["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in ops.items():
            label = f"{method.upper()} {path}"
            successes = {s: r for s, r in op["responses"].items() if s.startswith("2")}
            if not successes:
                problems.append(f"{label}: no success response")
            for status, res in successes.items():
                content = res.get("content") or {}
                if not content:
                    problems.append(f"{label} {status}: no content")
                for media, body in content.items():
                    schema = body.get("schema") or {}
                    if media == "application/json":
                        resolved = _resolve(openapi, schema)
                        if resolved.get("type") not in ("object", "array") and "anyOf" not in resolved:
                            problems.append(f"{label} {status}: JSON schema {schema} is not an object or array")
            for status, res in op["responses"].items():
                if status[0] in "45":
                    schema = ((res.get("content") or {}).get("application/json") or {}).get("schema") or {}
                    if schema.get("$ref", "").rsplit("/", 1)[-1] != "ErrorRead":
                        problems.append(f"{label} {status}: not the error body ({schema})")
    assert not problems, "\n".join(problems)


def test_the_error_body_is_documented_once(openapi):
    error = openapi["components"]["schemas"]["ErrorRead"]
    assert set(error["required"]) == {"error", "message", "article", "article_text"}
    assert set(error["properties"]) == {"error", "message", "article", "article_text", "field", "details"}
    assert "HTTPValidationError" not in openapi["components"]["schemas"]  # no 422 documents FastAPI's body


# --------------------------------------------------------------------------------------------
# Behaviour


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(engine):
    with TestClient(create_app(engine)) as c:
        yield c


@pytest.fixture
def token(engine) -> str:
    """A providing unit's token: enough to pass authentication (these tests are about what comes after)."""
    return add_provider(engine)[1]


def _error(res, status: int) -> dict:
    assert res.status_code == status, res.text
    body = res.json()
    ErrorRead.model_validate(body)
    return body


def test_the_law_answers_404_or_422_never_500(client, token):
    for ref in ("0", "57", "1.99", "Art. 36.9", "Art. 36.2(9)", "第五十七条", "第三十六条第九款", "99999999999999999999"):
        body = _error(client.get(f"/api/v1/law/articles/{ref}", headers=auth(token)), 404)
        assert body["error"] == "unknown_article", ref
    # a missing paragraph or item names the article it would be in
    assert client.get("/api/v1/law/articles/Art. 36.9", headers=auth(token)).json()["article"] == "Art. 36"
    assert client.get("/api/v1/law/articles/第三十六条第九款", headers=auth(token)).json()["article_text"]
    for ref in ("abc", "Art.", "36..2", "第零条", "-1"):
        assert _error(client.get(f"/api/v1/law/articles/{ref}", headers=auth(token)), 422)["error"] == "invalid_input"
    assert client.get("/api/v1/law/articles/Art. 36.2(1)", headers=auth(token)).status_code == 200

    h = auth(token)
    assert _error(client.get("/api/v1/law/parameters/nope", params={"on": "2025-06-16"}, headers=h),
                  404)["error"] == "unknown_parameter"
    assert _error(client.get("/api/v1/law/deadlines/nope", params={"start": "2025-06-16"}, headers=h), 404)
    # a parameter that is not a number of working days cannot make a working-day deadline
    body = _error(client.get("/api/v1/law/deadlines/inquiry.untrustworthy_period_years",
                             params={"start": "2025-06-16"}, headers=h), 422)
    assert body["article"].startswith("Art. 35")
    _error(client.get("/api/v1/law/due", params={"start": "9999-12-30", "n": 1}, headers=h), 422)
    assert client.get("/api/v1/law/deadlines/objection.center.decide_working_days",
                      params={"start": "2025-06-16"}, headers=h).status_code == 200


def test_odd_input_is_a_clean_4xx(client, token):
    """Malformed JSON names its line and column; bodies of the wrong shape, text the databases cannot store,
    ids out of range, unknown paths and methods: the error body, never a 500."""
    h = {**auth(token), "Content-Type": "application/json"}
    res = client.post("/api/v1/subjects/check", headers=h, content='{"code": "x",\n  "other": }')
    body = _error(res, 422)
    assert body["error"] == "invalid_json" and body.get("field") is None
    assert body["details"] == {"line": 2, "column": 12, "position": 25, "reason": "Expecting value"}
    assert "line 2, column 12" in body["message"]

    h = auth(token)
    for bad in ([1, 2], "text", 5, None, {}):
        body = _error(client.post("/api/v1/subjects/check", headers=h, json=bad), 422)
        assert body["error"] == "invalid_input" and body["message"]
    body = _error(client.post("/api/v1/subjects/check", headers=h, json={"code": 5}), 422)
    assert body["field"] == "code"
    # not UTF-8, not JSON at all
    res = client.post("/api/v1/subjects/check", headers={**h, "Content-Type": "application/json"},
                      content=b'{"code": "\xff\xfe"}')
    assert _error(res, 422)["error"] in ("invalid_input", "invalid_json")
    res = client.post("/api/v1/subjects/check", headers={**h, "Content-Type": "text/plain"}, content=b"code")
    _error(res, 422)

    for name in ("a\x00b", "a\ud800b"):  # sent as JSON escapes (\u0000, \ud800)
        payload = {"code": "BL-X", "name": name, "keeper_organ": "x", "entry_standard": "x", "legal_basis": "x",
                   "entry_requirements": "x", "removal_requirements": "x", "remedy_paths": "x"}
        res = client.post("/api/v1/lists", headers={**h, "Content-Type": "application/json"},
                          content=json.dumps(payload))
        assert _error(res, 422)["field"] == "name"
        res = client.post("/api/v1/records", headers={**h, "Content-Type": "application/json"},
                          content=json.dumps({"catalog_item": "penalty", "subject_name": name}))
        assert _error(res, 422)["error"] == "invalid_input"

    body = {"document": "沪罚〔2025〕1号", "decided_by": "上海市某局"}
    for rid in ("0", "-3", str(2**63), "99999999999999999999999", "abc"):
        _error(client.post(f"/api/v1/records/{rid}/revocation", headers=h, json=body), 422)
    _error(client.post(f"/api/v1/records/{2**63 - 1}/revocation", headers=h, json=body), 404)

    assert _error(client.get("/api/v1/nowhere", headers=h), 404)["error"] == "not_found"
    assert _error(client.delete("/api/v1/catalog", headers=h), 405)["error"] == "method_not_allowed"


def test_an_unexpected_error_is_a_generic_500_without_personal_data(client, token, monkeypatch, caplog):
    from xinyong.catalog import service

    number = ric(date(1980, 1, 2))

    def boom(_session):
        raise RuntimeError(f"lost the thread while reading {number}")

    monkeypatch.setattr(service, "list_items", boom)
    server_log = logging.getLogger("uvicorn.error")  # it may not propagate (uvicorn's own configuration)
    server_log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.ERROR, logger="uvicorn.error"):
            res = client.get("/api/v1/catalog", headers=auth(token))
    finally:
        server_log.removeHandler(caplog.handler)
    body = _error(res, 500)
    assert body["error"] == "internal_error" and number not in res.text and "thread" not in res.text
    incident = re.search(r"incident ([0-9a-f]{12})", body["message"]).group(1)
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert logged and number not in caplog.text and mask_ric(number) in caplog.text  # the traceback, masked


# --------------------------------------------------------------------------------------------
# The hot routes' pre-built bodies, held to their models (extra keys forbidden)


def test_pre_built_bodies_match_their_models(client, engine, joint):  # noqa: F811
    w = joint.w
    organ, subject = auth(w.organ_token), auth(subject_token(engine, w.org_id))

    res = client.post("/api/v1/inquiries", headers=organ, json={"subject": ORG_USCC, "purpose": "permit"})
    assert res.status_code == 200, res.text
    answer = InquiryRead.model_validate(res.json())
    assert answer.records and answer.subject and answer.subject.id == w.org_id

    res = client.post("/api/v1/checks", headers=organ, json={"subjects": [ORG_USCC, "not-an-id"],
                                                              "context": "permit"})
    assert res.status_code == 200, res.text
    check = CheckRead.model_validate(res.json())
    found, invalid = check.subjects
    assert found.measures and all(m.grounds for m in found.measures) and invalid.error is not None

    mine = client.get("/api/v1/me/grade", headers=subject)
    assert mine.status_code == 200, mine.text
    assert GradeRead.model_validate(mine.json()).contributions
    res = client.post("/api/v1/grades", headers=organ, json={"subject": ORG_USCC, "purpose": "permit"})
    assert res.status_code == 200, res.text
    assert GradeRead.model_validate(res.json()).inquiry_id
    GradingRulesRead.model_validate(client.get("/api/v1/grading-rules").json())

    res = client.post("/api/v1/me/reports", headers=subject, json={"format": "json"})
    assert res.status_code == 201, res.text
    report = ReportRead.model_validate(res.json())
    assert report.inquiries and any(g.records for s in report.sections for g in s.groups)
    again = client.get(f"/api/v1/me/reports/{report.number}", headers=subject)
    assert ReportRead.model_validate(again.json()).number == report.number
    res = client.post("/api/v1/reports", headers=organ, json={"subject": ORG_USCC, "purpose": "permit"})
    assert res.status_code == 201, res.text
    ReportRead.model_validate(res.json())

    seal.seal(engine)
    doc = client.get("/api/v1/public/checkpoint/document")
    assert doc.status_code == 200, doc.text
    CheckpointRead.model_validate(doc.json())


# --------------------------------------------------------------------------------------------
# Documentation, offline


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_only_local_files(app, page):
    with TestClient(app) as c:
        res = c.get(page)
        assert res.status_code == 200
        refs = re.findall(r"""(?:src|href|spec-url)=["']([^"']+)["']|url: ['"]([^'"]+)['"]""", res.text)
        urls = [a or b for a, b in refs]
        assert urls and not re.search(r"https?://", res.text), urls
        for url in urls:
            assert url.startswith("/"), url
            got = c.get(url)
            assert got.status_code == 200 and got.content, url
