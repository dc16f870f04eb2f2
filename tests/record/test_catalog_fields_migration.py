"""Existing deployments (Art. 11): migration 0009 removes the non-catalog keys (the old ``extra`` dict,
and any key the record's item does not declare) from stored record content, each removal a
``record:correct`` event with the previous and the new digest, so that ``xinyong audit verify`` still
follows every record from its sealed import event."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import select

from xinyong.audit.seal import seal
from xinyong.audit.verify import verify
from xinyong.clock import now
from xinyong.db import session_scope
from xinyong.models import AuditEvent, Record, RecordHistory
from xinyong.record import fields, importer, service, workflows
from xinyong.record.rules import RowContext, digest, validate_row

from ..factories import cf_row
from ..helpers import TODAY, add_provider

pytestmark = pytest.mark.article("Art. 11")

migration = importlib.import_module("xinyong.migrations.versions.0009_catalog_fields")


def _old_draft(n: int, ctx: RowContext, **old_keys):
    """A draft as the importer made it before this change: content with an ``extra`` dict of the
    file's unknown columns (and, here, a key the item does not declare)."""
    draft = validate_row(fields.map_row("CF", cf_row(n)), ctx)
    draft.content = {**draft.content, **old_keys}
    draft.content_digest = digest(draft.content)
    return draft


def test_the_migration_removes_non_catalog_keys_and_verify_stays_intact(engine):
    actor, _ = add_provider(engine)
    batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename="old.csv", sha256="0" * 64,
                                   actor=actor)
    with session_scope(engine) as s:
        ctx = RowContext(unit_items=frozenset({"penalty"}), items=importer.item_infos(s), fmt="CF", today=TODAY)
    drafts = [(2, _old_draft(1, ctx, extra={"宗教信仰": "某教", "区县": "黄浦"})),
              (3, _old_draft(2, ctx, extra={"月收入": "9000"}, cert_name="不属于处罚的字段")),
              (4, _old_draft(3, ctx))]  # nothing to remove
    with session_scope(engine) as s:  # the service layer stores them, with their import event
        outcome = service.store_chunk(s, unit_id=actor.unit_id, batch_id=batch_id, drafts=drafts,
                                      received_at=now(), actor=actor)
        assert outcome.accepted == 3
    with session_scope(engine) as s:
        ids = s.scalars(select(Record.id).order_by(Record.line_no)).all()
    # a later correction: its history keeps the old content, extra and all
    with session_scope(engine) as s:
        workflows.correct(s, record_id=ids[0], changes={"remarks": "更正"}, reason="更正备注", document="更正函",
                          actor=actor)
    seal(engine)
    assert verify(engine).ok

    with engine.begin() as conn:
        counts = migration.remove_non_catalog_fields(conn)
    assert counts == {"records": 1, "history": 1}  # record 1's current content was corrected already
    seal(engine)
    report = verify(engine)
    assert report.ok, report.summary()["problems"]

    with session_scope(engine) as s:
        recs = {r.id: r for r in s.scalars(select(Record))}
        for rec in recs.values():
            assert "extra" not in rec.content and "cert_name" not in rec.content
            assert rec.content_digest == digest(rec.content)
        assert recs[ids[2]].content == drafts[2][1].content  # untouched
        history = s.scalars(select(RecordHistory).where(RecordHistory.record_id == ids[0])).one()
        assert "extra" not in history.previous_content
        assert history.previous_digest == drafts[0][1].content_digest  # what the import event vouches for
        events = s.scalars(select(AuditEvent).where(AuditEvent.actor == "migration:0009")
                           .order_by(AuditEvent.id)).all()
    [change, scrubbed] = events
    assert (change.action, change.object_id) == ("record:correct", str(ids[1]))
    assert change.details["reason"] == "non-catalog fields removed" and change.details["article"] == "Art. 11"
    assert change.details["fields"] == ["cert_name", "extra"]
    assert change.details["previous_digest"] == drafts[1][1].content_digest
    assert change.details["content_digest"] == recs[ids[1]].content_digest
    assert "9000" not in str(change.details) and "黄浦" not in str(scrubbed.details)
    # the history row's own event: the binding's row event where history rows are bound to the log
    # (``audit.binding``, from 0011), else 0009's own
    assert scrubbed.action in ("row:update", "record:history_fields_removed")
    assert (scrubbed.object_type, scrubbed.object_id) == ("record_history", str(history.id))
    assert (scrubbed.details["reason"], scrubbed.details["fields"]) == ("non-catalog fields removed", ["extra"])
    with engine.begin() as conn:  # running it again finds nothing
        assert migration.remove_non_catalog_fields(conn) == {"records": 0, "history": 0}


def test_the_migration_runs_in_the_chain_on_an_empty_database(engine):
    """Every test database is migrated through 0009: on no records it does nothing."""
    with engine.begin() as conn:
        assert migration.remove_non_catalog_fields(conn) == {"records": 0, "history": 0}
    assert migration.down_revision == "0008" and migration.revision == "0009"


def test_before_the_log_binds_history_rows_the_migration_says_so_itself(engine, monkeypatch):
    """On the real upgrade path 0009 runs before 0011 binds history rows (0011's baseline then states
    them as 0009 left them): 0009 appends an event of its own for each history version it rewrote."""
    actor, _ = add_provider(engine)
    batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename="old.csv", sha256="0" * 64,
                                   actor=actor)
    with session_scope(engine) as s:
        ctx = RowContext(unit_items=frozenset({"penalty"}), items=importer.item_infos(s), fmt="CF", today=TODAY)
        service.store_chunk(s, unit_id=actor.unit_id, batch_id=batch_id, received_at=now(), actor=actor,
                            drafts=[(2, _old_draft(1, ctx, extra={"区县": "黄浦"}))])
    with session_scope(engine) as s:
        rid = s.scalars(select(Record.id)).one()
        workflows.correct(s, record_id=rid, changes={"remarks": "更正"}, reason="r", document="d", actor=actor)
    monkeypatch.setattr(migration, "_row_events", lambda conn: None)
    with engine.begin() as conn:
        assert migration.remove_non_catalog_fields(conn) == {"records": 0, "history": 1}
    with session_scope(engine) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.actor == "migration:0009")).one()
    assert (event.action, event.object_type, event.details["record_id"]) == \
        ("record:history_fields_removed", "record_history", rid)
    assert event.details["fields"] == ["extra"] and "黄浦" not in str(event.details)
