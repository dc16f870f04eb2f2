"""Fixtures for the law kernel's tests: every test gets an empty calendar directory of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from xinyong.law import calendar

DATA = Path(__file__).parent / "data"
EXAMPLE_2027 = DATA / "2027.example.yaml"  # a clearly labelled EXAMPLE, not an official notice


@pytest.fixture(autouse=True)
def calendar_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "calendar"
    monkeypatch.setenv("XINYONG_CALENDAR_DIR", str(directory))
    calendar.reset_cache()
    yield directory
    calendar.reset_cache()


@pytest.fixture
def with_example_2027(calendar_dir: Path) -> Path:
    calendar.add_year_file(EXAMPLE_2027)
    return calendar_dir / "2027.yaml"
