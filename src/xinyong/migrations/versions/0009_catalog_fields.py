"""the catalog's declared fields only (Art. 11): non-catalog keys removed from stored record content, each removal audited

Revision ID: 0009
Revises: 0008

Records stored before the importer kept only each catalog item's declared fields may hold an ``extra``
dict (the columns a file had beyond its format) or keys their item does not declare. Each such record
loses them: its content and ``content_digest`` are rewritten and a ``record:correct`` event (reason
"non-catalog fields removed", Art. 11, the field names — never their values) carries the previous and
the new digest, so that ``xinyong audit verify`` still follows the record from its import event. Earlier
versions kept in ``record_history`` lose the same keys (their ``previous_digest``, which the sealed
import event vouches for, stays). Copies of uploaded files kept in plaintext under the var directory
are re-spooled (declared columns only, encrypted) or, when refused whole now, deleted.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BATCH = 1000
REASON = "non-catalog fields removed"

# The tables as they are at this revision (not the models, which later revisions may change).
_item = sa.table("catalog_item", sa.column("code", sa.String), sa.column("fields", sa.JSON),
                 sa.column("record_format", sa.String))
_record = sa.table("record", sa.column("id", sa.BigInteger), sa.column("subject_id", sa.BigInteger),
                   sa.column("unit_id", sa.Integer), sa.column("item_code", sa.String),
                   sa.column("doc_no", sa.String), sa.column("batch_id", sa.String),
                   sa.column("line_no", sa.Integer), sa.column("content", sa.JSON),
                   sa.column("content_digest", sa.String))
_history = sa.table("record_history", sa.column("id", sa.BigInteger), sa.column("record_id", sa.BigInteger),
                    sa.column("version", sa.Integer), sa.column("subject_id", sa.BigInteger),
                    sa.column("previous_content", sa.JSON))
_event = sa.table("audit_event", sa.column("at", sa.DateTime(timezone=True)), sa.column("action", sa.String),
                  sa.column("actor", sa.String), sa.column("object_type", sa.String),
                  sa.column("object_id", sa.String), sa.column("subject_id", sa.BigInteger),
                  sa.column("digest", sa.String), sa.column("details", sa.JSON))
_batch = sa.table("batch", sa.column("id", sa.String), sa.column("filename", sa.String))


class _Row:
    """What ``audit.service.record_change_details`` reads of a record."""

    def __init__(self, mapping) -> None:
        self.__dict__.update(mapping)


def _allowed(conn) -> tuple[dict[str, frozenset[str]], object]:
    from xinyong.record.fields import content_keys, declared_fields

    allowed = {code: content_keys(declared_fields(fields, fmt))
               for code, fields, fmt in conn.execute(sa.select(_item.c.code, _item.c.fields, _item.c.record_format))}
    return allowed, content_keys(declared_fields(None, "general"))


def _actor():
    from xinyong.auth import Actor

    return Actor(role="migration:0009")


def remove_non_catalog_fields(conn) -> dict[str, int]:
    """Remove from every record's content (and earlier versions) the keys its catalog item does not
    declare, one audited change per record. Returns counts."""
    from xinyong.audit.service import event_row, record_change_details
    from xinyong.record.rules import digest

    allowed, fallback = _allowed(conn)
    actor = _actor()
    counts = {"records": 0, "history": 0}
    last = 0
    while True:
        rows = conn.execute(sa.select(_record).where(_record.c.id > last).order_by(_record.c.id).limit(BATCH)) \
            .mappings().all()
        if not rows:
            break
        last = rows[-1]["id"]
        updates, events = [], []
        for row in rows:
            content = row["content"]
            if not isinstance(content, dict):
                continue
            keep = allowed.get(row["item_code"], fallback)
            removed = sorted(k for k in content if k not in keep)
            if not removed:
                continue
            new = {k: v for k, v in content.items() if k in keep}
            new_digest = digest(new)
            details = {**record_change_details(_Row(row), new_digest), "reason": REASON, "article": "Art. 11",
                       "fields": removed}
            events.append(event_row(action="record:correct", actor=actor, object_type="record", object_id=row["id"],
                                    subject_id=row["subject_id"],
                                    content=[row["subject_id"], row["item_code"], row["doc_no"], new_digest],
                                    details=details))
            updates.append({"rid": row["id"], "new_content": new, "new_digest": new_digest})
        if updates:
            conn.execute(_event.insert(), events)  # each change's event, before the rows change
            conn.execute(_record.update().where(_record.c.id == sa.bindparam("rid"))
                         .values(content=sa.bindparam("new_content", type_=sa.JSON),
                                 content_digest=sa.bindparam("new_digest")), updates)
            counts["records"] += len(updates)
    counts["history"] = _history_versions(conn, allowed, fallback, actor)
    return counts


def _history_versions(conn, allowed, fallback, actor) -> int:
    from xinyong.audit.service import event_row

    follow = _row_events(conn)
    last, count = 0, 0
    while True:
        rows = conn.execute(sa.select(_history, _record.c.item_code)
                            .join(_record, _record.c.id == _history.c.record_id, isouter=True)
                            .where(_history.c.id > last).order_by(_history.c.id).limit(BATCH)).mappings().all()
        if not rows:
            return count
        last = rows[-1]["id"]
        updates, events, touched = [], [], {}
        for row in rows:
            content = row["previous_content"]
            if not isinstance(content, dict):
                continue
            keep = allowed.get(row["item_code"], fallback)
            removed = sorted(k for k in content if k not in keep)
            if not removed:
                continue
            updates.append({"hid": row["id"], "new_content": {k: v for k, v in content.items() if k in keep}})
            details = {"record_id": row["record_id"], "version": row["version"], "reason": REASON,
                       "article": "Art. 11", "fields": removed}
            if follow is None:
                # Not a change of the record (its digest is untouched): an event of its own kind.
                events.append(event_row(action="record:history_fields_removed", actor=actor,
                                        object_type="record_history", object_id=row["id"],
                                        subject_id=row["subject_id"], details=details))
            else:
                touched.setdefault(tuple(removed), {})[("record_history", (row["id"],))] = \
                    ["update", row["subject_id"]]
        if updates:
            if events:
                conn.execute(_event.insert(), events)
            conn.execute(_history.update().where(_history.c.id == sa.bindparam("hid"))
                         .values(previous_content=sa.bindparam("new_content", type_=sa.JSON)), updates)
            for removed, pending in touched.items():  # after the update: the events carry the rows' digests
                follow(conn, pending, actor=actor.label,
                       details={"reason": REASON, "article": "Art. 11", "fields": list(removed)})
            count += len(updates)


def _row_events(conn):
    """When the history rows are bound to the log (``audit.binding``, from 0011) and the table is as the
    binding reads it, the binding's own row event must follow a rewrite (``write_events``); before that
    (a database upgraded through 0009 on its way to 0011), 0011's baseline states the rows as 0009 left
    them, and an event of 0009's own says what it removed. None: the latter."""
    try:
        from xinyong.audit import binding
    except ImportError:
        return None
    if "record_history" not in getattr(binding, "BOUND", {}) or not hasattr(binding, "write_events"):
        return None
    there = {c["name"] for c in sa.inspect(conn).get_columns("record_history")}
    wanted = {c.name for c in binding.form("record_history").columns}
    if not wanted <= there or not _baselined(conn):
        return None
    return binding.write_events


