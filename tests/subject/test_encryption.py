"""Natural persons' numbers at rest (Art. 20(4), PIPL Art. 51), on both databases and both ciphers:
``subject.identifier`` holds only the masked number, ``subject.identifier_enc`` the number encrypted and
bound to the subject's digest; organizations' codes stay plain; ``identifier_of`` is the way back."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select, text, update

from xinyong import crypto
from xinyong.db import Base, session_scope
from xinyong.errors import NotFound
from xinyong.models import Subject
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import mask_ric, parse_identifier

from ..factories import ric, uscc

DAY = date(2025, 6, 16)
PERSON = ric(date(1985, 3, 7), seq=412)
OTHER = ric(date(1990, 11, 30), region="310104", seq=88)
ORG = uscc(424242)


@pytest.fixture(params=["aes", "sm4"])
def cipher(request, monkeypatch):
    """The data cipher; the key ring is created on first use in this test's own var directory."""
    monkeypatch.setenv("XINYONG_DATA_CIPHER", request.param)
    return {"aes": crypto.AES, "sm4": crypto.SM4}[request.param]


def _ident(code: str):
    return parse_identifier(code, today=DAY)


def _create(engine, *codes: str) -> dict[str, int]:
    with session_scope(engine) as s:
        ids = subjects.resolve_many(s, [(_ident(c), f"名{n}") for n, c in enumerate(codes)])
    return {c: ids[(_ident(c).scheme, c)] for c in codes}


def _raw(engine, subject_id: int):
    with engine.connect() as conn:
        return conn.execute(text("SELECT kind, identifier, identifier_enc, identifier_digest FROM subject "
                                 "WHERE id = :i"), {"i": subject_id}).one()


def test_a_natural_persons_number_is_stored_only_masked_and_encrypted(engine, cipher):
    ids = _create(engine, PERSON, ORG)
    person = _raw(engine, ids[PERSON])
    assert person.kind == "natural_person"
    assert person.identifier == mask_ric(PERSON) == PERSON[:6] + "*" * 8 + PERSON[-4:]
    assert len(person.identifier) == 18
    assert crypto.key_id_of(person.identifier_enc) == crypto.key_ring().active
    assert crypto.key_ring().current.cipher == cipher
    assert PERSON not in person.identifier_enc and PERSON[6:14] not in person.identifier_enc
    assert crypto.decrypt_text(person.identifier_enc, context=person.identifier_digest) == PERSON
    org = _raw(engine, ids[ORG])
    assert org.kind == "organization" and org.identifier == ORG and org.identifier_enc is None


def test_no_column_of_any_table_holds_the_number(engine, cipher):
    ids = _create(engine, PERSON, OTHER, ORG)
    assert len(ids) == 3
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                assert PERSON not in str(tuple(row)) and OTHER not in str(tuple(row)), table.name


def test_identifier_of_gives_the_full_number_back_from_any_form(engine, cipher):
    ids = _create(engine, PERSON, ORG)
    with session_scope(engine) as s:
        person = s.get(Subject, ids[PERSON])
        assert person.identifier != PERSON
        assert subjects.identifier_of(s, person) == PERSON
        assert subjects.identifier_of(s, ids[PERSON]) == PERSON
        assert subjects.identifier_of(person) == PERSON
        row = s.execute(select(Subject.kind, Subject.identifier, Subject.identifier_enc, Subject.identifier_digest)
                        .where(Subject.id == ids[PERSON])).one()
        assert subjects.identifier_of(row) == PERSON
        assert subjects.identifier_of(dict(row._mapping)) == PERSON
        assert subjects.identifier_of(s, ids[ORG]) == ORG
        with pytest.raises(NotFound):
            subjects.identifier_of(s, 999_999)


def test_look_ups_still_go_by_digest(engine, cipher):
    ids = _create(engine, PERSON)
    with session_scope(engine) as s:
        assert subjects.find(s, PERSON).id == ids[PERSON]
        assert subjects.find(s, PERSON.lower()).id == ids[PERSON]
        with pytest.raises(NotFound) as exc:
            subjects.find(s, OTHER)
        assert OTHER not in exc.value.message and mask_ric(OTHER) in exc.value.message
    # resolving the same number again finds the subject, it does not make a second one
    assert _create(engine, PERSON) == ids


