"""``microcyte serve`` as an operator starts it: a subprocess on a free loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import requests

from tests.paths import ROOT
from tests.ports import free_port

MICROCYTE = [sys.executable, "-m", "service"]


@contextmanager
def running(
    *args: str, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``microcyte serve`` answering at the base URL it yields, stopped with SIGTERM afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [*MICROCYTE, "serve", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{base}/healthz", timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(
                    process.stdout.read().decode() if process.stdout else "no output"
                ) from None
            time.sleep(0.1)
    try:
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
