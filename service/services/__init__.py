"""The CDS services Microcyte offers, each declared once in its own module beside its handler."""

from __future__ import annotations

from cds_hooks.service import CDSService
from service.services.iron_prescribing_check import iron_prescribing_check, iron_prescribing_check_sign
from service.services.microcytosis_workup import microcytosis_workup
from service.services.workup_order_check import workup_order_check, workup_order_check_sign
from service.workup_settings import WorkupSettings

SERVICES: tuple[CDSService, ...] = (
    microcytosis_workup,
    iron_prescribing_check,
    iron_prescribing_check_sign,
    workup_order_check,
    workup_order_check_sign,
)


def configured(settings: WorkupSettings) -> tuple[CDSService, ...]:
    """The services with a site's design defaults (see ``WorkupSettings``) bound to them."""
    return tuple(service.bind(settings=settings) for service in SERVICES)
