"""SQLite never gives an id twice: AUTOINCREMENT on the tables whose rows a purge deletes (Art. 37)

Revision ID: 0014
Revises: 0013

Without AUTOINCREMENT SQLite gives a new row the highest rowid in the table plus one, so purging the row
that held the highest id gave its id to the next one: ``audit verify`` read the new record as the deleted
one put back, and purging it again failed on ``record_tombstone.record_id``. On SQLite the tables ``record``,
``record_history``, ``list_entry``, ``list_entry_person`` and ``list_remedy`` are rebuilt with AUTOINCREMENT
(every row, index and constraint as it was: each row keeps its bytes, so its audit digest is unchanged and no
baseline is needed), and ``sqlite_sequence`` starts each one above every id it ever used: its rows, the
events that name one of its rows (deletions included), and for ``record`` its tombstones and actions.
PostgreSQL's sequences never give an id twice: nothing to do there.

Foreign keys: ``list_entry_person`` and ``list_remedy`` reference ``list_entry``, and the migration runs in
one transaction with ``PRAGMA foreign_keys=ON`` (it cannot be turned off inside a transaction), so dropping
the old ``list_entry`` while they hold rows would fail: their rows wait in temporary tables while the three
are rebuilt, and are put back unchanged.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TABLES = ("record", "record_history", "list_entry", "list_entry_person", "list_remedy")
CHILDREN = ("list_entry_person", "list_remedy")  # reference list_entry.id
# Other columns holding ids of a table's rows (rows that outlive the ones they name)
ALSO = {"record": (("record_tombstone", "record_id"), ("record_action", "record_id"),
                   ("record_history", "record_id")),
        "list_entry": (("list_entry_person", "entry_id"), ("list_remedy", "entry_id"))}


def _columns(conn, table: str) -> str:
    return ", ".join(f'"{c["name"]}"' for c in sa.inspect(conn).get_columns(table))


def _highest_used(conn, table: str) -> int:
    """The highest id the table ever used: its rows, the columns that name them, and the audit events
    about its rows (row events carry the id as ``object_id``; deletions leave only the event)."""
    highest = conn.exec_driver_sql(f'SELECT max(id) FROM "{table}"').scalar() or 0
    for other, column in ALSO.get(table, ()):
        highest = max(highest, conn.exec_driver_sql(f'SELECT max("{column}") FROM "{other}"').scalar() or 0)
    from_events = conn.execute(sa.text(
        "SELECT max(CAST(object_id AS INTEGER)) FROM audit_event WHERE object_type = :t "
        "AND object_id <> '' AND object_id NOT GLOB '*[^0-9]*'"), {"t": table}).scalar()
    return max(highest, from_events or 0)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    # pysqlite opens its transaction only at the first write: open it now, so that the rebuild is one
    # transaction (a failure leaves the tables as they were)
    conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
    highest = {t: _highest_used(conn, t) for t in TABLES}
    held = {}
    for child in CHILDREN:
        held[child] = _columns(conn, child)
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS temp."_hold_{child}"')
        conn.exec_driver_sql(f'CREATE TEMP TABLE "_hold_{child}" AS SELECT {held[child]} FROM "{child}"')
        conn.exec_driver_sql(f'DELETE FROM "{child}"')
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass
    for child in CHILDREN:
        conn.exec_driver_sql(f'INSERT INTO "{child}" ({held[child]}) SELECT {held[child]} FROM "_hold_{child}" '
                             "ORDER BY id")
        conn.exec_driver_sql(f'DROP TABLE temp."_hold_{child}"')
    for table in TABLES:
        conn.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
        conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :seq)"),
                     {"t": table, "seq": highest[table]})


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    for child in CHILDREN:
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS temp."_hold_{child}"')
        conn.exec_driver_sql(f'CREATE TEMP TABLE "_hold_{child}" AS SELECT * FROM "{child}"')
        conn.exec_driver_sql(f'DELETE FROM "{child}"')
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": False}):
            pass
    for child in CHILDREN:
        cols = _columns(conn, child)
        conn.exec_driver_sql(f'INSERT INTO "{child}" ({cols}) SELECT {cols} FROM "_hold_{child}"')
        conn.exec_driver_sql(f'DROP TABLE temp."_hold_{child}"')
