"""objections (Art. 36): the objection, the records it is about, and its steps with their deadlines

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "objection",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("addressee", sa.String(length=16), nullable=False),
        sa.Column("to_unit_id", BigId, nullable=True),
        sa.Column("path", sa.String(length=16), nullable=True),
        sa.Column("handler_unit_id", BigId, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("filed_by", sa.String(length=120), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("outcome_document", sa.String(length=200), nullable=True),
        sa.Column("information_source", sa.Text(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("decided_by", sa.String(length=16), nullable=True),
        sa.Column("decided_unit_id", BigId, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("informed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["handler_unit_id"], ["unit.id"], name=op.f("fk_objection_handler_unit_id_unit")),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name=op.f("fk_objection_subject_id_subject")),
        sa.ForeignKeyConstraint(["to_unit_id"], ["unit.id"], name=op.f("fk_objection_to_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection")),
    )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.create_index("ix_objection_subject_status", ["subject_id", "status"], unique=False)

    op.create_table(
        "objection_record",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("objection_id", BigId, nullable=False),
        sa.Column("record_id", BigId, nullable=False),
        sa.Column("provider_unit_id", BigId, nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("doc_no", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["objection_id"], ["objection.id"],
                                name=op.f("fk_objection_record_objection_id_objection")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_record")),
        sa.UniqueConstraint("objection_id", "record_id", name=op.f("uq_objection_record_objection_id_record_id")),
    )
    with op.batch_alter_table("objection_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objection_record_record_id"), ["record_id"], unique=False)

    op.create_table(
        "objection_step",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("objection_id", BigId, nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("unit_id", BigId, nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("basis_parameter", sa.String(length=64), nullable=False),
        sa.Column("basis_value", sa.Integer(), nullable=False),
        sa.Column("basis_article", sa.String(length=32), nullable=False),
        sa.Column("basis_kind", sa.String(length=16), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_by", sa.String(length=120), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["objection_id"], ["objection.id"],
                                name=op.f("fk_objection_step_objection_id_objection")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_step")),
    )
    with op.batch_alter_table("objection_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objection_step_objection_id"), ["objection_id"], unique=False)
        batch_op.create_index("ix_objection_step_open", ["done_at", "due_on"], unique=False)


def downgrade() -> None:
    op.drop_table("objection_step")
    op.drop_table("objection_record")
    op.drop_table("objection")
