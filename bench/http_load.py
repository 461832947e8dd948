"""The service over HTTP: ``microcyte serve`` under gunicorn on loopback, loaded by wrk.

wrk (Debian package ``wrk``) keeps N connections busy for a fixed time, each sending the next
request as soon as the last is answered: N concurrent clients, as an EHR's users would be.
On a 2-core machine wrk shares the cores with the server's two workers, so the figures are a
floor for what a dedicated host would give.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.inprocess import SERVICE_URL, BenchError

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).with_name("post.lua")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
# A request slower than this counts as an error rather than a latency.
REQUEST_TIMEOUT_S = 10
# No proxy from the environment: every request here goes to 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class LoadRun:
    size: int
    clients: int
    seconds: float
    requests: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # connection errors, timeouts and answers other than 2xx/3xx

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wrk_command() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise BenchError("the HTTP benchmark needs wrk: apt-get install -y wrk (or run with --no-http)")
    return found


def _answers(url: str) -> bool:
    try:
        with _OPENER.open(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def running_server(workers: int, work: Path) -> Iterator[str]:
    """``microcyte serve --no-auth`` on a free loopback port; yields its base URL, then stops it."""
    with served(workers, work) as (base, _):
        yield base


@contextmanager
def served(workers: int, work: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The server of :func:`running_server`, with its process: gunicorn's master, the workers' parent.

    The server runs on its defaults (no configuration file or ``MICROCYTE_*`` variable of the
    caller's), but keeps the cards it records in ``work``, not in the checkout.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("MICROCYTE_")}
    env["MICROCYTE_DATA_DIR"] = str(work / "data")
    port = _free_port()
    log = work / "microcyte-serve.log"
    command = [sys.executable, "-m", "service", "serve", "--no-auth", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    base = f"http://127.0.0.1:{port}"
    with serving(
        "microcyte serve", command, cwd=ROOT, env=env, ready_url=f"{base}/healthz", log=log
    ) as process:
        yield base, process


@contextmanager
def serving(
    name: str, command: Sequence[str], *, cwd: Path, env: Mapping[str, str], ready_url: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server ``command`` until ``ready_url`` answers 200; stop it (terminate, then kill) after."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        until = time.monotonic() + START_TIMEOUT_S
        while not _answers(ready_url):
            if process.poll() is not None or time.monotonic() > until:
                raise BenchError(f"{name} did not start:\n{log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


def check_answer(base: str, body: bytes) -> int:
    """One request before the load: the number of cards, or BenchError when it was refused."""
    request = urllib.request.Request(
        base + SERVICE_URL, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with _OPENER.open(request, timeout=REQUEST_TIMEOUT_S) as reply:
            return len(orjson.loads(reply.read()).get("cards", []))
    except urllib.error.HTTPError as error:
        raise BenchError(f"the service answered HTTP {error.code}: {error.read()[:500]!r}") from None


def load(base: str, body_file: Path, size: int, clients: int, seconds: int) -> LoadRun:
    command = [
        wrk_command(),
        f"--threads={min(clients, 2)}",
        f"--connections={clients}",
        f"--duration={seconds}s",
        f"--timeout={REQUEST_TIMEOUT_S}s",
        f"--script={LUA_SCRIPT}",
        base + SERVICE_URL,
        "--",
        str(body_file),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed (exit {done.returncode}): {done.stderr[-1000:] or done.stdout[-1000:]}")
    figures = orjson.loads(line.removeprefix("BENCH-JSON "))
    errors = sum(figures[kind] for kind in ("connect", "read", "write", "status", "timeout"))
    return LoadRun(
        size=size,
        clients=clients,
        seconds=figures["duration_us"] / 1e6,
        requests=figures["requests"],
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        errors=errors,
    )
