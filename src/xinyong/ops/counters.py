"""The in-process Prometheus counters the request path increments (``prometheus-client``): requests and their
latency, inquiries by decision and article. Kept apart from ``ops.metrics`` (the scrape side) so that a domain
that counts imports nothing but the client library.

Each labelled child is looked up once and kept (``prometheus_client``'s ``labels()`` costs about as much as
the increment): what an inquiry or a request adds is a dictionary look-up and an increment.

Per process unless ``PROMETHEUS_MULTIPROC_DIR`` is set before the process starts (``xinyong serve --workers
N`` sets it for its workers): then every process writes its values to files there and ``/metrics`` sums them
(docs/deployment.md).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Latency buckets (seconds): an inquiry answers in about a millisecond; a report or an import request in more.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Histogram("xinyong_http_request_duration_seconds",
                     "HTTP requests by method, route template and status, and how long they took "
                     "(the _count series is the number of requests)",
                     ["method", "route", "status"], buckets=BUCKETS)
INQUIRIES = Counter("xinyong_inquiries_total",
                    "Inquiries logged by this process (every read path's log row, Art. 34), by decision "
                    "(allow, deny, notfound) and the article the decision cites",
                    ["decision", "article"])

_requests: dict[tuple[str, str, int], object] = {}
_inquiries: dict[tuple[str, str], object] = {}


def request(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    child = _requests.get(key)
    if child is None:
        child = _requests[key] = REQUESTS.labels(method, route, str(status))
    child.observe(seconds)  # type: ignore[attr-defined]


def inquiry(decision: str, article: str | None) -> None:
    key = (decision, article or "")
    child = _inquiries.get(key)
    if child is None:
        child = _inquiries[key] = INQUIRIES.labels(decision, article or "")
    child.inc()  # type: ignore[attr-defined]
