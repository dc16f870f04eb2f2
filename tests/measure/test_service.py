"""The check and applications on both databases: announced measures only, basis and grounds cited,
grounds through the inquiry policy, responsible persons caught, every subject an inquiry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from xinyong import deletion
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.errors import InvalidInput, RuleViolation
from xinyong.measure import service
from xinyong.models import AuditEvent, InquiryLog, MeasureCheck

from ..factories import cf_row, to_csv, uscc, CF_COLUMNS
from ..helpers import add_provider, run_file
from .conftest import ORG_USCC, RESPONSIBLE_RIC, SUPERVISOR, add_measure, black_list


def check(engine, actor, subjects, context="permit"):
    with session_scope(engine) as s:
        return service.check(s, actor=actor, subjects_raw=subjects, context=context, channel="api")


def codes(answer):
    return {m["code"] for m in answer["measures"]}


@pytest.mark.article("Art. 32.2")
def test_measure_not_announced_is_never_returned_nor_applied(engine, joint):
    w = joint.w
    res = check(engine, w.organ, [ORG_USCC])
    got = codes(res["subjects"][0])
    assert "P-DRAFT" not in got and "P-LATER" not in got
    assert {"P-PENALTY", "R-MARKET"} <= got
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        service.apply(s, check_id=res["check_id"], measure="P-LATER", subject=ORG_USCC, document="决定书1",
                      actor=w.organ)
    assert exc.value.article == "Art. 32.2"
    # once its announcement date has come, the same measure is returned
    with session_scope(engine) as s:
        later = service.check(s, actor=w.organ, subjects_raw=[ORG_USCC], context="permit", channel="api",
                              on=date(2025, 7, 2))
    assert "P-LATER" in codes(later["subjects"][0])
    # a withdrawn measure is no longer returned nor applied
    with session_scope(engine) as s:
        service.withdraw(s, measure="P-PENALTY", actor=SUPERVISOR)
    again = check(engine, w.organ, [ORG_USCC])
    assert "P-PENALTY" not in codes(again["subjects"][0])
    with session_scope(engine) as s, pytest.raises(RuleViolation):
        service.apply(s, check_id=res["check_id"], measure="P-PENALTY", subject=ORG_USCC, document="d",
                      actor=w.organ)


@pytest.mark.article("Art. 31")
def test_restriction_on_a_policy_basis_is_refused(engine, joint):
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        add_measure(s, "R-POLICY", kind="restriction", item="2", items=(), lists=(joint.list_id,), level="policy")
    assert exc.value.article == "Art. 31"
    with session_scope(engine) as s:
        add_measure(s, "R-LAW", kind="restriction", item="2", items=(), lists=(joint.list_id,),
                    level="administrative-regulation")


@pytest.mark.article("Art. 31")
def test_a_restriction_rests_on_lists_of_the_seriously_untrustworthy_never_on_records_alone(engine, joint):
    from xinyong.listing import service as listing

    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        add_measure(s, "R-RECORDS", kind="restriction", item="1", items=("penalty",), level="law")
    assert exc.value.article == "Art. 31" and "platform policy" in exc.value.message
    with session_scope(engine) as s:
        red = listing.define(s, code="RED-1", name="守信激励对象名单", kind="red", keeper_organ="上海市税务局",
                             entry_standard="A级纳税人", legal_basis="《纳税信用管理办法》", entry_requirements="A级",
                             removal_requirements="降级", remedy_paths="复核", actor=joint.w.organ)
        red_id = red.id
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        add_measure(s, "R-RED", kind="restriction", item="1", items=(), lists=(red_id,), level="law")
    assert exc.value.article == "Art. 31"


@pytest.mark.article("Art. 22")
def test_only_the_supervisor_under_its_own_identity_compiles_the_application_list(engine, joint):
    from xinyong.errors import Forbidden

    for actor in (CONSOLE, joint.w.organ):
        with session_scope(engine) as s, pytest.raises(Forbidden) as exc:
            add_measure(s, "P-CONSOLE", actor=actor)
        assert exc.value.article == "Art. 22"
    with session_scope(engine) as s, pytest.raises(Forbidden):
        service.withdraw(s, measure="P-PENALTY", actor=CONSOLE)


@pytest.mark.article("Art. 32.1")
def test_each_answer_cites_basis_and_grounds(engine, joint):
    w = joint.w
    answer = check(engine, w.organ, [ORG_USCC])["subjects"][0]
    by_code = {m["code"]: m for m in answer["measures"]}
    pen = by_code["P-PENALTY"]
    assert pen["basis"] == {"text": "《上海市社会信用条例》第三十条", "level": "local-regulation"}
    assert pen["article"] == "Art. 30(1)"
    docs = {g["document"]["number"] for g in pen["grounds"]}
    # in force only: not the expired, restored or revoked penalties
    assert docs == {"沪罚〔2024〕1号", "沪罚〔2024〕5号"}
    restrict = by_code["R-MARKET"]
    assert restrict["grounds"][0]["type"] == "list-entry" and restrict["grounds"][0]["article"] == "Art. 25.2(2)"
    # every ground is one the organ's own inquiry would show it
    with session_scope(engine) as s:
        seen = {r["id"] for r in inquire(s, w.organ, ORG_USCC, "permit").records}
    assert {g["record_id"] for g in pen["grounds"]} <= seen


def inquire(s, actor, subject, purpose):
    from xinyong.inquiry import service as inquiries

    return inquiries.inquire(s, actor=actor, subject=subject, purpose=purpose, channel="api")


@pytest.mark.article("Art. 17.3")
def test_a_trigger_the_organ_may_not_see_is_answered_the_same_for_every_subject(engine, joint, tmp_path):
    """Reproduced on main: the check answered that a punishment applied on non-public arrears records the organ
    had no authorization for (item, article and count shown). Now the measure cannot be evaluated by that
    organ, and the answer says so the same way whatever the subject holds — never a count, item or article of
    the subject's own information."""
    w = joint.w
    provider, _ = add_provider(engine, uscc=uscc(779, prefix="11310000"))
    assert run_file(engine, provider, tmp_path, to_csv([cf_row(700001)], CF_COLUMNS)).accepted == 1
    with_arrears, without = ORG_USCC, cf_row(700001)["CF_XDR_SHXYM"]
    answers = check(engine, w.organ, [with_arrears, without, uscc(999997)])["subjects"]
    refusals = [[m for m in a["not_evaluable"] if m["code"] == "P-ARREARS"] for a in answers]
    assert refusals[0] == refusals[1] == refusals[2] and len(refusals[0]) == 1
    assert refusals[0][0]["reason"].startswith("P-ARREARS cannot be evaluated by you: item arrears is not public")
    assert refusals[0][0]["article"] == "Art. 17.3"
    assert all("P-ARREARS" not in codes(a) for a in answers)
    assert "沪税〔2024〕7号" not in str(answers)
    with session_scope(engine) as s:
        stored = s.get(MeasureCheck, check(engine, w.organ, [with_arrears])["check_id"]).results
    assert not any(g.get("item") == "arrears" for m in stored.values() for gs in m.values() for g in gs)


