"""initial schema: subjects, units, officers, tokens, catalog, records, batches, authorizations, inquiry log, audit events

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 05:51:59.813614
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_subject', ['subject_id'], unique=False)

    op.create_table('catalog_item',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('item_class', sa.String(length=24), nullable=False),
    sa.Column('untrustworthy', sa.Boolean(), nullable=False),
    sa.Column('continuing', sa.Boolean(), nullable=False),
    sa.Column('article', sa.String(length=32), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('disclosure', sa.String(length=16), nullable=False),
    sa.Column('record_format', sa.String(length=8), nullable=False),
    sa.Column('providers', sa.Text(), nullable=False),
    sa.Column('inquiry_law_basis', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('retired_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_catalog_item'))
    )
    op.create_table('inquiry_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subject_digest', sa.String(length=64), nullable=True),
    sa.Column('actor_role', sa.String(length=24), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('officer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('officer_label', sa.String(length=100), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=True),
    sa.Column('case_no', sa.String(length=100), nullable=True),
    sa.Column('authorization_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('article', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=True),
    sa.Column('record_ids', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inquiry_log'))
    )
    with op.batch_alter_table('inquiry_log', schema=None) as batch_op:
        batch_op.create_index('ix_inquiry_log_subject', ['subject_id', 'at'], unique=False)
        batch_op.create_index('ix_inquiry_log_unit', ['unit_id', 'at'], unique=False)

    op.create_table('subject',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('scheme', sa.String(length=8), nullable=False),
    sa.Column('identifier', sa.String(length=18), nullable=False),
    sa.Column('identifier_digest', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject')),
    sa.UniqueConstraint('identifier_digest', name=op.f('uq_subject_identifier_digest'))
    )
    op.create_table('unit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('uscc', name=op.f('uq_unit_uscc'))
    )
    op.create_table('batch',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file_format', sa.String(length=16), nullable=True),
    sa.Column('encoding', sa.String(length=16), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('already_present', sa.Integer(), nullable=False),
    sa.Column('notices', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_batch_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch'))
    )
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_unit_id'), ['unit_id'], unique=False)

    op.create_table('officer',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('staff_no', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('items', sa.JSON(), nullable=True),
    sa.Column('purposes', sa.JSON(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_officer_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer')),
    sa.UniqueConstraint('unit_id', 'staff_no', name=op.f('uq_officer_unit_id_staff_no'))
    )
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_officer_unit_id'), ['unit_id'], unique=False)

    op.create_table('record_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('document', sa.String(length=200), nullable=False),
    sa.Column('previous_content', sa.JSON(), nullable=True),
    sa.Column('previous_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['actor_unit_id'], ['unit.id'], name=op.f('fk_record_history_actor_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_history'))
    )
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.create_index('ix_record_history_subject', ['subject_id', 'record_id'], unique=False)

    op.create_table('subject_authorization',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('document', sa.String(length=200), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_subject_authorization_subject_id_subject')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_subject_authorization_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_authorization'))
    )
    with op.batch_alter_table('subject_authorization', schema=None) as batch_op:
        batch_op.create_index('ix_subject_authorization_subject_unit', ['subject_id', 'unit_id'], unique=False)

    op.create_table('unit_inquiry_item',
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['item_code'], ['catalog_item.code'], name=op.f('fk_unit_inquiry_item_item_code_catalog_item')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_inquiry_item_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'item_code', 'purpose', name=op.f('pk_unit_inquiry_item'))
    )
    op.create_table('unit_provides',
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['item_code'], ['catalog_item.code'], name=op.f('fk_unit_provides_item_code_catalog_item')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_provides_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'item_code', name=op.f('pk_unit_provides'))
    )
    op.create_table('access_token',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('officer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_access_token_officer_id_officer')),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_access_token_subject_id_subject')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_access_token_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_token')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_access_token_token_digest'))
    )
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_token_unit_id'), ['unit_id'], unique=False)

    op.create_table('batch_reject',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('article', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_batch_reject_batch_id_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_reject'))
    )
    with op.batch_alter_table('batch_reject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_reject_batch_id'), ['batch_id'], unique=False)

    op.create_table('record',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('untrustworthy', sa.Boolean(), nullable=False),
    sa.Column('doc_no', sa.String(length=200), nullable=False),
    sa.Column('doc_date', sa.Date(), nullable=False),
    sa.Column('doc_org', sa.String(length=200), nullable=False),
    sa.Column('conduct_date', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('ended_on_source', sa.String(length=16), nullable=False),
    sa.Column('procedure', sa.String(length=16), nullable=True),
    sa.Column('severity', sa.String(length=16), nullable=True),
    sa.Column('amount_yuan', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('objection_open', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=True),
    sa.Column('line_no', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_record_batch_id_batch')),
    sa.ForeignKeyConstraint(['item_code'], ['catalog_item.code'], name=op.f('fk_record_item_code_catalog_item')),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_record_subject_id_subject')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_record_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record')),
    sa.UniqueConstraint('unit_id', 'item_code', 'doc_no', 'subject_id', name=op.f('uq_record_unit_id_item_code_doc_no_subject_id'))
    )
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.create_index('ix_record_subject_item', ['subject_id', 'item_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.drop_index('ix_record_subject_item')

    op.drop_table('record')
    with op.batch_alter_table('batch_reject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_reject_batch_id'))

    op.drop_table('batch_reject')
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_token_unit_id'))

    op.drop_table('access_token')
    op.drop_table('unit_provides')
    op.drop_table('unit_inquiry_item')
    with op.batch_alter_table('subject_authorization', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_authorization_subject_unit')

    op.drop_table('subject_authorization')
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.drop_index('ix_record_history_subject')

    op.drop_table('record_history')
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_officer_unit_id'))

    op.drop_table('officer')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_unit_id'))

    op.drop_table('batch')
    op.drop_table('unit')
    op.drop_table('subject')
    with op.batch_alter_table('inquiry_log', schema=None) as batch_op:
        batch_op.drop_index('ix_inquiry_log_unit')
        batch_op.drop_index('ix_inquiry_log_subject')

    op.drop_table('inquiry_log')
    op.drop_table('catalog_item')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_subject')

    op.drop_table('audit_event')
