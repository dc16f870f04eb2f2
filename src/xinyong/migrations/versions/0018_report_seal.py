"""credit reports carry their seal: the digest of the snapshot as issued and the platform's signature

The columns are nullable: a bound row's canonical form leaves NULL columns out (audit.binding), so the
reports issued before this revision keep their digests and need no baseline; they have no seal, and
/verify/{number} says so.

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('credit_report') as batch:
        batch.add_column(sa.Column('digest', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('signature', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('key_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('credit_report') as batch:
        batch.drop_column('key_id')
        batch.drop_column('signature')
        batch.drop_column('digest')
