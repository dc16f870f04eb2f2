"""Every kind of tampering with the log, its checkpoints or the records is caught by ``audit verify``.

Each trial starts from the same clean, sealed log (``log`` fixture: three checkpoints and an
unsealed tail), tampers with it the way someone with write access to the database (and, where
said, to the export directory) would, and checks that verification fails naming the right event.
"""

from __future__ import annotations

import json
from datetime import timedelta

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, insert, select, update

from xinyong import deletion
from xinyong.audit import seal as sealing
from xinyong.audit import service as audit
from xinyong.audit.chain import GENESIS, EventRow, chain_step, event_bytes, iter_events
from xinyong.audit.merkle import Frontier, extension_proof, leaf_hash
from xinyong.audit.rules import ordered
from xinyong.audit.verify import verify
from xinyong.db import session_scope
from xinyong.errors import RuleViolation
from xinyong.models import AuditCheckpoint, AuditEvent, Record

pytestmark = pytest.mark.article("Art. 20(2)")


# --- helpers ----------------------------------------------------------------------------------


def run(engine, stmt, params=None):
    with engine.begin() as conn:
        return conn.execute(stmt, params or {})


def events(engine) -> list[AuditEvent]:
    with session_scope(engine) as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def checkpoints(engine) -> list[AuditCheckpoint]:
    with session_scope(engine) as s:
        return list(s.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))


def sealed_ids(engine) -> list[int]:
    last = checkpoints(engine)[-1].last_event_id
    return [e.id for e in events(engine) if e.id <= last]


def records(engine) -> list[Record]:
    with session_scope(engine) as s:
        return list(s.scalars(select(Record).order_by(Record.id)))


def fails(engine, *, event_id=None, kind=None, record_id=None):
    """Verification fails; its first problem names ``event_id`` (and ``kind``); the rule refuses."""
    report = verify(engine)
    assert not report.ok
    first = ordered(report.problems)[0]
    if event_id is not None:
        assert first.event_id == event_id, report.problems
    if kind is not None:
        assert first.kind == kind, report.problems
    if record_id is not None:
        assert first.record_id == record_id, report.problems
    with pytest.raises(RuleViolation) as exc:
        report.raise_if_failed()
    assert exc.value.article == "Art. 20(2)"
    assert exc.value.message.startswith(f"audit log verification failed {first.where()}: ")
    return report


def rechain(engine) -> None:
    """What a careful forger does after editing events: recompute every chain hash."""
    with engine.begin() as conn:
        prev = GENESIS
        for e in list(iter_events(conn)):
            prev = chain_step(prev, event_bytes(e))
            conn.execute(update(AuditEvent).where(AuditEvent.id == e.id).values(chain_hash=prev.hex()))


def forge_checkpoints(engine, key: Ed25519PrivateKey, *, files: bool) -> None:
    """Recompute every checkpoint's root and chain head from the (edited) events and sign them."""
    evs = events(engine)
    with engine.begin() as conn:
        cps = conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).mappings().all()
        f, chain, previous = Frontier(), GENESIS, None
        i = 0
        for cp in cps:
            old = f.copy()
            new = []
            while f.size < cp["tree_size"]:
                data = event_bytes(_row(evs[i]))
                chain = chain_step(chain, data)
                f.append(leaf_hash(data))
                new.append(leaf_hash(data))
                i += 1
            doc = orjson.loads(cp["document"])
            doc.update(root_hash=f.root().hex(), chain_head=chain.hex(), key_id=sealing.key_id(key.public_key()),
                       previous=previous,
                       consistency_proof=[] if old.size == 0 else [h.hex() for h in extension_proof(old, new)])
            doc = sealing.sign(doc, key)
            document = sealing.render(doc)
            conn.execute(update(AuditCheckpoint).where(AuditCheckpoint.seq == cp["seq"]).values(
                root_hash=doc["root_hash"], chain_head=doc["chain_head"], key_id=doc["key_id"],
                signature=doc["signature"], document=document, frontier=f.to_hex()))
            if files:
                (sealing.export_dir() / sealing.file_name(cp["seq"])).write_text(document, encoding="utf-8")
            previous = {"seq": cp["seq"], "tree_size": cp["tree_size"], "root_hash": doc["root_hash"]}


