"""Running the pipeline's stages on builder data, for the stage tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cds_hooks.models import CDSRequest
from cds_hooks.prefetch import read_prefetch
from cds_hooks.service import HookCall
from service.chart.model import Chart
from service.chart.read import read_chart
from service.labs.panel import Labs, collect
from service.services import SERVICES
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
SERVICE = next(s for s in SERVICES if s.id == "microcytosis-workup")
IRON_CHECK = next(s for s in SERVICES if s.id == "iron-prescribing-check")


def chart_of(resources: list[dict[str, Any]], now: datetime = NOW) -> Chart:
    from tests.clinical.builders import PATIENT_ID

    return read_chart(resources, PATIENT_ID, now)


def labs_of(observations: list[dict[str, Any]], settings: WorkupSettings = DEFAULT_SETTINGS) -> Labs:
    return collect(chart_of(observations), settings)


def call_of(body: dict[str, Any], now: datetime = NOW) -> HookCall:
    """The call as the blueprint would prepare it, for the service of the request's hook."""
    request = CDSRequest.model_validate(body)
    service = IRON_CHECK if request.hook == "order-select" else SERVICE
    return HookCall(
        request=request, prefetch=read_prefetch(service.prefetch, request.prefetch), received_at=now
    )
