"""Fixtures for the authentication tests: generated keys, a clock, local JWKS servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.auth.support import Clock, KeyServer, SigningKey

StartServer = Callable[..., KeyServer]


@pytest.fixture(scope="session")
def ec_key() -> SigningKey:
    return SigningKey(ec.generate_private_key(ec.SECP384R1()), kid="ec-2027-01", alg="ES384")


@pytest.fixture(scope="session")
def rsa_key() -> SigningKey:
    return SigningKey(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), kid="rsa-2027", alg="RS384"
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def serve_keys() -> Iterator[StartServer]:
    """Start JWKS servers on free loopback ports; each is stopped after the test."""
    started: list[KeyServer] = []

    def start(jwks: dict[str, Any] | None = None) -> KeyServer:
        server = KeyServer.start(jwks or {"keys": []})
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def offline_session(serve_keys: StartServer) -> Iterator[tuple[requests.Session, KeyServer]]:
    """A session whose every request goes to a local recorder instead of the Internet."""
    recorder = serve_keys()
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"http": recorder.base, "https": recorder.base}
    yield session, recorder
    session.close()
