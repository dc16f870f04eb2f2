"""The life of a subject (issue 13 §6), on both databases: a change of name or identifier, a former identifier,
a deregistration, a merger or a split, each from a providing unit (or the operator's decision) with its document;
the subject stays one subject, found by any of its identifiers (the service, an inquiry over the API, the
importer); two subjects are never joined without a recorded decision; a natural person's number never appears in
plain text in the new tables; key rotation re-encrypts the former numbers."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from xinyong import crypto, keys
from xinyong.app import create_app
from xinyong.auth import CONSOLE, Actor
from xinyong.cli import app as cli
from xinyong.db import session_scope
from xinyong.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from xinyong.inquiry import service as inquiry
from xinyong.models import AuditEvent, InquiryLog, Record, Subject, SubjectChange, SubjectIdentifier
from xinyong.subject import rules
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import mask_ric, parse_identifier
from xinyong.unit import service as units

from ..factories import CF_COLUMNS, cf_row, ric, to_csv, uscc
from ..helpers import TODAY, add_provider, run_file

OLD = uscc(700001)
NEW = uscc(700002)
OTHER = uscc(700003)
PERSON = ric(date(1975, 4, 9), seq=318)  # born in the 1900s: has a 15-digit form
PERSON_NEW = ric(date(1975, 4, 9), region="310104", seq=77)
DOC = {"doc_no": "沪市监变〔2025〕12号", "doc_date": date(2025, 6, 10), "doc_org": "上海市市场监督管理局"}
runner = CliRunner()


def fifteen(eighteen: str) -> str:
    return eighteen[:6] + eighteen[8:17]


def _create(engine, *pairs: tuple[str, str]) -> dict[str, int]:
    with session_scope(engine) as s:
        ids = subjects.resolve_many(s, [(parse_identifier(c, today=TODAY), n) for c, n in pairs])
    return {c: ids[(parse_identifier(c, today=TODAY).scheme, c)] for c, _n in pairs}


@pytest.fixture
def provider(engine) -> Actor:
    return add_provider(engine)[0]


def _change(engine, actor, **kw):
    with session_scope(engine) as s:
        row = subjects.record_change(s, actor=actor, **{**DOC, **kw})
        return subjects.change_view(s, row)


def _history(engine, sid, **kw):
    with session_scope(engine) as s:
        return subjects.history(s, sid, **kw)


def _find(engine, raw) -> int:
    with session_scope(engine) as s:
        return subjects.find(s, raw).id


@pytest.mark.article("Art. 11")
def test_a_name_change_keeps_the_name_history_with_its_document_and_is_audited(engine, provider):
    sid = _create(engine, (OLD, "上海甲贸易有限公司"))[OLD]
    view = _change(engine, provider, subject=OLD, kind="name_changed", new_name="上海甲科技有限公司")
    assert (view["kind"], view["old_value"], view["new_value"]) == ("name_changed", "上海甲贸易有限公司",
                                                                     "上海甲科技有限公司")
    assert view["unit"] == "上海市测试监督管理局" and view["doc_no"] == DOC["doc_no"]
    assert view["effective_on"] == DOC["doc_date"] and view["recorded_on"] == TODAY
    h = _history(engine, sid)
    assert h["name"] == "上海甲科技有限公司" and h["names"] == ["上海甲贸易有限公司", "上海甲科技有限公司"]
    with session_scope(engine) as s:
        actions = {e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.object_type == "subject_change"))}
    assert {"subject:name_changed", "row:insert"} <= actions  # the act and the bound row's event
    with pytest.raises(RuleViolation) as exc:  # the same name again is no change
        _change(engine, provider, subject=OLD, kind="name_changed", new_name="上海甲科技有限公司")
    assert exc.value.article == "Art. 11"


@pytest.mark.article("Art. 11")
def test_a_change_without_its_whole_document_or_dated_after_today_is_refused(engine, provider):
    _create(engine, (OLD, "甲"))
    for bad in ({"doc_org": " "}, {"doc_no": ""}, {"doc_date": date(2025, 6, 17)}):
        with pytest.raises(RuleViolation) as exc:
            _change(engine, provider, subject=OLD, kind="name_changed", new_name="乙", **bad)
        assert exc.value.article == "Art. 11"
    assert _history(engine, _find(engine, OLD))["changes"] == []


@pytest.mark.article("Art. 11")
def test_only_a_providing_unit_records_a_change(engine):
    _create(engine, (OLD, "甲"))
    with session_scope(engine) as s:
        unit, _t = units.add_unit(s, name="某信用评估有限公司", kind="credit-service", uscc=uscc(700900),
                                  published_on=TODAY, actor=CONSOLE)
        agency = units.actor_for(unit)
    with pytest.raises(RuleViolation) as exc:
        _change(engine, agency, subject=OLD, kind="name_changed", new_name="乙")
    assert exc.value.article == "Art. 11" and exc.value.field == "unit"
    with pytest.raises(RuleViolation):
        _change(engine, CONSOLE, subject=OLD, kind="name_changed", new_name="乙")


def test_a_new_uscc_keeps_one_subject_found_by_either_identifier(engine, provider, tmp_path):
    sid = _create(engine, (OLD, "上海甲贸易有限公司"))[OLD]
    view = _change(engine, provider, subject=OLD, kind="identifier_changed", new_identifier=NEW,
                   effective_on=date(2025, 6, 12))
    assert (view["old_value"], view["new_value"]) == (OLD, NEW)
    assert _find(engine, OLD) == _find(engine, NEW) == sid
    with session_scope(engine) as s:
        assert s.get(Subject, sid).identifier == NEW
        # the importer's bulk look-up too: one subject, nothing created
        got = subjects.resolve_many(s, [(parse_identifier(OLD, today=TODAY), "x"), (parse_identifier(NEW, today=TODAY), "y")])
        assert set(got.values()) == {sid}
        assert s.scalar(select(text("count(*)")).select_from(Subject)) == 1
        # an inquiry's load by the former identifier answers for the subject
        loaded = inquiry.load_one(s, subject=OLD)
        assert loaded.target["id"] == sid and loaded.target["identifier"] == NEW
    h = _history(engine, sid)
    assert h["former_identifiers"] == [{"scheme": "uscc", "identifier": OLD, "valid_until": date(2025, 6, 11)}]
    # an import naming the former identifier stores the record under the subject it now belongs to
    res = run_file(engine, provider, tmp_path, to_csv([cf_row(1, CF_XDR_SHXYM=OLD)], CF_COLUMNS))
    assert res.accepted == 1
    with session_scope(engine) as s:
        assert [r.subject_id for r in s.scalars(select(Record))] == [sid]
        assert s.scalar(select(text("count(*)")).select_from(Subject)) == 1


@pytest.mark.article("Art. 11")
def test_an_old_organization_code_is_recorded_only_when_the_uscc_embeds_it(engine, provider):
    sid = _create(engine, (OLD, "甲"))[OLD]
    org = OLD[8:17]
    with pytest.raises(RuleViolation) as exc:  # another organization's code
        _change(engine, provider, subject=OLD, kind="former_identifier", former_identifier=OTHER[8:17])
    assert exc.value.article == "Art. 11" and "characters 9-17" in exc.value.message
    broken = org[:8] + ("0" if org[8] != "0" else "1")
    with pytest.raises(RuleViolation) as exc:  # fails its GB 11714 check
        _change(engine, provider, subject=OLD, kind="former_identifier", former_identifier=broken)
    assert exc.value.article == "Art. 11"
    view = _change(engine, provider, subject=OLD, kind="former_identifier",
                   former_identifier=f"{org[:8]}-{org[8]}")
    assert view["old_value"] == f"{org[:8]}-{org[8]}" and view["new_value"] == OLD
    assert _find(engine, org) == _find(engine, f"{org[:8]}-{org[8]}") == sid
    with pytest.raises(InvalidInput):  # recorded once
        _change(engine, provider, subject=OLD, kind="former_identifier", former_identifier=org)


@pytest.mark.article("Art. 11")
def test_a_15_digit_number_is_recorded_only_when_its_18_digit_form_is_the_persons(engine, provider):
    sid = _create(engine, (PERSON, "张三"))[PERSON]
    assert rules.eighteen_of_fifteen(fifteen(PERSON)) == PERSON
    other = fifteen(ric(date(1975, 4, 9), seq=319))
    with pytest.raises(RuleViolation) as exc:
        _change(engine, provider, subject=PERSON, kind="former_identifier", former_identifier=other)
    assert exc.value.article == "Art. 11" and other not in exc.value.message
    view = _change(engine, provider, subject=PERSON, kind="former_identifier", former_identifier=fifteen(PERSON))
    assert view["old_value"] == mask_ric(fifteen(PERSON)) and view["new_value"] == mask_ric(PERSON)
    assert _find(engine, fifteen(PERSON)) == sid
    assert _history(engine, sid)["former_identifiers"][0]["identifier"] == mask_ric(fifteen(PERSON))
    assert _history(engine, sid, to_self=True)["former_identifiers"][0]["identifier"] == fifteen(PERSON)


def test_a_natural_persons_numbers_never_appear_in_plain_text_in_the_new_tables(engine, provider):
    sid = _create(engine, (PERSON, "张三"))[PERSON]
    _change(engine, provider, subject=PERSON, kind="former_identifier", former_identifier=fifteen(PERSON))
    _change(engine, provider, subject=PERSON, kind="identifier_changed", new_identifier=PERSON_NEW)
    _change(engine, provider, subject=PERSON_NEW, kind="name_changed", new_name="张叁")
    assert _find(engine, PERSON) == _find(engine, PERSON_NEW) == _find(engine, fifteen(PERSON)) == sid
    dump = []
    with engine.connect() as conn:
        for table in ("subject_change", "subject_identifier", "audit_event"):
            dump += [repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}"))]
    blob = "\n".join(dump)
    for number in (PERSON, PERSON_NEW, fifteen(PERSON)):
        assert number not in blob and number[6:14] not in blob
    assert mask_ric(PERSON) in blob  # the masked form is what is kept
    with session_scope(engine) as s:
        former = {r.scheme: r for r in s.scalars(select(SubjectIdentifier))}
        assert set(former) == {"ric", "ric15"}
        assert subjects.identifier_of(s, sid) == PERSON_NEW
        assert crypto.decrypt_text(former["ric"].identifier_enc, context=former["ric"].identifier_digest) == PERSON


def test_deregistration_keeps_the_subject_its_records_and_its_history(engine, provider, tmp_path):
    assert run_file(engine, provider, tmp_path, to_csv([cf_row(1, CF_XDR_SHXYM=OLD)], CF_COLUMNS)).accepted == 1
    sid = _find(engine, OLD)
    _change(engine, provider, subject=OLD, kind="name_changed", new_name="上海乙有限公司")
    view = _change(engine, provider, subject=OLD, kind="deregistered", effective_on=date(2025, 6, 13),
                   doc_no="沪市监注销〔2025〕3号")
    assert view["kind"] == "deregistered"
    h = _history(engine, sid)
    assert h["deregistered_on"] == date(2025, 6, 13) and [c["kind"] for c in h["changes"]] == [
        "name_changed", "deregistered"]
    with session_scope(engine) as s:
        assert [r.subject_id for r in s.scalars(select(Record))] == [sid]
        assert len(inquiry.load_one(s, subject=OLD).rows) == 1
    with pytest.raises(Conflict):  # nothing more changes
        _change(engine, provider, subject=OLD, kind="name_changed", new_name="上海丙有限公司")


def test_two_subjects_with_the_same_name_stay_two_and_an_identifier_is_never_taken_from_another(engine, provider):
    ids = _create(engine, (OLD, "上海同名有限公司"), (OTHER, "上海同名有限公司"))
    assert ids[OLD] != ids[OTHER]
    _change(engine, provider, subject=OLD, kind="name_changed", new_name="上海新名有限公司")
    _change(engine, provider, subject=OTHER, kind="name_changed", new_name="上海新名有限公司")
    assert _find(engine, OLD) != _find(engine, OTHER)
    with pytest.raises(Conflict) as exc:  # another subject's identifier: only a merger decision joins them
        _change(engine, provider, subject=OLD, kind="identifier_changed", new_identifier=OTHER)
    assert "merger" in exc.value.message
    with session_scope(engine) as s:
        assert s.scalar(select(text("count(*)")).select_from(SubjectChange).where(
            SubjectChange.kind.like("merged%"))) == 0


@pytest.mark.article("Art. 11")
def test_a_merger_only_by_the_operators_decision_with_document_and_reason(engine, provider):
    ids = _create(engine, (OLD, "上海甲有限公司"), (NEW, "上海乙有限公司"))
    args = {"absorbed": OLD, "into": NEW, **DOC, "doc_org": "上海市市场监督管理局", "reason": "吸收合并"}
    with session_scope(engine) as s, pytest.raises(Forbidden):
        subjects.merge(s, actor=provider, **args)
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        subjects.merge(s, actor=CONSOLE, **{**args, "reason": " "})
    assert exc.value.article == "Art. 11"
    with session_scope(engine) as s, pytest.raises(InvalidInput):
        subjects.merge(s, actor=CONSOLE, **{**args, "into": OLD})
    with session_scope(engine) as s:
        a, b = subjects.merge(s, actor=CONSOLE, **args)
        assert (a.kind, a.other_subject_id, b.kind, b.other_subject_id) == (
            "merged_into", ids[NEW], "merged_from", ids[OLD])
    gone, stays = _history(engine, ids[OLD]), _history(engine, ids[NEW])
    assert gone["deregistered_on"] == DOC["doc_date"] and stays["deregistered_on"] is None
    assert gone["changes"][0]["other_subject"]["id"] == ids[NEW] and gone["changes"][0]["reason"] == "吸收合并"
    assert _find(engine, OLD) == ids[OLD]  # still its own subject, with its own records


def test_a_split_by_decision_creates_the_new_subject_and_links_both(engine):
    src = _create(engine, (OLD, "上海甲有限公司"))[OLD]
    with session_scope(engine) as s:
        a, b = subjects.split(s, actor=CONSOLE, source=OLD, new=NEW, new_name="上海甲分立有限公司", reason="派生分立",
                              **DOC)
        child = a.subject_id
    assert child != src and _find(engine, NEW) == child
    assert _history(engine, child)["changes"][0]["kind"] == "split_from"
    assert _history(engine, src)["changes"][0]["other_subject"]["name"] == "上海甲分立有限公司"
    assert _history(engine, src)["deregistered_on"] is None


def test_key_rotation_reencrypts_former_numbers_too(engine, provider):
    sid = _create(engine, (PERSON, "张三"))[PERSON]
    _change(engine, provider, subject=PERSON, kind="former_identifier", former_identifier=fifteen(PERSON))
    _change(engine, provider, subject=PERSON, kind="identifier_changed", new_identifier=PERSON_NEW)
    old_key = crypto.key_ring().active
    crypto.rotate()
    assert keys.usage(engine).values[old_key] == 3  # the subject's number and its two former ones
    assert keys.reencrypt_values(engine, batch=1) == 3
    new_key = crypto.key_ring().active
    with session_scope(engine) as s:
        for r in s.scalars(select(SubjectIdentifier)):
            assert crypto.key_id_of(r.identifier_enc) == new_key
        assert {subjects.identifier_of(s, sid)} == {PERSON_NEW}
    assert keys.usage(engine).values[old_key] == 0
    h = _history(engine, sid, to_self=True)
    assert {f["identifier"] for f in h["former_identifiers"]} == {PERSON, fifteen(PERSON)}


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_over_the_api_a_unit_records_a_change_and_an_inquiry_by_the_former_identifier_names_the_subject(
        engine, provider, tmp_path):
    from xinyong import tokens
    from xinyong.models import Unit

    from ..helpers import issue_subject_token

    assert run_file(engine, provider, tmp_path, to_csv([cf_row(1, CF_XDR_SHXYM=OLD)], CF_COLUMNS)).accepted == 1
    sid = _find(engine, OLD)
    with session_scope(engine) as s:
        token = tokens.issue(s, actor=CONSOLE, label="admin", unit=s.get(Unit, provider.unit_id))[1]
        organ, _t = units.add_unit(s, name="上海市某区人民政府办公室", kind="administrative",
                                   uscc=uscc(1, prefix="11310000"), published_on=TODAY, actor=CONSOLE,
                                   inquires=["penalty"], purposes=["permit"])
        _o, organ_token = units.add_officer(s, unit=organ, staff_no="ADM-1", name="李四", items=None,
                                            purposes=None, expires_at=None, actor=CONSOLE)
        own = issue_subject_token(s, s.get(Subject, sid))
    with TestClient(create_app(engine)) as client:
        body = {"subject": OLD, "kind": "identifier_changed", "new_identifier": NEW, "doc_no": "沪市监变〔2025〕1号",
                "doc_date": "2025-06-10", "doc_org": "上海市市场监督管理局"}
        res = client.post("/api/v1/subjects/changes", headers=_auth(token), json={**body, "doc_org": ""})
        assert res.status_code == 422 and res.json()["article"] == "Art. 11"
        res = client.post("/api/v1/subjects/changes", headers=_auth(token), json=body)
        assert res.status_code == 201, res.text
        assert res.json()["old_value"] == OLD and res.json()["new_value"] == NEW
        res = client.post("/api/v1/subjects/mergers", headers=_auth(token), json={
            "absorbed": NEW, "into": OTHER, "reason": "x", **{k: body[k] for k in ("doc_no", "doc_date", "doc_org")}})
        assert res.status_code == 403  # a unit never merges subjects
        res = client.post("/api/v1/inquiries", headers=_auth(organ_token), json={"subject": OLD, "purpose": "permit"})
        assert res.status_code == 200, res.text
        assert res.json()["decision"] == "allow" and len(res.json()["records"]) == 1
        with session_scope(engine) as s:
            log = s.scalars(select(InquiryLog).order_by(InquiryLog.id.desc())).first()
            assert log.subject_id == sid and log.subject_digest is None
        mine = client.get("/api/v1/subjects/me/history", headers=_auth(own))
        assert mine.status_code == 200, mine.text
        assert mine.json()["former_identifiers"][0]["identifier"] == OLD
        assert client.get("/api/v1/subjects/me/history", headers=_auth(token)).status_code == 403


def test_the_cli_records_a_change_for_a_unit_with_a_console_reason(engine, provider):
    sid = _create(engine, (OLD, "上海甲有限公司"))[OLD]
    res = runner.invoke(cli, ["--console-reason", "工单 2025-061", "subject", "change", "name_changed",
                              "--subject", OLD, "--unit", provider.unit_uscc, "--doc-no", "沪市监变〔2025〕9号",
                              "--doc-date", "2025-06-10", "--doc-org", "上海市市场监督管理局",
                              "--new-name", "上海丁有限公司"])
    assert res.exit_code == 0, res.output
    assert "name_changed" in res.output and _history(engine, sid)["name"] == "上海丁有限公司"
    res = runner.invoke(cli, ["subject", "merge", "--absorbed", OLD, "--into", OLD, "--doc-no", "1",
                              "--doc-date", "2025-06-10", "--doc-org", "上海市市场监督管理局", "--reason", "r"])
    assert res.exit_code != 0


def test_my_information_page_shows_my_names_former_identifiers_and_changes(engine, provider):
    from ..helpers import issue_subject_token
    from ..portal.support import portal_client

    sid = _create(engine, (PERSON, "张三"))[PERSON]
    _change(engine, provider, subject=PERSON, kind="former_identifier", former_identifier=fifteen(PERSON))
    _change(engine, provider, subject=PERSON, kind="name_changed", new_name="张叁", doc_no="沪公户〔2025〕8号")
    with session_scope(engine) as s:
        token = issue_subject_token(s, s.get(Subject, sid))
    client = portal_client(engine)
    assert client.sign_in(token).status_code == 303
    page = client.get("/me?lang=en")
    assert page.status_code == 200, page.text[:500]
    assert "Changes of name and identifier" in page.text and "Former names: 张三" in page.text
    assert fifteen(PERSON) in page.text  # the person's own former number, in full: to the person only
    assert "沪公户〔2025〕8号" in page.text and "Name changed" in page.text
    assert "Providing unit" in page.text and "上海市测试监督管理局" in page.text  # who provided the change
    zh = client.get("/me?lang=zh")
    assert "名称和标识变更" in zh.text and "曾用名" in zh.text
    other = _create(engine, (OLD, "上海甲有限公司"))[OLD]  # a subject without changes: no section
    with session_scope(engine) as s:
        token = issue_subject_token(s, s.get(Subject, other))
    client = portal_client(engine)
    assert client.sign_in(token).status_code == 303
    assert "Changes of name and identifier" not in client.get("/me?lang=en").text


def test_a_check_of_several_subjects_and_the_public_search_find_a_subject_by_its_former_uscc(engine, provider):
    from xinyong.portal import service as portal

    ids = _create(engine, (OLD, "上海甲贸易有限公司"), (OTHER, "上海丙有限公司"))
    _change(engine, provider, subject=OLD, kind="identifier_changed", new_identifier=NEW)
    digest = subjects.identifier_digest(parse_identifier(OLD, today=TODAY))
    other = subjects.identifier_digest(parse_identifier(OTHER, today=TODAY))
    unknown = subjects.identifier_digest(parse_identifier(uscc(700099), today=TODAY))
    with session_scope(engine) as s:
        # several digests in one statement (a measure check's path), the former one falling back
        found = inquiry.load_subjects(s.connection(), digests=[digest, other, unknown], lean=True)
        assert {d: ld.target["id"] for d, ld in found.items()} == {digest: ids[OLD], other: ids[OTHER]}
        assert [r["id"] for r in portal.search(s, OLD)] == [ids[OLD]]
