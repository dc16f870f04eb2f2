"""Schemathesis against the ASGI app: every operation of the OpenAPI document, fuzzed with the tokens of the
Center's staff (an operator's officer), an administrative organ's officer and a subject, in a world with
records, a published black list with an entry and published measures.

Checks: no server error, every response conforms to its documented schema, every status is documented.
Seeded (``derandomize``): the same cases every run. The default suite runs a few examples per operation and
token; ``-m long`` runs many more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from xinyong.app import create_app
from xinyong.auth import CONSOLE
from xinyong.db import session_scope
from xinyong.models import Subject, Unit
from xinyong.unit import service as units

from .measure.conftest import Joint, joint, world  # noqa: F401  (fixtures)
from .helpers import issue_subject_token

STATS: dict = {}  # (token, operation, status) -> count: what the run exercised (for a look with a debugger)
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@dataclass
class Tokens:
    operator: str
    organ: str
    subject: str
    supervisor: str


@pytest.fixture
def fuzz_tokens(engine, joint: Joint) -> Tokens:  # noqa: F811
    w = joint.w
    with session_scope(engine) as s:
        operator_unit = s.get(Unit, w.operator.unit_id)
        _, operator = units.add_officer(s, unit=operator_unit, staff_no="OPS-900", name="赵六", items=None,
                                        purposes=None, expires_at=None, actor=CONSOLE)
        subject = issue_subject_token(s, s.get(Subject, w.org_id))
    return Tokens(operator=operator, organ=w.organ_token, subject=subject, supervisor=w.supervisor_token)


def _has_parameters(op) -> bool:
    definition = op.definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody"))


def _fuzz(engine, fuzz_tokens: Tokens, *, examples: int, caplog, modes=("positive",),
          who=("operator", "organ", "subject")) -> None:
    app = create_app(engine)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 50  # the whole API, including routes added later
    failures: list[str] = []
    server_log = logging.getLogger("uvicorn.error")  # it may not propagate (uvicorn's own configuration)
    server_log.addHandler(caplog.handler)
    try:
        _run_all(operations, fuzz_tokens, who, modes, examples, failures)
    finally:
        server_log.removeHandler(caplog.handler)
    server_errors = [r for r in caplog.records if r.name == "uvicorn.error" and r.levelno >= logging.ERROR]
    assert not failures, f"{len(failures)} operation(s) failed:\n" + "\n\n".join(failures)
    assert not server_errors, [r.getMessage() for r in server_errors]


def _run_all(operations, fuzz_tokens: Tokens, who, modes, examples: int, failures: list[str]) -> None:
    for name in who:
        token = getattr(fuzz_tokens, name)
        headers = {"Authorization": f"Bearer {token}"}
        # negative cases need something to break: an operation without parameters has none
        for op, mode in ((op, mode) for op in operations for mode in modes
                         if mode == "positive" or _has_parameters(op)):
            @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=op.as_strategy(generation_mode=GenerationMode(mode)))
            def run(case):
                res = case.call_and_validate(headers=headers, checks=CHECKS)
                STATS[(name, op.label, res.status_code)] = STATS.get((name, op.label, res.status_code), 0) + 1

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - every operation's failure is collected, then reported
                failures.append(f"[{name}, {mode}] {op.label}: {exc}"[:3000])


def test_fuzz_the_api(engine, fuzz_tokens, caplog):
    """Two valid examples per operation and token: the default suite's bounded run (~10 s a database)."""
    _fuzz(engine, fuzz_tokens, examples=2, caplog=caplog)


@pytest.mark.long
def test_fuzz_the_api_long(engine, fuzz_tokens, caplog):
    """Valid and invalid input (negative cases: wrong types, missing fields, odd path parameters), the
    supervisor's token too: about 1.5 minutes a database."""
    _fuzz(engine, fuzz_tokens, examples=8, caplog=caplog, modes=("positive", "negative"),
          who=("operator", "organ", "subject", "supervisor"))