def _row(e: AuditEvent) -> EventRow:
    return EventRow(e.id, e.at, e.action, e.actor, e.object_type, e.object_id, e.subject_id, e.digest,
                    e.details, e.chain_hash)


# --- events -----------------------------------------------------------------------------------


FIELD_CHANGES = {
    "at": lambda e: e.at + timedelta(seconds=1),
    "action": lambda e: "catalog:retire",
    "actor": lambda e: "unit:someone-else",
    "object_type": lambda e: "unit",
    "object_id": lambda e: e.object_id + "0",
    "subject_id": lambda e: (e.subject_id or 0) + 1,
    "digest": lambda e: "0" * 64,
    "details": lambda e: {**(e.details or {}), "records": 99},
    "chain_hash": lambda e: "f" * 64,
}


@pytest.mark.parametrize("column", list(FIELD_CHANGES))
def test_an_altered_event_is_caught_whichever_field(engine, log, column):
    target = events(engine)[4]  # a sealed record:import event, in the middle of checkpoint #2
    assert target.id in sealed_ids(engine)
    run(engine, update(AuditEvent).where(AuditEvent.id == target.id)
        .values({column: FIELD_CHANGES[column](target)}))
    report = fails(engine, event_id=target.id, kind="event-altered")
    if column == "chain_hash":  # a stored chain hash changed: the signed root still fits, the chain not
        assert {p.kind for p in report.problems} >= {"event-altered"}
    else:
        assert "root-mismatch" in {p.kind for p in report.problems}


def test_an_altered_event_with_the_chain_recomputed_is_caught_by_the_signed_root(engine, log):
    target = events(engine)[2]
    run(engine, update(AuditEvent).where(AuditEvent.id == target.id).values(actor="unit:forger"))
    rechain(engine)
    report = fails(engine, kind="root-mismatch")
    assert ordered(report.problems)[0].checkpoint == 1


def test_a_removed_event_is_caught(engine, log):
    ids = sealed_ids(engine)
    run(engine, delete(AuditEvent).where(AuditEvent.id == ids[3]))
    report = fails(engine, event_id=ids[4], kind="event-altered")
    assert "removed" in report.problems[0].message


def test_a_removed_event_with_the_chain_recomputed_is_caught(engine, log):
    ids = sealed_ids(engine)
    run(engine, delete(AuditEvent).where(AuditEvent.id == ids[3]))
    rechain(engine)
    fails(engine, kind="root-mismatch")


def _copy(e: AuditEvent, **over) -> dict:
    row = {c: getattr(e, c) for c in ("id", "at", "action", "actor", "object_type", "object_id",
                                     "subject_id", "digest", "details", "chain_hash")}
    return {**row, **over}


def test_an_event_inserted_before_the_first_is_caught(engine, log):
    first = events(engine)[0]
    run(engine, insert(AuditEvent), [_copy(first, id=0, action="record:delete", chain_hash=None)])
    fails(engine, event_id=0, kind="event-inserted")


def test_an_event_inserted_in_the_middle_is_caught_even_with_the_chain_recomputed(engine, log):
    evs = events(engine)
    ids = sealed_ids(engine)
    at = ids[5]
    # make room after event ``at``: shift every later event up by one (negate first: the key is unique)
    run(engine, update(AuditEvent).where(AuditEvent.id > at).values(id=-AuditEvent.id))
    run(engine, update(AuditEvent).where(AuditEvent.id < 0).values(id=-AuditEvent.id + 1))
    run(engine, insert(AuditEvent), [_copy(evs[5], id=at + 1, action="unit:create", chain_hash=None)])
    fails(engine, event_id=at + 1, kind="event-inserted")
    rechain(engine)
    fails(engine, kind="root-mismatch")


