"""HealthChain's CDS Hooks service answering patient-view with one fixed card: the peer of the comparison.

Not imported by the project: bench/peer_servers.py copies it into a throwaway virtualenv that
holds HealthChain (PyPI ``healthchain``), and uvicorn serves it from there. It is written as
HealthChain's documentation writes a service (``HealthChainAPI``, ``CDSHooksService``, a hook
handler returning a ``CDSResponse``), on HealthChain's defaults. Two variants, chosen by
``$BENCH_PEER_VARIANT``:

- ``bare``: the handler returns the card; FastAPI still reads the body into HealthChain's
  ``CDSRequest`` model, but nothing in the prefetch is looked at.
- ``parsed``: the handler first turns the prefetch into FHIR resources with HealthChain's own
  ``convert_prefetch_to_fhir_objects`` (fhir.resources, R4B by HealthChain's default), as its
  ``CdsFhirAdapter`` does before a pipeline sees the data.

HealthChain keeps a resource it cannot parse as the raw dict and only logs a warning; the
``parsed`` handler fails instead, so a chart that did not parse answers no card and the bench's
check before the load stops the run rather than time a parse that did not happen.
"""

import json
import os

from healthchain.fhir import convert_prefetch_to_fhir_objects
from healthchain.gateway import CDSHooksService, HealthChainAPI
from healthchain.models import CDSRequest, CDSResponse

VARIANT = os.environ["BENCH_PEER_VARIANT"]
SERVICE_ID = os.environ["BENCH_PEER_SERVICE_ID"]
RESPONSE = CDSResponse(cards=[json.loads(os.environ["BENCH_PEER_CARD"])])

app = HealthChainAPI(title="Microcyte bench peer")
cds = CDSHooksService()


def _bare(request: CDSRequest) -> CDSResponse:
    return RESPONSE


def _parsed(request: CDSRequest) -> CDSResponse:
    resources = convert_prefetch_to_fhir_objects(request.prefetch or {})
    unparsed = sorted(key for key, value in resources.items() if isinstance(value, dict))
    if unparsed:
        raise ValueError(f"HealthChain did not parse the prefetch keys {unparsed}")
    return RESPONSE


HANDLERS = {"bare": _bare, "parsed": _parsed}
cds.hook("patient-view", id=SERVICE_ID)(HANDLERS[VARIANT])
app.register_service(cds)
