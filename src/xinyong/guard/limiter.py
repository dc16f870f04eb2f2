"""The rate limits (Art. 19(1)), kept by ``limits`` (fixed-window counters: one counter a key and window,
the cheapest of its strategies — about 5 µs a hit in memory; a burst may reach twice a limit across a
window's edge, which bounds abuse just as well).

State is in memory by default (one server process), in Redis when ``XINYONG_REDIS_URL`` is set — which
is required with more than one server worker, or each worker would count on its own. Limits are
settings (``config.Settings.rate_*``): "N/period" in ``limits``' notation ("60/minute", "10/15 minutes"),
or "off".

Keys never hold a token or an address in the clear where a digest will do: a token is named by a keyed
BLAKE2b of it, a token's prefix by a keyed BLAKE2b of its first characters; addresses are keys as such
(IPv6 aggregated to its /64, which one host typically holds whole).

If the shared store fails, requests are served (the limits fail open, with a warning in the log): a
Redis outage must not stop inquiries; the failure counters resume when it is back.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from ..config import Settings, get_settings

log = logging.getLogger("xinyong.guard")

KEY_PREFIX = "xinyong"  # the store's key prefix (tests use one of their own on a shared Redis)
TOKEN_PREFIX_CHARS = 11  # "xy_" and 8 characters: what a failed attempt is counted under (and audited by digest)
_ADDRESS_CACHE_MAX = 4096


class CounterStore(MemoryStorage):
    """``limits``' in-memory store without its expiry thread. ``MemoryStorage.incr`` starts a
    ``threading.Timer`` whenever none is alive, so under load a new thread every 10 ms or so (measured: 947
    threads started for 3,000 inquiries, a few per cent of each request's time on the event loop). Here an
    expired counter is dropped when it is next read (``get``, as the library does) and by a sweep on the
    request path at most once every ``SWEEP_S`` seconds, which bounds the memory as the timer did."""

    SWEEP_S = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._swept_at = time.time()

    def _sweep(self) -> None:
        now = time.time()
        if now - self._swept_at < self.SWEEP_S:
            return
        self._swept_at = now
        for key, at in list(self.expirations.items()):
            if at <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self.get(key)  # drops the counter if its window has ended
        self._sweep()
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
        return self.storage.get(key, 0)

    def decr(self, key: str, amount: int = 1) -> int:
        self.get(key)
        with self.locks[key]:
            self.storage[key] = max(self.storage[key] - amount, 0)
        return self.storage.get(key, 0)


def parse_limit(text: str | None, setting: str) -> RateLimitItem | None:
    """A limit from its setting, or None for "off" / "0" / empty."""
    if text is None or text.strip().lower() in ("", "off", "none", "0", "unlimited"):
        return None
    try:
        return parse(text)
    except ValueError as exc:
        raise ValueError(f"{setting}={text!r} is not a rate limit (e.g. '60/minute', '10/15 minutes', "
                         f"'off'): {exc}") from None


def describe(item: RateLimitItem) -> str:
    n = item.multiples
    unit = item.GRANULARITY.name
    return f"{item.amount} per {unit}" if n == 1 else f"{item.amount} per {n} {unit}s"


@dataclass
class Outcome:
    allowed: bool
    retry_after: float = 0.0


class Limiter:
    """The platform's rate limits: one fixed-window limiter over one store."""

    def __init__(self, settings: Settings | None = None) -> None:
        settings = settings or get_settings()
        self.portal = parse_limit(settings.rate_portal, "XINYONG_RATE_PORTAL")
        self.api = parse_limit(settings.rate_api, "XINYONG_RATE_API")
        self.auth_failures = parse_limit(settings.rate_auth_failures, "XINYONG_RATE_AUTH_FAILURES")
        self.shared = bool(settings.redis_url)
        if settings.redis_url:
            self.storage = storage_from_string(settings.redis_url, key_prefix=KEY_PREFIX,
                                               wrap_exceptions=True)
        else:
            self.storage = CounterStore()
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.trusted = tuple(ipaddress.ip_network(c, strict=False) for c in settings.trusted_proxies)
        key = hashlib.sha256(b"xinyong/guard\n" + settings.hmac_key).digest()
        self._key = key[:32]
        self._trusted_peer: dict[str, bool] = {}
        self._token_keys: dict[str, tuple[str, str]] = {}
        self._aggregate: dict[str, str] = {}
        self._warned_at = 0.0
        # In memory only: the keys that ever failed, so that a request from a key that never did skips
        # the failure counters (a shared store cannot know what the other workers saw).
        self._failed: set[str] = set()

    @property
    def enabled(self) -> bool:
        return any((self.portal, self.api, self.auth_failures))

    # -- keys --------------------------------------------------------------------------------------

    def token_keys(self, token: str) -> tuple[str, str]:
        """(the token's key, its prefix's key): keyed digests, remembered for the tokens seen lately. The
        prefix's digest (its first characters) is what failures are counted and audited by."""
        found = self._token_keys.get(token)
        if found is None:
            found = (hashlib.blake2b(token.encode(), key=self._key, digest_size=12).hexdigest(),
                     hashlib.blake2b(token[:TOKEN_PREFIX_CHARS].encode(), key=self._key, digest_size=8,
                                     person=b"prefix").hexdigest())
            if len(self._token_keys) >= _ADDRESS_CACHE_MAX:
                self._token_keys.clear()
            self._token_keys[token] = found
        return found

    def address_digest(self, address: str) -> str:
        """An address in an audit event: a keyed digest (a person's address is personal information)."""
        return hashlib.blake2b(address.encode(), key=self._key, digest_size=8, person=b"address").hexdigest()

    def client_address(self, scope: dict) -> str:
        """The client's address: the socket peer; through a trusted proxy (``XINYONG_TRUSTED_PROXIES``) the
        right-most ``X-Forwarded-For`` hop that is not itself a trusted proxy. Anything a client writes
        into the header itself (further left) is never believed."""
        client = scope.get("client")
        peer = client[0] if client else "unknown"
        if self.trusted and self._is_trusted(peer):
            hops: list[str] = []
            for name, value in scope.get("headers") or ():
                if name == b"x-forwarded-for":
                    hops.extend(h.strip() for h in value.decode("latin-1").split(","))
            for hop in reversed(hops):
                try:
                    ip = ipaddress.ip_address(hop)
                except ValueError:
                    break  # garbage where our proxy writes: believe no further
                if not any(ip in net for net in self.trusted):
                    peer = str(ip)
                    break
        return self._aggregated(peer)

    def _is_trusted(self, peer: str) -> bool:
        known = self._trusted_peer.get(peer)
        if known is None:
            try:
                ip = ipaddress.ip_address(peer)
                known = any(ip in net for net in self.trusted)
            except ValueError:
                known = False
            if len(self._trusted_peer) >= _ADDRESS_CACHE_MAX:
                self._trusted_peer.clear()
            self._trusted_peer[peer] = known
        return known

    def _aggregated(self, address: str) -> str:
        if ":" not in address:
            return address
        found = self._aggregate.get(address)
        if found is None:
            try:
                ip = ipaddress.ip_address(address)
                if ip.version == 6 and ip.ipv4_mapped is not None:
                    found = str(ip.ipv4_mapped)
                elif ip.version == 6:
                    found = str(ipaddress.ip_network(f"{ip}/64", strict=False))
                else:
                    found = str(ip)
            except ValueError:
                found = address
            if len(self._aggregate) >= _ADDRESS_CACHE_MAX:
                self._aggregate.clear()
            self._aggregate[address] = found
        return found

    # -- counting ----------------------------------------------------------------------------------

    def hit(self, item: RateLimitItem, *key: str) -> Outcome:
        """Count one request; refused when over the limit (the request is then not counted)."""
        try:
            if self.strategy.hit(item, *key):
                return Outcome(True)
            return Outcome(False, self._retry_after(item, key))
        except StorageError as exc:
            self._store_failed(exc)
            return Outcome(True)

    def failed_too_often(self, *key: str) -> Outcome:
        """Has this key (address or token prefix) reached its failed-authentication limit?"""
        item = self.auth_failures
        if item is None or (not self.shared and ":".join(key) not in self._failed):
            return Outcome(True)
        try:
            if self.strategy.test(item, *key):
                return Outcome(True)
            return Outcome(False, self._retry_after(item, key))
        except StorageError as exc:
            self._store_failed(exc)
            return Outcome(True)

    def failed(self, *key: str) -> None:
        """Count one failed authentication under ``key``."""
        item = self.auth_failures
        if item is None:
            return
        if not self.shared:
            if len(self._failed) >= 100_000:  # bounded; a key dropped here is still counted in the store
                self._failed.clear()
            self._failed.add(":".join(key))
        try:
            self.strategy.hit(item, *key)
        except StorageError as exc:
            self._store_failed(exc)

    def _retry_after(self, item: RateLimitItem, key: tuple[str, ...]) -> float:
        reset = self.strategy.get_window_stats(item, *key).reset_time
        return max(1.0, reset - time.time())

    def _store_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:
            self._warned_at = now
            log.warning("rate-limit store unavailable (%s): requests are served unlimited until it is back",
                        type(exc).__name__)


def check_workers(workers: int, settings: Settings | None = None) -> None:
    """More than one server worker with rate limits on needs the shared store (``XINYONG_REDIS_URL``): in
    memory each worker would count alone, and a limit would be multiplied by the workers."""
    from ..errors import InvalidInput, msg

    settings = settings or get_settings()
    limits_on = any(parse_limit(t, n) for t, n in ((settings.rate_portal, "XINYONG_RATE_PORTAL"),
                                                   (settings.rate_api, "XINYONG_RATE_API"),
                                                   (settings.rate_auth_failures, "XINYONG_RATE_AUTH_FAILURES")))
    if workers > 1 and limits_on and not settings.redis_url:
        raise InvalidInput(msg("{workers} workers count rate limits together only in Redis: set XINYONG_REDIS_URL "
                               "(or run one worker)", workers=workers), article="Art. 19(1)", field="workers")