def test_reordered_events_are_caught(engine, log):
    evs = events(engine)
    a, b = evs[1], evs[6]
    fields = ("at", "action", "actor", "object_type", "object_id", "subject_id", "digest", "details")
    run(engine, update(AuditEvent).where(AuditEvent.id == a.id).values({f: getattr(b, f) for f in fields}))
    run(engine, update(AuditEvent).where(AuditEvent.id == b.id).values({f: getattr(a, f) for f in fields}))
    fails(engine, event_id=a.id, kind="event-altered")


# --- the tail ---------------------------------------------------------------------------------


def test_a_cut_tail_is_caught_by_the_stored_checkpoint(engine, log):
    last = checkpoints(engine)[-1]
    run(engine, delete(AuditEvent).where(AuditEvent.id >= last.last_event_id))
    report = fails(engine, event_id=last.last_event_id, kind="events-missing")
    assert "tail was cut" in report.problems[0].message


def test_a_cut_tail_with_its_checkpoints_deleted_is_caught_by_the_exported_files(engine, log):
    cps = checkpoints(engine)
    # cut the log back to checkpoint #1: events after it, checkpoints #2 and #3 — all of it in the database
    run(engine, delete(AuditEvent).where(AuditEvent.id > cps[0].last_event_id))
    run(engine, delete(AuditCheckpoint).where(AuditCheckpoint.seq > 1))
    report = fails(engine, event_id=cps[1].last_event_id, kind="checkpoint-missing")
    assert "tail was cut" in report.problems[0].message
    # sealing on top of the cut database refuses: it would fork the log
    with pytest.raises(RuleViolation, match="missing from the database"):
        sealing.seal(engine)


def test_unsealed_events_with_chain_hashes_betray_deleted_checkpoints(engine, log):
    # the forger removes the last checkpoint everywhere (database and file) and cuts one event
    cps = checkpoints(engine)
    run(engine, delete(AuditCheckpoint).where(AuditCheckpoint.seq == 3))
    (sealing.export_dir() / sealing.file_name(3)).unlink()
    fails(engine, event_id=cps[1].last_event_id + 1, kind="checkpoint-missing")


# --- checkpoints ------------------------------------------------------------------------------


def test_a_checkpoint_root_changed_in_the_database_is_caught(engine, log):
    cp = checkpoints(engine)[1]
    run(engine, update(AuditCheckpoint).where(AuditCheckpoint.seq == 2).values(root_hash="0" * 64))
    report = fails(engine, event_id=cp.last_event_id, kind="checkpoint-forged")
    assert report.problems[0].checkpoint == 2


def test_a_checkpoint_document_edited_in_the_database_is_caught(engine, log):
    cp = checkpoints(engine)[1]
    doc = orjson.loads(cp.document)
    doc["tree_size"] += 1
    run(engine, update(AuditCheckpoint).where(AuditCheckpoint.seq == 2).values(document=sealing.render(doc)))
    fails(engine, event_id=cp.last_event_id, kind="checkpoint-forged")


def test_an_exported_file_edited_is_caught(engine, log):
    cp = checkpoints(engine)[0]
    path = sealing.export_dir() / sealing.file_name(1)
    doc = json.loads(path.read_text())
    doc["root_hash"] = "1" * 64
    path.write_text(json.dumps(doc))
    report = fails(engine, event_id=cp.last_event_id, kind="checkpoint-forged")
    assert "checkpoint-000001.json" in report.problems[0].message


def test_an_exported_file_removed_is_caught(engine, log):
    cp = checkpoints(engine)[2]
    (sealing.export_dir() / sealing.file_name(3)).unlink()
    fails(engine, event_id=cp.last_event_id, kind="checkpoint-file-missing")


def test_events_rewritten_and_checkpoints_re_signed_with_another_key_are_caught(engine, log):
    target = events(engine)[2]
    run(engine, update(AuditEvent).where(AuditEvent.id == target.id).values(actor="unit:forger"))
    rechain(engine)
    forge_checkpoints(engine, Ed25519PrivateKey.generate(), files=True)
    report = fails(engine, kind="checkpoint-forged")
    assert "not signed by the platform's audit key" in ordered(report.problems)[0].message