@pytest.mark.article("Art. 17.2")
def test_an_organ_without_the_item_on_its_list_learns_nothing_of_a_persons_records(engine, joint, tmp_path):
    """Reproduced on main: an organ whose published list lacks the penalty item was denied the inquiry, yet the
    check answered that a punishment applied, on "hidden" penalty grounds. Now the check reveals exactly what
    the inquiry may: for a natural person nothing, and the same refusal with or without penalties."""
    from ..factories import person_cf_row, ric

    w = joint.w
    with session_scope(engine) as s:
        add_measure(s, "P-PERSON", targets=("natural_person",), contexts=("funding",))
    with session_scope(engine) as s:
        denied = inquire(s, w.organ, w.person_ric, "funding")
    assert not denied.allowed and denied.article == "Art. 17.2"
    clean = ric(date(1980, 2, 2), seq=55)
    answers = check(engine, w.organ, [w.person_ric, clean], context="funding")["subjects"]
    strip = [{k: v for k, v in a.items() if k not in ("inquiry_id", "subject")} for a in answers]
    assert strip[0] == strip[1]
    assert [m["code"] for m in strip[0]["not_evaluable"]] == ["P-PERSON"]
    assert "item penalty is not on your published inquiry list for purpose 'funding'" in \
        strip[0]["not_evaluable"][0]["reason"] and strip[0]["not_evaluable"][0]["article"] == "Art. 17.2"
    assert "id" not in answers[0]["subject"] and "found" not in answers[0]
    assert "沪罚〔2024〕6号" not in str(answers)
    with session_scope(engine) as s:
        logs = list(s.scalars(select(InquiryLog).order_by(InquiryLog.id.desc()).limit(2)))
    assert [l.decision for l in logs] == ["deny", "deny"] and all(l.record_ids in ([], None) for l in logs)


