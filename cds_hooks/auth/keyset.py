"""Where a client's keys come from, and when to ask again.

A remote or file key set is cached for ``cache_seconds``. A token naming an unknown kid
triggers a reload, because that is how a client announces a key rotation; but reloads of
one source are spaced at least ``min_interval_seconds`` apart, so a stream of tokens with
made-up kids cannot turn this service into a load generator against the client's JWKS
server. When a reload fails the previous keys stay in use: a JWKS server that is briefly
down must not take every CDS call down with it.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from typing import Protocol

from cds_hooks.auth.jwks import JWKSError, Keys, PublicKey

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class KeySet(Protocol):
    def lookup(self, kid: str) -> tuple[PublicKey, ...]:
        """The keys named ``kid`` (none when unknown); raises JWKSError when no key is known at all."""
        ...


class StaticKeySet:
    """Keys given in the configuration itself: nothing to reload."""

    def __init__(self, keys: Keys) -> None:
        self._keys = keys

    def lookup(self, kid: str) -> tuple[PublicKey, ...]:
        return self._keys.get(kid, ())


class CachedKeySet:
    """Keys read through ``load`` (a download or a file read), cached and reloaded sparingly.

    The lock is held during a reload on purpose: concurrent requests wait for the one reload
    in flight instead of each starting their own.
    """

    def __init__(
        self,
        name: str,
        load: Callable[[], Keys],
        *,
        cache_seconds: float,
        min_interval_seconds: float,
        clock: Clock,
    ) -> None:
        self.name = name
        self._load = load
        self._cache_seconds = cache_seconds
        self._min_interval = min_interval_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: Keys | None = None
        self._loaded_at = -math.inf
        self._attempted_at = -math.inf

    def lookup(self, kid: str) -> tuple[PublicKey, ...]:
        with self._lock:
            now = self._clock()
            may_reload = now - self._attempted_at >= self._min_interval
            reloaded = False
            if may_reload and (self._keys is None or now - self._loaded_at >= self._cache_seconds):
                self._reload(now)
                reloaded = True
            if self._keys is None:
                raise JWKSError("no keys could be loaded yet")
            found = self._keys.get(kid, ())
            if not found and may_reload and not reloaded:
                self._reload(now)
                found = self._keys.get(kid, ())
            return found

    def _reload(self, now: float) -> None:
        self._attempted_at = now
        try:
            keys = self._load()
        except JWKSError as error:
            if self._keys is None:
                log.warning("JWK Set %s: %s", self.name, error)
                raise
            log.warning("JWK Set %s: %s; still using the keys loaded before", self.name, error)
            return
        self._keys = keys
        self._loaded_at = now
