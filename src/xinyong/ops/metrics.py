"""Prometheus metrics at ``GET /metrics``: the request middleware, and what the database says at scrape time.

In-process (``ops.counters``, incremented on the request path): requests and latency by method, route
template and status (:class:`MetricsMiddleware`, a plain ASGI middleware: a clock reading on either side and
one histogram observation); inquiries by decision and article (``inquiry.service.log``).

From the database, computed when scraped (:class:`DatabaseCollector`; each an indexed look-up or an
aggregate over a small table, the same answer whichever process is scraped): rows imported, rejected and
already present (sums over ``batch``, so imports run by ``xinyong worker`` or the console count too), batches
by status, objection steps overdue (Art. 36), deletions pending and late (Art. 37), seconds since the last
seal and whether the seal is late, the calendar's next-year warning, whether the platform is ready.

With several server processes set ``PROMETHEUS_MULTIPROC_DIR`` (``xinyong serve --workers N`` does, under
the var directory, emptied at start): the counters are then summed over every process, dead ones included,
by ``prometheus_client.multiprocess``. Without it each process reports its own counters, and a scrape that
reaches one worker sees only that worker's requests (the database metrics are whole either way).

``/metrics`` names route templates, statuses, articles and counts: nothing about a subject. It answers
without a token unless ``XINYONG_METRICS_TOKEN`` is set; production serves it only to the internal network
(docs/deployment.md: the reverse proxy refuses it from outside).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable
from time import perf_counter

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .. import __version__
from ..clock import now, today
from ..config import env
from . import counters, health

METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
UNMATCHED = "unmatched"  # no route: the path itself is never a label (unbounded, and it could hold anything)


class MetricsMiddleware:
    """Times every HTTP request and counts it by method, route template and status."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = perf_counter()
        status = 500
        root = scope.get("root_path", "")

        async def send_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope["method"]
            counters.request(method if method in METHODS else "other", route_template(scope, root), status,
                             perf_counter() - start)


def route_template(scope, root: str = "") -> str:
    """The template of the route that answered (``/api/v1/batches/{batch_id}``), never the path itself."""
    context = (scope.get("fastapi") or {}).get("effective_route_context")  # FastAPI: with its routers' prefixes
    template = getattr(context, "path_format", None)
    if template:
        return template
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return root + route.path
    mounted = scope.get("root_path", "")
    if mounted != root:  # a mounted application (the stylesheets): its prefix
        return mounted + "/{path}"
    return UNMATCHED


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def prepare_multiprocess(directory) -> None:
    """Before starting several server processes: a fresh directory for their counters, named in the
    environment they inherit (``prometheus_client`` reads it when it is first imported in each)."""
    from pathlib import Path

    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)


