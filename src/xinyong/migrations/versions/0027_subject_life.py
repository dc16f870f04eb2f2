"""the life of a subject: its changes (name, identifier, deregistration, merger, split) with their documents, and
its former identifiers, by which it is still found (issue 13 §6)

Revision ID: 0027
Revises: 0026

``subject_change``: one row per event, from a providing unit (or the operator's recorded decision for a merger or
a split) with the document, who recorded it and when; identifiers appear only masked (a natural person's number)
and as keyed digests. ``subject_identifier``: a subject's former identifiers, keyed by the same HMAC digest as
``subject.identifier_digest`` (unique), a natural person's number masked and encrypted as ``subject`` stores it.
Both are bound to the audit log (new tables, no rows: no baseline). ``subject.deregistered_on``: nullable, so
existing rows are unchanged.
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("subject") as batch:
        batch.add_column(sa.Column("deregistered_on", sa.Date(), nullable=True))
    op.create_table(
        "subject_change",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("old_value", sa.String(length=200), nullable=True),
        sa.Column("new_value", sa.String(length=200), nullable=True),
        sa.Column("old_digest", sa.String(length=64), nullable=True),
        sa.Column("new_digest", sa.String(length=64), nullable=True),
        sa.Column("other_subject_id", BigId, nullable=True),
        sa.Column("unit_id", BigId, nullable=True),
        sa.Column("doc_org", sa.String(length=200), nullable=True),
        sa.Column("doc_no", sa.String(length=100), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name="fk_subject_change_subject_id_subject"),
        sa.ForeignKeyConstraint(["other_subject_id"], ["subject.id"],
                                name="fk_subject_change_other_subject_id_subject"),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_subject_change_unit_id_unit"),
        sa.PrimaryKeyConstraint("id", name="pk_subject_change"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_subject_change_subject_id", "subject_change", ["subject_id"])
    op.create_table(
        "subject_identifier",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("scheme", sa.String(length=8), nullable=False),
        sa.Column("identifier", sa.String(length=18), nullable=False),
        sa.Column("identifier_enc", sa.Text(), nullable=True),
        sa.Column("identifier_digest", sa.String(length=64), nullable=False),
        sa.Column("change_id", BigId, nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name="fk_subject_identifier_subject_id_subject"),
        sa.ForeignKeyConstraint(["change_id"], ["subject_change.id"],
                                name="fk_subject_identifier_change_id_subject_change"),
        sa.PrimaryKeyConstraint("id", name="pk_subject_identifier"),
        sa.UniqueConstraint("identifier_digest", name="uq_subject_identifier_identifier_digest"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_subject_identifier_subject_id", "subject_identifier", ["subject_id"])


def downgrade() -> None:
    op.drop_index("ix_subject_identifier_subject_id", table_name="subject_identifier")
    op.drop_table("subject_identifier")
    op.drop_index("ix_subject_change_subject_id", table_name="subject_change")
    op.drop_table("subject_change")
    with op.batch_alter_table("subject") as batch:
        batch.drop_column("deregistered_on")
