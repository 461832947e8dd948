"""Who may call the CDS Hooks endpoints, and which FHIR servers a caller may name.

:func:`authenticate` runs before every request routed to the CDS Hooks blueprint and nowhere
else: /healthz, /readyz and /metrics are for orchestrators and scrapers, which carry no JWT.
A CORS preflight never reaches it (:mod:`cds_hooks.cors` answers first), as browsers send
preflights without the Authorization header. Refusals are raised, not answered here: they
are :class:`~cds_hooks.errors.CDSHooksError` like every other, and the app's error handlers
give them their status and headers. They are counted here, where their reason is known.
"""

from __future__ import annotations

from flask import g, request

from cds_hooks import metrics
from cds_hooks.auth import AuthenticationError, AuthenticationUnavailable, VerifiedClient
from cds_hooks.endpoints import current_endpoints
from cds_hooks.errors import CDSHooksError
from cds_hooks.paths import called_path


def authenticate() -> None:
    """Verify the caller's JWT, keeping the verified client in ``g.client``.

    A refusal is a bare 401, its reason only in the log and metrics. A token that cannot be
    checked now (the replay store is down or recovering) is a 503 with Retry-After: the
    client's credentials are not at fault, and a 401 would say so.
    """
    verifier = current_endpoints().verifier
    if verifier is None:
        return
    try:
        g.client = verifier.verify(request.headers.get("Authorization"), _audience())
    except AuthenticationError as failure:
        metrics.AUTH_FAILURES.labels(reason=failure.reason).inc()
        raise
    except AuthenticationUnavailable as unavailable:
        metrics.AUTH_UNAVAILABLE.labels(reason=unavailable.reason).inc()
        raise


def check_fhir_server(fhir_server: str | None) -> None:
    """A trusted client may only name the FHIR servers its configuration lists."""
    client: VerifiedClient | None = g.get("client")
    if fhir_server and client is not None and not client.client.may_name_fhir_server(fhir_server):
        raise CDSHooksError(
            403, "fhirServer is not one this client is configured to name", field="fhirServer"
        )


def _audience() -> str:
    # The URL as the client called it: that is the URL it signed as the token's audience.
    path = called_path(request.environ, request.path)
    base = current_endpoints().public_base_url
    if base:
        return base.rstrip("/") + path
    return request.root_url.rstrip("/") + path
