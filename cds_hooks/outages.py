"""Logging a store outage once per interval, not once per call it fails.

With a store down every call fails the same way: a line per call buries the log (thousands
a second under load) and says nothing the first line did not. The first failure is logged,
then one line per interval with how many failed since, and one line when the store answers
again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

DEFAULT_INTERVAL_SECONDS = 30.0


class OutageLog:
    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        level: int = logging.ERROR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self._level = level
        self._what = what
        self._interval = interval_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._since: float | None = None
        self._last_line = 0.0
        self._unlogged = 0

    def failed(self, reason: str) -> None:
        """One more failure; ``reason`` must be safe to log (a fixed phrase, no client input)."""
        with self._lock:
            now = self._clock()
            if self._since is None:
                self._since, self._last_line, self._unlogged = now, now, 0
                self._log.log(self._level, "%s unavailable: %s", self._what, reason)
                return
            self._unlogged += 1
            if now - self._last_line < self._interval:
                return
            count, self._unlogged, self._last_line = self._unlogged, 0, now
        self._log.log(
            self._level,
            "%s still unavailable after %.0f s: %s (%d more failures)",
            self._what,
            now - self._since,
            reason,
            count,
        )

    def succeeded(self) -> None:
        if self._since is None:  # the common case, without taking the lock
            return
        with self._lock:
            if self._since is None:
                return
            lasted, self._since = self._clock() - self._since, None
        self._log.warning("%s available again after %.0f s", self._what, lasted)
