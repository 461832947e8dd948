"""A throwaway redis-server (Debian package redis-server) for the tests of shared replay caches.

It keeps nothing on disk (no RDB, no AOF), as a Redis run without persistence does: a
restart comes back empty, the data loss the replay store must detect.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import redis

from tests.ports import free_port


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: apt-get install -y redis-server")
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until_ready(self)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def seed_epoch(self, at: float) -> None:
        """Make the replay store look as if it had remembered every token since ``at``: a
        deployment that has run for a while, rather than one started a moment ago."""
        from cds_hooks.auth.replay import EPOCH_KEY

        self.client().set(EPOCH_KEY, repr(at))

    def restart(self) -> None:
        """Stopped and started again on the same port: without persistence, with no data."""
        self.stop()
        self.start()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A throwaway redis-server on a free loopback port (Debian package redis-server)."""
    server = RedisServer(free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _wait_until_ready(server: RedisServer) -> None:
    assert server.process is not None
    client = redis.Redis.from_url(server.url, socket_connect_timeout=0.2)
    for _ in range(100):
        try:
            client.ping()
            return
        except redis.ConnectionError:
            try:
                server.process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail("redis-server exited at start-up")
    pytest.fail("redis-server did not answer")
