"""Operations endpoints, unauthenticated so orchestrators and scrapers can reach them.

``/healthz`` says the process answers; ``/readyz`` says it can answer hook calls, so a load
balancer sends them elsewhere when it cannot. What hook calls need (configuration, keys, the
replay store) is *required*: its failure makes the instance unready. The feedback database is
*reported*: hook calls do not need it, and taking every instance out of the balancer when the
shared database is down would fail the calls that could be answered (feedback itself answers
503 meanwhile, and the EHR sends it again). ``/metrics`` is the Prometheus page. None of them
reveals patient data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from flask import Blueprint, Response, current_app

from cds_hooks import metrics
from cds_hooks.responses import json_response

READINESS_KEY = "microcyte.readiness"
# A frozen store (a stopped process, a partitioned network) can hold a probe forever; a load
# balancer's check gives up after a few seconds and would count a hung probe as a down
# instance. Each check answers within this time, "no answer" included.
PROBE_TIMEOUT_SECONDS = 2.0

# Each check returns None when fine, or a short reason when not.
ReadinessCheck = Callable[[], str | None]


@dataclass(frozen=True)
class Dependency:
    """One readiness check: ``required`` ones make the instance unready, the others degrade it.

    ``store`` names it in the ``cds_store_up`` metric, when it is a store.
    """

    check: ReadinessCheck
    required: bool = True
    store: str | None = None


class BoundedCheck:
    """A check run on a thread of its own and awaited at most ``timeout_seconds``.

    Probes that arrive while one is still running wait for that one rather than start
    another, so a frozen store costs one stuck thread, not one per probe.
    """

    def __init__(self, check: ReadinessCheck, timeout_seconds: float = PROBE_TIMEOUT_SECONDS) -> None:
        self._check = check
        self._timeout = timeout_seconds
        self._lock = threading.Lock()
        self._running: Future[str | None] | None = None

    def __call__(self) -> str | None:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = Future()
                threading.Thread(
                    target=self._run, args=(self._running,), name="readiness-probe", daemon=True
                ).start()
            running = self._running
        try:
            return running.result(timeout=self._timeout)
        except TimeoutError:
            return f"no answer within {self._timeout:g} s"

    def _run(self, future: Future[str | None]) -> None:
        try:
            future.set_result(self._check())
        except Exception as error:  # a probe must report, not crash the endpoint
            future.set_result(f"probe failed ({type(error).__name__})")


bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return json_response({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    dependencies: dict[str, Dependency] = current_app.extensions.get(READINESS_KEY, {})
    checks: dict[str, str] = {}
    unready = degraded = False
    for name, dependency in dependencies.items():
        problem = dependency.check()
        checks[name] = problem or "ok"
        if dependency.store is not None:
            metrics.STORE_UP.labels(store=dependency.store).set(0 if problem else 1)
        if problem is not None:
            unready = unready or dependency.required
            degraded = True
    if unready:
        return json_response({"status": "unavailable", "checks": checks}, 503)
    return json_response({"status": "degraded" if degraded else "ready", "checks": checks})


@bp.get("/metrics")
def prometheus() -> Response:
    page, content_type = metrics.exposition()
    return Response(page, content_type=content_type)