def test_events_rewritten_and_only_database_checkpoints_re_signed_are_caught(engine, log):
    """Even a forger holding the signing key cannot rewrite history that was exported."""
    target = events(engine)[2]
    run(engine, update(AuditEvent).where(AuditEvent.id == target.id).values(actor="unit:forger"))
    rechain(engine)
    forge_checkpoints(engine, sealing.signing_key(), files=False)
    report = fails(engine, kind="checkpoint-forged")
    assert "differ" in ordered(report.problems)[0].message


# --- records ----------------------------------------------------------------------------------


def _record_in_batch(engine, batch_id):
    return next(r for r in records(engine) if r.batch_id == batch_id)


def _import_event_of(engine, record):
    for e in events(engine):
        if e.action == "record:import" and e.object_type == "batch" and e.details["batch_id"] == record.batch_id:
            first, last = e.details["lines"]
            if first <= record.line_no <= last:
                return e
    raise AssertionError("no import event")


def test_record_content_changed_by_sql_is_caught(engine, log):
    rec = _record_in_batch(engine, log["batches"][0])
    ev = _import_event_of(engine, rec)
    run(engine, update(Record).where(Record.id == rec.id).values(content={**rec.content, "content": "罚款人民币1元"}))
    report = fails(engine, event_id=ev.id, kind="record-altered", record_id=rec.id)
    assert "content does not hash" in report.problems[0].message


def test_record_content_and_digest_changed_by_sql_are_caught(engine, log):
    from xinyong.audit.rules import content_digest

    rec = records(engine)[4]
    ev = _import_event_of(engine, rec)
    content = {**rec.content, "content": "罚款人民币1元"}
    run(engine, update(Record).where(Record.id == rec.id).values(content=content,
                                                                 content_digest=content_digest(content)))
    fails(engine, event_id=ev.id, kind="records-mismatch")


def test_record_deleted_by_sql_is_caught(engine, log):
    rec = records(engine)[8]
    ev = _import_event_of(engine, rec)
    run(engine, delete(Record).where(Record.id == rec.id))
    report = fails(engine, event_id=ev.id, kind="records-mismatch")
    assert "1 found for 2 imported" in report.problems[0].message


def test_single_record_deleted_by_sql_is_caught(engine, log):
    rec = next(r for r in records(engine) if r.batch_id is None)
    run(engine, delete(Record).where(Record.id == rec.id))
    ev = next(e for e in events(engine) if e.action == "record:import" and e.object_type == "record")
    fails(engine, event_id=ev.id, kind="record-missing")


def _raw_copy(rec: Record, **over) -> dict:
    cols = [c.name for c in Record.__table__.columns if c.name != "id"]
    return {**{c: getattr(rec, c) for c in cols}, **over}


def test_record_inserted_by_sql_without_a_batch_is_caught(engine, log):
    rec = records(engine)[0]
    run(engine, insert(Record), [_raw_copy(rec, doc_no="沪伪〔2025〕1号", batch_id=None, line_no=None)])
    new_id = records(engine)[-1].id
    fails(engine, record_id=new_id, kind="record-unaccounted")


def test_record_inserted_by_sql_into_an_imported_batch_is_caught(engine, log):
    rec = records(engine)[0]
    ev = _import_event_of(engine, rec)
    run(engine, insert(Record), [_raw_copy(rec, doc_no="沪伪〔2025〕2号", line_no=rec.line_no)])
    fails(engine, event_id=ev.id, kind="records-mismatch")
    run(engine, update(Record).where(Record.doc_no == "沪伪〔2025〕2号").values(line_no=999))
    fails(engine, kind="record-unaccounted")


