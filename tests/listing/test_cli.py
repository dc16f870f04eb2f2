"""The console for lists and the application list: define, publish, enter (ID numbers prompted), measures."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from xinyong.cli import app

from ..inquiry.conftest import ORG_USCC, world  # noqa: F401
from ..measure.conftest import RESPONSIBLE_RIC

runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


@pytest.mark.article("Art. 31")
def test_cli_list_and_measures(engine, world):  # noqa: F811
    res = invoke("listing", "define", "BL-CLI", "--name", "名单", "--organ", "某局", "--standard", "s", "--basis", "b",
                 "--entry-requirements", "e", "--removal-requirements", "r", "--remedy-paths", "p",
                 "--comment-from", "2025-03-01", "--comment-to", "2025-04-30")
    assert res.exit_code == 0, res.output
    assert invoke("listing", "publish", "BL-CLI").exit_code == 0
    res = invoke("listing", "enter", "BL-CLI", ORG_USCC, "--ground", "2", "--document", "d", "--decided-on",
                 "2025-06-01", "--person", "principal:李某", "--json", input=RESPONSIBLE_RIC + "\n")
    assert res.exit_code == 0, res.output
    assert RESPONSIBLE_RIC not in res.stdout
    common = ["--name", "限制进入市场", "--measure", "限制", "--kind", "restriction", "--item", "1", "--incident", "列入名单",
              "--on-list", "BL-CLI", "--target", "organization", "--reaches-responsible", "--context", "permit",
              "--organ", "某局", "--basis", "某法"]
    res = runner.invoke(app, ["measure", "add", "R-1", *common, "--level", "policy"])
    assert res.exit_code == 1 and "error [Art. 31]" in res.stderr
    res = invoke("measure", "add", "R-1", *common, "--level", "law", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["article"] == "Art. 31(1)"
    assert invoke("measure", "list", "--json").stdout.strip() == "[]"  # not announced yet
    assert invoke("measure", "publish", "R-1").exit_code == 0
    assert json.loads(invoke("measure", "list", "--json").stdout)[0]["code"] == "R-1"
    res = invoke("check", RESPONSIBLE_RIC, "--context", "permit", "--unit", world.organ.unit_uscc)
    assert res.exit_code == 0 and "R-1" in res.stdout and "Art. 33" in res.stdout
    entry_id = json.loads(invoke("listing", "enter", "BL-CLI", ORG_USCC, "--ground", "3", "--document", "d2",
                                 "--decided-on", "2025-06-02", "--person", "principal:李某", "--json",
                                 input=RESPONSIBLE_RIC + "\n").stdout)["id"]
    assert invoke("listing", "remove", str(entry_id), "--document", "移出决定").exit_code == 0
    assert runner.invoke(app, ["listing", "remove", str(entry_id), "--document", "x"]).exit_code == 1
