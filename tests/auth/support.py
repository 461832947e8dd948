"""Test helpers: keys that mint CDS client tokens, a settable clock, a local JWKS server."""

from __future__ import annotations

import json
import posixpath
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import jwt
import requests
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from cds_hooks.auth import AuthSettings, JWTVerifier, TrustedClient

AUDIENCE = "https://cds.example.org/cds-services/microcyte-workup"
ISSUER = "https://ehr.example.org/fhir"
T0 = 1_800_000_000.0  # 2027-01-15: far from the wall clock, so only the test clock matters


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class SigningKey:
    private: Any
    kid: str
    alg: str

    def public_jwk(self, **members: Any) -> dict[str, Any]:
        algorithm = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        jwk: dict[str, Any] = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": self.alg}, **members)
        return jwk

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def mint(
        self,
        clock: Clock,
        *,
        lifetime: float = 300,
        drop: tuple[str, ...] = (),
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A token as a CDS client signs it; ``claims`` override, ``drop`` removes claims,
        and a ``header`` member set to None is left out."""
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(clock.now),
            "exp": int(clock.now + lifetime),
            "jti": str(uuid.uuid4()),
        }
        payload.update(claims)
        for name in drop:
            payload.pop(name)
        headers = {"typ": "JWT", "kid": self.kid, **(header or {})}
        # PyJWT adds typ by itself unless given typ=None, so that one None is passed on.
        headers = {name: value for name, value in headers.items() if value is not None or name == "typ"}
        return jwt.encode(payload, self.private, algorithm=self.alg, headers=headers)


def bearer(token: str) -> str:
    return f"Bearer {token}"


@dataclass
class Hit:
    method: str
    path: str
    accept: str | None


@dataclass
class KeyServer:
    """A JWKS server on 127.0.0.1 that answers like Epic: XML unless JSON is asked for.

    It also records CONNECT requests, so a session proxied through it proves that no
    request for a remote key set left this machine. Given ``routes``, it serves a key set
    per path instead, resolving the path as a lenient static file server does: decoded
    twice, backslashes taken for slashes, ``;parameters`` dropped, dot segments removed.
    """

    jwks: dict[str, Any]
    hits: list[Hit] = field(default_factory=list)
    status: int = 200
    body: bytes | None = None
    location: str | None = None
    delay_seconds: float = 0.0
    routes: dict[str, dict[str, Any]] | None = None
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str = "/.well-known/jwks.json") -> str:
        return self.base + path

    @classmethod
    def start(cls, jwks: dict[str, Any]) -> KeyServer:
        state = cls(jwks=jwks)
        state.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
        threading.Thread(
            target=state.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return state

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def resolve(target: str) -> str:
    """The file a lenient server would answer for a request target."""
    path = unquote(unquote(target.split("?", 1)[0])).replace("\\", "/")
    path = "/".join(segment.split(";", 1)[0] for segment in path.split("/"))
    return posixpath.normpath(path)


def _handler(state: KeyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            accept = self.headers.get("Accept")
            state.hits.append(Hit("GET", self.path, accept))
            time.sleep(state.delay_seconds)  # widens the window in which concurrent fetches overlap
            status = state.status
            if state.routes is not None:
                jwks = state.routes.get(resolve(self.path))
                status = 200 if jwks is not None else 404
                body, kind = json.dumps(jwks or {}).encode(), "application/json"
            elif state.body is not None:
                body, kind = state.body, "application/json"
            elif "application/json" in (accept or ""):
                body, kind = json.dumps(state.jwks).encode(), "application/json"
            else:
                body, kind = b"<JWKS><Keys/></JWKS>", "application/xml"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if state.location is not None:
                self.send_header("Location", state.location)
            self.end_headers()
            self.wfile.write(body)

        def do_CONNECT(self) -> None:
            state.hits.append(Hit("CONNECT", self.path, None))
            self.send_error(403)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def verifier_for(
    clock: Clock,
    *,
    session: requests.Session | None = None,
    settings: dict[str, Any] | None = None,
    **client: Any,
) -> JWTVerifier:
    """A verifier trusting one client (issuer ISSUER unless given) built from ``client`` fields."""
    client.setdefault("iss", ISSUER)
    auth = AuthSettings(clients=[TrustedClient(**client)], **(settings or {}))
    return JWTVerifier(auth, session=session, clock=clock)
