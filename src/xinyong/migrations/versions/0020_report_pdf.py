"""credit reports' PDFs stored once rendered (``credit_report_pdf``), encrypted at rest

A cache of what the snapshot renders to (deterministic): not bound to the audit log (``audit.binding.NOT_BOUND``),
deleted whenever the snapshot is rewritten. A new, empty table: no baseline.

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credit_report_pdf',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['credit_report.id'], name=op.f('fk_credit_report_pdf_report_id_credit_report'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_report_pdf')),
    sa.UniqueConstraint('report_id', name=op.f('uq_credit_report_pdf_report_id'))
    )


def downgrade() -> None:
    op.drop_table('credit_report_pdf')