def token_ok(authorization: str | None) -> bool:
    """``XINYONG_METRICS_TOKEN`` unset: anyone who reaches /metrics may read it (the proxy limits who does)."""
    expected = env("XINYONG_METRICS_TOKEN")
    if not expected:
        return True
    given = (authorization or "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode(), expected.encode())


class DatabaseCollector(Collector):
    """The database's metrics, read when scraped."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterable[Metric]:
        from ..models import Batch, ListEntry, ObjectionStep, RecordAction

        day, moment = today(), now()
        info = GaugeMetricFamily("xinyong_info", "The platform's version", labels=["version"])
        info.add_metric([__version__], 1)
        yield info
        state = health.check(self.engine, with_details=False)
        up = GaugeMetricFamily("xinyong_database_up", "1 when the database answered this scrape")
        up.add_metric([], 1 if state.database.get("reachable") else 0)
        yield up
        ready = GaugeMetricFamily("xinyong_ready", "1 when GET /readyz would answer 200 (reasons in /readyz)")
        ready.add_metric([], 1 if state.ready else 0)
        yield ready
        calendar = GaugeMetricFamily("xinyong_calendar_next_year_missing",
                                     "1 from ops.calendar_warning_days before 1 January while the next year's "
                                     "working days are not known (xinyong law calendar add FILE)")
        calendar.add_metric([], 1 if health.calendar_warning(day) else 0)
        yield calendar
        if not state.database.get("revision"):
            return
        try:
            with self.engine.connect() as conn:
                sums = conn.execute(select(func.coalesce(func.sum(Batch.accepted), 0),
                                           func.coalesce(func.sum(Batch.rejected), 0),
                                           func.coalesce(func.sum(Batch.already_present), 0))).one()
                by_status = conn.execute(select(Batch.status, func.count()).group_by(Batch.status)).all()
                overdue = conn.execute(select(func.count()).select_from(ObjectionStep)
                                       .where(ObjectionStep.done_at.is_(None), ObjectionStep.due_on < day)).scalar()
                pending = conn.execute(select(RecordAction.due_on)
                                       .where(RecordAction.action.in_(("revoke", "delete")),
                                              RecordAction.done_at.is_(None))).scalars().all()
                revoked_entries = conn.execute(select(ListEntry.removed_on)
                                               .where(ListEntry.status == "revoked")).scalars().all()
                seal = health.seal_state(conn, day)
        except SQLAlchemyError:
            return
        rows = CounterMetricFamily("xinyong_import_rows", "Rows of submitted files by outcome (all batches)",
                                   labels=["outcome"])
        for outcome, n in zip(("accepted", "rejected", "already_present"), sums, strict=True):
            rows.add_metric([outcome], int(n))
        yield rows
        batches = GaugeMetricFamily("xinyong_batches", "Batches by status", labels=["status"])
        for status, n in sorted(by_status):
            batches.add_metric([status], n)
        yield batches
        steps = GaugeMetricFamily("xinyong_objection_steps_overdue",
                                  "Objection steps past their deadline and not done (Art. 36)")
        steps.add_metric([], overdue or 0)
        yield steps
        late_entries = sum(1 for revoked_on in revoked_entries if _entry_late(revoked_on, day))
        late = sum(1 for due in pending if due is not None and day > due) + late_entries
        pend = GaugeMetricFamily("xinyong_purges_pending",
                                 "Revoked records and list entries waiting for xinyong purge (Art. 37)")
        pend.add_metric([], len(pending) + len(revoked_entries))
        yield pend
        purges_late = GaugeMetricFamily("xinyong_purges_late",
                                        "Of them, those past their Art. 37 deadline: the purge is late")
        purges_late.add_metric([], late)
        yield purges_late
        since = GaugeMetricFamily("xinyong_audit_seconds_since_seal",
                                  "Seconds since the last checkpoint was sealed (absent: never sealed)")
        seconds = seal.seconds_since_seal(moment)
        if seconds is not None:
            since.add_metric([], seconds)
        yield since
        waiting = GaugeMetricFamily("xinyong_audit_oldest_unsealed_seconds",
                                    "Age of the oldest audit event no checkpoint covers (0: all sealed)")
        waiting.add_metric([], 0.0 if seal.oldest_unsealed_at is None
                           else max(0.0, (moment - seal.oldest_unsealed_at).total_seconds()))
        yield waiting
        seal_late = GaugeMetricFamily("xinyong_audit_seal_late",
                                      "1 when an event has waited longer than ops.seal_late_minutes for a seal")
        seal_late.add_metric([], 1 if seal.late(moment) else 0)
        yield seal_late


def _entry_late(revoked_on, day) -> bool:
    if revoked_on is None:
        return False
    from ..listing.purge import deletion_deadline

    due = deletion_deadline(revoked_on)["due_on"]
    return due is not None and day.isoformat() > due


def render(engine: Engine) -> tuple[bytes, str]:
    """The exposition text: this process's (or every process's) counters, then the database's metrics."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        process = generate_latest(registry)
    else:
        process = generate_latest(REGISTRY)
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector(engine))
    return process + generate_latest(database), CONTENT_TYPE_LATEST

