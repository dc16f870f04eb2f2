"""portal sign-in: browser sessions, and agents' tokens

Revision ID: 0015
Revises: 0014

``web_session``: one row per sign-in (digests of the cookie and of the token it was opened with, the CSRF
token, when it was opened, last used and ended). ``access_token.agent_name`` and ``agent_document``: the agent
a subject's token was issued to and the written authorization it rests on.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("access_token") as batch:
        batch.add_column(sa.Column("agent_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("agent_document", sa.String(length=200), nullable=True))
    op.create_table(
        "web_session",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("cookie_digest", sa.String(length=64), nullable=False),
        sa.Column("token_id", BigId, sa.ForeignKey("access_token.id"), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.UniqueConstraint("cookie_digest", name="uq_web_session_cookie_digest"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_web_session_token_id", "web_session", ["token_id"])


def downgrade() -> None:
    op.drop_index("ix_web_session_token_id", table_name="web_session")
    op.drop_table("web_session")
    with op.batch_alter_table("access_token") as batch:
        batch.drop_column("agent_document")
        batch.drop_column("agent_name")
