"""audit verifications hold a lease while they run: one claimed by a worker that died is taken up again

Revision ID: 0025
Revises: 0024

``lease_holder`` (``host:pid:token``) and ``lease_expires_at``, renewed by the running worker's heartbeat (the
batch queue's scheme, ``record.queue``): a running verification whose lease lapsed is claimed again by the next
worker instead of showing "running" for ever.
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_verification") as batch:
        batch.add_column(sa.Column("lease_holder", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("runs", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("audit_verification") as batch:
        batch.drop_column("runs")
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_holder")
