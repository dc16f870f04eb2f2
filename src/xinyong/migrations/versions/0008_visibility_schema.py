"""one visibility decision (Art. 14.1, 15, 17, 22, 28.2): the source that makes an item or list public,
lists' disclosure, organs' published inquiry lists of lists, judicial organs' kind, Art. 28.2 mandates,
measures' implementing organs and check basis, what an inquiry revealed; and the columns the catalog
fields, encryption at rest and objection receipt build on

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# What makes the default catalog's public items public, and at which level (Art. 14.1: a credit service
# establishment receives a natural person's public item without consent only on a law or an
# administrative regulation).
PUBLIC_BASES = {
    "penalty": ("《中华人民共和国行政处罚法》第四十八条（具有一定社会影响的行政处罚决定应当依法公开）", "law"),
    "licence": ("《中华人民共和国行政许可法》第四十条（准予行政许可的决定应当予以公开）", "law"),
    "judgment-default": ("《中华人民共和国民事诉讼法》第二百六十六条（通过媒体公布不履行义务信息）；"
                         "《最高人民法院关于公布失信被执行人名单信息的若干规定》", "law"),
    "market-ban": ("监管部门依法公开的市场禁入、行业禁入决定（国家有关规定）", "policy"),
    "commendation": ("作出表彰奖励决定的国家机关依法公开的决定（《中华人民共和国政府信息公开条例》）",
                     "administrative-regulation"),
}


def upgrade() -> None:
    op.create_table('unit_inquiry_list',
    sa.Column('unit_id', BigId, nullable=False),
    sa.Column('list_id', BigId, nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['credit_list.id'], name=op.f('fk_unit_inquiry_list_list_id_credit_list')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_inquiry_list_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'list_id', 'purpose', name=op.f('pk_unit_inquiry_list'))
    )
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dropped_columns', sa.JSON(), nullable=True))

    with op.batch_alter_table('catalog_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_basis', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('public_basis_level', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('fields', sa.JSON(), nullable=True))

    with op.batch_alter_table('credit_list', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disclosure', sa.String(length=16), nullable=False,
                                      server_default='organs'))
        batch_op.add_column(sa.Column('public_basis', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('public_basis_level', sa.String(length=32), nullable=True))
    with op.batch_alter_table('credit_list', schema=None) as batch_op:
        batch_op.alter_column('disclosure', server_default=None)

    with op.batch_alter_table('inquiry_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('bases', sa.JSON(), nullable=True))

    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('implementing_units', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('implementing_class', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('check_basis', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('check_basis_level', sa.String(length=32), nullable=True))
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.alter_column('implementing_units', server_default=None)
    # Measures compiled before implementing organs were recorded were returned to every organ checking in
    # their contexts: they keep that class.
    op.execute(sa.text("UPDATE measure SET implementing_class = 'context'"))

    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_on', sa.Date(), nullable=True))
    op.execute(sa.text("UPDATE objection SET recorded_on = received_on"))

    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identifier_enc', sa.Text(), nullable=True))

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subkind', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('mandate', sa.Text(), nullable=True))

    item = sa.table('catalog_item', sa.column('code'), sa.column('public_basis'), sa.column('public_basis_level'))
    for code, (basis, level) in PUBLIC_BASES.items():
        op.execute(item.update().where(item.c.code == code).values(public_basis=basis, public_basis_level=level))


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('mandate')
        batch_op.drop_column('subkind')
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.drop_column('identifier_enc')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_column('recorded_on')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_column('check_basis_level')
        batch_op.drop_column('check_basis')
        batch_op.drop_column('implementing_class')
        batch_op.drop_column('implementing_units')
    with op.batch_alter_table('inquiry_log', schema=None) as batch_op:
        batch_op.drop_column('bases')
        batch_op.drop_column('entry_ids')
    with op.batch_alter_table('credit_list', schema=None) as batch_op:
        batch_op.drop_column('public_basis_level')
        batch_op.drop_column('public_basis')
        batch_op.drop_column('disclosure')
    with op.batch_alter_table('catalog_item', schema=None) as batch_op:
        batch_op.drop_column('fields')
        batch_op.drop_column('public_basis_level')
        batch_op.drop_column('public_basis')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_column('dropped_columns')
    op.drop_table('unit_inquiry_list')
