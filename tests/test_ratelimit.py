"""Limits against abuse (Art. 19(1)): the portal per client address, the API per token, failed token attempts
per address and per token prefix; 429 with Retry-After before anything is served (so nothing served goes
unlogged, Art. 34); the client's address through trusted proxies only; the state shared in Redis.

The limits are small settings here; the limiter's clock is pinned (``clock``), so that windows open and
close when the test says, never with the wall clock.
"""

from __future__ import annotations

import time
import types
import uuid

import limits.storage.memory
import limits.strategies
import pytest
from fastapi.testclient import TestClient

from .portal.support import PortalClient
from sqlalchemy import func, select

from xinyong import config
from xinyong.app import create_app
from xinyong.db import session_scope
from xinyong.errors import InvalidInput
from xinyong.guard import limiter as guard_limiter
from xinyong.guard.limiter import Limiter, check_workers
from xinyong.guard.rules import RateLimited, within_rate_limit
from xinyong.models import AuditEvent, InquiryLog, Subject

from .factories import CF_COLUMNS, cf_row, to_csv
from .helpers import add_provider, run_file

REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = pytest.mark.article("Art. 19(1)")
# The limiter does not depend on the database: what only counts runs on SQLite; what is logged, on both.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class Clock:
    def __init__(self) -> None:
        self.t = 1_750_000_000.0

    def time(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    fake = types.SimpleNamespace(time=c.time, monotonic=time.monotonic, perf_counter=time.perf_counter,
                                 sleep=time.sleep)
    for module in (limits.storage.memory, limits.strategies, guard_limiter):
        monkeypatch.setattr(module, "time", fake)
    return c


def limited(monkeypatch, engine, *, address: str = "203.0.113.5", **env: str) -> TestClient:
    """An app with the given limit settings (XINYONG_RATE_*), seen from ``address``."""
    for name, value in env.items():
        monkeypatch.setenv(f"XINYONG_{name.upper()}", value)
    config.reset_settings()
    return PortalClient(create_app(engine), client=(address, 50000))


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _count(engine, model, *where) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _org(engine, tmp_path) -> tuple[str, int]:
    actor, token = add_provider(engine)
    assert run_file(engine, actor, tmp_path, to_csv([cf_row(1)], CF_COLUMNS)).accepted == 1
    with session_scope(engine) as s:
        return token, s.scalar(select(Subject.id))


def _assert_rate_limited(res, *, html: bool = False) -> int:
    assert res.status_code == 429
    retry = int(res.headers["Retry-After"])
    assert retry >= 1
    if html:
        assert "第十九条" in res.text and "请稍后再试" in res.text
    else:
        body = res.json()
        assert body["error"] == "rate_limited" and body["article"] == "Art. 19(1)"
        assert "信息安全管理机制" in body["article_text"]
    return retry


# --- the portal ----------------------------------------------------------------------------------


def test_portal_search_and_subject_pages_per_address(monkeypatch, engine, tmp_path, clock):
    _token, subject_id = _org(engine, tmp_path)
    client = limited(monkeypatch, engine, rate_portal="3/minute")
    assert client.post("/search", data={"q": "上海测试"}).status_code == 200
    assert client.get(f"/subjects/{subject_id}").status_code == 200
    assert client.post("/search", data={"q": "上海测试"}).status_code == 200
    logged = _count(engine, InquiryLog, InquiryLog.channel == "portal")
    assert logged == 1
    # the fourth view from this address: refused before it is served, so nothing is logged for it
    assert _assert_rate_limited(client.get(f"/subjects/{subject_id}"), html=True) == 60
    _assert_rate_limited(client.post("/search", data={"q": "上海测试"}), html=True)
    assert _count(engine, InquiryLog, InquiryLog.channel == "portal") == logged
    # the home page and the articles are not limited; another address has its own count
    assert client.get("/").status_code == 200 and client.get("/articles/19").status_code == 200
    other = PortalClient(client.app, client=("198.51.100.7", 50000))
    assert other.get(f"/subjects/{subject_id}").status_code == 200
    clock.advance(30)
    assert int(client.get(f"/subjects/{subject_id}").headers["Retry-After"]) == 30
    clock.advance(31)  # the window has passed
    assert client.get(f"/subjects/{subject_id}").status_code == 200
    assert _count(engine, InquiryLog, InquiryLog.channel == "portal") == logged + 2


# --- the API -------------------------------------------------------------------------------------


@sqlite_only
def test_random_tokens_are_locked_out_after_the_failure_limit(database_url, monkeypatch, engine, clock):
    """The issue's trial: 2,000 random tokens got 2,000 × 401. Now the fifth failure is the last."""
    token = add_provider(engine)[1]
    client = limited(monkeypatch, engine, rate_auth_failures="5/15 minutes")
    statuses = [client.get("/api/v1/catalog", headers=bearer(f"xy_{uuid.UUID(int=n).hex}")).status_code
                for n in range(30)]
    assert statuses == [401] * 5 + [429] * 25
    assert _count(engine, AuditEvent, AuditEvent.action == "auth:failed") == 5  # the trace is bounded too
    res = client.get("/api/v1/catalog", headers=bearer("xy_another"))
    assert _assert_rate_limited(res) == 15 * 60
    # the address is locked out, a valid token included (its check would be the oracle); elsewhere it works
    assert client.get("/api/v1/catalog", headers=bearer(token)).status_code == 429
    elsewhere = TestClient(client.app, client=("198.51.100.7", 50000))
    assert elsewhere.get("/api/v1/catalog", headers=bearer(token)).status_code == 200
    clock.advance(15 * 60 + 1)
    assert client.get("/api/v1/catalog", headers=bearer(token)).status_code == 200


@sqlite_only
def test_missing_tokens_count_against_the_address(database_url, monkeypatch, engine, clock):
    client = limited(monkeypatch, engine, rate_auth_failures="3/hour")
    assert [client.get("/api/v1/catalog").status_code for _ in range(5)] == [401, 401, 401, 429, 429]
    # no token was presented: nothing to trace (a missing token names nobody)
    assert _count(engine, AuditEvent, AuditEvent.action == "auth:failed") == 0


@sqlite_only
def test_failed_attempts_on_one_token_prefix_from_many_addresses(database_url, monkeypatch, engine, clock):
    """Guessing the rest of one token from many addresses (through the trusted proxy) is locked out by the
    prefix, while the other tokens from those addresses are not."""
    token = add_provider(engine)[1]
    client = limited(monkeypatch, engine, address="10.0.0.2", rate_auth_failures="4/hour",
                     trusted_proxies="10.0.0.0/8")
    prefix = token[:11]
    statuses = [client.get("/api/v1/catalog", headers={**bearer(prefix + f"guess{n:040d}"),
                                                     "X-Forwarded-For": f"192.0.2.{n}"}).status_code
                for n in range(1, 8)]
    assert statuses == [401] * 4 + [429] * 3
    # the real token shares the prefix: locked out too, from a fresh address …
    fresh = {"X-Forwarded-For": "192.0.2.100"}
    assert client.get("/api/v1/catalog", headers={**bearer(token), **fresh}).status_code == 429
    # … while another prefix from that address is served (and a wrong one merely fails)
    assert client.get("/api/v1/catalog", headers={**bearer("xy_zzzzzzzzwrong"), **fresh}).status_code == 401


def test_api_requests_per_token_and_inquiries_not_served_over_the_limit(monkeypatch, engine, tmp_path, clock):
    token, _subject = _org(engine, tmp_path)
    client = limited(monkeypatch, engine, rate_api="3/minute")
    other_token = add_provider(engine, uscc=_other_uscc())[1]
    body = {"subject": cf_row(1)["CF_XDR_SHXYM"], "purpose": "permit"}
    served = [client.post("/api/v1/inquiries", headers=bearer(token), json=body).status_code for _ in range(3)]
    assert 429 not in served
    before = _count(engine, InquiryLog)
    res = client.post("/api/v1/inquiries", headers=bearer(token), json=body)
    assert _assert_rate_limited(res) == 60
    assert _count(engine, InquiryLog) == before  # refused before the inquiry: nothing answered, nothing logged
    assert client.get("/api/v1/catalog", headers=bearer(other_token)).status_code == 200  # per token
    clock.advance(61)
    assert client.get("/api/v1/catalog", headers=bearer(token)).status_code == 200


def _other_uscc() -> str:
    from .factories import OTHER_PROVIDER_USCC

    return OTHER_PROVIDER_USCC


@sqlite_only
def test_limits_off(database_url, monkeypatch, engine):
    client = limited(monkeypatch, engine, rate_portal="off", rate_api="off", rate_auth_failures="off")
    assert not client.app.state.limiter.enabled
    assert {client.get("/api/v1/catalog", headers=bearer("xy_x")).status_code for _ in range(30)} == {401}


@sqlite_only
def test_a_limit_that_does_not_parse_is_refused_at_start(database_url, monkeypatch, engine):
    monkeypatch.setenv("XINYONG_RATE_API", "lots")
    config.reset_settings()
    with pytest.raises(ValueError, match="XINYONG_RATE_API"):
        create_app(engine)


# --- the client's address ------------------------------------------------------------------------


def _scope(peer: str, *forwarded: str) -> dict:
    return {"client": (peer, 1234), "headers": [(b"x-forwarded-for", f.encode()) for f in forwarded]}


def _limiter(**over) -> Limiter:
    settings = config.get_settings()
    return Limiter(type(settings)(**{**settings.__dict__, **over}))


def test_client_address_through_trusted_proxies_only():
    none = _limiter()
    # no trusted proxy: the header is never read (a government NAT's clients cannot forge their way round)
    assert none.client_address(_scope("203.0.113.9", "1.2.3.4")) == "203.0.113.9"
    lim = _limiter(trusted_proxies=("10.0.0.0/8", "2001:db8:ffff::/48"))
    assert lim.client_address(_scope("203.0.113.9", "1.2.3.4")) == "203.0.113.9"  # peer not a proxy
    # through the proxy: the right-most hop that is not a proxy; what the client wrote further left is ignored
    assert lim.client_address(_scope("10.0.0.2", "6.6.6.6, 198.51.100.4")) == "198.51.100.4"
    assert lim.client_address(_scope("10.0.0.2", "6.6.6.6", "198.51.100.4, 10.1.1.1")) == "198.51.100.4"
    assert lim.client_address(_scope("10.0.0.2", "garbage")) == "10.0.0.2"
    assert lim.client_address(_scope("10.0.0.2")) == "10.0.0.2"
    # IPv6 clients count by their /64 (one host holds it whole); mapped IPv4 as IPv4
    assert lim.client_address(_scope("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert lim.client_address(_scope("2001:db8:1:2:bbbb::7")) == "2001:db8:1:2::/64"
    assert lim.client_address(_scope("2001:db8:ffff::1", "2001:db8:9:9::5")) == "2001:db8:9:9::/64"
    assert lim.client_address(_scope("::ffff:198.51.100.4")) == "198.51.100.4"


# --- the rule, and serving with several workers --------------------------------------------------


def test_the_refusal_names_the_limit_and_the_wait():
    within_rate_limit(True, what="requests", limit="3 per minute", retry_after=0)
    with pytest.raises(RateLimited) as exc:
        within_rate_limit(False, what="requests", limit="3 per minute", retry_after=12.2)
    assert exc.value.status == 429 and exc.value.retry_after == 13 and exc.value.article == "Art. 19(1)"
    assert "3 per minute" in exc.value.message and "13 s" in exc.value.message


def test_the_memory_store_counts_without_starting_threads_and_drops_ended_windows(monkeypatch, clock):
    started: list = []

    class CountingTimer(limits.storage.memory.threading.Timer):
        def start(self) -> None:
            started.append(self)
            super().start()

    store = guard_limiter.CounterStore()
    monkeypatch.setattr(limits.storage.memory.threading, "Timer", CountingTimer)
    strategy = limits.strategies.FixedWindowRateLimiter(store)
    item = guard_limiter.parse_limit("3/minute", "XINYONG_RATE_API")
    assert [strategy.hit(item, "api-token", "a") for _ in range(4)] == [True, True, True, False]
    for n in range(500):
        strategy.hit(item, "api-address", str(n))
        clock.advance(0.01)
    assert started == []  # limits' own MemoryStorage starts a Timer thread on most of these hits
    clock.advance(61)
    assert strategy.hit(item, "api-token", "a")  # a new window
    assert set(store.storage) == {item.key_for("api-token", "a")}  # the ended windows were swept
    assert strategy.get_window_stats(item, "api-token", "a").remaining == 2


def test_several_workers_need_the_shared_store():
    settings = config.get_settings()
    many = type(settings)(**{**settings.__dict__, "redis_url": None})
    check_workers(1, many)
    with pytest.raises(InvalidInput, match="XINYONG_REDIS_URL"):
        check_workers(4, many)
    check_workers(4, type(settings)(**{**settings.__dict__, "redis_url": REDIS_URL}))
    off = type(settings)(**{**settings.__dict__, "redis_url": None, "rate_portal": "off", "rate_api": "off",
                            "rate_auth_failures": "off"})
    check_workers(4, off)


# --- Redis: the state several workers share ------------------------------------------------------


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.skipif(not _redis_available(), reason="no Redis at 127.0.0.1:6379")
@sqlite_only
def test_two_workers_count_together_in_redis(database_url, monkeypatch, engine):
    import redis

    prefix = f"xinyong-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(guard_limiter, "KEY_PREFIX", prefix)
    a = limited(monkeypatch, engine, redis_url=REDIS_URL, rate_auth_failures="4/hour", rate_api="5/hour")
    b = TestClient(create_app(engine), client=("203.0.113.5", 50000))  # a second worker: its own app
    assert a.app.state.limiter.shared and b.app.state.limiter.shared
    try:
        statuses = [(a if n % 2 else b).get("/api/v1/catalog", headers=bearer(f"xy_w{n}")).status_code
                    for n in range(6)]
        assert statuses == [401, 401, 401, 401, 429, 429]
        token = add_provider(engine)[1]
        other = ("198.51.100.7", 50000)
        a2, b2 = TestClient(a.app, client=other), TestClient(b.app, client=other)
        assert [(a2 if n % 2 else b2).get("/api/v1/catalog", headers=bearer(token)).status_code
                for n in range(6)] == [200] * 5 + [429]
        keys = redis.Redis.from_url(REDIS_URL).keys(f"{prefix}*")
        assert keys and not any(token.encode() in k or token[:11].encode() in k for k in keys)
    finally:
        r = redis.Redis.from_url(REDIS_URL)
        for key in r.scan_iter(f"{prefix}*"):
            r.delete(key)


@sqlite_only
def test_a_store_outage_serves_unlimited(database_url, monkeypatch, engine):
    """Redis down: requests are served (a warning is logged), never refused for the store's sake."""
    client = limited(monkeypatch, engine, redis_url="redis://127.0.0.1:1/0", rate_api="1/hour")
    assert [client.get("/api/v1/catalog").status_code for _ in range(3)] == [401] * 3