@pytest.mark.article("Art. 17.3")
def test_a_measures_own_legal_basis_opens_its_triggers_and_is_logged_as_such(engine, joint):
    w = joint.w
    with session_scope(engine) as s:
        add_measure(s, "P-TAXLAW", items=("arrears",), item="2", check_basis="《中华人民共和国税收征收管理法》第四十五条",
                    check_level="law")
    answer = check(engine, w.organ, [ORG_USCC])["subjects"][0]
    by_code = {m["code"]: m for m in answer["measures"]}
    assert [g["document"]["number"] for g in by_code["P-TAXLAW"]["grounds"]] == ["沪税〔2024〕7号"]
    assert "P-ARREARS" in {m["code"] for m in answer["not_evaluable"]}  # its own basis is only a local regulation
    with session_scope(engine) as s:
        log = s.get(InquiryLog, answer["inquiry_id"])
    assert log.bases == {"item:arrears": "measure:P-TAXLAW"} and w.records["arrears"] in log.record_ids
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        add_measure(s, "P-WEAK", items=("arrears",), check_basis="《上海市某条例》第三条", check_level="local-regulation")
    assert exc.value.article == "Art. 17.3"


@pytest.mark.article("Art. 22")
def test_an_organ_checks_only_the_measures_it_implements(engine, joint):
    w = joint.w
    with session_scope(engine) as s:
        add_measure(s, "P-OTHER", implementing=(uscc(2, prefix="11310000"),), implementing_class=None,
                    targets=("organization",))
    assert "P-OTHER" not in codes(check(engine, w.organ, [ORG_USCC])["subjects"][0])
    with session_scope(engine) as s:
        add_measure(s, "P-MINE", implementing=(w.organ.unit_uscc,), implementing_class=None)
    res = check(engine, w.organ, [ORG_USCC])
    with session_scope(engine) as s:
        with pytest.raises(Exception) as exc:
            service.apply(s, check_id=res["check_id"], measure="P-OTHER", subject=ORG_USCC, document="d",
                          actor=w.organ)
    assert "P-MINE" in codes(res["subjects"][0]) and getattr(exc.value, "article", None) == "Art. 22"


@pytest.mark.article("Art. 17.2")
def test_publishing_is_refused_while_an_implementing_organ_may_not_see_a_trigger(engine, joint):
    w = joint.w
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        add_measure(s, "P-FUNDING", targets=("natural_person",), contexts=("funding",),
                    implementing=(w.organ.unit_uscc,), implementing_class=None)
    assert exc.value.article == "Art. 17.2"
    assert f"({w.organ.unit_uscc}, item penalty, funding)" in exc.value.message
    assert exc.value.details[0]["trigger"] == "item penalty"
    # an organization's penalties are public: any organ may see them, nothing is missing
    with session_scope(engine) as s:
        add_measure(s, "P-FUNDING-ORG", targets=("organization",), contexts=("funding",),
                    implementing=(w.organ.unit_uscc,), implementing_class=None)


