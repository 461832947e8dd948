"""Replay protection in one process (memory) and across instances (a real redis-server)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from cds_hooks.auth import (
    AuthenticationError,
    AuthSettings,
    JWTVerifier,
    MemoryReplayCache,
    TrustedClient,
)
from tests.auth.support import AUDIENCE, ISSUER, Clock, SigningKey, bearer
from tests.ports import free_port

# --- in memory --------------------------------------------------------------------------


def test_a_key_is_refused_until_it_expires(clock: Clock) -> None:
    cache = MemoryReplayCache(clock=clock)
    assert cache.first_use("jti-1", 60) is True
    assert cache.first_use("jti-1", 60) is False
    clock.advance(59)
    assert cache.first_use("jti-1", 60) is False
    clock.advance(1)
    assert cache.first_use("jti-1", 60) is True


def test_a_full_cache_drops_the_entry_closest_to_expiry(clock: Clock) -> None:
    cache = MemoryReplayCache(max_entries=2, clock=clock)
    cache.first_use("long", 900)
    cache.first_use("short", 10)
    cache.first_use("medium", 300)

    assert cache.first_use("short", 10) is True  # dropped to make room
    assert cache.first_use("long", 900) is False
    assert cache.first_use("medium", 300) is False


def test_a_cache_needs_room_for_one_entry() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        MemoryReplayCache(max_entries=0)


# --- Redis ------------------------------------------------------------------------------


@dataclass
class RedisServer:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A throwaway redis-server on a free loopback port (Debian package redis-server)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: apt-get install -y redis-server")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(f"redis://127.0.0.1:{port}/0", process)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        server.stop()


def _wait_until_ready(server: RedisServer) -> None:
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


def instance(ec_key: SigningKey, clock: Clock, url: str) -> JWTVerifier:
    settings = AuthSettings(clients=[TrustedClient(iss=ISSUER, jwks=ec_key.jwks())], replay_store=url)
    return JWTVerifier(settings, clock=clock)


def test_a_token_used_on_one_instance_is_refused_on_another(
    ec_key: SigningKey, clock: Clock, redis_server: RedisServer
) -> None:
    first, second = instance(ec_key, clock, redis_server.url), instance(ec_key, clock, redis_server.url)
    token = ec_key.mint(clock)

    assert first.verify(bearer(token), AUDIENCE).iss == ISSUER
    with pytest.raises(AuthenticationError, match="token replayed"):
        second.verify(bearer(token), AUDIENCE)
    assert second.verify(bearer(ec_key.mint(clock)), AUDIENCE).iss == ISSUER


def test_redis_forgets_a_jti_once_its_token_has_expired(
    ec_key: SigningKey, clock: Clock, redis_server: RedisServer
) -> None:
    instance(ec_key, clock, redis_server.url).verify(bearer(ec_key.mint(clock, lifetime=120)), AUDIENCE)
    store = redis.Redis.from_url(redis_server.url)
    (key,) = store.keys("cds-hooks:jti:*")
    assert 120 < store.ttl(key) <= 120 + 30  # the token's remaining life plus the leeway


def test_a_redis_outage_refuses_calls_rather_than_letting_replays_through(
    ec_key: SigningKey, clock: Clock, redis_server: RedisServer
) -> None:
    verifier = instance(ec_key, clock, redis_server.url)
    verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE)
    redis_server.stop()
    with pytest.raises(AuthenticationError, match="replay store unavailable"):
        verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE)
