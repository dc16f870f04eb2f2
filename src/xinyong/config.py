"""Settings, read from the environment (``XINYONG_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

TIMEZONE = "Asia/Shanghai"


def _var_dir() -> Path:
    return Path(os.environ.get("XINYONG_VAR_DIR", "var"))


@dataclass(frozen=True)
class Settings:
    database_url: str
    var_dir: Path
    calendar_dir: Path
    hmac_key: bytes
    today: str | None = None
    import_chunk_rows: int = 5000
    extra: dict = field(default_factory=dict)


def _hmac_key(var_dir: Path) -> bytes:
    """The key for subject-identifier digests: from the environment, or generated once under var/.

    Losing it makes natural persons' identifiers unfindable (they are looked up by digest), so
    production sets ``XINYONG_HMAC_KEY`` from its secret store.
    """
    env = os.environ.get("XINYONG_HMAC_KEY")
    if env:
        return env.encode()
    path = var_dir / "hmac.key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32).hex().encode())
    return path.read_bytes().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    var_dir = _var_dir()
    url = os.environ.get("XINYONG_DATABASE_URL") or f"sqlite:///{var_dir / 'xinyong.db'}"
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return Settings(
        database_url=url,
        var_dir=var_dir,
        calendar_dir=Path(os.environ.get("XINYONG_CALENDAR_DIR", var_dir / "calendar")),
        hmac_key=_hmac_key(var_dir),
        today=os.environ.get("XINYONG_TODAY") or None,
        import_chunk_rows=int(os.environ.get("XINYONG_IMPORT_CHUNK_ROWS", "5000")),
    )


def reset_settings() -> None:
    get_settings.cache_clear()
