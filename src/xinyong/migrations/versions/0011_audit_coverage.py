"""the sealed log covers every table subjects, organs and auditors rely on (Art. 20, 34)

Revision ID: 0011
Revises: 0010

A deleted record's tombstone keeps its place in its import and its keyed member digest, so that the
chunk stays verifiable (import chunk scheme 2). Rows that already exist in the bound tables
(``xinyong.audit.binding.BOUND``) get a ``row:baseline`` event each: from here on each one is held
to the last event about it. Records are held to their chunk's event; only those no longer in the
state they were imported in (revoked, restored, withdrawn, under objection, corrected) get one.
Run ``xinyong audit verify`` before upgrading: a baseline states the rows as they are.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record_tombstone") as batch:
        batch.add_column(sa.Column("batch_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("line_no", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("member_digest", sa.String(length=64), nullable=True))

    from xinyong.audit import binding

    def changed_since_import(name, row):
        if name != "record":
            return True
        return (row["status"], bool(row["objection_open"]), row["version"]) != ("active", False, 1)

    binding.baseline(op.get_bind(), note="0011", where=changed_since_import)


def downgrade() -> None:
    with op.batch_alter_table("record_tombstone") as batch:
        batch.drop_column("member_digest")
        batch.drop_column("line_no")
        batch.drop_column("batch_id")