@pytest.mark.article("Art. 17.2")
def test_narrowing_an_organs_list_that_would_orphan_a_published_measure_is_refused(engine, joint):
    from xinyong.models import Unit
    from xinyong.unit import service as units

    w = joint.w
    with session_scope(engine) as s, pytest.raises(RuleViolation) as exc:
        units.publish_inquiry_list(s, unit=s.get(Unit, w.organ.unit_id), items=["penalty", "arrears"], lists=[],
                                   purposes=["permit", "procurement"], published_on=date(2025, 6, 16),
                                   actor=w.organ)
    assert exc.value.article == "Art. 17.2" and "list BL-1" in exc.value.message and "R-MARKET" in exc.value.message
    with session_scope(engine) as s:  # adding to it is fine
        units.publish_inquiry_list(s, unit=s.get(Unit, w.organ.unit_id), items=["penalty", "arrears", "licence"],
                                   lists=[joint.list_id], purposes=["permit", "procurement"],
                                   published_on=date(2025, 6, 16), actor=w.organ)


@pytest.mark.article("Art. 33")
def test_listed_organizations_responsible_person_is_caught(engine, joint):
    w = joint.w
    answer = check(engine, w.organ, [RESPONSIBLE_RIC], context="procurement")["subjects"][0]
    assert answer["found"] and answer["subject"]["kind"] == "natural_person"
    assert codes(answer) == {"R-MARKET"}
    g = answer["measures"][0]["grounds"][0]
    assert g["relation"] == "responsible" and g["role"] == "legal-representative" and g["article"] == "Art. 33"
    assert RESPONSIBLE_RIC not in str(answer)
    # the organization's own punishments do not reach the person
    assert "P-PENALTY" not in codes(check(engine, w.organ, [RESPONSIBLE_RIC])["subjects"][0])


@pytest.mark.article("Art. 28.1")
def test_every_subject_checked_is_an_inquiry_and_apply_then_subject_sees(engine, joint):
    w = joint.w
    with session_scope(engine) as s:
        before = s.scalar(select(func.count()).select_from(InquiryLog))
    res = check(engine, w.organ, [ORG_USCC, RESPONSIBLE_RIC, uscc(999999)])
    with session_scope(engine) as s:
        logs = list(s.scalars(select(InquiryLog).where(InquiryLog.id > before).order_by(InquiryLog.id)))
        assert [l.decision for l in logs][-1] == "notfound" and len(logs) == 3
        assert all(l.purpose == "permit" and l.officer_label for l in logs)
        app = service.apply(s, check_id=res["check_id"], measure="P-PENALTY", subject=ORG_USCC,
                            document="沪府许〔2025〕1号", actor=w.organ)
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "measure_application")) \
            == "measure:apply"
        with pytest.raises(RuleViolation) as exc:  # not returned for the person
            service.apply(s, check_id=res["check_id"], measure="P-PENALTY", subject=RESPONSIBLE_RIC,
                          document="x", actor=w.organ)
        assert exc.value.article == "Art. 32.1"
        mine = service.applied_to(s, w.org_id)
    assert mine[0]["id"] == app.id and mine[0]["measure"]["basis"]["level"] == "local-regulation"
    assert {g["document"]["number"] for g in mine[0]["grounds"]} == {"沪罚〔2024〕1号", "沪罚〔2024〕5号"}


def test_one_thousand_subjects_in_one_check(engine, joint, tmp_path):
    provider, _ = add_provider(engine, uscc=uscc(777, prefix="11310000"))
    rows = [cf_row(500000 + i, CF_WSH=f"沪罚〔2024〕B{i}号") for i in range(1000)]
    assert run_file(engine, provider, tmp_path, to_csv(rows, CF_COLUMNS), chunk_rows=1000).accepted == 1000
    subjects = [r["CF_XDR_SHXYM"] for r in rows]
    res = check(engine, joint.w.organ, subjects)
    assert len(res["subjects"]) == 1000
    assert all(codes(a) == {"P-PENALTY"} for a in res["subjects"])
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(InquiryLog)) >= 1000


