"""The console for lists and the application list: define, publish, enter (ID numbers prompted), measures,
remedies and their outcome."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from xinyong.auth import CONSOLE, Actor
from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.listing import service

from ..inquiry.conftest import ORG_USCC, world  # noqa: F401
from ..measure.conftest import RESPONSIBLE_RIC, black_list

runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


@pytest.mark.article("Art. 31")
def test_cli_list_and_measures(engine, world, monkeypatch):  # noqa: F811
    organ = ["--unit", world.organ.unit_uscc]
    res = runner.invoke(app, ["listing", "define", "BL-CLI", "--name", "名单", "--organ", "某局", "--standard", "s",
                              "--basis", "b", "--entry-requirements", "e", "--removal-requirements", "r",
                              "--remedy-paths", "p", *organ])
    assert res.exit_code == 1 and "--console-reason" in res.stderr  # the console acts for the organ with a reason
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test: entered at the Center for the organ")
    res = invoke("listing", "define", "BL-CLI", "--name", "名单", "--organ", "某局", "--standard", "s", "--basis", "b",
                 "--entry-requirements", "e", "--removal-requirements", "r", "--remedy-paths", "p",
                 "--comment-from", "2025-03-01", "--comment-to", "2025-04-30", *organ)
    assert res.exit_code == 0, res.output
    assert invoke("listing", "publish", "BL-CLI", *organ).exit_code == 0
    res = invoke("listing", "enter", "BL-CLI", ORG_USCC, "--ground", "2", "--document", "d", "--decided-on",
                 "2025-06-01", "--person", "principal:李某", "--json", *organ, input=RESPONSIBLE_RIC + "\n")
    assert res.exit_code == 0, res.output
    assert RESPONSIBLE_RIC not in res.stdout
    token = ["--token", world.supervisor_token]
    common = ["--name", "限制进入市场", "--measure", "限制", "--kind", "restriction", "--item", "1", "--incident", "列入名单",
              "--on-list", "BL-CLI", "--target", "organization", "--reaches-responsible", "--context", "permit",
              "--organ", "某局", "--basis", "某法", "--implemented-by-class", "context", *token]
    res = runner.invoke(app, ["measure", "add", "R-1", *common, "--level", "policy"])
    assert res.exit_code == 1 and "error [Art. 31]" in res.stderr
    res = invoke("measure", "add", "R-1", *common, "--level", "law", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["article"] == "Art. 31(1)"
    assert invoke("measure", "list", "--json").stdout.strip() == "[]"  # not announced yet
    # the organ does not name the list yet: it could not evaluate the measure for a responsible person
    res = runner.invoke(app, ["measure", "publish", "R-1", *token])
    assert res.exit_code == 1 and "error [Art. 17.2]" in res.stderr and "list BL-CLI, permit" in res.stderr
    res = invoke("unit", "inquiry-list", world.organ.unit_uscc, "--inquires", "penalty", "--inquires", "arrears",
                 "--lists", "BL-CLI", "--purposes", "permit")
    assert res.exit_code == 0, res.output
    assert invoke("measure", "publish", "R-1", *token).exit_code == 0
    res = runner.invoke(app, ["measure", "announce", "R-1", "--in", "nowhere", "--document", "公告", *token])
    assert res.exit_code == 1 and "error [Art. 22]" in res.stderr
    assert invoke("measure", "announce", "R-1", "--in", "gazette", "--document", "沪信用公告〔2025〕1号",
                  *token).exit_code == 0
    assert json.loads(invoke("measure", "list", "--json").stdout)[0]["code"] == "R-1"
    res = invoke("check", RESPONSIBLE_RIC, "--context", "permit", *organ)
    assert res.exit_code == 0 and "R-1" in res.stdout and "Art. 33" in res.stdout
    entry_id = json.loads(invoke("listing", "enter", "BL-CLI", ORG_USCC, "--ground", "3", "--document", "d2",
                                 "--decided-on", "2025-06-02", "--person", "principal:李某", "--json", *organ,
                                 input=RESPONSIBLE_RIC + "\n").stdout)["id"]
    assert invoke("listing", "remove", str(entry_id), "--document", "移出决定", *organ).exit_code == 0
    assert runner.invoke(app, ["listing", "remove", str(entry_id), "--document", "x", *organ]).exit_code == 1


@pytest.mark.article("Art. 25.3")
def test_cli_remedies_and_their_outcome(engine, world, monkeypatch):  # noqa: F811
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test: entered at the Center for the organ")
    with session_scope(engine) as s:
        list_id = black_list(s, world.organ)
        org = service.enter(s, list_id=list_id, subject=ORG_USCC, ground="(2)", ground_text="", document="d-org",
                            decided_on=date(2025, 6, 1), actor=world.organ,
                            persons=[{"role": "principal", "name": "李某", "identifier": RESPONSIBLE_RIC}])
        person = service.enter(s, list_id=list_id, subject=world.person_ric, ground="(3)", ground_text="",
                               document="d-person", decided_on=date(2025, 6, 2), actor=world.organ)
        org_rem = service.apply_remedy(s, entry_id=org.id, reason="处罚决定已被撤销",
                                       actor=Actor(role="subject", subject_id=world.org_id)).id
        person_rem = service.apply_remedy(s, entry_id=person.id, reason="已履行",
                                          actor=Actor(role="subject", subject_id=world.person_id)).id
        org_id, person_id = org.id, person.id

    rows = json.loads(invoke("listing", "remedies", "--json").stdout)
    assert [(r["id"], r["entry_id"], r["status"], r["entry_status"]) for r in rows] == [
        (org_rem, org_id, "pending", "listed"), (person_rem, person_id, "pending", "listed")]
    assert rows[1]["subject"]["identifier"] != world.person_ric and rows[0]["reason"] == "处罚决定已被撤销"
    res = invoke("listing", "remedies")
    assert res.exit_code == 0 and "pending [Art. 25.3]" in res.stdout and world.person_ric not in res.stdout
    assert RESPONSIBLE_RIC not in res.stdout

    # the outcome names who decided and on which document; a keeper organ may enter it with --unit
    res = runner.invoke(app, ["listing", "remedy-decide", str(org_rem), "--by", "neighbour", "--outcome", "revoked",
                              "--document", "x", "--unit", world.organ.unit_uscc])
    assert res.exit_code == 1 and "error [Art. 25.3]" in res.stderr
    res = runner.invoke(app, ["listing", "remedy-decide", str(org_rem), "--by", "court", "--outcome", "revoked",
                              "--document", " ", "--unit", world.organ.unit_uscc])
    assert res.exit_code == 1 and "error [Art. 25.3]" in res.stderr
    res = invoke("listing", "remedy-decide", str(person_rem), "--by", "organ", "--outcome", "upheld",
                 "--document", "维持决定", "--unit", world.organ.unit_uscc)
    assert res.exit_code == 0 and res.stdout.strip() == f"remedy {person_rem} upheld by organ [Art. 25.3]"
    res = invoke("listing", "remedy-decide", str(org_rem), "--by", "court", "--outcome", "revoked",
                 "--document", "(2025)沪01行终1号", "--unit", world.organ.unit_uscc)
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == (f"remedy {org_rem} revoked by court [Art. 25.3]; entry {org_id} revoked: no longer "
                                  "counts; to be deleted by 2025-06-19 [Art. 37]")
    res = runner.invoke(app, ["listing", "remedy-decide", str(org_rem), "--by", "court", "--outcome", "upheld",
                              "--document", "x", "--unit", world.organ.unit_uscc])
    assert res.exit_code == 1 and "error [Art. 25.3]: the remedy is already revoked" in res.stderr

    [row] = json.loads(invoke("listing", "remedies", "--entry", str(org_id), "--json").stdout)
    assert (row["status"], row["decided_by"], row["outcome_document"], row["decided_on"], row["entry_status"]) == (
        "revoked", "court", "(2025)沪01行终1号", "2025-06-16", "revoked")
    assert runner.invoke(app, ["listing", "remedies", "--entry", "99999"]).exit_code == 1

    # xinyong purge deletes the revoked entry with its remedies; the upheld one stays
    res = invoke("purge")
    assert res.exit_code == 0 and "deleted 1 list entries" in res.stdout
    assert [r["id"] for r in json.loads(invoke("listing", "remedies", "--json").stdout)] == [person_rem]
