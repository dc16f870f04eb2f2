"""A report's PDF is rendered once per stored snapshot (``report.pdfstore``), on both databases: stored
encrypted, sent again as stored, byte for byte what rendering again gives (deterministic), and deleted when an
Art. 37 purge rewrites the snapshot. One real reportlab render pair in the default pass; the others use a
stand-in renderer (the store's logic does not depend on what reportlab draws)."""

from __future__ import annotations

import hashlib
import io

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import delete, func, select, update

from xinyong import deletion
from xinyong.app import create_app
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.models import CreditReport
from xinyong.models.report import CreditReportPdf
from xinyong.record import workflows
from xinyong.report import pdf as pdf_module
from xinyong.report import pdfstore, seal, service

from .conftest import person_actor

BASE = "http://testserver/"


def _issue(engine, world) -> tuple[str, dict, dict]:
    """The person's own report: its number, snapshot and the seal's view (as the API prints it)."""
    with session_scope(engine) as s:
        issued = service.issue(s, actor=person_actor(world))
    sealed = issued.seal
    view = seal.view(issued.number, issued.snapshot["issued_at"], sealed["digest"], sealed.get("signature"),
                     sealed.get("key_id"), BASE)
    return issued.number, issued.snapshot, view


def _stored(engine) -> list[CreditReportPdf]:
    with session_scope(engine) as s:
        rows = list(s.scalars(select(CreditReportPdf).order_by(CreditReportPdf.report_id)))
        s.expunge_all()
        return rows


@pytest.fixture
def renders(monkeypatch):
    """A stand-in for reportlab: a 'PDF' naming the snapshot it was made from; counts its calls."""
    calls: list[str] = []

    def fake(snapshot, view=None):
        calls.append(snapshot["number"])
        return b"%PDF-stand-in " + seal.digest_of(snapshot).encode() + b" " + str(view).encode()

    monkeypatch.setattr(pdf_module, "to_pdf", fake)
    return calls


@pytest.mark.article("Art. 34.1")
def test_the_pdf_is_rendered_once_stored_encrypted_and_equals_a_new_render(cjk_font, engine, world, monkeypatch):
    number, snapshot, view = _issue(engine, world)
    first = pdfstore.render(engine, number, snapshot, view)
    assert first.startswith(b"%PDF") and number in PdfReader(io.BytesIO(first)).pages[0].extract_text()
    [row] = _stored(engine)
    assert (row.sha256, row.size) == (hashlib.sha256(first).hexdigest(), len(first))
    assert b"%PDF" not in row.pdf and first not in row.pdf  # encrypted at rest
    # deterministic: rendering the snapshot again gives the stored bytes exactly (no timestamp, no random id)
    assert pdf_module.to_pdf(snapshot, view) == first
    info = PdfReader(io.BytesIO(first)).metadata
    assert info["/CreationDate"].startswith("D:" + snapshot["issued_at"][:10].replace("-", ""))

    monkeypatch.setattr(pdf_module, "to_pdf", lambda *a: pytest.fail("rendered again"))
    assert pdfstore.render(engine, number, snapshot, view) == first  # sent as stored


@pytest.mark.long
def test_the_api_sends_the_stored_pdf(engine, world, renders):
    auth = {"Authorization": f"Bearer {world.person_token}"}
    with TestClient(create_app(engine)) as client:
        issued = client.post("/api/v1/me/reports", json={"format": "pdf"}, headers=auth)
        assert issued.status_code == 201, issued.text
        number = issued.headers["x-report-number"]
        again = client.get(f"/api/v1/me/reports/{number}", params={"format": "pdf"}, headers=auth)
        assert again.status_code == 200 and again.content == issued.content
        assert again.headers["content-type"] == "application/pdf"
    assert renders == [number]  # the issue rendered it; the download sent it as stored
    assert len(_stored(engine)) == 1


@pytest.mark.article("Art. 37")
def test_a_stored_pdf_serves_only_its_own_snapshot_and_view_and_a_purge_deletes_it(engine, world, renders):
    number, snapshot, view = _issue(engine, world)
    other_number, other_snapshot, other_view = _issue(engine, world)
    pdfstore.render(engine, number, snapshot, view)
    pdfstore.render(engine, other_number, other_snapshot, other_view)
    assert renders == [number, other_number]
    # asked at another address: the seal prints another verify URL, so it is rendered again (and replaces it)
    elsewhere = {**view, "verify_url": view["verify_url"].replace("testserver", "counter.example")}
    pdfstore.render(engine, number, snapshot, elsewhere)
    assert renders[-1] == number and len(_stored(engine)) == 2
    # another report's stored bytes moved onto this one (or an altered copy) do not decrypt: rendered again
    with session_scope(engine) as s:
        ids = dict(s.execute(select(CreditReport.number, CreditReport.id)).all())
        blob = s.scalar(select(CreditReportPdf.pdf).where(CreditReportPdf.report_id == ids[other_number]))
        s.execute(update(CreditReportPdf).where(CreditReportPdf.report_id == ids[number]).values(pdf=blob))
    got = pdfstore.render(engine, number, snapshot, elsewhere)
    assert seal.digest_of(snapshot).encode() in got and renders[-1] == number and len(renders) == 4
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(CreditReportPdf)) == 2
    renders.clear()
    with session_scope(engine) as s:
        s.execute(delete(CreditReportPdf).where(CreditReportPdf.report_id == ids[other_number]))
    pdfstore.render(engine, number, snapshot, view)
    assert len(_stored(engine)) == 1
    with session_scope(engine) as s:  # the reported, current record revoked, then deleted (Art. 37)
        workflows.revoke(s, record_id=world.records["current"], document="沪复决〔2025〕9号", decided_by="court",
                         reason="判决撤销", actor=CONSOLE)
    with session_scope(engine) as s:
        assert deletion.purge(s, actor=CONSOLE).deleted
    assert _stored(engine) == []  # the stored PDF printed the deleted record
    with session_scope(engine) as s:
        rewritten = s.scalar(select(CreditReport.snapshot).where(CreditReport.number == number))
    assert rewritten != snapshot
    again = pdfstore.render(engine, number, rewritten, view)
    assert seal.digest_of(rewritten).encode() in again  # rendered from what is stored now
    assert renders == [number, number]
    assert "credit_report_pdf" in deletion.TABLES  # and xinyong purge vacuums its pages


def test_a_key_rotation_drops_the_stored_pdfs_under_the_older_key(engine, world, renders):
    from xinyong import crypto, keys

    number, snapshot, view = _issue(engine, world)
    other_number, other_snapshot, other_view = _issue(engine, world)
    pdfstore.render(engine, number, snapshot, view)
    crypto.rotate()
    pdfstore.render(engine, other_number, other_snapshot, other_view)  # stored under the new key
    assert keys.drop_stored_pdfs_under_old_keys(engine) == 1
    with session_scope(engine) as s:
        [kept] = s.scalars(select(CreditReport.number).join(CreditReportPdf,
                                                            CreditReportPdf.report_id == CreditReport.id))
    assert kept == other_number
    assert pdfstore.render(engine, number, snapshot, view) and renders == [number, other_number, number]
