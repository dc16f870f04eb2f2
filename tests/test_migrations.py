"""Migrations on both databases: upgrade to head from empty, and the models match the migrations."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from xinyong import models  # noqa: F401
from xinyong.db import Base, make_engine
from xinyong.migrations import alembic_config, current, upgrade

from .conftest import POSTGRES_URL

HEAD = ScriptDirectory.from_config(alembic_config(None)).get_current_head()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("XINYONG_TEST_POSTGRES_URL is not set")
    schema = f"xy_mig_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    engine = make_engine(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_upgrade_from_empty_to_head_and_models_match(empty_engine):
    assert inspect(empty_engine).get_table_names() == []
    upgrade(empty_engine)
    assert current(empty_engine) == HEAD
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == [], diff
        assert conn.execute(text("SELECT count(*) FROM catalog_item WHERE state = 'published'")).scalar() == 8
    upgrade(empty_engine)  # running it again is a no-op
    assert current(empty_engine) == HEAD
