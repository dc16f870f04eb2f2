"""One identifier rule at every front door (Art. 2): `xinyong subject check`, `POST /api/v1/subjects/check`
and the importer answer a registration authority's region code outside GB/T 2260 alike — valid, with a
note — and refuse a resident ID number whose region was abolished before the holder's birth alike."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from xinyong.app import create_app
from xinyong.cli import app
from xinyong.db import session_scope
from xinyong.models import Subject

from ..factories import CF_COLUMNS, cf_row, to_csv
from ..helpers import add_provider, run_file
from .test_identifiers import make_ric

pytestmark = pytest.mark.article("Art. 2")

runner = CliRunner()
# real codes from the published tax A-grade lists of 2018 (shared/data/real-samples): regions 230199,
# 360106, 233003, 233005, absent from GB/T 2260, that `subject check` used to refuse
REAL_UNLISTED = ["9123019905630429XJ", "913601060516037411", "91233003132049009P", "912330051316663717"]
ABOLISHED_BEFORE_BIRTH = make_ric("310108", "20160301", "004")  # 闸北区, abolished 2015


def _cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize("code", REAL_UNLISTED)
def test_subject_check_accepts_unlisted_registration_authority_codes_with_a_note(database_url, code):
    res = _cli("subject", "check", code, "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["kind"] == "organization" and info["region"]["code"] == code[2:8]
    assert "未列入GB/T 2260" in info["region"]["name"]  # the note, in what the command already prints


def test_api_check_accepts_unlisted_codes_and_refuses_a_number_from_an_abolished_region(engine):
    _, token = add_provider(engine)
    client = TestClient(create_app(engine))
    headers = {"Authorization": f"Bearer {token}"}
    for code in REAL_UNLISTED:
        res = client.post("/api/v1/subjects/check", headers=headers, json={"code": code})
        assert res.status_code == 200, res.text
        assert "未列入GB/T 2260" in res.json()["region"]["name"]
    res = client.post("/api/v1/subjects/check", headers=headers, json={"code": ABOLISHED_BEFORE_BIRTH})
    assert res.status_code == 422 and res.json()["article"] == "Art. 2"
    assert "region code 310108" in res.json()["message"] and "abolished in 2015" in res.json()["message"]
    assert ABOLISHED_BEFORE_BIRTH not in res.text and "20160301" not in res.text


def test_cli_refuses_a_number_from_a_region_abolished_before_birth(database_url):
    res = _cli("subject", "check", ABOLISHED_BEFORE_BIRTH)
    assert res.exit_code == 1 and res.stderr.startswith("error [Art. 2]:")
    assert "310108" in res.stderr and "abolished in 2015" in res.stderr
    assert ABOLISHED_BEFORE_BIRTH not in res.stderr + res.stdout


def test_importer_and_check_agree(engine, tmp_path):
    provider, _ = add_provider(engine)
    rows = [cf_row(i + 1, CF_XDR_SHXYM=code, CF_WSH=f"沪罚〔2024〕{i + 1}号") for i, code in enumerate(REAL_UNLISTED)]
    result = run_file(engine, provider, tmp_path, to_csv(rows, CF_COLUMNS))
    assert result.accepted == len(REAL_UNLISTED)
    with session_scope(engine) as s:
        stored = {r.identifier: r.region_code for r in s.query(Subject)}
    assert {c: c[2:8] for c in REAL_UNLISTED}.items() <= stored.items()
