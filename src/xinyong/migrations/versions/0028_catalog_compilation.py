"""compiling the catalog (Art. 10): proposals with their reasons, assessments, drafts put out for public comment with
the comments and the responses, the deliberative body's approval, publication, and the catalog's versions

Revision ID: 0028
Revises: 0027

``catalog_proposal``: a unit proposes an item (its definition as JSON, the reasons: Art. 10.1), flagged when
opinions differ widely or the social impact may be large; ``catalog_assessment``: the assessment held with the
supervisor for such a proposal, hearing representatives and experts (who, when, the conclusion); ``catalog_draft``:
the supervisor's draft of the proposals, its comment period, the approval (document, date) and its publication;
``catalog_comment``: each comment received (as the supervisor summarises it, nobody named) and the response;
``catalog_version``: each publication of the catalog, numbered, with what it published and the procedures and
standards of Art. 11.2. All bound to the audit log (new tables, no rows: no baseline). A record's catalog version is
the version in force when it was received (``catalog.compilation.version_at``), so the record table is unchanged.
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "catalog_draft",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("compiled_on", sa.Date(), nullable=False),
        sa.Column("comment_from", sa.Date(), nullable=True),
        sa.Column("comment_to", sa.Date(), nullable=True),
        sa.Column("procedures", sa.Text(), nullable=True),
        sa.Column("approval_document", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_draft"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "catalog_proposal",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("unit_id", BigId, nullable=True),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("item", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("contested", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("proposed_by", sa.String(length=120), nullable=False),
        sa.Column("draft_id", BigId, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_catalog_proposal_unit_id_unit"),
        sa.ForeignKeyConstraint(["draft_id"], ["catalog_draft.id"], name="fk_catalog_proposal_draft_id_catalog_draft"),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_proposal"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_catalog_proposal_draft_id", "catalog_proposal", ["draft_id"])
    op.create_table(
        "catalog_assessment",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("proposal_id", BigId, nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("representatives", sa.JSON(), nullable=False),
        sa.Column("experts", sa.JSON(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["catalog_proposal.id"],
                                name="fk_catalog_assessment_proposal_id_catalog_proposal"),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_assessment"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_catalog_assessment_proposal_id", "catalog_assessment", ["proposal_id"])
    op.create_table(
        "catalog_comment",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("draft_id", BigId, nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["catalog_draft.id"], name="fk_catalog_comment_draft_id_catalog_draft"),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_comment"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_catalog_comment_draft_id", "catalog_comment", ["draft_id"])
    op.create_table(
        "catalog_version",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("draft_id", BigId, nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("procedures", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["draft_id"], ["catalog_draft.id"], name="fk_catalog_version_draft_id_catalog_draft"),
        sa.PrimaryKeyConstraint("version", name="pk_catalog_version"),
    )


def downgrade() -> None:
    op.drop_table("catalog_version")
    op.drop_index("ix_catalog_comment_draft_id", table_name="catalog_comment")
    op.drop_table("catalog_comment")
    op.drop_index("ix_catalog_assessment_proposal_id", table_name="catalog_assessment")
    op.drop_table("catalog_assessment")
    op.drop_index("ix_catalog_proposal_draft_id", table_name="catalog_proposal")
    op.drop_table("catalog_proposal")
    op.drop_table("catalog_draft")
