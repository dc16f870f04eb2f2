"""The exchange through the API (a partner platform's token pulls its export and pushes its own) and the
operator's console page, on both databases. The other platform is played by the test (``peer.Peer``)."""

from __future__ import annotations

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from xinyong.app import create_app
from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.exchange import formats, keys, service
from xinyong.models import ExchangeReceived, InquiryLog, Record, Unit
from xinyong.report import service as reports

from ..factories import cf_row, person_cf_row, to_csv, uscc
from ..helpers import TODAY, add_provider, run_file
from ..portal.test_console_pages import _operator, desk  # noqa: F401 - desk: a fixture
from .peer import Peer

PARTNER = "浙江省公共信用信息平台"
PARTNER_USCC = uscc(626262, prefix="11330000")


@pytest.fixture
def partner(engine):
    peer = Peer(seed=11)
    with session_scope(engine) as s:
        p, token = service.add_partner(s, kind="province", name=PARTNER, uscc=PARTNER_USCC, region="CN-ZJ", verify_key=peer.verify_key,
                                       seal_key=peer.seal_key, items=["penalty"], actor=CONSOLE)
    return peer, token


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.article("Art. 12")
def test_a_partner_pulls_its_export_logged_before_it_leaves_and_signed(engine, tmp_path, partner):
    peer, token = partner
    actor, _ = add_provider(engine)
    rows = [cf_row(1), person_cf_row(2, TODAY.replace(year=1985))]
    assert run_file(engine, actor, tmp_path, to_csv(rows)).accepted == 2
    with TestClient(create_app(engine)) as client:
        res = client.post("/api/v1/exchange/exports", json={}, headers=_bearer(token))
        assert res.status_code == 200, res.text
        body = res.json()
        assert keys.verify(keys.platform_keys().verify_key, body["manifest"].encode(), body["signature"])
        manifest = orjson.loads(body["manifest"])
        assert manifest["counts"] == {"CF.jsonl": 2} and body["watermark"] == manifest["watermark"]
        lines = [orjson.loads(x) for x in body["files"]["CF.jsonl"].splitlines()]
        assert lines[1]["CF_XDR_ZJHM"].startswith(keys.SEALED_PREFIX)  # sealed to the partner
        with session_scope(engine) as s:
            logged = s.scalars(select(InquiryLog).where(InquiryLog.channel == "exchange")).all()
            unit = s.scalar(select(Unit).where(Unit.uscc == PARTNER_USCC))
        assert len(logged) == 2 and {row.unit_id for row in logged} == {unit.id}
        with session_scope(engine) as s:  # the subject's report names the platform and why (Art. 34.2)
            issued = reports.issue(s, actor=Actor(role="subject", subject_id=logged[0].subject_id))
            stated = issued.snapshot["inquiries"]
        shared = [q for q in stated if q["channel"] == "exchange"]
        assert shared and shared[0]["role_zh"] == "其他信用信息平台" and PARTNER in str(shared[0]["unit"])
        assert shared[0]["purpose_zh"].startswith("信用信息共享")
        again = client.post("/api/v1/exchange/exports", json={"since": body["watermark"]}, headers=_bearer(token))
        assert again.status_code == 200 and orjson.loads(again.json()["manifest"])["counts"] == {}
        bad = client.post("/api/v1/exchange/exports", json={"since": "yesterday"}, headers=_bearer(token))
        assert bad.status_code == 422 and bad.json()["field"] == "since"
        # a provider's token is not a platform's
        _, provider_token = add_provider(engine, uscc=uscc(626263, prefix="11310000"))
        assert client.post("/api/v1/exchange/exports", json={}, headers=_bearer(provider_token)).status_code == 403


@pytest.mark.article("Art. 12")
def test_a_partner_pushes_its_export_and_the_same_export_again_changes_nothing(engine, partner):
    peer, token = partner
    row = {**cf_row(31), formats.REF_COLUMN: "77"}
    person = {**person_cf_row(32, TODAY.replace(year=1979)), formats.REF_COLUMN: "78"}
    person["CF_XDR_ZJHM"] = ("seal", person["CF_XDR_ZJHM"])
    slight = {**cf_row(33, slight="true"), formats.REF_COLUMN: "79"}  # Art. 9.2(4): not untrustworthiness info
    body, signature, files = peer.bundle(keys.platform_keys().seal_key, {"CF.jsonl": [row, person, slight]})
    bundle = {"manifest": body.decode(), "signature": signature, "files": {k: v.decode() for k, v in files.items()}}
    with TestClient(create_app(engine)) as client:
        res = client.post("/api/v1/exchange/imports", json=bundle, headers=_bearer(token))
        assert res.status_code == 200, res.text
        got = res.json()
        assert got["files"]["CF.jsonl"]["accepted"] == 2 and got["files"]["CF.jsonl"]["rejected"] == 1
        assert client.post("/api/v1/exchange/imports", json=bundle, headers=_bearer(token)).json()["already_imported"]
        forged = {**bundle, "files": {"CF.jsonl": bundle["files"]["CF.jsonl"].replace("2000", "20")}}
        refused = client.post("/api/v1/exchange/imports", json=forged, headers=_bearer(token))
        assert refused.status_code == 422 and refused.json()["article"] == "Art. 20(2)"
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 2
        refs = dict(s.execute(select(ExchangeReceived.origin_ref, ExchangeReceived.line)).all())
    assert refs == {"77": 1, "78": 2}  # the sender's reference and the line of its file


