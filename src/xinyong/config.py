"""Settings, read from the environment (``XINYONG_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Variable:
    """One ``XINYONG_*`` setting: what it means and what holds when it is unset (docs/deployment.md lists
    every one; ``tests/ops/test_settings.py`` holds src/, this table and the document together)."""

    name: str
    default: str
    meaning: str
    secret: bool = False  # never printed (``xinyong`` shows only whether it is set)


def _variables(*items: Variable) -> dict[str, Variable]:
    return {v.name: v for v in items}


# Every XINYONG_* name the platform reads. Read them with ``env(name)`` (live: a test or an operator's
# shell may change one between calls) or through ``get_settings()`` (cached); nothing else in src/ reads
# the environment for them — except the law kernel (``law/calendar.py``: XINYONG_CALENDAR_DIR,
# XINYONG_VAR_DIR), which imports nothing else of xinyong and computes the same directory as
# ``Settings.calendar_dir``.
VARIABLES: dict[str, Variable] = _variables(
    # where things are
    Variable("XINYONG_DATABASE_URL", "sqlite:///$XINYONG_VAR_DIR/xinyong.db",
             "SQLAlchemy URL of the database; postgresql://… in production (options=-csearch_path%3DS for a schema)",
             secret=True),
    Variable("XINYONG_DB_POOL_SIZE", "10", "PostgreSQL connections each process keeps open (10 more are opened "
             "and closed again under bursts); the server's max_connections must hold workers × (this + 10)"),
    Variable("XINYONG_VAR_DIR", "./var", "the platform's files: SQLite database, stored batches, keys, calendar years"),
    Variable("XINYONG_CALENDAR_DIR", "$XINYONG_VAR_DIR/calendar",
             "operator-supplied working-day years (xinyong law calendar add FILE)"),
    # keys and secrets
    Variable("XINYONG_HMAC_KEY", "generated once as $XINYONG_VAR_DIR/hmac.key",
             "key of the identifier digests (HMAC); from a secret store in production", secret=True),
    Variable("XINYONG_DATA_KEY_FILE", "$XINYONG_VAR_DIR/keys/data-keys.json (created on first use)",
             "the data key ring (encryption at rest: docs/keys.md)"),
    Variable("XINYONG_DATA_KEY", "unset", "instead of a key ring file, one data key from a secret store (base64)",
             secret=True),
    Variable("XINYONG_DATA_CIPHER", "aes", "cipher of new data keys: aes (AES-256-GCM) or sm4 (SM4-GCM)"),
    Variable("XINYONG_AUDIT_KEY_FILE", "$XINYONG_VAR_DIR/keys/audit/ed25519.key (generated)",
             "the audit checkpoints' Ed25519 signing key (PKCS#8 PEM)"),
    Variable("XINYONG_AUDIT_PUBLIC_KEY_FILE", "ed25519.pub beside the signing key",
             "the public key checkpoints are verified with"),
    Variable("XINYONG_AUDIT_EXPORT_DIR", "$XINYONG_VAR_DIR/audit/checkpoints",
             "where signed checkpoints are exported (never the signing key's directory)"),
    Variable("XINYONG_PURGE_JOURNAL_DIR", "$XINYONG_VAR_DIR/audit/purges",
             "the journal of Art. 37 deletions a restore replays (xinyong restore); keep it beside the checkpoints"),
    # the clock and the console
    Variable("XINYONG_TODAY", "unset (the real date)", "pins the clock (demos and tests): a date or a moment"),
    Variable("XINYONG_CONSOLE_REASON", "unset", "the reason recorded when the console acts for a unit"),
    Variable("XINYONG_TOKEN", "unset", "the token the console acts as for the supervisor's acts", secret=True),
    # imports and the worker
    Variable("XINYONG_IMPORT_CHUNK_ROWS", "5000", "rows per import chunk (one transaction each)"),
    Variable("XINYONG_BATCH_LEASE_SECONDS", "30", "a running batch's lease; lapsed, the batch is interrupted"),
    Variable("XINYONG_WORKER_POLL_SECONDS", "2", "how often xinyong worker looks for queued batches"),
    Variable("XINYONG_WORKER_RETRY_SECONDS", "300", "how long a failed scheduled job waits before it runs again"),
    Variable("XINYONG_SCHEDULE_PURGE", "see docs/operations.md", "when xinyong worker runs the purge"),
    Variable("XINYONG_SCHEDULE_SEAL", "see docs/operations.md", "when xinyong worker seals the audit log"),
    Variable("XINYONG_SCHEDULE_REMINDERS", "see docs/operations.md", "when xinyong worker lists overdue steps"),
    Variable("XINYONG_SCHEDULE_RETENTION", "see docs/operations.md", "when xinyong worker applies retention"),
    Variable("XINYONG_SCHEDULE_MATERIALS", "see docs/operations.md",
             "when xinyong worker deletes subjects' materials past their retention"),
    # import input bounds (record.reading), enforced while reading
    Variable("XINYONG_IMPORT_MAX_COLUMNS", "1000", "most columns an import file may have"),
    Variable("XINYONG_IMPORT_MAX_FIELD_BYTES", "131072", "most bytes one field of an import file may hold"),
    Variable("XINYONG_IMPORT_MAX_LINE_BYTES", "1048576", "most bytes one row (or JSON line) of an import file may hold"),
    # the exchange with other platforms (xinyong.exchange)
    Variable("XINYONG_PLATFORM_REGION", "CN-SH", "this platform's region (ISO 3166-2): another province's platform "
             "is in another, a system of the city's in this one"),
    # upload limits of the service (not legal numbers)
    Variable("XINYONG_MATERIALS_MAX_MB", "10", "most megabytes one file of objection evidence or restoration materials may have"),
    Variable("XINYONG_UPLOAD_MAX_MB", "2", "most megabytes an uploaded list of subjects (a unit's check on the portal) may have"),
    # limits against abuse (xinyong.guard, Art. 19(1)): "N/period" ("60/minute", "10/15 minutes") or "off"
    Variable("XINYONG_RATE_PORTAL", "60/minute", "anonymous portal searches and subject pages, per client address"),
    Variable("XINYONG_RATE_API", "1200/minute", "API requests per token (per client address without one)"),
    Variable("XINYONG_RATE_AUTH_FAILURES", "10/15 minutes", "failed token attempts, per address and per token prefix"),
    Variable("XINYONG_REDIS_URL", "unset (limits kept in memory, per process)",
             "Redis for the rate limits' shared state: required with more than one server worker", secret=True),
    Variable("XINYONG_TRUSTED_PROXIES", "unset (the socket peer is the client)",
             "CIDRs of the reverse proxies whose X-Forwarded-For names the client, comma-separated"),
    # reports and grades
    Variable("XINYONG_REPORT_ISSUER", "上海市公共信用信息服务中心", "the issuer named on credit reports"),
    Variable("XINYONG_REPORT_ISSUER_EN", "Shanghai Public Credit Information Service Center",
             "the issuer's English name on credit reports"),
    Variable("XINYONG_REPORT_FEE_YUAN", "0", "fee of a report beyond the free ones (the regulation sets none)"),
    Variable("XINYONG_REPORT_FONT", "the first CJK TrueType font found (fonts-wqy-zenhei)",
             "the font PDF reports embed: a .ttf/.ttc path, optionally path#index"),
    Variable("XINYONG_GRADING_RULES", "the packaged grading table", "another published grading table (YAML)"),
    Variable("XINYONG_GRADING_NATURAL_PERSONS_BASIS", "unset (natural persons are not graded)",
             "the legal basis under which natural persons are graded (Art. 23)"),
    # operations
    Variable("XINYONG_METRICS_TOKEN", "unset (/metrics answers without a token)",
             "when set, GET /metrics requires Authorization: Bearer <token>", secret=True),
    Variable("XINYONG_PUBLIC_URL", "unset (the address the request came to)",
             "the platform's public address (https://…), printed in reports' QR codes to /verify"),
    # notices to subjects by e-mail (xinyong.notice.mail): only "a letter waits in the portal"
    Variable("XINYONG_SMTP_HOST", "unset (no e-mail is sent; the letters wait in the portal)",
             "the SMTP server that sends subjects' notice e-mails"),
    Variable("XINYONG_SMTP_PORT", "587", "its port"),
    Variable("XINYONG_SMTP_STARTTLS", "true", "STARTTLS before signing in and sending (true | false)"),
    Variable("XINYONG_SMTP_USER", "unset (no sign-in)", "the SMTP account"),
    Variable("XINYONG_SMTP_PASSWORD", "unset", "the SMTP account's password", secret=True),
    Variable("XINYONG_SMTP_FROM", "unset (XINYONG_SMTP_USER)", "the notice e-mails' From address"),
    Variable("XINYONG_SCHEDULE_NOTICES", "see docs/operations.md", "when xinyong worker sends queued notice e-mails"),
    # the portal's sign-in (xinyong.portal.websession)
    Variable("XINYONG_SESSION_IDLE_MINUTES", "15", "a portal session unused this long ends (sign in again)"),
    Variable("XINYONG_SESSION_MAX_HOURS", "8", "a portal session ends this long after sign-in, used or not"),
)


def env(name: str, default: str | None = None) -> str | None:
    """The value of the declared setting ``name`` now (``default`` when unset). Refuses an undeclared name:
    a new setting is added to ``VARIABLES`` (and docs/deployment.md) first."""
    if name not in VARIABLES:
        raise KeyError(f"{name} is not a declared setting: add it to xinyong.config.VARIABLES")
    return os.environ.get(name, default)


def _var_dir() -> Path:
    return Path(os.environ.get("XINYONG_VAR_DIR", "var"))


def var_dir() -> Path:
    """``XINYONG_VAR_DIR`` now, without the rest of the settings (which create the HMAC key's file when it is
    missing: a restore puts the backed-up key there first)."""
    return _var_dir()


@dataclass(frozen=True)
class Settings:
    database_url: str
    var_dir: Path
    calendar_dir: Path
    hmac_key: bytes
    today: str | None = None
    import_chunk_rows: int = 5000
    # the import queue and the worker (record.queue, xinyong.worker)
    batch_lease_seconds: float = 30.0
    worker_poll_seconds: float = 2.0
    worker_retry_seconds: float = 300.0
    schedules: dict = field(default_factory=dict)  # job name -> schedule text ("daily 02:00", "every 1h", "off")
    # limits against abuse (xinyong.guard, Art. 19(1)): "N/period" ("60/minute", "10/15 minutes"), "off"
    rate_portal: str = "60/minute"  # anonymous portal searches and subject pages, per client address
    rate_api: str = "1200/minute"  # API requests per token (per client address without one)
    rate_auth_failures: str = "10/15 minutes"  # failed token attempts, per address and per token prefix
    redis_url: str | None = None  # the limits' shared state (required with more than one server worker)
    trusted_proxies: tuple[str, ...] = ()  # CIDRs whose X-Forwarded-For names the client
    # import input bounds (record.reading), enforced while reading
    import_max_columns: int = 1000
    import_max_field_bytes: int = 131072
    import_max_line_bytes: int = 1048576  # one row (all of its physical lines), or one JSON line
    # this platform's own region (ISO 3166-2): the exchange tells another province's platform from the city's systems
    platform_region: str = "CN-SH"
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
        batch_lease_seconds=float(os.environ.get("XINYONG_BATCH_LEASE_SECONDS", "30")),
        worker_poll_seconds=float(os.environ.get("XINYONG_WORKER_POLL_SECONDS", "2")),
        worker_retry_seconds=float(os.environ.get("XINYONG_WORKER_RETRY_SECONDS", "300")),
        schedules={name: text for name, text in (
            ("purge", os.environ.get("XINYONG_SCHEDULE_PURGE")),
            ("seal", os.environ.get("XINYONG_SCHEDULE_SEAL")),
            ("reminders", os.environ.get("XINYONG_SCHEDULE_REMINDERS")),
            ("retention", os.environ.get("XINYONG_SCHEDULE_RETENTION")),
            ("materials", os.environ.get("XINYONG_SCHEDULE_MATERIALS")),
            ("notices", os.environ.get("XINYONG_SCHEDULE_NOTICES")),
        ) if text},
        rate_portal=os.environ.get("XINYONG_RATE_PORTAL", "60/minute"),
        rate_api=os.environ.get("XINYONG_RATE_API", "1200/minute"),
        rate_auth_failures=os.environ.get("XINYONG_RATE_AUTH_FAILURES", "10/15 minutes"),
        redis_url=os.environ.get("XINYONG_REDIS_URL") or None,
        trusted_proxies=tuple(p.strip() for p in os.environ.get("XINYONG_TRUSTED_PROXIES", "").split(",")
                              if p.strip()),
        import_max_columns=int(os.environ.get("XINYONG_IMPORT_MAX_COLUMNS", "1000")),
        import_max_field_bytes=int(os.environ.get("XINYONG_IMPORT_MAX_FIELD_BYTES", "131072")),
        import_max_line_bytes=int(os.environ.get("XINYONG_IMPORT_MAX_LINE_BYTES", "1048576")),
        platform_region=(env("XINYONG_PLATFORM_REGION") or "CN-SH").strip().upper(),
    )


def reset_settings() -> None:
    get_settings.cache_clear()
