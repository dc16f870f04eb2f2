"""The life of a subject (issue 13 §6), on both databases: an old 9-character organization code (GB 11714) or a
15-digit resident ID number finds its subject at every front door — the inquiry (API and CLI), the measure
check, the portal's search, the import — through the former identifiers (``subject_identifier``, by the same
keyed digest); a 15-digit number also through its 18-digit form (GB 11643). An invalid old form is refused as
today; an unknown valid one answers exactly like an unknown 18-character identifier (the import refuses it as
today). ``deregistered_on`` is shown wherever the answer says who the subject is."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from xinyong.app import create_app
from xinyong.auth import CONSOLE
from xinyong.cli import app as cli
from xinyong.db import session_scope
from xinyong.errors import InvalidInput, NotFound
from xinyong.inquiry import service as inquiry
from xinyong.models import BatchReject, InquiryLog, Record, Subject
from xinyong.subject import rules
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import explain_unusable, mask_ric, org_code_check_char, parse_identifier, parse_lookup
from xinyong.unit import service as units

from ..factories import CF_COLUMNS, cf_row, ric, to_csv, uscc
from ..helpers import TODAY, add_provider, issue_subject_token, run_file

ORG_USCC = uscc(710001)
ORG = ORG_USCC[8:17]  # its embedded organization code
ORG_DASHED = f"{ORG[:8]}-{ORG[8]}"
UNKNOWN_ORG_USCC = uscc(710099)
UNKNOWN_ORG = UNKNOWN_ORG_USCC[8:17]
PERSON = ric(date(1975, 4, 9), seq=318)  # born in the 1900s: has a 15-digit form
LATER_PERSON = ric(date(1975, 4, 9), region="310104", seq=77)  # the person's later number
STRANGER = ric(date(1968, 2, 29), seq=455)  # a valid number nobody holds
DOC = {"doc_no": "沪市监变〔2025〕12号", "doc_date": date(2025, 6, 10), "doc_org": "上海市市场监督管理局"}
runner = CliRunner()


def fifteen(eighteen: str) -> str:
    return eighteen[:6] + eighteen[8:17]


def _bad_check(code9: str) -> str:
    return code9[:8] + ("0" if org_code_check_char(code9[:8]) != "0" else "1")


@pytest.fixture
def provider(engine):
    return add_provider(engine)[0]


def _world(engine, provider, tmp_path, *, person_former: bool = True) -> dict[str, int]:
    """An organization with a record whose old organization code is recorded; a person with a record (its
    15-digit number recorded when ``person_former``)."""
    rows = [cf_row(1, CF_XDR_MC="上海甲贸易有限公司", CF_XDR_SHXYM=ORG_USCC),
            cf_row(2, CF_XDR_MC="张三", CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJLX="身份证",
                   CF_XDR_ZJHM=PERSON, CF_WSH="沪罚〔2024〕2号")]
    assert run_file(engine, provider, tmp_path, to_csv(rows, CF_COLUMNS)).accepted == 2
    with session_scope(engine) as s:
        subjects.record_change(s, actor=provider, subject=ORG_USCC, kind="former_identifier",
                               former_identifier=ORG_DASHED, **DOC)
        if person_former:
            subjects.record_change(s, actor=provider, subject=PERSON, kind="former_identifier",
                                   former_identifier=fifteen(PERSON), **DOC)
    with session_scope(engine) as s:
        return {"org": subjects.find(s, ORG_USCC).id, "person": subjects.find(s, PERSON).id}


def _organ(engine):
    with session_scope(engine) as s:
        organ, _t = units.add_unit(s, name="上海市某区人民政府办公室", kind="administrative",
                                   uscc=uscc(1, prefix="11310000"), published_on=TODAY, actor=CONSOLE,
                                   inquires=["penalty"], purposes=["permit"])
        _o, token = units.add_officer(s, unit=organ, staff_no="ADM-1", name="李四", items=None, purposes=None,
                                      expires_at=None, actor=CONSOLE)
    return token


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


# --- the parser: what an old form is, and that it must pass its own check ---------------------------------

@pytest.mark.article("Art. 2")
def test_a_valid_old_form_is_a_look_up_key_and_an_invalid_one_is_refused_as_today():
    org = parse_lookup(ORG_DASHED, today=TODAY)
    assert (org.scheme, org.code, org.kind, org.former_form) == ("org", ORG, "organization", "org")
    assert org.masked() == ORG_DASHED and parse_lookup(ORG, today=TODAY) == org
    assert subjects.identifier_digest(org) == subjects.digest_of("org", ORG)  # the former identifier's digest
    person = parse_lookup(fifteen(PERSON), today=TODAY)
    assert (person.scheme, person.code, person.former_form) == ("ric", PERSON, "ric15")  # its 18-digit form
    assert person.masked() == mask_ric(PERSON) and person.birth_date == date(1975, 4, 9)
    assert rules.eighteen_of_fifteen(fifteen(PERSON)) == PERSON
    # the refusal of a form that names nobody: today's, word for word
    assert org.unknown_reason == explain_unusable(ORG_DASHED)
    assert person.unknown_reason == explain_unusable(fifteen(PERSON))
    # an 18-character identifier is parsed as ever
    assert parse_lookup(ORG_USCC, today=TODAY) == parse_identifier(ORG_USCC, today=TODAY)
    # invalid old forms: refused exactly as parse_identifier refuses them
    bad_region = "999999" + fifteen(PERSON)[6:]
    bad_birth = fifteen(PERSON)[:6] + "751340" + fifteen(PERSON)[12:]
    for raw in (_bad_check(ORG), f"{_bad_check(ORG)[:8]}-{_bad_check(ORG)[8]}", bad_region, bad_birth,
                "12345678901234"):
        with pytest.raises(InvalidInput) as got:
            parse_lookup(raw, today=TODAY)
        with pytest.raises(InvalidInput) as want:
            parse_identifier(raw, today=TODAY)
        assert (got.value.message, got.value.article, got.value.details) == (
            want.value.message, want.value.article, want.value.details)
        assert fifteen(PERSON)[6:12] not in got.value.message


# --- the inquiry: API and CLI ------------------------------------------------------------------------------

@pytest.mark.article("Art. 2")
def test_an_inquiry_over_the_api_by_an_old_code_or_a_15_digit_number_names_the_subject(engine, provider, tmp_path):
    ids = _world(engine, provider, tmp_path)
    token = _organ(engine)
    with TestClient(create_app(engine)) as client:
        for raw, sid in ((ORG_DASHED, ids["org"]), (ORG, ids["org"]), (ORG.lower(), ids["org"]),
                         (fifteen(PERSON), ids["person"])):
            res = client.post("/api/v1/inquiries", headers=_auth(token), json={"subject": raw, "purpose": "permit"})
            assert res.status_code == 200, res.text
            body = res.json()
            assert body["decision"] == "allow" and len(body["records"]) == 1
            with session_scope(engine) as s:
                log = s.scalars(select(InquiryLog).order_by(InquiryLog.id.desc())).first()
                assert log.subject_id == sid and log.subject_digest is None
        assert body["subject"]["identifier"] == mask_ric(PERSON)  # the person's number masked, as ever


def _unknown_text(res) -> str:
    return re.sub(r"inquiry \d+", "inquiry N", res.json()["message"])


@pytest.mark.article("Art. 2")
def test_an_unknown_old_form_answers_exactly_like_an_unknown_18_character_identifier(engine, provider, tmp_path):
    _world(engine, provider, tmp_path)
    token = _organ(engine)
    with TestClient(create_app(engine)) as client:
        def ask(raw):
            return client.post("/api/v1/inquiries", headers=_auth(token), json={"subject": raw, "purpose": "permit"})

        unknown_uscc, unknown_org = ask(UNKNOWN_ORG_USCC), ask(UNKNOWN_ORG)
        assert unknown_uscc.status_code == unknown_org.status_code == 404
        assert {k for k in unknown_uscc.json()} == {k for k in unknown_org.json()}
        assert _unknown_text(unknown_org) == _unknown_text(unknown_uscc).replace(UNKNOWN_ORG_USCC,
                                                                                 f"{UNKNOWN_ORG[:8]}-{UNKNOWN_ORG[8]}")
        unknown_ric, unknown_15 = ask(STRANGER), ask(fifteen(STRANGER))
        assert unknown_ric.status_code == unknown_15.status_code == 404
        assert unknown_ric.json() | {"message": ""} == unknown_15.json() | {"message": ""}
        assert _unknown_text(unknown_ric) == _unknown_text(unknown_15)  # masked as its 18-digit form
        assert fifteen(STRANGER) not in unknown_15.text and STRANGER not in unknown_15.text
        # a refusal of the request reads the same for a known and an unknown old form
        with session_scope(engine) as s:
            public = issue_subject_token(s, s.scalar(select(Subject).where(Subject.kind == "organization")))
        known, unknown = (client.post("/api/v1/inquiries", headers=_auth(public), json={"subject": raw})
                          for raw in (fifteen(PERSON), fifteen(STRANGER)))
        assert known.status_code == unknown.status_code
        assert re.sub(r"\d+", "N", known.text) == re.sub(r"\d+", "N", unknown.text)
        # an invalid old form is refused before any look-up, as today
        bad = ask(_bad_check(ORG))
        assert bad.status_code == 422 and bad.json()["article"] == "Art. 2"
        with pytest.raises(InvalidInput) as want:
            parse_identifier(_bad_check(ORG), today=TODAY)
        assert bad.json()["message"] == want.value.message


@pytest.mark.article("Art. 2")
def test_a_15_digit_number_finds_the_person_whose_current_number_is_its_18_digit_form(engine, provider, tmp_path):
    """Not recorded as a former identifier: found through its 18-digit form (GB 11643), at every front door."""
    ids = _world(engine, provider, tmp_path, person_former=False)
    with session_scope(engine) as s:
        assert subjects.find(s, fifteen(PERSON)).id == ids["person"]
        assert inquiry.load_one(s, subject=fifteen(PERSON)).target["id"] == ids["person"]
    # the person's number changes later: the 15-digit one still finds them (its 18-digit form is a former one)
    with session_scope(engine) as s:
        subjects.record_change(s, actor=provider, subject=PERSON, kind="identifier_changed",
                               new_identifier=LATER_PERSON, **DOC)
    with session_scope(engine) as s:
        assert subjects.find(s, fifteen(PERSON)).id == ids["person"]
        assert inquiry.load_one(s, subject=fifteen(PERSON)).target["id"] == ids["person"]


def test_the_cli_inquires_by_an_old_organization_code(engine, provider, tmp_path):
    _world(engine, provider, tmp_path)
    res = runner.invoke(cli, ["inquire", ORG_DASHED, "--json"])
    assert res.exit_code == 0, res.output
    assert ORG_USCC in res.output and "沪市监浦处" in res.output
    res = runner.invoke(cli, ["inquire", UNKNOWN_ORG])
    assert res.exit_code != 0 and "is known to the platform" in res.output


def test_the_service_finds_by_an_old_form_and_an_unknown_one_is_not_known(engine, provider, tmp_path):
    ids = _world(engine, provider, tmp_path)
    with session_scope(engine) as s:
        assert subjects.find(s, ORG_DASHED).id == subjects.find(s, ORG).id == ids["org"]
        with pytest.raises(NotFound) as unknown:
            subjects.find(s, UNKNOWN_ORG)
        with pytest.raises(NotFound) as unknown_uscc:
            subjects.find(s, UNKNOWN_ORG_USCC)
        assert unknown.value.message.template == unknown_uscc.value.message.template
        with pytest.raises(InvalidInput):
            subjects.find(s, _bad_check(ORG))


# --- the measure check -------------------------------------------------------------------------------------

@pytest.mark.article("Art. 2")
def test_a_check_finds_subjects_by_their_old_forms(engine, provider, tmp_path):
    ids = _world(engine, provider, tmp_path)
    token = _organ(engine)
    with TestClient(create_app(engine)) as client:
        res = client.post("/api/v1/checks", headers=_auth(token), json={
            "subjects": [ORG_DASHED, fifteen(PERSON), UNKNOWN_ORG, UNKNOWN_ORG_USCC, _bad_check(ORG)],
            "context": "permit"})
        assert res.status_code == 200, res.text
        answers = res.json()["subjects"]
    assert [a["found"] for a in answers] == [True, True, False, False, False]
    assert {k for k in answers[2]} == {k for k in answers[3]}  # an unknown old code: as an unknown USCC
    assert answers[4]["error"]["code"] == "invalid_identifier" and answers[4]["error"]["article"] == "Art. 2"
    with session_scope(engine) as s:
        logged = {r.subject_id for r in s.scalars(select(InquiryLog)) if r.subject_id}
    assert {ids["org"], ids["person"]} <= logged


# --- the portal's search -------------------------------------------------------------------------------

def test_the_public_search_finds_an_organization_by_its_old_code(engine, provider, tmp_path):
    from xinyong.portal import service as portal

    ids = _world(engine, provider, tmp_path)
    with session_scope(engine) as s:
        assert [r["id"] for r in portal.search(s, ORG_DASHED)] == [ids["org"]]
        assert [r["id"] for r in portal.search(s, ORG)] == [ids["org"]]
        assert portal.search(s, UNKNOWN_ORG) == []
        assert portal.search(s, fifteen(PERSON)) == []  # never a person, in public


# --- the import ------------------------------------------------------------------------------------------

@pytest.mark.article("Art. 2")
def test_an_import_row_naming_a_registered_old_form_is_stored_under_its_subject(engine, provider, tmp_path):
    ids = _world(engine, provider, tmp_path)
    rows = [cf_row(11, CF_XDR_MC="上海甲贸易有限公司", CF_XDR_SHXYM=ORG_DASHED, CF_WSH="沪罚〔2025〕11号"),
            cf_row(12, CF_XDR_MC="张三", CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJLX="身份证",
                   CF_XDR_ZJHM=fifteen(PERSON), CF_WSH="沪罚〔2025〕12号"),
            cf_row(13, CF_XDR_MC="上海无名有限公司", CF_XDR_SHXYM=UNKNOWN_ORG, CF_WSH="沪罚〔2025〕13号"),
            cf_row(14, CF_XDR_MC="李四", CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJLX="身份证",
                   CF_XDR_ZJHM=fifteen(STRANGER), CF_WSH="沪罚〔2025〕14号"),
            cf_row(15, CF_XDR_MC="上海坏码有限公司", CF_XDR_SHXYM=_bad_check(ORG), CF_WSH="沪罚〔2025〕15号")]
    with session_scope(engine) as s:
        before = s.scalar(select(Subject.id).order_by(Subject.id.desc()))
    res = run_file(engine, provider, tmp_path, to_csv(rows, CF_COLUMNS), name="second.csv")
    assert (res.accepted, res.rejected) == (2, 3)
    with session_scope(engine) as s:
        stored = {r.doc_no: r.subject_id for r in s.scalars(select(Record))}
        assert stored["沪罚〔2025〕11号"] == ids["org"] and stored["沪罚〔2025〕12号"] == ids["person"]
        assert s.scalar(select(Subject.id).order_by(Subject.id.desc())) == before  # nobody created
        rejects = {r.line: r for r in s.scalars(select(BatchReject).where(BatchReject.batch_id == res.batch_id))}
    # refused as today: the message the identifier check gives, in the subject's field, under Art. 2
    for line, raw in ((4, UNKNOWN_ORG), (5, fifteen(STRANGER)), (6, _bad_check(ORG))):
        assert rejects[line].reason == explain_unusable(raw), line
        assert rejects[line].article == "Art. 2" and rejects[line].field == "subject_id"


def test_a_single_record_over_the_api_naming_an_unknown_old_code_is_refused_as_today(engine, provider, tmp_path):
    from xinyong.record import importer

    _world(engine, provider, tmp_path)
    values = {k: v for k, v in cf_row(21, CF_XDR_SHXYM=UNKNOWN_ORG, CF_WSH="沪罚〔2025〕21号").items()}
    with session_scope(engine) as s, pytest.raises(InvalidInput) as exc:
        importer.submit_record(s, unit_id=provider.unit_id, values=values, actor=provider, today=TODAY)
    assert exc.value.message == explain_unusable(UNKNOWN_ORG) and exc.value.article == "Art. 2"
    values = {k: v for k, v in cf_row(22, CF_XDR_SHXYM=ORG_DASHED, CF_WSH="沪罚〔2025〕22号").items()}
    with session_scope(engine) as s:
        assert importer.submit_record(s, unit_id=provider.unit_id, values=values, actor=provider,
                                      today=TODAY) == "accepted"


# --- deregistered_on in the answers that say who the subject is -------------------------------------------

def test_an_answer_that_names_the_subject_says_it_was_deregistered(engine, provider, tmp_path):
    ids = _world(engine, provider, tmp_path)
    token = _organ(engine)
    with TestClient(create_app(engine)) as client:
        res = client.post("/api/v1/inquiries", headers=_auth(token), json={"subject": ORG_USCC, "purpose": "permit"})
        assert res.status_code == 200 and "deregistered_on" not in res.json()["subject"]  # nothing when not
        with session_scope(engine) as s:
            subjects.record_change(s, actor=provider, subject=ORG_USCC, kind="deregistered",
                                   effective_on=date(2025, 6, 13), **DOC)
        for raw in (ORG_USCC, ORG_DASHED):
            res = client.post("/api/v1/inquiries", headers=_auth(token), json={"subject": raw, "purpose": "permit"})
            assert res.status_code == 200, res.text
            assert res.json()["subject"]["deregistered_on"] == "2025-06-13"
    res = runner.invoke(cli, ["inquire", ORG_DASHED])  # the console's answer too
    assert res.exit_code == 0 and "deregistered on 2025-06-13" in res.output, res.output
    with session_scope(engine) as s:  # the service's load (several subjects in one statement) too
        loaded = inquiry.load_subjects(s.connection(), ids=[ids["org"], ids["person"]])
        assert loaded[ids["org"]].target["deregistered_on"] == date(2025, 6, 13)
        assert loaded[ids["person"]].target["deregistered_on"] is None


def test_the_public_subject_page_says_the_organization_was_deregistered(engine, provider, tmp_path):
    from xinyong.portal import service as portal

    from ..portal.support import portal_client

    ids = _world(engine, provider, tmp_path)
    client = portal_client(engine)
    page = client.get(f"/subjects/{ids['org']}?lang=en")
    assert page.status_code == 200, page.text[:300]
    assert "Deregistered on" not in page.text
    with session_scope(engine) as s:
        subjects.record_change(s, actor=provider, subject=ORG_USCC, kind="deregistered",
                               effective_on=date(2025, 6, 13), **DOC)
    assert "Deregistered on" in client.get(f"/subjects/{ids['org']}?lang=en").text
    with session_scope(engine) as s:  # the search's results too
        assert [r["deregistered_on"] for r in portal.search(s, ORG_DASHED)] == [date(2025, 6, 13)]
    zh = client.get(f"/subjects/{ids['org']}?lang=zh").text
    assert "注销日期" in zh and "2025年6月13日" in zh


@pytest.mark.article("Art. 2")
def test_a_list_entry_naming_a_registered_old_code_is_entered_under_its_subject(engine, provider, tmp_path):
    from xinyong.listing import service as listing
    from xinyong.models import ListEntry

    ids = _world(engine, provider, tmp_path)
    with session_scope(engine) as s:
        unit, _ = units.add_unit(s, name="某区政府", kind="administrative", uscc=uscc(2, prefix="11310000"),
                                 published_on=TODAY, actor=CONSOLE)
        organ = units.actor_for(unit, officer="(setup)")
        lst = listing.define(s, code="LX", name="名单", kind="black", keeper_organ="某区政府", entry_standard="标准",
                             legal_basis="依据", entry_requirements="列入", removal_requirements="移出",
                             remedy_paths="复议", comment_from=date(2025, 1, 1), comment_to=date(2025, 3, 1),
                             disclosure="public", public_basis="某规定", public_basis_level="law", actor=organ)
        listing.publish(s, list_id=lst.id, on=date(2025, 4, 1), actor=organ)
        entry = listing.enter(s, list_id=lst.id, subject=ORG_DASHED, subject_name="上海甲贸易有限公司", ground="(2)",
                              ground_text="严重违法", document="列入决定1号", decided_on=date(2025, 5, 1), actor=organ,
                              persons=[{"role": "legal-representative", "name": "王某", "identifier": STRANGER}])
        assert entry.subject_id == ids["org"]
        with pytest.raises(InvalidInput) as exc:  # an old code naming nobody: refused as ever, nobody created
            listing.enter(s, list_id=lst.id, subject=UNKNOWN_ORG, subject_name="上海乙有限公司", ground="(2)",
                          ground_text="严重违法", document="列入决定2号", decided_on=date(2025, 5, 1), actor=organ,
                          persons=[{"role": "legal-representative", "name": "王某", "identifier": STRANGER}])
        assert exc.value.article == "Art. 2" and exc.value.message == explain_unusable(UNKNOWN_ORG)
        assert s.scalar(select(ListEntry.id).where(ListEntry.document == "列入决定2号")) is None
    with session_scope(engine) as s:  # the public list says the listed company was deregistered, once it was
        assert [e["deregistered_on"] for e in listing.public_list(s, "LX", channel="portal")["entries"]] == [None]
        subjects.record_change(s, actor=provider, subject=ORG_USCC, kind="deregistered",
                               effective_on=date(2025, 6, 13), **DOC)
    with session_scope(engine) as s:
        assert [e["deregistered_on"] for e in listing.public_list(s, "LX", channel="portal")["entries"]] == [
            date(2025, 6, 13)]
