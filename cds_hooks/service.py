"""A CDS service, declared once beside its handler.

    @cds_service(
        id="my-service",
        hook="patient-view",
        title="...",
        description="...",
        prefetch={"patient": PrefetchTemplate("Patient/{{context.patientId}}", required=True)},
    )
    def my_service(call: HookCall) -> CDSResponse: ...

The declaration is the discovery entry, the prefetch contract and the handler in one
object, so the three can never drift apart (the pattern of HAPI FHIR's CDS Hooks module).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from cds_hooks.models import CDSRequest, CDSResponse, Coding, ServiceDescriptor
from cds_hooks.prefetch import PrefetchData, PrefetchTemplate

# Context members each hook REQUIRES (CDS Hooks hook library 1.0.1).
HOOK_CONTEXT: dict[str, tuple[str, ...]] = {
    "patient-view": ("userId", "patientId"),
    "order-select": ("userId", "patientId", "selections", "draftOrders"),
    "order-sign": ("userId", "patientId", "draftOrders"),
    "encounter-start": ("userId", "patientId", "encounterId"),
    "encounter-discharge": ("userId", "patientId", "encounterId"),
}


@dataclass(frozen=True)
class HookCall:
    """What a handler gets: the validated request and the data behind each prefetch key."""

    request: CDSRequest
    prefetch: PrefetchData
    received_at: datetime

    @property
    def context(self) -> Mapping[str, Any]:
        return self.request.context


# Called with the HookCall, and with the options the server bound to the service (its settings).
Handler = Callable[..., CDSResponse]


@dataclass(frozen=True)
class CDSService:
    id: str
    hook: str
    title: str
    description: str
    handler: Handler
    prefetch: Mapping[str, PrefetchTemplate] = field(default_factory=dict)
    usage_requirements: str | None = None
    # The reasons this service's cards offer for overriding them. A client may send back only
    # the reason's system and code; the feedback report names the reason with these displays.
    override_reasons: tuple[Coding, ...] = ()

    def descriptor(self) -> ServiceDescriptor:
        return ServiceDescriptor(
            hook=self.hook,
            id=self.id,
            title=self.title,
            description=self.description,
            prefetch={key: template.query for key, template in self.prefetch.items()} or None,
            usageRequirements=self.usage_requirements,
        )

    def __call__(self, call: HookCall) -> CDSResponse:
        return self.handler(call)

    def bind(self, **options: Any) -> CDSService:
        """The same service with ``options`` passed to its handler on every call.

        A service is declared once, at module level; the server that mounts it binds the
        site's settings to it, so the declaration never depends on configuration.
        """
        return replace(self, handler=functools.partial(self.handler, **options))


def cds_service(
    *,
    id: str,
    hook: str,
    title: str,
    description: str,
    prefetch: Mapping[str, PrefetchTemplate] | None = None,
    usage_requirements: str | None = None,
    override_reasons: Sequence[Coding] = (),
) -> Callable[[Handler], CDSService]:
    """Declare a handler as a CDS service."""

    def declare(handler: Handler) -> CDSService:
        return CDSService(
            id=id,
            hook=hook,
            title=title,
            description=description,
            handler=handler,
            prefetch=dict(prefetch or {}),
            usage_requirements=usage_requirements,
            override_reasons=tuple(override_reasons),
        )

    return declare


class ServiceRegistry:
    """The services one server offers, by id, in declaration order."""

    def __init__(self, services: Sequence[CDSService] = ()) -> None:
        self._services: dict[str, CDSService] = {}
        for service in services:
            self.add(service)

    def add(self, service: CDSService) -> None:
        if service.id in self._services:
            raise ValueError(f"two services share the id {service.id!r}")
        self._services[service.id] = service

    def get(self, service_id: str) -> CDSService | None:
        return self._services.get(service_id)

    def override_reason_displays(self) -> dict[tuple[str, str], str]:
        """The display of every override reason the services' cards offer, by (system, code)."""
        return {
            (reason.system, reason.code): reason.display
            for service in self._services.values()
            for reason in service.override_reasons
            if reason.system and reason.code and reason.display
        }

    def for_hook(self, hook: str) -> list[CDSService]:
        return [s for s in self._services.values() if s.hook == hook]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._services.values())

    def __len__(self) -> int:
        return len(self._services)
