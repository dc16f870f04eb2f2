"""Shared steps of the ingestion tests (declared fields, spools, prohibited columns, collisions)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from xinyong import crypto
from xinyong.app import create_app
from xinyong.config import get_settings
from xinyong.db import session_scope
from xinyong.models import Batch, Record
from xinyong.record.spool import SpoolReader


def var_dir() -> Path:
    return get_settings().var_dir


def batch_files() -> list[Path]:
    folder = var_dir() / "batches"
    return sorted(p for p in folder.iterdir()) if folder.is_dir() else []


def files_holding(needle: str) -> list[Path]:
    """Every file under the var directory whose bytes contain ``needle`` (UTF-8 or GB18030).

    Encrypted files are random bytes: a needle of a few bytes turns up in them by chance (a 2-byte
    GB18030 character in a 1 KB file about once in 60), so needles must be long enough to mean something.
    """
    forms = {needle.encode("utf-8"), needle.encode("gb18030")}
    assert min(map(len, forms)) >= 5, f"needle {needle!r} is too short to tell a leak from chance"
    found = []
    for root, _dirs, names in os.walk(var_dir()):
        for name in names:
            path = Path(root) / name
            data = path.read_bytes()
            if any(f in data for f in forms):
                found.append(path)
    return found


def spool_rows(path: Path) -> list:
    return list(SpoolReader(path))


def decrypted(path: Path) -> bytes:
    with crypto.open_reader(path) as fh:
        return fh.read()


def records(engine) -> list[Record]:
    with session_scope(engine) as s:
        return list(s.scalars(select(Record).order_by(Record.id)))


def batch_count(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Batch))


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(engine):
    with TestClient(create_app(engine)) as c:
        yield c


@pytest.fixture
def console_reason(monkeypatch):
    """``xinyong import --unit`` records why the console acts for a unit (where that is required)."""
    monkeypatch.setenv("XINYONG_CONSOLE_REASON", "test import")
