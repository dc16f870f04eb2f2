"""/me, /me/inquiries, /me/reports and /verify/{number}: a subject's own pages and the public check of a
report (both databases)."""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader

from xinyong.db import session_scope
from xinyong.models import CreditReport, Subject
from xinyong.report import seal

from ..factories import uscc
from ..helpers import AGENT, add_provider, issue_subject_token
from .conftest import ORG_NAME, PERSON_NAME
from .support import portal_client


def _token(engine, subject_id: int) -> str:
    with session_scope(engine) as s:
        return issue_subject_token(s, s.get(Subject, subject_id))


def _signed_in(engine, subject_id: int):
    client = portal_client(engine)
    assert client.sign_in(_token(engine, subject_id)).status_code == 303
    return client


def _issue(client) -> str:
    issued = client.post("/me/reports", data={}, follow_redirects=False)
    assert issued.status_code == 303, issued.text[:500]
    number = re.search(r"issued=([A-Za-z0-9]+)", issued.headers["location"]).group(1)
    return number


@pytest.mark.article("Art. 34.2")
def test_a_citizen_sees_a_record_issues_a_report_downloads_it_and_a_bank_verifies_it(engine, portal_world):
    w = portal_world
    client = _signed_in(engine, w.person_id)

    page = client.get("/me?lang=en")
    assert page.status_code == 200
    assert w.docs["person"] in page.text
    assert w.person_ric in page.text  # the subject's own number, in full: here only
    assert "Source unit" in page.text and "上海市测试监督管理局" in page.text

    before = client.get("/me/reports?lang=en")
    assert re.search(r'name="csrf_token" value="[^"]+"', before.text)  # the form carries it, as a browser sends it
    left = int(re.search(r"Free reports left this year: (\d+) of (\d+)", before.text).group(1))
    assert left >= 1

    number = _issue(client)
    after = client.get(f"/me/reports?issued={number}&lang=en")
    assert f"Report {number} has been issued." in after.text
    assert f"Free reports left this year: {left - 1} of" in after.text
    assert f'href="/me/reports/{number}.pdf"' in after.text

    pdf = client.get(f"/me/reports/{number}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert f'filename="{number}.pdf"' in pdf.headers["content-disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert number in text and w.docs["person"] in text and f"/verify/{number}" in text.replace("\n", "")

    raw = client.get(f"/me/reports/{number}.json")
    digest = raw.headers["x-report-digest"]
    assert seal.digest_of_json(raw.content) == digest
    with session_scope(engine) as s:
        row = s.query(CreditReport).filter_by(number=number).one()
        assert row.digest == digest and row.signature
        assert seal.signature_valid(number, row.snapshot["issued_at"], digest, row.signature, row.key_id)
    html = client.get(f"/me/reports/{number}.html")
    assert digest in html.text and "<svg" in html.text  # the QR code and the digest

    # a bank, not signed in: a natural person's report shows the name masked until the holder shows the report
    bank = portal_client(engine)
    first = bank.get(f"/verify/{number}?lang=en")
    assert first.status_code == 200
    assert PERSON_NAME not in first.text and PERSON_NAME[0] + "*" in first.text
    assert digest not in first.text and w.person_ric not in first.text
    matched = bank.post(f"/verify/{number}?lang=en", data={},
                        files={"report_file": (f"{number}.json", raw.content, "application/json")})
    assert 'data-outcome="match"' in matched.text and PERSON_NAME in matched.text
    assert digest in matched.text and "Signature valid" in matched.text
    assert w.person_ric not in matched.text  # the report itself states the number masked

    tampered = json.loads(raw.content)
    tampered["sections"][0]["count"] += 1
    bad = bank.post(f"/verify/{number}?lang=en", data={"report_json": json.dumps(tampered, ensure_ascii=False)})
    assert 'data-outcome="mismatch"' in bad.text and PERSON_NAME not in bad.text and digest not in bad.text

    by_qr = bank.get(f"/verify/{number}?digest={digest}&lang=en")  # what the QR code carries
    assert 'data-outcome="match"' in by_qr.text and PERSON_NAME in by_qr.text

    inquiries = client.get("/me/inquiries?lang=en")
    assert inquiries.status_code == 200 and "Your own inquiry" in inquiries.text


@pytest.mark.article("Art. 17.1")
def test_an_organizations_agent_sees_the_organizations_page(engine, portal_world):
    w = portal_world
    client = _signed_in(engine, w.org_id)
    page = client.get("/me?lang=en")
    assert page.status_code == 200
    assert f"Agent {AGENT['agent_name']} acting for {ORG_NAME}" in page.text
    assert w.docs["current"] in page.text and w.docs["arrears"] in page.text
    assert "under objection" in page.text  # the marker of the record under objection
    assert w.docs["revoked"] not in page.text  # revoked information is not reported (Art. 37)
    reports = client.get("/me/reports?lang=en")
    assert "organization's report carries the published fee" in reports.text
    number = _issue(client)
    # an organization's report is public information: the check shows it at once
    shown = portal_client(engine).get(f"/verify/{number}?lang=en")
    assert ORG_NAME in shown.text and 'id="verify-digest"' in shown.text


@pytest.mark.article("Art. 34.2")
def test_another_subjects_report_is_not_found_and_a_form_without_its_token_is_refused(engine, portal_world):
    w = portal_world
    person = _signed_in(engine, w.person_id)
    number = _issue(person)
    org = _signed_in(engine, w.org_id)
    for name in (f"{number}.pdf", f"{number}.json", "XYBG0000.pdf", f"{number}.exe"):
        assert org.get(f"/me/reports/{name}").status_code == 404, name
    assert portal_client(engine).get("/verify/XYBG19990101").status_code == 404

    with session_scope(engine) as s:
        count = s.query(CreditReport).count()
    refused = org.post("/me/reports", data={}, no_csrf=True, follow_redirects=False)
    assert refused.status_code == 403 and "/articles/19" in refused.text
    with session_scope(engine) as s:
        assert s.query(CreditReport).count() == count


@pytest.mark.article("Art. 17.1")
def test_the_pages_are_for_subjects_only(engine, portal_world):
    anonymous = portal_client(engine)
    away = anonymous.get("/me", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/login?next=/me")
    _, token = add_provider(engine, uscc=uscc(828282))
    officer = portal_client(engine)
    officer.sign_in(token)
    refused = officer.get("/me/reports")
    assert refused.status_code == 403 and "/articles/17" in refused.text
