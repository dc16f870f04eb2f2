"""natural persons' identification numbers encrypted at rest (Art. 20(4), PIPL)

Revision ID: 0010
Revises: 0009

Each natural person's number moves from ``subject.identifier`` (plain) to ``subject.identifier_enc``
(``xinyong.crypto.encrypt_text``, bound to the subject's ``identifier_digest``); ``identifier`` keeps
only the masked form (前6后4). Organizations' codes are public and untouched. The key ring is the one
the platform uses at run time (``XINYONG_DATA_KEY_FILE`` / ``XINYONG_DATA_KEY`` / ``XINYONG_DATA_CIPHER``,
read from the environment): run the upgrade with the same settings as the server, and back the key ring
up before (docs/keys.md).

Idempotent: only rows with no ciphertext yet and an unmasked number are encrypted, so a second run
(or a run over rows the platform already wrote encrypted) changes nothing. One audit event names the
count and the key (never a number). The downgrade decrypts them back.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BATCH = 2000

subject = sa.table(
    "subject",
    sa.column("id", sa.BigInteger),
    sa.column("kind", sa.String),
    sa.column("identifier", sa.String),
    sa.column("identifier_enc", sa.Text),
    sa.column("identifier_digest", sa.String),
)


def _batches(bind, where):
    """The natural persons matching ``where``, by id, ``BATCH`` at a time (keyset: constant memory)."""
    last = 0
    while True:
        rows = bind.execute(
            sa.select(subject.c.id, subject.c.identifier, subject.c.identifier_enc, subject.c.identifier_digest)
            .where(subject.c.kind == "natural_person", subject.c.id > last, where)
            .order_by(subject.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        yield rows


_SET = (sa.update(subject).where(subject.c.id == sa.bindparam("b_id"))
        .values(identifier=sa.bindparam("b_identifier"), identifier_enc=sa.bindparam("b_enc")))


def upgrade() -> None:
    from xinyong import crypto
    from xinyong.subject.identifiers import mask_ric

    bind = op.get_bind()
    done = 0
    plain = sa.and_(subject.c.identifier_enc.is_(None), subject.c.identifier.not_like("%*%"))
    for rows in _batches(bind, plain):
        sealed = crypto.encrypt_many((r.identifier, r.identifier_digest) for r in rows)
        bind.execute(_SET, [{"b_id": r.id, "b_identifier": mask_ric(r.identifier), "b_enc": enc}
                            for r, enc in zip(rows, sealed, strict=True)])
        done += len(rows)
    # a row already encrypted whose number is still plain beside its ciphertext: masked only
    unmasked = sa.and_(subject.c.identifier_enc.is_not(None), subject.c.identifier.not_like("%*%"))
    for rows in _batches(bind, unmasked):
        bind.execute(_SET, [{"b_id": r.id, "b_identifier": mask_ric(r.identifier), "b_enc": r.identifier_enc}
                            for r in rows])
    if done:  # a fresh database has nothing to encrypt, and no reason to create a key ring
        _audit(bind, "subject:identifiers-encrypted", {"count": done, "key_id": crypto.key_ring().active,
                                                       "revision": revision})


def downgrade() -> None:
    from xinyong import crypto

    bind = op.get_bind()
    done = 0
    for rows in _batches(bind, subject.c.identifier_enc.is_not(None)):
        bind.execute(_SET, [{"b_id": r.id, "b_enc": None,
                             "b_identifier": crypto.decrypt_text(r.identifier_enc, context=r.identifier_digest)}
                            for r in rows])
        done += len(rows)
    if done:
        _audit(bind, "subject:identifiers-decrypted", {"count": done, "revision": revision})


def _audit(bind, action: str, details: dict) -> None:
    """One event for the whole migration (the platform's own act: actor ``system``)."""
    from xinyong.audit.service import event_row
    from xinyong.auth import Actor

    events = sa.table(
        "audit_event",
        sa.column("at", sa.DateTime(timezone=True)), sa.column("action", sa.String),
        sa.column("actor", sa.String), sa.column("object_type", sa.String), sa.column("object_id", sa.String),
        sa.column("subject_id", sa.BigInteger), sa.column("digest", sa.String), sa.column("details", sa.JSON),
    )
    bind.execute(sa.insert(events), [event_row(action=action, actor=Actor(role="system"), object_type="subject",
                                               object_id="*", details=details)])
