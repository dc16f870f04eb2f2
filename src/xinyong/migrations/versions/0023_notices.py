"""notices to subjects: the portal's inbox and e-mail (Art. 32.1, 36, 37, 38)

Revision ID: 0023
Revises: 0022

``notice``: the letters (bound to the audit log); ``notice_mail``: the e-mails that point to them (not bound:
no content, no address); ``subject_contact``: the address a subject gave, encrypted (bound).
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notice",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject_id", BigId, sa.ForeignKey("subject.id", name="fk_notice_subject_id_subject"),
                  nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("article", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notice"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_notice_subject", "notice", ["subject_id", "id"])
    op.create_table(
        "notice_mail",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("notice_id", BigId, sa.ForeignKey("notice.id", name="fk_notice_mail_notice_id_notice"),
                  nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notice_mail"),
        sa.UniqueConstraint("notice_id", name="uq_notice_mail_notice_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_notice_mail_state", "notice_mail", ["state", "next_attempt_at"])
    op.create_table(
        "subject_contact",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject_id", BigId, sa.ForeignKey("subject.id", name="fk_subject_contact_subject_id_subject"),
                  nullable=False),
        sa.Column("address_enc", sa.Text(), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_subject_contact"),
        sa.UniqueConstraint("subject_id", name="uq_subject_contact_subject_id"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("subject_contact")
    op.drop_index("ix_notice_mail_state", table_name="notice_mail")
    op.drop_table("notice_mail")
    op.drop_index("ix_notice_subject", table_name="notice")
    op.drop_table("notice")
