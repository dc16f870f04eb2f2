"""the oversight register's decisions (Art. 50, 51)

Revision ID: 0022
Revises: 0021

``oversight_decision``: a competent authority's decision on an entry of the oversight register, recorded by
the supervisor (``oversight.register``). Bound to the audit log (``audit.binding.BOUND``).
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "oversight_decision",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("entry_key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("article", sa.String(length=20), nullable=False),
        sa.Column("authority", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("amount_yuan", sa.BigInteger(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oversight_decision"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_oversight_decision_entry", "oversight_decision", ["entry_key"])


def downgrade() -> None:
    op.drop_index("ix_oversight_decision_entry", table_name="oversight_decision")
    op.drop_table("oversight_decision")
