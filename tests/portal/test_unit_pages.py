"""/unit: a providing unit's officer uploads a file, follows its batch, reads its rejects and works on the records
it provided — on both databases, through the same services as the API."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from xinyong import worker
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.models import InquiryLog, Record, RecordAction, Subject
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import parse_identifier
from xinyong.unit import service as units

from ..factories import OTHER_PROVIDER_USCC, PROVIDER_USCC, ric, uscc
from ..helpers import REAL_SAMPLES, TODAY, add_provider, issue_subject_token
from .support import portal_client

SAMPLE = REAL_SAMPLES / "sichuan_transport_enterprise_credit_rating.csv"
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="shared/data/real-samples not present")
GENERAL = ["catalog_item", "subject_name", "subject_id", "doc_no", "doc_date", "doc_org", "content"]
FORMULA = '=HYPERLINK("http://example.invalid","x")'


def messy_sample(n: int = 40) -> bytes:
    """The first ``n`` rows of a real published rating list (Sichuan transport enterprises) as a clerk would put
    them in the general format, unchanged: some of its USCCs were mangled by a spreadsheet (…000 endings),
    some rows have none. One more row, typed by hand, starts with a formula."""
    with SAMPLE.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))[:n]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(GENERAL)
    for i, r in enumerate(rows, 1):
        w.writerow(["commendation", r["company_name"], r["social_code"], f"川交评〔{r['overall_year']}〕{i}号",
                    f"{r['overall_year']}-12-31", "四川省交通运输厅",
                    f"{r['overall_year']}年度信用评价 {r['overall_merit']} 级（{r['company_type']}）"])
    w.writerow(["commendation", FORMULA, "9151000000000000XX", "川交评〔2022〕999号", "2022-12-31",
                "四川省交通运输厅", "手工补录"])
    return out.getvalue().encode("utf-8")


def officer_token(engine, unit_uscc: str = PROVIDER_USCC, staff_no: str = "C-001") -> str:
    with session_scope(engine) as s:
        unit = units.get_by_uscc(s, unit_uscc)
        _officer, token = units.add_officer(s, unit=unit, staff_no=staff_no, name="李文员", items=None,
                                            purposes=None, expires_at=None, actor=CONSOLE)
        return token


@pytest.fixture
def clerk(engine):
    add_provider(engine)
    client = portal_client(engine)
    assert client.sign_in(officer_token(engine)).status_code == 303
    return client


def upload(client, data: bytes, name: str = "sample.csv"):
    return client.post("/unit/upload", data={}, files={"file": (name, data, "text/csv")}, follow_redirects=False)


def batch_id_of(response) -> str:
    assert response.status_code == 303, response.text[:2000]
    m = re.fullmatch(r"/unit/batches/([0-9a-f-]{36})\?of=(\d+)", response.headers["location"])
    assert m, response.headers["location"]
    return m.group(1)


def counts(html: str) -> dict[str, int]:
    return {k: int(re.search(rf'id="count-{k}">([\d,]+)<', html).group(1).replace(",", ""))
            for k in ("rows", "accepted", "already", "rejected", "dropped")}


# --- the journey: upload, queue, progress, result, rejects --------------------------------------------------

@needs_sample
def test_a_clerk_uploads_a_messy_real_sample_and_reads_its_rejects(engine, clerk):
    r = upload(clerk, messy_sample())
    batch_id = batch_id_of(r)
    # queued, not imported by the web process: the page refreshes itself (without JS) and polls (with it)
    page = clerk.get(r.headers["location"])
    assert page.status_code == 200
    assert '<meta http-equiv="refresh"' in page.text and "/static/unit.js" in page.text
    assert "rejects.csv" not in page.text
    progress = clerk.get(f"/unit/batches/{batch_id}/progress?of=41").json()
    assert progress == {"status": "queued", "running": True, "rows": 0, "total": 41, "accepted": 0,
                        "already_present": 0, "rejected": 0, "percent": 0}

    [ran] = worker.drain(engine)  # the worker's function, as `xinyong worker` runs it
    assert ran["batch_id"] == batch_id and ran["status"] == "done"

    progress = clerk.get(f"/unit/batches/{batch_id}/progress").json()
    assert progress["running"] is False and progress["rows"] == 41 == progress["total"]
    page = clerk.get(f"/unit/batches/{batch_id}")
    html = page.text
    assert 'http-equiv="refresh"' not in html
    got = counts(html)
    assert got["rows"] == 41 and got["accepted"] == ran["accepted"] and got["rejected"] == ran["rejected"]
    assert got["accepted"] > 0 and got["rejected"] > 0, got  # a real sample: some rows are fine, some are not
    assert got["accepted"] + got["already"] + got["rejected"] == 41
    # every rejected row with its line, field, reason and article (linked)
    rejects = re.search(r'<table class="data" id="rejects">(.*?)</table>', html, re.S).group(1)
    assert rejects.count("<tr>") == got["rejected"] + 1
    assert '<td class="num">42</td>' in rejects  # the hand-typed row is the file's line 42
    assert 'href="/articles/' in rejects
    # the rejects file: the API's, spreadsheet-safe
    link = re.search(r'href="(/unit/batches/[^"]+/rejects\.csv)"', html).group(1)
    download = clerk.get(link)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    text = download.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:4] == ["line", "field", "reason", "article"]
    assert len(table) - 1 == got["rejected"] + got["dropped"]
    cells = [c for row in table for c in row]
    assert "'" + FORMULA in cells and not any(c.startswith(("=", "+", "@")) for c in cells)  # neutralised
    # the unit's home and its history list the batch
    for path in ("/unit", "/unit/batches"):
        assert f"/unit/batches/{batch_id}" in clerk.get(path).text
    # another unit's officer: not found, however asked
    add_provider(engine, uscc=OTHER_PROVIDER_USCC)
    other = portal_client(engine)
    other.sign_in(officer_token(engine, OTHER_PROVIDER_USCC, "O-1"))
    for path in (f"/unit/batches/{batch_id}", link, f"/unit/batches/{batch_id}/progress"):
        assert other.get(path).status_code == 404, path
    assert batch_id not in other.get("/unit/batches").text and batch_id not in other.get("/unit").text


def test_the_progress_counts_rows_as_chunks_are_stored(engine, clerk, monkeypatch):
    """Rows are counted as each chunk commits: the page (and its JSON) show a running batch part-way."""
    from xinyong.record import importer

    data = "\n".join([",".join(GENERAL)] + [
        f"commendation,上海测试{i}有限公司,{uscc(700000 + i)},沪奖〔2024〕{i}号,2024-05-01,上海市人民政府,文明单位"
        for i in range(1, 8)]).encode()
    batch_id = batch_id_of(upload(clerk, data))
    seen = []
    real = importer.queue.Lease.commit_chunk

    def commit_chunk(self, session, **values):
        real(self, session, **values)
        seen.append(values.get("rows_total"))

    monkeypatch.setattr(importer.queue.Lease, "commit_chunk", commit_chunk)
    from dataclasses import replace

    settings = replace(worker.get_settings(), import_chunk_rows=3)
    monkeypatch.setattr(worker, "get_settings", lambda: settings)
    states = []
    original = importer._finish

    def finish(engine_, result, lease, *a, **kw):
        states.append(clerk.get(f"/unit/batches/{batch_id}/progress?of=7").json())
        return original(engine_, result, lease, *a, **kw)

    monkeypatch.setattr(importer, "_finish", finish)
    worker.drain(engine)
    assert states and states[0]["running"] is True and states[0]["rows"] == 7 and states[0]["percent"] == 100
    assert seen[:2] == [3, 6], seen
    assert clerk.get(f"/unit/batches/{batch_id}/progress").json()["status"] == "done"


@pytest.mark.article("Art. 14.3")
@pytest.mark.article("Art. 8.2")
def test_refusals_a_prohibited_column_a_missing_csrf_token_and_who_may_work_here(engine, clerk):
    data = ("catalog_item,subject_name,subject_id,doc_no,doc_date,doc_org,content,宗教信仰\n"
            f"commendation,上海某某有限公司,{uscc(515)},沪奖〔2024〕1号,2024-05-01,上海市人民政府,文明单位,无\n").encode()
    r = upload(clerk, data, "religion.csv")
    assert r.status_code == 422
    assert 'id="refused"' in r.text and 'href="/articles/14"' in r.text and "第十四条第三款" in r.text
    assert "宗教信仰" in r.text  # the column named, so the clerk knows what to remove
    assert worker.drain(engine) == []  # nothing was queued
    en = clerk.post("/unit/upload?lang=en", data={}, files={"file": ("r.csv", data, "text/csv")})
    assert en.status_code == 422 and "Art. 14.3" in en.text
    # a form posted without its csrf token
    r = clerk.post("/unit/upload", data={}, no_csrf=True, files={"file": ("a.csv", b"x", "text/csv")})
    assert r.status_code == 403 and 'href="/articles/19"' in r.text
    # nobody signed in: to the sign-in page; a citizen: refused, naming who provides (Art. 8.2)
    r = portal_client(engine).get("/unit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with session_scope(engine) as s:
        ident = parse_identifier(ric(date(1990, 1, 1)), today=TODAY, allow_unlisted_region=True)
        subjects.resolve_many(s, [(ident, "张三")])
        person = s.scalars(select(Subject).where(Subject.kind == "natural_person")).one()
        token = issue_subject_token(s, person)
    citizen = portal_client(engine)
    citizen.sign_in(token)
    for path in ("/unit", "/unit/upload", "/unit/records", "/unit/batches"):
        r = citizen.get(path)
        assert r.status_code == 403 and 'href="/articles/8"' in r.text, path


# --- records: find, act, history ------------------------------------------------------------------------------

def _one_record(engine, clerk) -> tuple[str, str]:
    org = uscc(424242)
    data = ("catalog_item,subject_name,subject_id,doc_no,doc_date,doc_org,content\n"
            f"commendation,上海门户单位测试有限公司,{org},沪奖〔2024〕7号,2024-05-01,上海市人民政府,上海市文明单位\n").encode()
    batch_id_of(upload(clerk, data))
    worker.drain(engine)
    return org, "沪奖〔2024〕7号"


def _logs(engine):
    with session_scope(engine) as s:
        return [(r.subject_id, r.decision) for r in s.scalars(
            select(InquiryLog).where(InquiryLog.channel == "portal").order_by(InquiryLog.id))]


def test_finding_records_answers_the_same_for_a_known_and_an_unknown_identifier(engine, clerk):
    org, doc = _one_record(engine, clerk)
    assert org not in clerk.get("/unit/records").text
    found = clerk.post("/unit/records", data={"subject": org})
    assert found.status_code == 200 and doc in found.text and 'class="open-record"' in found.text
    assert org not in found.text.split('id="found"')[0]  # the typed identifier is not put back in the form
    unknown = clerk.post("/unit/records", data={"subject": uscc(989898)})
    wrong_doc = clerk.post("/unit/records", data={"subject": org, "doc_no": "沪奖〔2024〕8号"})
    strip = lambda h: re.sub(r'value="[^"]*"', "", h)  # noqa: E731 - the csrf token and the echoed doc_no
    assert 'id="none-found"' in unknown.text
    assert strip(unknown.text) == strip(wrong_doc.text.replace("沪奖〔2024〕8号", ""))
    bad_ric = ric(date(1980, 1, 2))[:-1] + ("0" if ric(date(1980, 1, 2))[-1] != "0" else "1")
    refused = clerk.post("/unit/records", data={"subject": bad_ric})
    assert refused.status_code == 422 and bad_ric not in refused.text and 'class="article-link"' in refused.text
    by_doc = clerk.post("/unit/records", data={"doc_no": doc})
    assert 'class="open-record"' in by_doc.text
    logs = _logs(engine)
    assert len(logs) == 4 and logs[1][0] is None  # each look-up logged; the unknown one by digest
    assert not [u for u in re.findall(r'(?:href|action)="([^"]*)"', found.text) if org in u]  # never in a URL


@pytest.mark.article("Art. 37")
def test_a_record_is_revoked_with_its_document_and_its_history_shows_it(engine, clerk):
    org, doc = _one_record(engine, clerk)
    page = clerk.post("/unit/records", data={"subject": org})
    path = re.search(r'href="(/unit/records/\d+)" class="open-record"', page.text).group(1)
    record = clerk.get(path)
    assert record.status_code == 200 and "上海市文明单位" in record.text and 'id="revoke-form"' in record.text
    # a correction first: field → new value, with its document and reason
    r = clerk.post(f"{path}/correct", data={"field": "content", "value": "上海市文明单位（复核）",
                                            "document": "沪府更〔2024〕1号", "reason": "名称笔误"},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{path}?done=correct"
    page = clerk.get(r.headers["location"]).text
    assert "上海市文明单位（复核）" in page and "沪府更〔2024〕1号" in page and 'id="versions"' in page
    # a form posted without its csrf token changes nothing
    assert clerk.post(f"{path}/withdraw", data={"document": "d", "reason": "r"}, no_csrf=True).status_code == 403
    # a revocation without its document is refused with the article
    refused = clerk.post(f"{path}/revoke", data={"document": " ", "decided_by": "organ"})
    assert refused.status_code == 422 and 'href="/articles/37"' in refused.text
    r = clerk.post(f"{path}/revoke", data={"document": "沪府撤〔2024〕3号", "decided_by": "court",
                                           "reason": "判决撤销"}, follow_redirects=False)
    assert r.status_code == 303
    page = clerk.get(r.headers["location"])
    assert page.status_code == 200
    html = page.text
    assert 'id="revoked-notice"' in html and "沪府撤〔2024〕3号" in html and "判决撤销" in html
    assert "上海市文明单位" not in html  # no longer served, not even to its provider
    assert 'id="revoke-form"' not in html
    with session_scope(engine) as s:
        rec = s.scalars(select(Record).where(Record.doc_no == doc)).one()
        act = s.scalars(select(RecordAction).where(RecordAction.action == "revoke")).one()
        assert rec.status == "revoked" and act.document == "沪府撤〔2024〕3号" and act.decided_by == "court"
    assert act.due_on is not None and f"{act.due_on.year}年" in html  # the deletion deadline, as a date
    # and the look-up no longer finds it
    assert 'id="none-found"' in clerk.post("/unit/records", data={"subject": org}).text
    # another unit sees nothing of it
    add_provider(engine, uscc=OTHER_PROVIDER_USCC)
    other = portal_client(engine)
    other.sign_in(officer_token(engine, OTHER_PROVIDER_USCC, "O-2"))
    assert other.get(path).status_code == 404
    assert other.post(f"{path}/withdraw", data={"document": "x", "reason": "y"}).status_code in (403, 404)
