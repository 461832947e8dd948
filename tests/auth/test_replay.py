"""Replay protection in one process (memory) and across instances (a real redis-server)."""

from __future__ import annotations

import pytest

from cds_hooks.auth import (
    AuthenticationError,
    AuthenticationUnavailable,
    AuthSettings,
    JWTVerifier,
    MemoryReplayCache,
    RedisReplayCache,
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


@pytest.fixture
def store(redis_server: RedisServer, clock: Clock) -> RedisServer:
    """A replay store that has remembered every jti for an hour."""
    redis_server.seed_epoch(clock.now - 3600)
    return redis_server


def test_a_token_used_on_one_instance_is_refused_on_another(
    ec_key: SigningKey, clock: Clock, store: RedisServer
) -> None:
    first, second = instance(ec_key, clock, store.url), instance(ec_key, clock, store.url)
    token = ec_key.mint(clock)

    assert first.verify(bearer(token), AUDIENCE).iss == ISSUER
    with pytest.raises(AuthenticationError, match="token replayed"):
        second.verify(bearer(token), AUDIENCE)
    assert second.verify(bearer(ec_key.mint(clock)), AUDIENCE).iss == ISSUER


def test_redis_forgets_a_jti_once_its_token_has_expired(
    ec_key: SigningKey, clock: Clock, store: RedisServer
) -> None:
    instance(ec_key, clock, store.url).verify(bearer(ec_key.mint(clock, lifetime=120)), AUDIENCE)
    client = store.client()
    (key,) = client.keys("cds-hooks:jti:*")
    assert 120 < client.ttl(key) <= 120 + 30  # the token's remaining life plus the leeway


def test_a_redis_outage_makes_tokens_uncheckable_rather_than_letting_replays_through(
    ec_key: SigningKey, clock: Clock, store: RedisServer
) -> None:
    verifier = instance(ec_key, clock, store.url)
    verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE)
    store.stop()
    with pytest.raises(AuthenticationUnavailable, match="replay store unavailable"):
        verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE)
    assert verifier.replay_store_problem() == "Redis failed (ConnectionError)"


@pytest.mark.parametrize("loss", ["restart", "flushall"])
def test_after_a_loss_every_token_issued_before_the_new_epoch_is_refused(
    ec_key: SigningKey, clock: Clock, store: RedisServer, loss: str
) -> None:
    first, second = instance(ec_key, clock, store.url), instance(ec_key, clock, store.url)
    used = [ec_key.mint(clock, lifetime=900) for _ in range(20)]
    for token in used:
        first.verify(bearer(token), AUDIENCE)
    clock.advance(60)
    issued_just_before = ec_key.mint(clock)  # never used: its fate is still unknowable
    if loss == "restart":
        store.restart()
    else:
        store.client().flushall()

    # The first call after the loss notices it and starts a new epoch; whichever instance
    # that is, both then see it. Until the leeway has passed even a token minted now may be
    # one used before the loss by a client whose clock runs ahead: wait, then a new token.
    for verifier in (second, first):
        for token in used:
            with pytest.raises(AuthenticationUnavailable) as unavailable:
                verifier.verify(bearer(token), AUDIENCE)
            assert unavailable.value.retry_after_seconds == 30
    with pytest.raises(AuthenticationUnavailable):
        second.verify(bearer(issued_just_before), AUDIENCE)

    clock.advance(30)  # past the epoch and the leeway: fresh tokens pass, old ones never do
    for token in [*used, issued_just_before]:
        with pytest.raises(AuthenticationError, match="issued before the replay store lost its data"):
            first.verify(bearer(token), AUDIENCE)
    assert second.verify(bearer(ec_key.mint(clock)), AUDIENCE).iss == ISSUER


def test_a_client_clock_ahead_by_the_leeway_cannot_slip_a_used_token_past_a_loss(
    ec_key: SigningKey, clock: Clock, store: RedisServer
) -> None:
    verifier = instance(ec_key, clock, store.url)
    ahead = ec_key.mint(clock, iat=int(clock.now) + 29, exp=int(clock.now) + 600)
    verifier.verify(bearer(ahead), AUDIENCE)
    store.client().flushall()
    clock.advance(40)
    with pytest.raises(AuthenticationUnavailable):  # notices the loss: the epoch is now
        verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE)
    clock.advance(31)
    with pytest.raises(AuthenticationError, match="lost its data"):
        verifier.verify(bearer(ahead), AUDIENCE)


def test_a_new_store_starts_its_epoch_once_for_every_instance(
    ec_key: SigningKey, clock: Clock, redis_server: RedisServer
) -> None:
    first = RedisReplayCache.from_url(redis_server.url, clock=clock)
    assert first.start_epoch() == clock.now
    clock.advance(10)
    assert RedisReplayCache.from_url(redis_server.url, clock=clock).start_epoch() == clock.now - 10
