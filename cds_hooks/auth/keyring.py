"""All the keys one trusted client may sign with, and the choice among them for a token.

Configured keys are looked up first, so a token whose ``jku`` points at a key set this
service already holds (the sandbox preset) causes no fetch. A ``jku`` is consulted only
when it lies under one of the client's prefixes (``TrustedClient.jku_url``); a refused
``jku`` is never fetched, and an accepted one is fetched in the spelling that was checked.

Anyone can send a token, signed or not, so the jku sources a client's prefixes admit are
bounded: at most ``MAX_JKU_SOURCES`` are remembered, and a jku not seen before is fetched
at most once per refresh interval, so made-up URLs under an allowed prefix cannot be used
to make this service hammer the client's server.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import partial

import requests

from cds_hooks.auth.client import TrustedClient
from cds_hooks.auth.errors import AuthenticationError
from cds_hooks.auth.jwks import JWKSError, Keys, PublicKey, fetch_jwks, parse_jwks, read_jwks_file
from cds_hooks.auth.keyset import CachedKeySet, Clock, KeySet, StaticKeySet
from cds_hooks.auth.settings import AuthSettings

MAX_JKU_SOURCES = 8


class ClientKeyring:
    def __init__(
        self, client: TrustedClient, settings: AuthSettings, session: requests.Session, clock: Clock
    ) -> None:
        self._client = client
        self._settings = settings
        self._session = session
        self._clock = clock
        self._configured: list[KeySet] = []
        if client.jwks is not None:
            self._configured.append(StaticKeySet(parse_jwks(client.jwks)))
        if client.jwks_file is not None:
            self._configured.append(
                self._cached(str(client.jwks_file), partial(read_jwks_file, client.jwks_file))
            )
        if client.jwks_url is not None:
            self._configured.append(self._remote(client.jwks_url))
        self._jku_lock = threading.Lock()
        self._jku_sources: OrderedDict[str, CachedKeySet] = OrderedDict()
        self._new_jku_at = -math.inf

    def keys_for(self, kid: str, jku: str | None) -> tuple[PublicKey, ...]:
        """The candidate keys for a token's ``kid`` and optional ``jku`` header."""
        url = None if jku is None else self._client.jku_url(jku)
        if jku is not None and url is None:
            raise AuthenticationError("jku not allowed for this issuer", issuer=self._client.iss)
        sources = list(self._configured)
        if url is not None and url != self._client.jwks_url:
            sources.append(self._jku_source(url))
        unavailable = False
        for source in sources:
            try:
                found = source.lookup(kid)
            except JWKSError:
                unavailable = True
                continue
            if found:
                return found
        reason = "signing keys unavailable" if unavailable else "unknown kid"
        raise AuthenticationError(reason, issuer=self._client.iss)

    def _jku_source(self, url: str) -> KeySet:
        with self._jku_lock:
            source = self._jku_sources.get(url)
            if source is not None:
                self._jku_sources.move_to_end(url)
                return source
            now = self._clock()
            if now - self._new_jku_at < self._settings.jwks_refresh_min_interval_seconds:
                raise AuthenticationError("too many new jku URLs for this issuer", issuer=self._client.iss)
            self._new_jku_at = now
            # Named by the issuer, not the URL: a jku is the sender's text and is never logged.
            source = self._remote(url, name=f"from a jku of {self._client.iss}")
            self._jku_sources[url] = source
            if len(self._jku_sources) > MAX_JKU_SOURCES:
                self._jku_sources.popitem(last=False)
            return source

    def _remote(self, url: str, name: str | None = None) -> CachedKeySet:
        fetch = partial(fetch_jwks, self._session, url, self._settings.jwks_timeout_seconds)
        return self._cached(name or url, fetch)

    def _cached(self, name: str, load: Callable[[], Keys]) -> CachedKeySet:
        return CachedKeySet(
            name,
            load,
            cache_seconds=self._settings.jwks_cache_seconds,
            min_interval_seconds=self._settings.jwks_refresh_min_interval_seconds,
            clock=self._clock,
        )
