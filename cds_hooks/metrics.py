"""Prometheus metrics of a CDS Hooks server.

Labels carry service ids, hooks, statuses, rule codes and reasons: never anything about a
patient. Under gunicorn with several workers the metrics are aggregated across processes
through prometheus_client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``), so a scrape
sees the whole server rather than whichever worker answered it.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from cds_hooks.models import CDSResponse

# Hook calls are expected in milliseconds; the spec's guidance is about 500 ms.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)

REQUESTS = Counter(
    "cds_requests_total", "CDS Hooks HTTP requests answered", ["endpoint", "service", "hook", "status"]
)
LATENCY = Histogram(
    "cds_request_duration_seconds",
    "Time to answer a CDS Hooks HTTP request",
    ["endpoint", "service"],
    buckets=LATENCY_BUCKETS,
)
CARDS = Counter("cds_cards_total", "Cards issued", ["service", "rule", "indicator"])
FHIR_FETCHES = Counter("cds_fhir_fetches_total", "FHIR queries run for missing prefetch", ["outcome"])
AUTH_FAILURES = Counter("cds_auth_failures_total", "Calls refused by JWT authentication", ["reason"])
FEEDBACK_ITEMS = Counter("cds_feedback_items_total", "Feedback items stored", ["service", "outcome"])
# store: "feedback" (the feedback database); the replay store's count is cds_auth_unavailable_total.
STORE_ERRORS = Counter(
    "cds_store_errors_total", "Operations that failed because a store did not answer", ["store"]
)
STORE_UP = Gauge(
    "cds_store_up",
    "Whether a store answered the last readiness probe (1) or not (0)",
    ["store"],
    multiprocess_mode="livemostrecent",
)
AUTH_UNAVAILABLE = Counter(
    "cds_auth_unavailable_total",
    "Calls answered 503 because their token could not be checked (replay store down or recovering)",
    ["reason"],
)
ISSUED_CARDS_PENDING = Gauge(
    "cds_issued_cards_pending",
    "Issued cards waiting for the feedback database to record them",
    multiprocess_mode="livesum",
)
ISSUED_CARDS_DROPPED = Counter(
    "cds_issued_cards_dropped_total",
    "Issued cards never recorded (the feedback database was down too long)",
    ["service", "rule"],
)


# The labelled series every request updates, kept by their labels. ``labels()`` checks and
# joins its arguments and takes a lock on every call; the labels are bounded (endpoints,
# service ids, hooks, statuses, rules), so each series is looked up once.
@functools.lru_cache(maxsize=4096)
def request_series(endpoint: str, service: str, hook: str, status: str) -> Any:
    return REQUESTS.labels(endpoint, service, hook, status)


@functools.lru_cache(maxsize=4096)
def latency_series(endpoint: str, service: str) -> Any:
    return LATENCY.labels(endpoint, service)


@functools.lru_cache(maxsize=4096)
def card_series(service: str, rule: str, indicator: str) -> Any:
    return CARDS.labels(service=service, rule=rule, indicator=indicator)


def count_cards(service_id: str, response: CDSResponse) -> None:
    for card in response.cards:
        rule = card.source.topic.code if card.source.topic else "unknown"
        card_series(service_id, rule, card.indicator).inc()


def exposition() -> tuple[bytes, str]:
    """The metrics page: of all worker processes when running under several."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
