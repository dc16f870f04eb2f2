"""credit restoration applications (Art. 38)

Revision ID: 0017
Revises: 0016

``restoration_application``: a subject's application to the deciding organ (the unit that provided the
record) with its materials, the national minimum publicity period as it stood, and the organ's decision;
bound to the audit log (``audit.binding.BOUND``).
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "restoration_application",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject_id", BigId, sa.ForeignKey("subject.id", name="fk_restoration_application_subject_id_subject"),
                  nullable=False),
        sa.Column("record_id", BigId, nullable=False),
        sa.Column("unit_id", BigId, sa.ForeignKey("unit.id", name="fk_restoration_application_unit_id_unit"),
                  nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filed_by", sa.String(length=120), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("publicity_min_until", sa.Date(), nullable=True),
        sa.Column("publicity_parameter", sa.String(length=64), nullable=True),
        sa.Column("publicity_months", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decision_document", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("restore_action_id", BigId, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_restoration_application"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_restoration_application_subject", "restoration_application", ["subject_id"])
    op.create_index("ix_restoration_application_unit_status", "restoration_application", ["unit_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_restoration_application_unit_status", table_name="restoration_application")
    op.drop_index("ix_restoration_application_subject", table_name="restoration_application")
    op.drop_table("restoration_application")