def test_unsealed_records_are_checked_too(engine, log):
    from xinyong.record import importer

    from ..factories import CF_COLUMNS, cf_row
    from ..helpers import TODAY

    with session_scope(engine) as s:
        values = {c: cf_row(40)[c] for c in CF_COLUMNS}
        importer.submit_record(s, unit_id=log["actor"].unit_id, values=values, actor=log["actor"], today=TODAY)
    assert verify(engine).ok
    rec = records(engine)[-1]
    run(engine, update(Record).where(Record.id == rec.id).values(content_digest="0" * 64))
    ev = events(engine)[-1]
    assert ev.action == "record:import" and ev.id not in sealed_ids(engine)
    report = fails(engine, event_id=ev.id, kind="record-altered", record_id=rec.id)
    assert {p.kind for p in report.problems} == {"record-altered", "records-mismatch"}


# --- lawful changes supersede the import ------------------------------------------------------


def _correct(engine, rec_id, new_text):
    from xinyong.audit.rules import content_digest

    with session_scope(engine) as s:
        rec = s.get(Record, rec_id)
        content = {**rec.content, "content": new_text}
        audit.append_record_change(s, action="record:correct", actor=log_actor(), record=rec,
                                   new_digest=content_digest(content), extra={"reason": "objection-upheld"})
        rec.content, rec.content_digest, rec.version = content, content_digest(content), rec.version + 1


def _delete(engine, rec_id):
    """A lawful deletion as the purge writes it (Art. 37): the record's keyed member digest, no document."""
    from xinyong.models import RecordHistory

    with session_scope(engine) as s:
        rec = s.get(Record, rec_id)
        imported = s.scalar(select(RecordHistory.previous_digest).where(RecordHistory.record_id == rec.id)
                            .order_by(RecordHistory.version).limit(1)) or rec.content_digest
        member = audit.member_digest([rec.subject_id, rec.item_code, rec.doc_no, imported])
        audit.append(s, action="record:delete", actor=log_actor(), object_type="record", object_id=rec.id,
                     subject_id=rec.subject_id, content=[rec.id, "deleted"],
                     details=audit.record_delete_details(rec, member))
        s.delete(rec)


def log_actor():
    from xinyong.auth import CONSOLE

    return CONSOLE


def test_lawful_corrections_and_deletions_verify_and_later_tampering_is_caught(engine, log):
    recs = records(engine)
    single = next(r for r in recs if r.batch_id is None)
    _correct(engine, recs[1].id, "罚款人民币1500元")
    _correct(engine, recs[1].id, "罚款人民币1000元")  # corrected twice
    _delete(engine, recs[2].id)
    _delete(engine, recs[9].id)
    _correct(engine, single.id, "罚款人民币100元")
    report = verify(engine)
    assert report.ok, report.problems
    sealing.seal(engine)
    assert verify(engine).ok
    # a corrected record put back to its imported content by SQL
    run(engine, update(Record).where(Record.id == recs[1].id).values(
        content=recs[1].content, content_digest=recs[1].content_digest))
    last_change = [e for e in events(engine) if e.object_type == "record" and e.action.startswith("record:")
                   and e.object_id == str(recs[1].id)][-1]
    report = fails(engine, event_id=last_change.id, kind="record-altered", record_id=recs[1].id)
    # and the row no longer is the one its last row event (the correction's) recorded
    assert any(p.kind == "record-altered" and "last event" in p.message for p in report.problems)


def test_a_lawfully_deleted_record_restored_by_sql_is_caught(engine, log):
    rec = records(engine)[2]
    _delete(engine, rec.id)
    run(engine, insert(Record), [_raw_copy(rec)])
    ev = _import_event_of(engine, rec)
    fails(engine, event_id=ev.id, kind="records-mismatch")


def test_a_corrected_record_deleted_by_sql_is_caught(engine, log):
    rec = records(engine)[1]
    _correct(engine, rec.id, "罚款人民币1500元")
    run(engine, delete(Record).where(Record.id == rec.id))
    report = fails(engine)
    assert {"record-missing", "records-mismatch"} <= {p.kind for p in report.problems}


# --- the record workflows' own events (xinyong.record.workflows) ------------------------------


