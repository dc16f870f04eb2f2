"""batches survive crashes: a lease on a running batch, the batch table as the import queue, scheduled jobs

Revision ID: 0013
Revises: 0012

A batch that is running holds a lease (``lease_holder``, ``lease_expires_at``) that its process renews; one
whose lease lapsed is ``interrupted`` (with the chunks it committed) until it is resumed. A batch submitted
over HTTP waits as ``queued`` for ``xinyong worker``, which imports it as the officer who submitted it
(``officer``, ``officer_id``). ``worker_job``: when each scheduled job last ran, and who runs it now.

Batches an earlier version left ``running`` or ``received`` (their process is gone: nothing renewed them)
have no lease: the first command after the upgrade marks them ``interrupted``.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("batch") as batch:
        batch.add_column(sa.Column("officer", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("officer_id", BigId, nullable=True))
        batch.add_column(sa.Column("lease_holder", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("runs", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_batch_status", ["status"], unique=False)
    op.create_table(
        "worker_job",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("due_slot", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("holder", sa.String(length=128), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_job")),
    )


def downgrade() -> None:
    op.drop_table("worker_job")
    with op.batch_alter_table("batch") as batch:
        batch.drop_index("ix_batch_status")
        batch.drop_column("runs")
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_holder")
        batch.drop_column("officer_id")
        batch.drop_column("officer")
