"""Remembering which tokens were already used, so a captured token cannot be played again.

A ``jti`` only needs remembering until its token expires (plus the leeway): after that the
token is refused as expired anyway. One process keeps them in memory; several instances
behind a load balancer must share a Redis, or a token replayed against another instance
would pass.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

REDIS_KEY_PREFIX = "cds-hooks:jti:"
DEFAULT_MAX_ENTRIES = 200_000


class ReplayStoreError(Exception):
    """The store could not answer; the message names the failure, never the store's URL."""


class ReplayCache(Protocol):
    def first_use(self, key: str, ttl_seconds: int) -> bool:
        """Record ``key`` for ``ttl_seconds``; False when it was already recorded and alive."""
        ...


def replay_key(issuer: str, jti: str) -> str:
    """One fixed-length key per (issuer, jti): two issuers may pick the same jti, and hashing
    keeps a client-chosen string of any length or content out of the store's key space."""
    return hashlib.sha256(f"{issuer}\x00{jti}".encode()).hexdigest()


class MemoryReplayCache:
    """Thread-safe, expiring, bounded.

    When full, the entry closest to expiry is dropped: it is the one whose replay window is
    nearly closed anyway. Reaching the bound means the traffic wants the Redis store.
    """

    def __init__(
        self, max_entries: int = DEFAULT_MAX_ENTRIES, clock: Callable[[], float] = time.time
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._expires: dict[str, float] = {}
        self._by_expiry: list[tuple[float, str]] = []

    def first_use(self, key: str, ttl_seconds: int) -> bool:
        with self._lock:
            now = self._clock()
            self._forget_expired(now)
            if key in self._expires:
                return False
            expires_at = now + ttl_seconds
            self._expires[key] = expires_at
            heapq.heappush(self._by_expiry, (expires_at, key))
            if len(self._expires) > self._max_entries:
                self._drop_soonest()
                log.warning("the in-memory replay cache is full; configure a Redis replay_store")
            return True

    def _forget_expired(self, now: float) -> None:
        while self._by_expiry and self._by_expiry[0][0] <= now:
            self._drop_soonest()

    def _drop_soonest(self) -> None:
        expires_at, key = heapq.heappop(self._by_expiry)
        if self._expires.get(key) == expires_at:
            del self._expires[key]


class RedisReplayCache:
    """``SET key 1 NX EX ttl``: one atomic round trip decides first use across all instances."""

    def __init__(self, client: redis.Redis) -> None:
        import redis as redis_module

        self._client = client
        self._errors = redis_module.RedisError

    @classmethod
    def from_url(cls, url: str, *, timeout_seconds: float = 1.0) -> RedisReplayCache:
        try:
            import redis as redis_module
        except ImportError:
            raise RuntimeError(
                "replay_store names a Redis server but the 'redis' package is not installed"
            ) from None
        client = redis_module.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        return cls(client)

    def first_use(self, key: str, ttl_seconds: int) -> bool:
        try:
            created = self._client.set(REDIS_KEY_PREFIX + key, 1, nx=True, ex=ttl_seconds)
        except self._errors as error:
            raise ReplayStoreError(f"Redis failed ({type(error).__name__})") from None
        return bool(created)


def replay_cache_for(replay_store: str, *, clock: Callable[[], float] = time.time) -> ReplayCache:
    """The store ``AuthSettings.replay_store`` names: ``"memory"`` or a Redis URL."""
    if replay_store == "memory":
        return MemoryReplayCache(clock=clock)
    return RedisReplayCache.from_url(replay_store)
