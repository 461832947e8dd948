"""A progress bar for long replays, on stderr, drawn only for a person watching a terminal.

It is off when stdout or stderr is not a terminal: a replay whose output is piped, redirected or
logged by a scheduler gets no control characters in it.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


def wanted(stdout: TextIO | None = None, stderr: TextIO | None = None) -> bool:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    return bool(out.isatty() and err.isatty())


class ProgressBar:
    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.label = ""
        self.total: int | None = None
        self.done = 0
        self._started = time.monotonic()
        self._drawn = 0.0

    def begin(self, label: str, total: int | None) -> None:
        self.finish()
        self.label, self.total, self.done = label, total, 0
        self._started = time.monotonic()
        self._draw(force=True)

    def advance(self, count: int = 1) -> None:
        self.done += count
        self._draw(force=self.total is not None and self.done >= self.total)

    def finish(self) -> None:
        if self.enabled and self.label:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
        self.label = ""

    def _draw(self, *, force: bool) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self._drawn < 0.2):
            return
        self._drawn = now
        elapsed = f"{now - self._started:.0f} s"
        if self.total:
            filled = WIDTH * min(self.done, self.total) // self.total
            bar = "#" * filled + "-" * (WIDTH - filled)
            text = f"\r{self.label} [{bar}] {self.done}/{self.total} {elapsed}"
        else:
            text = f"\r{self.label} {self.done} done {elapsed}"
        self.stream.write(text)
        self.stream.flush()
