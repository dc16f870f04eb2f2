"""a rejected row keeps its reason's template and values (the portal words it in the clerk's language); catalog
items mark the fields of a restricted kind (Art. 14.2)

Revision ID: 0026
Revises: 0025

``batch_reject.reason_template`` and ``reason_params``: the reason stays stored in English as it was (the API, the
rejects file and the CLI show it as it is), and beside it the message's template and values (values already
masked as the reason is), so that a Chinese page translates it instead of showing English. Rows from before have
neither and are shown as they were.

``catalog_item.field_kinds``: for an item about natural persons, ``{field: kind}`` for each field of a restricted
kind of Art. 14.2 (income, deposits, securities, commercial insurance, real estate, tax amounts); a credit service
establishment sees such a field only under a consent of that grade. NULL: no restricted field.

``catalog_item.conduct_laws`` (Art. 9.3): where a law or regulation names the conduct of its field that goes into
the catalog, ``{law: [article, …]}``; a row citing that law (``basis_law``) must cite one of those articles
(``basis_article``). NULL: no law of the item's field lists its conduct.
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batch_reject") as batch:
        batch.add_column(sa.Column("reason_template", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reason_params", sa.JSON(), nullable=True))
    with op.batch_alter_table("catalog_item") as batch:
        batch.add_column(sa.Column("field_kinds", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("conduct_laws", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_item") as batch:
        batch.drop_column("conduct_laws")
        batch.drop_column("field_kinds")
    with op.batch_alter_table("batch_reject") as batch:
        batch.drop_column("reason_params")
        batch.drop_column("reason_template")
