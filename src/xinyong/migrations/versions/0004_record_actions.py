"""record actions (corrections, withdrawals, revocations, restorations) and tombstones

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "record_action",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("record_id", BigId, nullable=False),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("unit_id", BigId, nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=24), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("basis_parameter", sa.String(length=64), nullable=True),
        sa.Column("basis_value", sa.Integer(), nullable=True),
        sa.Column("basis_article", sa.String(length=32), nullable=True),
        sa.Column("deadline_note", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_action")),
    )
    with op.batch_alter_table("record_action", schema=None) as batch_op:
        batch_op.create_index("ix_record_action_pending", ["action", "done_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_action_record_id"), ["record_id"], unique=False)
    op.create_table(
        "record_tombstone",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("record_id", BigId, nullable=False),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("unit_id", BigId, nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("revoking_document", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=24), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_tombstone")),
        sa.UniqueConstraint("record_id", name=op.f("uq_record_tombstone_record_id")),
    )
    with op.batch_alter_table("record_tombstone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_tombstone_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    op.drop_table("record_tombstone")
    op.drop_table("record_action")
