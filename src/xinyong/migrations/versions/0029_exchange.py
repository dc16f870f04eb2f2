"""exchange with other platforms (Art. 7, 12, 16): partners, exports, imports, the provenance of received records,
and the objections carried between platforms (Art. 36.2(2))

Revision ID: 0029
Revises: 0028

``exchange_partner``: another platform, its ISO 3166 region, the unit its records are stored under and its public
keys; ``exchange_export``: each export to a partner (watermarks, counts, the manifest's digest); ``exchange_import``:
each partner export imported (unique by its manifest's digest: importing it again changes nothing);
``exchange_received``: where each received record came from (platform, reference, file, line);
``exchange_objection``: objections transferred to the platform a record came from, or received from a platform we
sent the record to. All bound to the audit log (new tables, no rows: no baseline).
"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "exchange_partner",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("unit_id", BigId, sa.ForeignKey("unit.id", name="fk_exchange_partner_unit_id_unit"),
                  nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("verify_key", sa.String(64), nullable=False),
        sa.Column("seal_key", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(120), nullable=False),
        sa.UniqueConstraint("name", name="uq_exchange_partner_name"),
        sa.UniqueConstraint("unit_id", name="uq_exchange_partner_unit_id"),
    )
    op.create_table(
        "exchange_export",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("partner_id", BigId, sa.ForeignKey("exchange_partner.id",
                                                     name="fk_exchange_export_partner_id_exchange_partner"),
                  nullable=False),
        sa.Column("since", sa.String(64)),
        sa.Column("watermark", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("catalog_version", sa.Integer()),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_exchange_export_partner_id", "exchange_export", ["partner_id"])
    op.create_table(
        "exchange_import",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("partner_id", BigId, sa.ForeignKey("exchange_partner.id",
                                                     name="fk_exchange_import_partner_id_exchange_partner"),
                  nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("sender_export_id", BigId),
        sa.Column("watermark", sa.String(64)),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(120), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("batches", sa.JSON(), nullable=False),
        sa.UniqueConstraint("partner_id", "manifest_sha256", name="uq_exchange_import_partner_id_manifest_sha256"),
    )
    op.create_index("ix_exchange_import_partner_id", "exchange_import", ["partner_id"])
    op.create_table(
        "exchange_received",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("record_id", BigId, nullable=False),
        sa.Column("partner_id", BigId, sa.ForeignKey("exchange_partner.id",
                                                     name="fk_exchange_received_partner_id_exchange_partner"),
                  nullable=False),
        sa.Column("origin_ref", sa.String(64), nullable=False),
        sa.Column("import_id", BigId, nullable=False),
        sa.Column("file", sa.String(255), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.UniqueConstraint("record_id", name="uq_exchange_received_record_id"),
        sa.UniqueConstraint("partner_id", "origin_ref", name="uq_exchange_received_partner_id_origin_ref"),
    )
    op.create_table(
        "exchange_objection",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("partner_id", BigId, sa.ForeignKey("exchange_partner.id",
                                                     name="fk_exchange_objection_partner_id_exchange_partner"),
                  nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("objection_id", BigId, nullable=False),
        sa.Column("their_number", sa.String(40), nullable=False),
        sa.Column("record_ref", sa.String(64), nullable=False),
        sa.Column("sent_export_id", BigId),
        sa.Column("received_import_id", BigId),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("note", sa.Text()),
        sa.UniqueConstraint("partner_id", "direction", "their_number",
                            name="uq_exchange_objection_partner_id_direction_their_number"),
    )
    op.create_index("ix_exchange_objection_objection_id", "exchange_objection", ["objection_id"])


def downgrade() -> None:
    for name in ("exchange_objection", "exchange_received", "exchange_import", "exchange_export",
                 "exchange_partner"):
        op.drop_table(name)
