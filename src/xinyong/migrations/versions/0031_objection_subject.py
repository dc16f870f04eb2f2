"""the records and steps of an objection name its subject, so that every statement about them routes to that
subject's shard (docs/scaling.md, issue 12)

Revision ID: 0031
Revises: 0030

``objection_record.subject_id`` and ``objection_step.subject_id``: the objection's subject (an objection is about
one subject), backfilled from ``objection.subject_id``, then NOT NULL, a foreign key to ``subject.id`` and indexed.
Existing rows gain a column with a value, so their canonical form (audit.binding) changes: each gets a
``row:baseline`` event (``binding.baseline``, note "0031"). Run ``xinyong audit verify`` before upgrading: a
baseline states the rows as they are.
"""
from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = ("objection_record", "objection_step")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("subject_id", BigId, nullable=True))
        op.execute(f"UPDATE {table} SET subject_id = (SELECT objection.subject_id FROM objection "
                   f"WHERE objection.id = {table}.objection_id)")
        with op.batch_alter_table(table) as batch:
            batch.alter_column("subject_id", existing_type=BigId, nullable=False)
            batch.create_foreign_key(f"fk_{table}_subject_id_subject", "subject", ["subject_id"], ["id"])
            batch.create_index(f"ix_{table}_subject_id", ["subject_id"], unique=False)

    from xinyong.audit import binding

    binding.baseline(op.get_bind(), tables=TABLES, note="0031")


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_subject_id")
            batch.drop_constraint(f"fk_{table}_subject_id_subject", type_="foreignkey")
            batch.drop_column("subject_id")
    # the rows' canonical form is again what it was before 0031: each is held to its baseline event of
    # before (or to its row events), and those of 0031 are superseded by a new baseline
    from xinyong.audit import binding

    binding.baseline(op.get_bind(), tables=TABLES, note="0031-downgrade")
