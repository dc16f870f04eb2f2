"""A populated audit log: units, imports in several chunks, a single API record, catalog changes, seals."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.audit.seal import seal
from xinyong.auth import CONSOLE, Actor
from xinyong.catalog import service as catalog
from xinyong.db import session_scope
from xinyong.record import importer

from ..factories import CF_COLUMNS, OTHER_PROVIDER_USCC, cf_row, person_cf_row, to_csv
from ..helpers import TODAY, add_provider, run_file


@pytest.fixture
def log(engine, tmp_path):
    """Three checkpoints with events between them, and an unsealed tail."""
    actor, _ = add_provider(engine)
    r1 = run_file(engine, actor, tmp_path, to_csv([cf_row(i) for i in range(1, 8)], CF_COLUMNS),
                  chunk_rows=3)
    assert r1.accepted == 7
    seal(engine)
    other, _ = add_provider(engine, uscc=OTHER_PROVIDER_USCC)
    rows = [cf_row(20), person_cf_row(21, date(1980, 3, 4)), cf_row(22), cf_row(1)]  # cf_row(1) again, from another unit
    r2 = run_file(engine, other, tmp_path, to_csv(rows, CF_COLUMNS), name="second.csv", chunk_rows=2)
    assert r2.accepted == 4
    with session_scope(engine) as s:
        catalog.publish(s, code="other-untrust", on=TODAY, actor=Actor(role="supervisor"))
    seal(engine)
    with session_scope(engine) as s:
        values = dict(zip(CF_COLUMNS, [cf_row(30)[c] for c in CF_COLUMNS], strict=True))
        assert importer.submit_record(s, unit_id=actor.unit_id, values=values, actor=actor, today=TODAY) \
            == "accepted"
    seal(engine)
    with session_scope(engine) as s:
        catalog.retire(s, code="other-untrust", on=TODAY, actor=Actor(role="supervisor"))
    return {"actor": actor, "other": other, "batches": [r1.batch_id, r2.batch_id]}
