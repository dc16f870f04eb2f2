"""publication: measures' official announcements, lists' comment records, the service norms

Revision ID: 0016
Revises: 0015

``measure.announced_in``, ``announcement_document``, ``announced_on``: where the supervisor officially
announced a measure (the gazette, 信用上海, a national memorandum), its document and date — a measure counts as
announced (Art. 32.2) only from that date and while it is published on ``/measures`` (Art. 22).
``list_comment``: the comments received on a list's standard while it was put out for comment, and the keeper's
response to each (Art. 24). ``service_norm``: the versions of the Center's service norms (Art. 18.1). Both new
tables are bound to the audit log; no rows are written here.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("measure") as batch:
        batch.add_column(sa.Column("announced_in", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("announcement_document", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("announced_on", sa.Date(), nullable=True))
    op.create_table(
        "list_comment",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("list_id", BigId, sa.ForeignKey("credit_list.id"), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_list_comment_list_id", "list_comment", ["list_id"])
    op.create_table(
        "service_norm",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("windows", sa.Text(), nullable=False),
        sa.Column("hours", sa.Text(), nullable=False),
        sa.Column("reports", sa.Text(), nullable=False),
        sa.Column("objections", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("edited_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("version", name="uq_service_norm_version"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("service_norm")
    op.drop_index("ix_list_comment_list_id", table_name="list_comment")
    op.drop_table("list_comment")
    with op.batch_alter_table("measure") as batch:
        batch.drop_column("announced_on")
        batch.drop_column("announcement_document")
        batch.drop_column("announced_in")
