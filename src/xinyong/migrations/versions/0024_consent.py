"""consent: authorizations become consent records; versioned consent notice texts (Art. 14.2, 14.3, 17.3)

Revision ID: 0024
Revises: 0023

``consent_notice``: the notice texts a subject is shown before consenting, one row per version (bound to the
audit log). ``subject_authorization`` gains the notice version, the form (``written`` | other), the Art. 14.2
restricted kinds in scope and when / what the subject was told of the possible adverse consequences. All new
columns are nullable without defaults, so existing rows stay valid and keep their audit digests (a NULL
column is left out of the canonical row); a NULL form is a pre-0024 written authorization (Art. 17.3 always
named its document) with no restricted kind in scope.
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "consent_notice",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consent_notice"),
        sa.UniqueConstraint("version", name="uq_consent_notice_version"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("subject_authorization") as batch:
        batch.add_column(sa.Column("notice_id", BigId, nullable=True))
        batch.add_column(sa.Column("form", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("restricted_kinds", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("adverse_told_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("adverse_text", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_subject_authorization_notice_id_consent_notice", "consent_notice",
                                 ["notice_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("subject_authorization") as batch:
        batch.drop_constraint("fk_subject_authorization_notice_id_consent_notice", type_="foreignkey")
        batch.drop_column("adverse_text")
        batch.drop_column("adverse_told_at")
        batch.drop_column("restricted_kinds")
        batch.drop_column("form")
        batch.drop_column("notice_id")
    op.drop_table("consent_notice")