def test_record_workflows_verify_and_tampering_after_them_is_caught(engine, log):
    from xinyong.record import workflows

    actor = log["actor"]
    recs = records(engine)
    mine = [r for r in recs if r.unit_id == actor.unit_id and r.batch_id is not None]
    single = next(r for r in recs if r.batch_id is None)
    with session_scope(engine) as s:
        workflows.correct(s, record_id=mine[0].id, changes={"content": "罚款人民币1500元"}, reason="录入错误",
                          document="沪更〔2025〕1号", actor=actor)
    with session_scope(engine) as s:
        workflows.correct(s, record_id=mine[0].id, changes={"content": "罚款人民币1200元"}, reason="再次更正",
                          document="沪更〔2025〕2号", actor=actor)
        workflows.withdraw(s, record_id=mine[1].id, reason="报送错误", document="沪撤〔2025〕1号", actor=actor)
        workflows.revoke(s, record_id=mine[3].id, document="沪撤销〔2025〕1号", decided_by="court",
                         reason="判决撤销", actor=actor)
        workflows.revoke(s, record_id=single.id, document="沪撤销〔2025〕2号", decided_by="organ",
                         reason="撤销", actor=actor)
    assert verify(engine).ok, verify(engine).problems
    with session_scope(engine) as s:
        deletion.purge(s, actor=actor)
    report = verify(engine)
    assert report.ok, report.problems
    # the purge left each deleted record's member digest: every chunk is recomputed, none set aside
    assert not any("lawful deletion" in n or "cannot be recomputed" in n or "not checked" in n
                   for n in report.notes), report.notes
    sealing.seal(engine)
    assert verify(engine).ok
    # a corrected record set back by SQL to its imported content
    run(engine, update(Record).where(Record.id == mine[0].id).values(
        content=mine[0].content, content_digest=mine[0].content_digest))
    fails(engine, kind="record-altered", record_id=mine[0].id)


def test_a_chunk_holding_a_withdrawn_revoked_or_restored_record_is_still_recomputed(engine, log):
    """Withdrawal, revocation (until the purge) and restoration change no content: their events say so
    (``previous_digest``), so the record's chunk is still recomputed — and a sibling record whose content and
    digest SQL rewrote is caught, where the chunk used to be set aside as "not checked"."""
    from xinyong.audit.rules import content_digest
    from xinyong.record import workflows

    actor = log["actor"]
    mine = [r for r in records(engine) if r.unit_id == actor.unit_id and r.batch_id is not None]
    revoked = mine[3]
    with session_scope(engine) as s:
        workflows.withdraw(s, record_id=mine[1].id, reason="报送错误", document="沪撤〔2025〕1号", actor=actor)
        workflows.revoke(s, record_id=revoked.id, document="沪撤销〔2025〕1号", decided_by="court",
                         reason="判决撤销", actor=actor)
    report = verify(engine)
    assert report.ok, report.problems
    assert not any("not checked" in n or "cannot be recomputed" in n for n in report.notes), report.notes
    ev = _import_event_of(engine, revoked)
    sibling = next(r for r in mine if r.batch_id == revoked.batch_id and r.id not in (mine[1].id, revoked.id)
                   and _import_event_of(engine, r).id == ev.id)
    content = {**sibling.content, "content": "罚款人民币1元"}
    run(engine, update(Record).where(Record.id == sibling.id).values(content=content,
                                                                     content_digest=content_digest(content)))
    fails(engine, event_id=ev.id, kind="records-mismatch")


def test_a_raw_deletion_beside_a_lawful_one_is_caught(engine, log):
    from xinyong.record import workflows

    actor = log["actor"]
    mine = [r for r in records(engine) if r.unit_id == actor.unit_id and r.batch_id is not None]
    with session_scope(engine) as s:
        workflows.revoke(s, record_id=mine[0].id, document="沪撤销〔2025〕1号", decided_by="court",
                         reason="判决撤销", actor=actor)
    with session_scope(engine) as s:
        deletion.purge(s, actor=actor)
    assert verify(engine).ok
    run(engine, delete(Record).where(Record.id == mine[4].id))
    fails(engine, kind="records-mismatch")
