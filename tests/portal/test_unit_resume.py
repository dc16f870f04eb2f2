"""An interrupted batch is resumed from its page on /unit, as ``POST /api/v1/batches/{id}/resume`` does: queued
again, a worker completes it exactly from the platform's stored copy (SQLite here; PostgreSQL in the long pass)."""

from __future__ import annotations

import pytest

from xinyong import worker
from xinyong.db import session_scope
from xinyong.models import Batch

from ..factories import OTHER_PROVIDER_USCC
from ..helpers import add_provider
from ..record.test_queue import CHUNK, ROWS, _interrupted_midway
from ..reliability.support import seeded_file
from .support import portal_client


@pytest.fixture(autouse=True)
def _console_reason(monkeypatch):
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "resume test")


def test_an_interrupted_batch_is_resumed_from_its_page_and_completes_exactly(engine, tmp_path):
    actor, token = add_provider(engine)
    _other, other_token = add_provider(engine, uscc=OTHER_PROVIDER_USCC)
    data, clean = seeded_file(ROWS, 11, bad_every=17, dup_every=29)
    path = tmp_path / "resume.csv"
    path.write_bytes(data)
    batch_id = _interrupted_midway(engine, actor, path, 3 * CHUNK)

    clerk = portal_client(engine)
    assert clerk.sign_in(token).status_code == 303
    page = clerk.get(f"/unit/batches/{batch_id}")
    assert page.status_code == 200 and 'id="resume"' in page.text and "继续导入" in page.text
    other = portal_client(engine)
    other.sign_in(other_token)
    assert other.post(f"/unit/batches/{batch_id}/resume", data={}).status_code == 404  # not its batch
    assert clerk.post(f"/unit/batches/{batch_id}/resume", data={}, no_csrf=True).status_code == 403
    done = clerk.post(f"/unit/batches/{batch_id}/resume", data={}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/unit/batches/{batch_id}"
    again = clerk.post(f"/unit/batches/{batch_id}/resume", data={})
    assert again.status_code == 409  # queued now: nothing to resume
    [ran] = worker.drain(engine)
    assert ran["status"] == "done"
    with session_scope(engine) as s:
        b = s.get(Batch, batch_id)
        assert (b.rows_total, b.accepted, b.already_present, b.rejected) == (
            clean.rows, clean.accepted, clean.already_present, clean.rejected)
    assert 'id="resume"' not in clerk.get(f"/unit/batches/{batch_id}").text
