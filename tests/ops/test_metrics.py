"""GET /metrics: requests by route template and status (never the path), inquiries by decision and article,
and what the database says when scraped — rows imported and rejected, objection steps overdue, late purges,
the seal; the token when one is configured; several processes summed in multiprocess mode."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest
from fastapi.testclient import TestClient

from xinyong.app import create_app
from xinyong.audit.seal import seal
from xinyong.auth import CONSOLE, PUBLIC
from xinyong.db import session_scope
from xinyong.inquiry import service as inquiry
from xinyong.models import Record
from xinyong.objection import service as objections
from xinyong.record import workflows

from ..factories import CF_COLUMNS, cf_row, to_csv, uscc
from ..helpers import add_provider, run_file

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _value(text: str, name: str, **labels: str) -> float | None:
    """The sample ``name{labels}`` of an exposition text (labels in any order), or None."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(found.get(k) == v for k, v in labels.items()) and len(found) == len(labels):
            return float(m.group(4))
    return None


@pytest.fixture
def client(engine):
    return TestClient(create_app(engine))


def test_requests_are_counted_by_route_template_and_status_never_by_path(client):
    batch = str(uuid.uuid4())
    before = _value(client.get("/metrics").text, "xinyong_http_request_duration_seconds_count",
                    method="GET", route="/api/v1/batches/{batch_id}", status="401") or 0
    assert client.get(f"/api/v1/batches/{batch}").status_code == 401
    assert client.get("/no/such/page/310115198402290123").status_code == 404
    text = client.get("/metrics").text
    assert _value(text, "xinyong_http_request_duration_seconds_count",
                  method="GET", route="/api/v1/batches/{batch_id}", status="401") == before + 1
    assert _value(text, "xinyong_http_request_duration_seconds_count",
                  method="GET", route="unmatched", status="404") >= 1
    assert batch not in text and "310115198402290123" not in text and "/no/such" not in text


@sqlite_only
def test_inquiries_are_counted_by_decision_and_article(engine, client, tmp_path):
    provider, _ = add_provider(engine)
    run_file(engine, provider, tmp_path, to_csv([cf_row(1)], CF_COLUMNS))
    def counted(text):
        return (_value(text, "xinyong_inquiries_total", decision="allow", article="Art. 15") or 0,
                _value(text, "xinyong_inquiries_total", decision="notfound", article="Art. 15") or 0)

    before = counted(client.get("/metrics").text)
    with session_scope(engine) as s:
        known = inquiry.inquire(s, actor=PUBLIC, subject=uscc(1), channel="api")
        unknown = inquiry.inquire(s, actor=PUBLIC, subject=uscc(777), channel="api")
        unknown_again = inquiry.inquire(s, actor=PUBLIC, subject=uscc(778), channel="api")
    assert known.allowed and known.records and not unknown.records and not unknown_again.records
    # counted as logged: the article of the decision (public information, Art. 15), "notfound" for an
    # identifier the platform does not know
    assert counted(client.get("/metrics").text) == (before[0] + 1, before[1] + 2)


def test_database_metrics_imports_objections_purges_and_the_seal(engine, client, monkeypatch, tmp_path):
    provider, _ = add_provider(engine)
    result = run_file(engine, provider, tmp_path, to_csv([cf_row(1), cf_row(2), cf_row(3, CF_XDR_SHXYM="nonsense")],
                                                         CF_COLUMNS))
    assert (result.accepted, result.rejected) == (2, 1)
    with session_scope(engine) as s:
        rec, other = s.query(Record).order_by(Record.id).limit(2).all()
        workflows.revoke(s, record_id=rec.id, document="沪府复决〔2025〕3号", decided_by="reconsideration",
                         reason="", actor=provider)  # due within 3 working days: 2025-06-19
        objections.file(s, actor=CONSOLE, subject_id=other.subject_id, kind="error", reason="金额有误",
                        record_ids=[other.id], channel="cli")  # noted within 1 working day: 2025-06-17
    text = client.get("/metrics").text
    assert _value(text, "xinyong_import_rows_total", outcome="accepted") == 2
    assert _value(text, "xinyong_import_rows_total", outcome="rejected") == 1
    assert _value(text, "xinyong_batches", status="done") == 1
    assert _value(text, "xinyong_objection_steps_overdue") == 0
    assert (_value(text, "xinyong_purges_pending"), _value(text, "xinyong_purges_late")) == (1, 0)
    assert _value(text, "xinyong_audit_seconds_since_seal") is None  # never sealed
    assert _value(text, "xinyong_database_up") == 1 and _value(text, "xinyong_ready") == 1

    monkeypatch.setenv("XINYONG_TODAY", "2025-06-20T10:00:00")  # a Friday: both deadlines passed
    text = client.get("/metrics").text
    assert _value(text, "xinyong_objection_steps_overdue") == 1
    assert _value(text, "xinyong_purges_late") == 1
    assert _value(text, "xinyong_audit_seal_late") == 1  # four days of unsealed events
    seal(engine)
    text = client.get("/metrics").text
    assert _value(text, "xinyong_audit_seal_late") == 0
    assert 0 <= _value(text, "xinyong_audit_seconds_since_seal") < 60
    assert _value(text, "xinyong_audit_oldest_unsealed_seconds") == 0


@sqlite_only
def test_the_metrics_token_when_configured(client, monkeypatch):
    monkeypatch.setenv("XINYONG_METRICS_TOKEN", "scrape-secret")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    r = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert "scrape-secret" not in r.text


def test_several_processes_are_summed_in_multiprocess_mode(tmp_path):
    """What `xinyong serve --workers N` sets up: each process writes its counters under the directory, and
    /metrics (whichever worker answers) sums them."""
    from xinyong.ops.metrics import prepare_multiprocess

    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_999.db").write_bytes(b"stale")  # a previous run's: emptied at start
    saved = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    try:
        prepare_multiprocess(directory)
        env = {**os.environ}
    finally:
        if saved is None:
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        else:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = saved
    assert not (directory / "counter_999.db").exists() and env["PROMETHEUS_MULTIPROC_DIR"] == str(directory)
    count = ("from xinyong.ops import counters\n"
             "for _ in range({n}): counters.request('POST', '/api/v1/inquiries', 200, 0.002)\n"
             "counters.inquiry('allow', 'Art. 17')\n")
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", count.format(n=n)], env=env, check=True, timeout=60)
    scrape = ("from prometheus_client import generate_latest\n"
              "from xinyong.ops.metrics import render\n"
              "from xinyong.db import make_engine\n"
              f"body, _ = render(make_engine('sqlite:///{tmp_path / 'none.db'}'))\n"
              "print(body.decode())\n")
    text = subprocess.run([sys.executable, "-c", scrape], env=env, check=True, timeout=60, capture_output=True,
                          text=True).stdout
    assert _value(text, "xinyong_http_request_duration_seconds_count", method="POST",
                  route="/api/v1/inquiries", status="200") == 7
    assert _value(text, "xinyong_inquiries_total", decision="allow", article="Art. 17") == 2
    assert _value(text, "xinyong_database_up") == 1  # the database metrics come along (here: not migrated)