def test_only_an_organs_officer_checks(engine, joint):
    from xinyong.errors import Forbidden
    with pytest.raises(Forbidden):
        check(engine, joint.w.agency, [ORG_USCC])
    with pytest.raises(RuleViolation):
        check(engine, joint.w.organ, [ORG_USCC], context="gossip")
    assert CONSOLE.role == "console"


@pytest.mark.article("Art. 2")
def test_an_invalid_identifier_is_answered_in_its_place_and_the_others_are_checked(engine, joint):
    w = joint.w
    bad_person = RESPONSIBLE_RIC[:-1] + ("0" if RESPONSIBLE_RIC[-1] != "0" else "1")
    res = check(engine, w.organ, [ORG_USCC, bad_person, "abc", RESPONSIBLE_RIC], context="procurement")
    first, bad, short, person = res["subjects"]
    assert codes(first) == {"R-MARKET"} and first["inquiry_id"]
    assert codes(person) == {"R-MARKET"} and person["measures"][0]["grounds"][0]["relation"] == "responsible"
    assert bad["error"]["field"] == "subjects[1]" and bad["error"]["article"] == "Art. 2" and not bad["found"]
    assert short["error"]["field"] == "subjects[2]" and "18" in short["error"]["message"]
    assert bad_person not in str(res) and "inquiry_id" not in bad
    with session_scope(engine) as s:
        logged = {l.id: l for l in s.scalars(select(InquiryLog).where(
            InquiryLog.id.in_([first["inquiry_id"], person["inquiry_id"]])))}
    # each answer names its own inquiry (batch log rows keep their order)
    assert logged[first["inquiry_id"]].subject_id == first["subject"]["id"] == w.org_id
    assert logged[person["inquiry_id"]].subject_id == person["subject"]["id"] == joint.person_id
    with pytest.raises(InvalidInput) as exc:
        check(engine, w.organ, ["abc", bad_person])
    assert exc.value.field == "subjects[0]" and exc.value.article == "Art. 2"


@pytest.mark.article("Art. 33")
def test_batch_and_single_checks_give_the_same_answers(engine, joint, tmp_path):
    """The batch path (arrays, bulk log rows) and the one-subject path (one statement each) agree."""
    w = joint.w
    provider, _ = add_provider(engine, uscc=uscc(778, prefix="11310000"))
    rows = [cf_row(600000 + i, CF_WSH=f"沪罚〔2024〕C{i}号") for i in range(5)]
    assert run_file(engine, provider, tmp_path, to_csv(rows, CF_COLUMNS)).accepted == 5
    subjects = [ORG_USCC, RESPONSIBLE_RIC, uscc(999998), *[r["CF_XDR_SHXYM"] for r in rows]]
    batch = check(engine, w.organ, subjects)["subjects"]
    single = [check(engine, w.organ, [x])["subjects"][0] for x in subjects]

    def strip(a):
        return {k: v for k, v in a.items() if k != "inquiry_id"}

    assert [strip(a) for a in batch] == [strip(a) for a in single]
    assert codes(batch[0]) == {"R-MARKET", "P-PENALTY"} and codes(batch[1]) == {"R-MARKET"}
    assert not batch[2]["found"] and all(codes(a) == {"P-PENALTY"} for a in batch[3:])
    with session_scope(engine) as s:
        ids = [a["inquiry_id"] for a in batch]
        subject_of = dict(s.execute(select(InquiryLog.id, InquiryLog.subject_id).where(InquiryLog.id.in_(ids))).all())
    assert [subject_of[i] for i in ids] == [a.get("subject", {}).get("id") for a in batch]


