"""issued credit reports (Art. 34, 41): number, requester, free count, fee, snapshot

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "credit_report",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("requester_role", sa.String(length=24), nullable=False),
        sa.Column("requester_unit_id", BigId, nullable=True),
        sa.Column("requester_officer", sa.String(length=100), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=True),
        sa.Column("inquiry_id", BigId, nullable=False),
        sa.Column("free_rule", sa.String(length=16), nullable=False),
        sa.Column("counted_free", sa.Boolean(), nullable=False),
        sa.Column("chargeable", sa.Boolean(), nullable=False),
        sa.Column("fee_yuan", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("fee_payer", sa.String(length=16), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["requester_unit_id"], ["unit.id"],
                                name=op.f("fk_credit_report_requester_unit_id_unit")),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name=op.f("fk_credit_report_subject_id_subject")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_report")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_report_number")),
    )
    with op.batch_alter_table("credit_report", schema=None) as batch_op:
        batch_op.create_index("ix_credit_report_subject_issued", ["subject_id", "issued_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_report", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_report_subject_issued")
    op.drop_table("credit_report")
