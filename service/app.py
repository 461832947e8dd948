"""The Flask application factory: Microcyte's services mounted on the CDS Hooks blueprint."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from cds_hooks.auth import JWTVerifier
from cds_hooks.blueprint import Endpoints, init_app
from cds_hooks.feedback import FeedbackStore
from cds_hooks.feedback.sinks import StoreSinks
from cds_hooks.fhir.client import FhirFetcher
from cds_hooks.fhir.resolve import prefetch_filler
from cds_hooks.service import ServiceRegistry
from service import ops
from service.config import Settings, load_settings
from service.services import configured

SETTINGS_KEY = "microcyte.settings"
SINKS_KEY = "microcyte.feedback"

log = logging.getLogger(__name__)


def create_registry(settings: Settings) -> ServiceRegistry:
    return ServiceRegistry(configured(settings.workup))


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the WSGI application.

    ``config`` is a loaded :class:`Settings`, or a mapping of overrides applied on top of the
    environment and ``$MICROCYTE_CONFIG`` (handy in tests), or None for those alone.
    """
    settings = config if isinstance(config, Settings) else load_settings(**dict(config or {}))
    app = Flask("microcyte")
    app.config["MAX_CONTENT_LENGTH"] = settings.server.max_body_bytes
    app.extensions[SETTINGS_KEY] = settings
    fetcher = FhirFetcher(settings.fhir)
    sinks = StoreSinks(FeedbackStore(settings.storage.resolved_url(), pool_size=database_pool_size(settings)))
    atexit.register(fetcher.close)
    atexit.register(sinks.close)
    verifier = _verifier(settings)
    init_app(
        app,
        Endpoints(
            registry=create_registry(settings),
            cors=settings.cors,
            fill=prefetch_filler(fetcher),
            verifier=verifier,
            on_cards=sinks.on_cards,
            on_feedback=sinks.on_feedback,
            public_base_url=settings.server.public_base_url,
        ),
    )
    app.register_blueprint(ops.bp)
    readiness = {"feedback_storage": ops.Dependency(ops.BoundedCheck(sinks.readiness), False, "feedback")}
    if verifier is not None:
        readiness["replay_store"] = ops.Dependency(
            ops.BoundedCheck(verifier.replay_store_problem), True, "replay"
        )
    app.extensions[ops.READINESS_KEY] = readiness
    app.extensions[SINKS_KEY] = sinks
    return app


def database_pool_size(settings: Settings) -> int:
    """Connections one process may hold: one per server thread, one for the issued-cards
    recorder, one for a readiness probe. No overflow beyond it, so that the README's sum
    (instances x workers x this) bounds what the database sees."""
    return settings.server.threads + 2


def _verifier(settings: Settings) -> JWTVerifier | None:
    if not settings.auth.enabled:
        log.warning(
            "AUTHENTICATION IS OFF: any caller that reaches %s can use this service", settings.server.host
        )
        return None
    if not settings.auth.trusted_clients():
        log.warning("no trusted CDS clients are configured: every call will be refused with 401")
    return JWTVerifier(settings.auth)