@pytest.mark.article("Art. 32.2")
def test_a_measure_published_in_this_process_is_returned_at_once(engine, joint):
    """The application list is cached on the check's path; announcing or withdrawing clears the cache."""
    w = joint.w
    assert "P-ARREARS2" not in codes(check(engine, w.organ, [ORG_USCC])["subjects"][0])
    with session_scope(engine) as s:
        add_measure(s, "P-ARREARS2", items=("penalty",), item="5")
    assert "P-ARREARS2" in codes(check(engine, w.organ, [ORG_USCC])["subjects"][0])


@pytest.mark.article("Art. 32.1")
def test_a_measure_is_applied_only_on_grounds_that_still_hold(engine, joint):
    from xinyong.listing import service as listing
    from xinyong.models import Record
    from xinyong.record import workflows

    w = joint.w
    res = check(engine, w.organ, [ORG_USCC])
    with session_scope(engine) as s:
        rid = s.scalar(select(Record.id).where(Record.doc_no == "沪罚〔2024〕1号"))
        workflows.revoke(s, record_id=rid, document="沪复决〔2025〕9号", decided_by="court", reason="判决撤销",
                         actor=CONSOLE)
        listing.remove(s, entry_id=joint.entry_id, document="沪市监移〔2025〕1号", reason="公示期满", actor=w.organ)
    with session_scope(engine) as s:
        app = service.apply(s, check_id=res["check_id"], measure="P-PENALTY", subject=ORG_USCC,
                            document="沪府许〔2025〕2号", actor=w.organ)
        assert [g["record_id"] for g in app.grounds] != [] and rid not in [g["record_id"] for g in app.grounds]
        with pytest.raises(RuleViolation) as exc:
            service.apply(s, check_id=res["check_id"], measure="R-MARKET", subject=ORG_USCC,
                          document="沪府许〔2025〕3号", actor=w.organ)
    assert exc.value.article == "Art. 32.1" and "still holds" in exc.value.message


def test_a_withdrawn_measure_is_not_withdrawn_again(engine, joint):
    from xinyong.errors import InvalidInput as Invalid
    with session_scope(engine) as s:
        first = service.withdraw(s, measure="P-ARREARS", actor=SUPERVISOR).withdrawn_on
    with session_scope(engine) as s, pytest.raises(Invalid):
        service.withdraw(s, measure="P-ARREARS", actor=SUPERVISOR)
    with session_scope(engine) as s:
        assert service.get(s, "P-ARREARS").withdrawn_on == first


@pytest.mark.article("Art. 37")
def test_a_purged_record_leaves_the_applications_that_cited_it(engine, joint):
    from xinyong.models import MeasureApplication, Record
    from xinyong.record import workflows

    w = joint.w
    res = check(engine, w.organ, [ORG_USCC])
    with session_scope(engine) as s:
        app_id = service.apply(s, check_id=res["check_id"], measure="P-PENALTY", subject=ORG_USCC,
                               document="沪府许〔2025〕4号", actor=w.organ).id
        rid = s.scalar(select(Record.id).where(Record.doc_no == "沪罚〔2024〕1号"))
        workflows.revoke(s, record_id=rid, document="沪复决〔2025〕9号", decided_by="court", reason="判决撤销",
                         actor=CONSOLE)
    with session_scope(engine) as s:
        deletion.purge(s, actor=CONSOLE)
    with session_scope(engine) as s:
        grounds = s.get(MeasureApplication, app_id).grounds
        mine = service.applied_to(s, w.org_id)
        event = s.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "measure_application",
                                                          AuditEvent.action == "measure-application:purge-record"))
    marked = [g for g in grounds if g.get("record_id") == rid]
    assert marked == [{"type": "record", "record_id": rid, "deleted": True, "hidden": True, "article": "Art. 37",
                       "note": marked[0]["note"]}]
    assert "沪罚〔2024〕1号" not in str(grounds) + str(mine)
    assert {g["document"]["number"] for g in mine[0]["grounds"] if not g.get("deleted")} == {"沪罚〔2024〕5号"}
    assert event == "measure-application:purge-record"
