"""Remembering which tokens were already used, so a captured token cannot be played again.

A ``jti`` only needs remembering until its token expires (plus the leeway): after that the
token is refused as expired anyway. One process keeps them in memory; several instances
behind a load balancer must share a Redis, or a token replayed against another instance
would pass.

A store that forgets (Redis restarted without persistence, a FLUSHALL, a failover to an
empty replica) would let every token used before be played once more until it expires. So
the Redis store keeps an *epoch* marker, the moment since which it has remembered every
jti: written once, when absent, and read in the same atomic step that records each jti. A
lost store has lost its marker too; the step that notices writes a new one, and the
verifier refuses every token issued before the new epoch, as it may have been used already.
A loss then costs refusals for one token lifetime at most, never an accepted replay.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

REDIS_KEY_PREFIX = "cds-hooks:jti:"
EPOCH_KEY = "cds-hooks:replay-epoch"
DEFAULT_MAX_ENTRIES = 200_000
REDIS_TIMEOUT_SECONDS = 1.0

# One round trip, atomic: reading the marker and recording the jti cannot straddle a loss, so
# a jti recorded in a store that forgot is always seen with the new epoch. A token issued
# before the epoch is refused whatever the store holds, so it is not recorded: it stays
# refused for that reason alone. Times come from the caller, on the verifier's clock.
_RECORD = """
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
end
if tonumber(ARGV[3]) < tonumber(epoch) then return {epoch, 1} end
local first = redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2])
if first then return {epoch, 1} end
return {epoch, 0}
"""


class ReplayStoreError(Exception):
    """The store could not answer; the message names the failure, never the store's URL."""


@dataclass(frozen=True)
class Use:
    """What the store said of one jti.

    ``first`` is False when the jti was recorded and alive. ``epoch`` is the time (on the
    verifier's clock) since which the store remembers every jti: a token issued before it
    may have been used in a past the store forgot, and was not recorded.
    """

    first: bool
    epoch: float


class ReplayCache(Protocol):
    def record(self, key: str, ttl_seconds: int, issued_at: float) -> Use:
        """Record ``key`` for ``ttl_seconds`` unless ``issued_at`` is before the store's epoch;
        ReplayStoreError when the store cannot answer."""
        ...

    def problem(self) -> str | None:
        """None when the store answers now; otherwise why not (for readiness)."""
        ...


def replay_key(issuer: str, jti: str) -> str:
    """One fixed-length key per (issuer, jti): two issuers may pick the same jti, and hashing
    keeps a client-chosen string of any length or content out of the store's key space."""
    return hashlib.sha256(f"{issuer}\x00{jti}".encode()).hexdigest()


class MemoryReplayCache:
    """Thread-safe, expiring, bounded; its memory is the process's.

    When full, the entry closest to expiry is dropped: it is the one whose replay window is
    nearly closed anyway. Reaching the bound means the traffic wants the Redis store. Its
    epoch is minus infinity: a restart of the process is a restart of the service, and the
    README says what it costs.
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

    def record(self, key: str, ttl_seconds: int, issued_at: float) -> Use:
        return Use(first=self.first_use(key, ttl_seconds), epoch=-math.inf)

    def problem(self) -> str | None:
        return None

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
    """jtis in a Redis shared by every instance, with the epoch marker that exposes a loss."""

    def __init__(self, client: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        import redis as redis_module

        self._client = client
        self._clock = clock
        self._errors = redis_module.RedisError
        self._record = client.register_script(_RECORD)
        self._epoch_seen: float | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout_seconds: float = REDIS_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> RedisReplayCache:
        try:
            import redis as redis_module
        except ImportError:
            raise RuntimeError(
                "replay_store names a Redis server but the 'redis' package is not installed"
            ) from None
        client = redis_module.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        return cls(client, clock)

    def record(self, key: str, ttl_seconds: int, issued_at: float) -> Use:
        keys = [EPOCH_KEY, REDIS_KEY_PREFIX + key]
        args: list[str | int] = [repr(self._clock()), ttl_seconds, repr(issued_at)]
        epoch, first = self._call(lambda: self._record(keys=keys, args=args))
        return Use(first=bool(first), epoch=self._epoch(epoch))

    def start_epoch(self) -> float:
        """Read the epoch, writing it first if absent (at start-up: the store must answer)."""
        if self._call(lambda: self._client.set(EPOCH_KEY, repr(self._clock()), nx=True)):
            log.warning(
                "the replay store held no epoch marker (a new store, or one that lost its data):"
                " tokens issued before now are refused for their lifetime"
            )
        return self._epoch(self._call(lambda: self._client.get(EPOCH_KEY)))

    def close(self) -> None:
        self._client.close()

    def problem(self) -> str | None:
        try:
            self._call(self._client.ping)
        except ReplayStoreError as error:
            return str(error)
        return None

    def _call(self, command: Callable[[], Any]) -> Any:
        try:
            return command()
        except self._errors as error:
            raise ReplayStoreError(f"Redis failed ({type(error).__name__})") from None

    def _epoch(self, text: object) -> float:
        try:
            epoch = float(text.decode() if isinstance(text, bytes) else str(text))
        except ValueError:
            raise ReplayStoreError("the replay epoch marker in Redis is not a number") from None
        with self._lock:
            changed, self._epoch_seen = self._epoch_seen is not None and epoch != self._epoch_seen, epoch
        if changed:
            log.warning(
                "the replay store lost its data (a new epoch began at %s): tokens issued before it"
                " are refused, as they may have been used already; make Redis persistent",
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)),
            )
        return epoch


def describe_store(replay_store: str) -> str:
    """The store as it may appear in logs and error messages: a Redis URL without its password."""
    parts = urlsplit(replay_store)
    if parts.password is None:
        return replay_store
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def replay_cache_for(replay_store: str, *, clock: Callable[[], float] = time.time) -> ReplayCache:
    """The store ``AuthSettings.replay_store`` names: ``"memory"`` or a Redis URL."""
    if replay_store == "memory":
        return MemoryReplayCache(clock=clock)
    return RedisReplayCache.from_url(replay_store, clock=clock)
