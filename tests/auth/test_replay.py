"""Replay protection in one process (memory) and across instances (a real redis-server)."""

from __future__ import annotations

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
from tests.redisserver import RedisServer

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
