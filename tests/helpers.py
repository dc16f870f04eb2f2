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
