"""retiring catalog items through a draft, and comments sent by the public on a draft (Art. 10)

Revision ID: 0030
Revises: 0029

``catalog_proposal.kind``: ``include`` (an item, new or changed, goes into the catalog) or ``retire`` (an item
leaves it, with the reasons); NULL on the rows written before 0030, which all include. ``catalog_version.retired``:
the items a version retired (code and names), NULL when it retired none. ``catalog_comment.channel``: ``portal`` or
``api`` for a comment the public sent during the comment period, NULL for one the supervisor recorded;
``catalog_comment.contact``: the contact a commenter chose to give (ID-shaped numbers masked), shown to the
supervisor only, never publicly. Every new column is nullable and existing rows keep NULL, so the canonical form of
the bound rows written before (audit.binding: a NULL column is left out) is unchanged: no baseline.
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_proposal") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=True))
    with op.batch_alter_table("catalog_version") as batch:
        batch.add_column(sa.Column("retired", sa.JSON(), nullable=True))
    with op.batch_alter_table("catalog_comment") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("contact", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_comment") as batch:
        batch.drop_column("contact")
        batch.drop_column("channel")
    with op.batch_alter_table("catalog_version") as batch:
        batch.drop_column("retired")
    with op.batch_alter_table("catalog_proposal") as batch:
        batch.drop_column("kind")
