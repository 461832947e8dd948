"""``microcyte serve`` as an operator starts it: a subprocess on a free loopback port.

Its output goes to a file, not to a pipe read only at the end: a pipe holds 64 KiB at most (a
page, for a user over the kernel's pipe quota), and a server whose next log line does not fit
waits for it, mid-request or mid-stop, as long as the test does.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import requests

from tests.paths import ROOT
from tests.ports import free_port

MICROCYTE = [sys.executable, "-m", "service"]
# A stop with no call in flight takes about a second; gunicorn's bound for calls in flight is
# the graceful timeout (30 s by default), past which it kills its workers.
STOP_S = 30


@contextmanager
def running(
    *args: str, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``microcyte serve`` answering at the base URL it yields, stopped with SIGTERM afterwards.

    ``process.stdout`` reads the server's output (stderr included) from its start.
    """
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="microcyte-serve-", suffix=".log")  # noqa: SIM115
    process = subprocess.Popen(
        [*MICROCYTE, "serve", "--port", str(port), *args],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    process.stdout = open(log.name, "rb")  # noqa: SIM115
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, process, log.name)
        yield base, process
        _stop(process, log.name)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        # What the test has not read yet stays readable after the block; the file goes.
        rest = process.stdout.read()
        process.stdout.close()
        process.stdout = io.BytesIO(rest)
        log.close()


def _wait_until_ready(base: str, process: subprocess.Popen[bytes], log: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{base}/healthz", timeout=1)
            return
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"microcyte serve did not start; its output:\n{_tail(log)}") from None
            time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes], log: str) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"microcyte serve did not stop within {STOP_S} s of SIGTERM; its output:\n{_tail(log)}"
        ) from None


def _tail(path: str, lines: int = 60) -> str:
    with open(path, "rb") as output:
        return "\n".join(output.read().decode(errors="replace").splitlines()[-lines:])
