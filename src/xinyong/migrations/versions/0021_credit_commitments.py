"""credit commitments, declarations and self-reports (Art. 13.2)

Revision ID: 0021
Revises: 0020

``credit_commitment``: what a subject declares or commits to an accepting unit through the platform; on
acceptance it becomes a record of the catalog item ``commitment``. Bound to the audit log
(``audit.binding.BOUND``).
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "credit_commitment",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("subject_id", BigId, sa.ForeignKey("subject.id", name="fk_credit_commitment_subject_id_subject"),
                  nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("liability", sa.Text(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("accepting_unit_id", BigId, sa.ForeignKey("unit.id", name="fk_credit_commitment_accepting_unit_id_unit"),
                  nullable=False),
        sa.Column("disclosure", sa.String(length=16), nullable=False),
        sa.Column("guaranteed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("declared_by", sa.String(length=120), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decision_document", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("fulfilment_on", sa.Date(), nullable=True),
        sa.Column("fulfilment_document", sa.String(length=200), nullable=True),
        sa.Column("record_id", BigId, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credit_commitment"),
        sa.UniqueConstraint("code", name="uq_credit_commitment_code"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_credit_commitment_subject", "credit_commitment", ["subject_id"])
    op.create_index("ix_credit_commitment_unit_status", "credit_commitment", ["accepting_unit_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_credit_commitment_unit_status", table_name="credit_commitment")
    op.drop_index("ix_credit_commitment_subject", table_name="credit_commitment")
    op.drop_table("credit_commitment")
