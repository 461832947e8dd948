"""The CDS services Microcyte offers, each declared once in its own module beside its handler."""

from __future__ import annotations

from cds_hooks.service import CDSService
from service.services.iron_prescribing_check import iron_prescribing_check
from service.services.microcytosis_workup import microcytosis_workup
from service.workup_settings import WorkupSettings

SERVICES: tuple[CDSService, ...] = (microcytosis_workup, iron_prescribing_check)


def configured(settings: WorkupSettings) -> tuple[CDSService, ...]:
    """The services with a site's design defaults (see ``WorkupSettings``) bound to them."""
    return tuple(service.bind(settings=settings) for service in SERVICES)
