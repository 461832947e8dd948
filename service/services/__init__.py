"""The CDS services Microcyte offers; the app builds its registry from ``SERVICES``."""

from __future__ import annotations

from cds_hooks.service import CDSService
from service.services.iron_prescribing_check import build_iron_prescribing_check
from service.services.microcytosis_workup import build_microcytosis_workup
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings


def build_services(settings: WorkupSettings = DEFAULT_SETTINGS) -> tuple[CDSService, ...]:
    """The services with a site's design defaults (see ``WorkupSettings``)."""
    return (build_microcytosis_workup(settings), build_iron_prescribing_check(settings))


SERVICES: tuple[CDSService, ...] = build_services()
