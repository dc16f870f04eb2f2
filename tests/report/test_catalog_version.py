"""The report's record rows name the catalog version each record was received under (Art. 10.2: versions of the
catalog are kept; a record keeps the version under which it was aggregated) — derived from when it was received,
the versions read once for the whole report; on both databases."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import event, select

from xinyong import refcache
from xinyong.auth import Actor
from xinyong.db import session_scope
from xinyong.models import Subject
from xinyong.report import render, service

from ..catalog.test_retire import ORG_USCC, _import, through_publication
from ..factories import OTHER_PROVIDER_USCC
from ..helpers import TODAY, add_provider
from .conftest import person_actor


@pytest.mark.article("Art. 10.2")
def test_each_record_row_names_the_catalog_version_it_was_received_under(engine, world, tmp_path, request):
    assert through_publication(engine, world.provider, start=TODAY - timedelta(days=40)) == 1
    provider, _ = add_provider(engine, uscc=OTHER_PROVIDER_USCC, provides=("tax-credit-a",))
    assert _import(engine, tmp_path, provider, TODAY, "a.csv", "沪税A〔2025〕1号").accepted == 1
    with session_scope(engine) as s:
        snapshot = service.issue(s, actor=person_actor(world)).snapshot
    rows = [r for sec in snapshot["sections"] for g in sec["groups"] for r in g["records"]]
    assert rows and all(r["source"]["catalog_version"] is None for r in rows)  # all received before version 1

    with session_scope(engine) as s:
        org = s.scalar(select(Subject.id).where(Subject.identifier == ORG_USCC))
        refcache.invalidate()
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(s.connection().engine, "before_cursor_execute", listener)
        try:
            snapshot = service.issue(s, actor=Actor(role="subject", subject_id=org)).snapshot
        finally:
            event.remove(s.connection().engine, "before_cursor_execute", listener)
    assert len([q for q in statements if "FROM catalog_version" in q]) == 1  # one read, whatever the records
    versions = {r["document"]["number"]: r["source"]["catalog_version"]
                for sec in snapshot["sections"] for g in sec["groups"] for r in g["records"]}
    assert versions == {"沪税A〔2025〕1号": 1}
    html = render.to_html(snapshot)
    assert '目录版本 <span class="en">Catalog version</span> 1' in html
    request.getfixturevalue("cjk_font")  # the PDF's row too, where the font is installed (else skipped here)
    pdf = PdfReader(io.BytesIO(render.render(snapshot, "pdf")))
    assert "目录版本 Catalog version 1" in "".join(p.extract_text() for p in pdf.pages)