def test_the_operator_sees_the_exchange_in_both_languages(engine, partner, desk):  # noqa: F811
    peer, _ = partner
    body, signature, files = peer.bundle(keys.platform_keys().seal_key,
                                         {"CF.jsonl": [{**cf_row(41), formats.REF_COLUMN: "5"}]}, export_id=12)
    service.import_export(engine, sender=PARTNER, body=body, signature=signature, files=files, actor=CONSOLE)
    with session_scope(engine) as s:
        service.export(s, recipient=PARTNER, region="CN-ZJ", since=None, actor=CONSOLE, directory=None,
                       channel="cli").discard()
    client = _operator(engine, desk)
    zh = client.get("/console/exchange?lang=zh")
    assert zh.status_code == 200
    assert "与其他平台的信息交换" in zh.text and PARTNER in zh.text and "CN-ZJ" in zh.text

    assert keys.platform_keys().verify_key in zh.text
    assert "#12" in zh.text and "接收 1" in zh.text  # the import of the partner's export 12
    en = client.get("/console/exchange?lang=en")
    assert "Exchange with other platforms" in en.text and "accepted 1" in en.text


@pytest.mark.article("Art. 12")
def test_the_operator_exports_a_zip_and_imports_one_from_the_console_page(engine, tmp_path, partner, desk):  # noqa: F811
    import io
    import zipfile

    peer, _ = partner
    actor, _ = add_provider(engine)
    assert run_file(engine, actor, tmp_path, to_csv([cf_row(51), cf_row(52)])).accepted == 2
    client = _operator(engine, desk)
    res = client.post("/console/exchange/export", data={"partner": PARTNER})
    assert res.status_code == 200 and res.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(res.content))
    assert set(z.namelist()) == {"manifest.json", "manifest.sig", "CF.jsonl"}
    assert keys.verify(keys.platform_keys().verify_key, z.read("manifest.json"), z.read("manifest.sig").decode())
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(InquiryLog).where(InquiryLog.channel == "exchange")) == 2
    again = client.post("/console/exchange/export", data={"partner": PARTNER})  # since the last watermark
    assert "CF.jsonl" not in zipfile.ZipFile(io.BytesIO(again.content)).namelist()
    refused = client.post("/console/exchange/export", data={"partner": PARTNER}, no_csrf=True)
    assert refused.status_code == 403

    body, signature, files = peer.bundle(keys.platform_keys().seal_key,
                                         {"CF.jsonl": [{**cf_row(53), formats.REF_COLUMN: "9"}]}, export_id=3)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        out.writestr("manifest.json", body)
        out.writestr("manifest.sig", signature)
        for name, data in files.items():
            out.writestr(name, data)
    res = client.post("/console/exchange/import?lang=zh", data={"partner": PARTNER},
                      files={"file": ("export.zip", buf.getvalue(), "application/zip")}, follow_redirects=True)
    assert res.status_code == 200 and 'id="import-result"' in res.text and "接收 1" in res.text
    bad = client.post("/console/exchange/import?lang=en", data={"partner": PARTNER},
                      files={"file": ("export.zip", b"not a zip", "application/zip")})
    assert bad.status_code == 422 and "not a ZIP file" in bad.text


def test_on_postgresql_the_watermark_waits_for_a_writer_in_progress(engine, backend):
    """A record id drawn by a transaction still open may be below the current maximum once it commits: the
    watermark is read only when no writer of records is in progress, so that the next export cannot miss it."""
    import threading

    from sqlalchemy import text

    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: a watermark read sees every committed id")
    got: list = []
    with engine.connect() as writer:
        writer.execute(text("LOCK TABLE record IN ROW EXCLUSIVE MODE"))  # what an insert in progress holds
        reader = threading.Thread(target=lambda: got.append(service.watermark_now(engine)))
        reader.start()
        reader.join(timeout=1.0)
        assert reader.is_alive() and not got  # held up by the writer
        writer.rollback()
    reader.join(timeout=30)
    assert got and str(got[0]) == "r0.a0"
