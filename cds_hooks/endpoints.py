"""What the CDS Hooks endpoints need from the application that mounts them.

The blueprint is one module-level object, shared by every app that registers it, so what
differs between apps (the services, the verifier, the stores) is not captured in it: the app
holds one :class:`Endpoints` in ``app.extensions``, as a Flask extension keeps its state,
and each request reads it back through :func:`current_endpoints`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app

from cds_hooks.auth import JWTVerifier
from cds_hooks.cors import CorsSettings
from cds_hooks.handling import PrefetchFiller
from cds_hooks.models import CDSResponse, FeedbackRequest
from cds_hooks.service import CDSService, ServiceRegistry

EXTENSION_KEY = "cds_hooks"

CardsSink = Callable[[CDSService, CDSResponse, datetime], None]
FeedbackSink = Callable[[CDSService, FeedbackRequest, datetime], None]


@dataclass
class Endpoints:
    """What the blueprint needs from the application that mounts it.

    ``verifier`` authenticates every call (None: authentication is off); ``on_cards``
    records issued cards; ``on_feedback`` stores feedback and must raise rather than lose it.
    """

    registry: ServiceRegistry
    cors: CorsSettings = field(default_factory=CorsSettings)
    fill: PrefetchFiller | None = None
    verifier: JWTVerifier | None = None
    on_cards: CardsSink | None = None
    on_feedback: FeedbackSink | None = None
    public_base_url: str | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def current_endpoints() -> Endpoints:
    endpoints: Endpoints = current_app.extensions[EXTENSION_KEY]
    return endpoints
