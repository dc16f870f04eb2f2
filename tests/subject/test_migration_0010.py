"""Migration 0010 on both databases: natural persons' numbers written plain before it (raw SQL at 0009) are
encrypted and masked, organizations untouched, a second run changes nothing, the downgrade gives them back."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from alembic import command
from sqlalchemy import text

from xinyong import config, crypto
from xinyong.db import make_engine
from xinyong.migrations import alembic_config, current, upgrade
from xinyong.subject import service as subjects
from xinyong.subject.identifiers import mask_ric, parse_identifier

from ..conftest import POSTGRES_URL
from ..factories import ric, uscc

DAY = date(2025, 6, 16)
PEOPLE = [ric(date(1960 + n, 1 + n % 12, 1 + n % 28), seq=100 + n) for n in range(7)]
ORG = uscc(313131)
ORGAN = uscc(414141, prefix="11310000")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_0009(request, tmp_path, monkeypatch):
    """An empty database migrated to 0009, and this test's own var directory (so its own key ring)."""
    monkeypatch.setenv("XINYONG_VAR_DIR", str(tmp_path / "var"))
    config.reset_settings()
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        admin = schema = None
    else:
        if not POSTGRES_URL:
            pytest.skip("XINYONG_TEST_POSTGRES_URL is not set")
        schema = f"xy_m10_{uuid.uuid4().hex[:10]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in POSTGRES_URL else "?"
        engine = make_engine(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}")
    upgrade(engine, "0009")
    yield engine
    engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    config.reset_settings()


def _digest(code: str) -> str:
    return subjects.identifier_digest(parse_identifier(code, today=DAY))


def _insert_plain(engine, codes: list[tuple[str, str]]) -> None:
    """Subjects as the platform wrote them before 0010: the number itself in ``identifier``."""
    with engine.begin() as conn:
        for code, kind in codes:
            conn.execute(text(
                "INSERT INTO subject (kind, scheme, identifier, identifier_digest, name, created_at) "
                "VALUES (:k, :s, :i, :d, :n, :t)"),
                {"k": kind, "s": "ric" if kind == "natural_person" else "uscc", "i": code, "d": _digest(code),
                 "n": "某", "t": "2025-06-16 10:00:00+08:00"})


def _rows(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {r.identifier_digest: (r.kind, r.identifier, r.identifier_enc) for r in conn.execute(text(
            "SELECT kind, identifier, identifier_enc, identifier_digest FROM subject ORDER BY id"))}


def _events(engine) -> list[tuple[str, dict]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, details FROM audit_event ORDER BY id")).all()
    return [(a, d if isinstance(d, dict) else json.loads(d)) for a, d in rows]


@pytest.mark.parametrize("cipher", ["aes", "sm4"])
def test_0010_encrypts_and_masks_natural_persons_and_leaves_organizations(engine_0009, monkeypatch, cipher):
    monkeypatch.setenv("XINYONG_DATA_CIPHER", cipher)
    _insert_plain(engine_0009, [(c, "natural_person") for c in PEOPLE]
                  + [(ORG, "organization"), (ORGAN, "government_organ")])
    upgrade(engine_0009, "0010")
    assert current(engine_0009) == "0010"
    rows = _rows(engine_0009)
    ring = crypto.key_ring()
    assert ring.current.cipher == {"aes": crypto.AES, "sm4": crypto.SM4}[cipher]
    for code in PEOPLE:
        kind, shown, enc = rows[_digest(code)]
        assert shown == mask_ric(code) and enc is not None and code not in enc
        assert crypto.key_id_of(enc) == ring.active
        assert crypto.decrypt_text(enc, context=_digest(code)) == code
        assert subjects.identifier_of({"kind": kind, "identifier": shown, "identifier_enc": enc,
                                       "identifier_digest": _digest(code)}) == code
    assert rows[_digest(ORG)] == ("organization", ORG, None)
    assert rows[_digest(ORGAN)] == ("government_organ", ORGAN, None)
    [(action, details)] = _events(engine_0009)
    assert action == "subject:identifiers-encrypted"
    assert details["count"] == len(PEOPLE) and details["key_id"] == ring.active
    assert not any(code in json.dumps(details) for code in PEOPLE)


def test_0010_is_idempotent_and_leaves_values_already_encrypted_alone(engine_0009):
    _insert_plain(engine_0009, [(PEOPLE[0], "natural_person"), (ORG, "organization")])
    # a row the platform already wrote encrypted (a server upgraded before the database)
    already = crypto.encrypt_text(PEOPLE[1], context=_digest(PEOPLE[1]))
    with engine_0009.begin() as conn:
        conn.execute(text(
            "INSERT INTO subject (kind, scheme, identifier, identifier_enc, identifier_digest, name, created_at) "
            "VALUES ('natural_person', 'ric', :i, :e, :d, '某', '2025-06-16 10:00:00+08:00')"),
            {"i": mask_ric(PEOPLE[1]), "e": already, "d": _digest(PEOPLE[1])})
    upgrade(engine_0009, "0010")
    first = _rows(engine_0009)
    assert first[_digest(PEOPLE[1])][2] == already
    assert first[_digest(PEOPLE[0])][1] == mask_ric(PEOPLE[0])
    # run 0010 once more over what it wrote: nothing changes, no second event
    command.stamp(alembic_config(engine_0009), "0009")
    upgrade(engine_0009, "0010")
    assert _rows(engine_0009) == first
    assert [a for a, _d in _events(engine_0009)] == ["subject:identifiers-encrypted"]


def test_0010_on_an_empty_database_creates_no_key_ring(engine_0009):
    upgrade(engine_0009, "0010")
    assert _events(engine_0009) == []
    assert not crypto.key_ring_path().exists()


def test_0010_downgrade_gives_the_numbers_back(engine_0009):
    _insert_plain(engine_0009, [(c, "natural_person") for c in PEOPLE[:3]] + [(ORG, "organization")])
    before = _rows(engine_0009)
    upgrade(engine_0009, "0010")
    assert _rows(engine_0009) != before
    command.downgrade(alembic_config(engine_0009), "0009")
    assert _rows(engine_0009) == before
