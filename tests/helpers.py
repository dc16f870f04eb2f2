"""Shared steps for storage tests: register units, run an import from bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from xinyong.auth import CONSOLE, Actor
from xinyong.db import session_scope
from xinyong.record import importer
from xinyong.unit import service as units

from .factories import PROVIDER_USCC

TODAY = date(2025, 6, 16)


def add_provider(engine: Engine, *, uscc: str = PROVIDER_USCC, provides=("penalty", "licence", "arrears",
                 "commendation", "judgment-default"), kind: str = "administrative") -> tuple[Actor, str]:
    with session_scope(engine) as s:
        unit, token = units.add_unit(s, name="上海市测试监督管理局", kind=kind, uscc=uscc,
                                     provides=list(provides), published_on=TODAY, actor=CONSOLE)
        return units.actor_for(unit), token


def run_file(engine: Engine, actor: Actor, tmp_path: Path, data: bytes, *, name: str = "upload.csv",
             chunk_rows: int = 1000, on_reject=None) -> importer.ImportResult:
    path = tmp_path / name
    path.write_bytes(data)
    batch_id = importer.open_batch(engine, unit_uscc=actor.unit_uscc, filename=name,
                                   sha256=importer.sha256_of(path), actor=actor)
    return importer.run_import(engine, batch_id=batch_id, path=path, actor=actor, today=TODAY,
                               chunk_rows=chunk_rows, on_reject=on_reject)

# Real published credit data, in shared/ beside the project's root (see its SOURCES.md).
REAL_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real-samples"


AGENT = {"agent_name": "测试代理人", "agent_document": "授权委托书 测试-001"}


def issue_subject_token(session, subject, *, label: str = "subject") -> str:
    """A subject's own token; an organization's is its authorized agent's (Art. 17.1)."""
    from xinyong import tokens

    agent = {} if subject.kind == "natural_person" else AGENT
    return tokens.issue(session, actor=CONSOLE, label=label, subject=subject, **agent)[1]


def empty_postgres_tables(conn, names) -> None:
    """Empty ``names`` and restart the schema's sequences, on PostgreSQL: DELETE with the foreign-key triggers off
    (the test database's owner is a superuser), a tenth of TRUNCATE's time for a test's few rows (TRUNCATE gives
    every table new files). TRUNCATE where the role cannot be set."""
    from sqlalchemy import text

    sequences = [r[0] for r in conn.execute(text(
        "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()"))]
    try:
        with conn.begin_nested():
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("; ".join([f'DELETE FROM "{n}"' for n in names]
                                        + [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences])))
            conn.execute(text("SET LOCAL session_replication_role = origin"))
        return
    except Exception:  # noqa: BLE001 - not allowed to set the role: the slower way
        pass
    conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