def test_a_ciphertext_moved_to_another_subject_does_not_decrypt(engine, cipher):
    ids = _create(engine, PERSON, OTHER)
    moved = _raw(engine, ids[PERSON]).identifier_enc
    with session_scope(engine) as s:
        s.execute(update(Subject).where(Subject.id == ids[OTHER]).values(identifier_enc=moved))
    with session_scope(engine) as s:
        with pytest.raises(crypto.DecryptionFailed) as exc:
            subjects.identifier_of(s, ids[OTHER])
        assert PERSON not in str(exc.value) and OTHER not in str(exc.value)


def test_public_view_shows_the_masked_number(engine, cipher):
    ids = _create(engine, PERSON, ORG)
    with session_scope(engine) as s:
        view = subjects.public_view(s.get(Subject, ids[PERSON]))
        assert view["identifier"] == mask_ric(PERSON)
        assert subjects.public_view(s.get(Subject, ids[ORG]))["identifier"] == ORG


def test_resolve_many_stays_one_insert_for_a_chunk_of_new_people(engine):
    codes = [ric(date(1970, 1, 1 + n % 28), seq=n) for n in range(120)]
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_a):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        ids = _create(engine, *codes)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(set(ids.values())) == 120
    inserts = [st for st in statements if st.lstrip().upper().startswith("INSERT INTO SUBJECT")]
    assert len(inserts) == 1, inserts
    with session_scope(engine) as s:
        got = {subjects.identifier_of(r): r.id for r in s.scalars(select(Subject))}
    assert got == ids


def test_a_row_from_before_encryption_still_reads_and_a_masked_one_without_ciphertext_fails_loudly(engine):
    ids = _create(engine, PERSON, OTHER)
    with session_scope(engine) as s:  # as migration 0009 left it: the number plain, no ciphertext
        s.execute(update(Subject).where(Subject.id == ids[PERSON]).values(identifier=PERSON, identifier_enc=None))
        s.execute(update(Subject).where(Subject.id == ids[OTHER]).values(identifier_enc=None))
    with session_scope(engine) as s:
        assert subjects.identifier_of(s, ids[PERSON]) == PERSON
        assert subjects.public_view(s.get(Subject, ids[PERSON]))["identifier"] == mask_ric(PERSON)
        with pytest.raises(crypto.DecryptionFailed) as exc:
            subjects.identifier_of(s, ids[OTHER])
        assert OTHER not in str(exc.value)


# --- through the real importer, and the one workflow that needs the number itself --------------------

def _import_person(engine, tmp_path, code: str):
    from ..factories import CF_COLUMNS, person_cf_row, to_csv
    from ..helpers import add_provider, run_file

    provider, _ = add_provider(engine)
    row = person_cf_row(7, date(1985, 3, 7)) | {"CF_XDR_ZJHM": code}
    result = run_file(engine, provider, tmp_path, to_csv([row], CF_COLUMNS))
    assert result.accepted == 1, result
    return provider


@pytest.mark.article("Art. 11")
def test_a_natural_persons_record_can_still_be_corrected(engine, tmp_path, cipher):
    from xinyong.models import Record
    from xinyong.record import workflows

    provider = _import_person(engine, tmp_path, PERSON)
    with session_scope(engine) as s:
        rec_id = s.scalar(select(Record.id))
        # the correction re-validates the whole row, subject included: with the number, not its mask
        rec = workflows.correct(s, record_id=rec_id, changes={"content": "罚款人民币1500元", "fine_wan": "0.15"},
                                reason="金额录入错误", document="沪市监更〔2025〕1号", actor=provider)
        assert rec.version == 2 and str(rec.amount_yuan) == "1500.00"
        person = s.get(Subject, rec.subject_id)
        assert person.identifier == mask_ric(PERSON) and subjects.identifier_of(person) == PERSON


def test_after_an_import_and_a_correction_no_table_holds_the_number(engine, tmp_path, cipher):
    from xinyong.models import Record
    from xinyong.record import workflows

    provider = _import_person(engine, tmp_path, PERSON)
    with session_scope(engine) as s:
        workflows.correct(s, record_id=s.scalar(select(Record.id)), changes={"content": "罚款人民币1000元"},
                          reason="r", document="沪市监更〔2025〕2号", actor=provider)
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                assert PERSON not in str(tuple(row)), table.name