def _baselined(conn) -> bool:
    """Has the log row events yet (0011 ran)? Before it, no row is held to one."""
    return conn.execute(sa.select(_event.c.action).where(_event.c.action.like("row:%")).limit(1)).first() is not None


def respool_plaintext_copies(conn) -> dict[str, int]:
    """Copies of uploaded files an earlier version kept as sent (plaintext, every column) under
    ``var/batches``: re-spooled with their declared columns only, encrypted; deleted when the file
    would be refused whole now (e.g. a prohibited column, Art. 14.3). Left-over incoming files go."""
    import uuid

    from xinyong.config import get_settings
    from xinyong.record.fields import declared_fields
    from xinyong.record.importer import stored_copy_path
    from xinyong.record.spool import FileRefused, is_spool, write_spool

    counts = {"respooled": 0, "deleted": 0}
    folder = get_settings().var_dir / "batches"
    if not folder.is_dir():
        return counts
    declared = {code: declared_fields(fields, fmt)
                for code, fields, fmt in conn.execute(sa.select(_item.c.code, _item.c.fields, _item.c.record_format))}
    names = dict(conn.execute(sa.select(_batch.c.id, _batch.c.filename)).all())
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.name.startswith("incoming-") and path.suffix == ".tmp":
            path.unlink()
            counts["deleted"] += 1
            continue
        try:
            batch_id = str(uuid.UUID(path.stem))
        except ValueError:
            continue
        if path.suffix in (".spool", ".rejects") or is_spool(path):
            continue
        try:
            write_spool(path, filename=names.get(batch_id) or path.name, target=stored_copy_path(batch_id),
                        declared=declared)
            counts["respooled"] += 1
        except FileRefused:
            counts["deleted"] += 1
        path.unlink()
    return counts


def upgrade() -> None:
    conn = op.get_bind()
    remove_non_catalog_fields(conn)
    respool_plaintext_copies(conn)


def downgrade() -> None:
    # The removed fields are gone for good (that was the point); nothing to restore.
    pass
